import Testing

@testable import Wire

/// Nonces signed now by one process are never repeated, nor behind the clock.
@Suite struct NonceSequenceTests {
    @Test func noncesAreDistinctAcrossThreadsAndNearTheClock() async {
        let before = BTAuth.now()
        let perTask = 50_000
        let nonces = await withTaskGroup(of: [Int64].self) { group in
            for _ in 0..<4 {
                group.addTask { (0..<perTask).map { _ in BTAuth.nextNonce() } }
            }
            return await group.reduce(into: [Int64]()) { $0 += $1 }
        }
        #expect(Set(nonces).count == nonces.count)
        #expect(nonces.min()! >= before)
        // No further ahead of the clock than the number of nonces handed out.
        #expect(nonces.max()! <= BTAuth.now() + Int64(nonces.count))
    }

    /// Ahead of a repeated clock reading by one; behind a clock set back by more than a
    /// second, with the clock; ahead of a clock set back less.
    @Test func noncesFollowTheClockAndAClockSetBack() {
        let sequence = NonceSequence()
        let t: Int64 = 1_732_406_400_000_000_000
        #expect(sequence.next(now: t) == t)
        #expect(sequence.next(now: t) == t + 1)
        #expect(sequence.next(now: t - 500_000_000) == t + 2)  // half a second back: still ahead
        #expect(sequence.next(now: t + 10) == t + 10)
        #expect(sequence.next(now: t - 5_000_000_000) == t - 5_000_000_000)  // set back 5 s
        #expect(sequence.next(now: t - 5_000_000_000) == t - 4_999_999_999)
    }

    @Test func defaultNoncesOfSignedRequestsAreDistinct() throws {
        let signer = BTAuthSigner(hotkey: Golden.sender)
        let nonces = (0..<2_000).map { _ in
            signer.headers(method: "POST", target: "/", body: [], receiver: Golden.receiver.address)
                .first { $0.name == BTAuth.Header.nonce }!.value
        }
        #expect(Set(nonces).count == nonces.count)
    }
}
