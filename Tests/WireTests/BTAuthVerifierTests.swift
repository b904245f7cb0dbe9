import HTTPTypes
import Testing

@testable import Wire

@Suite struct BTAuthVerifierTests {
    let verifier = BTAuthVerifier(receiver: Golden.receiver.address)

    func goldenHeaders() -> [(name: String, value: String)] {
        BTAuthSigner(hotkey: Golden.sender).headers(
            method: "POST", target: Golden.path, body: Golden.body, receiver: Golden.receiver.address,
            nonce: Golden.nonce)
    }

    @Test func goldenVectorReproducesByteForByte() {
        let headers = goldenHeaders()
        #expect(lookup(headers)(BTAuth.Header.signature) == Golden.signature)
        #expect(lookup(headers)(BTAuth.Header.hotkey) == Golden.senderAddress)
        #expect(lookup(headers)(BTAuth.Header.receiver) == Golden.receiverAddress)
        #expect(lookup(headers)(BTAuth.Header.crypto) == "ed25519")
        #expect(lookup(headers)(BTAuth.Header.nonce) == "1732406400000000000")
        #expect(Digest.sha256Hex(Golden.body) == Golden.bodySHA256)
        let payload = String(
            decoding: BTAuth.payload(
                scheme: .ed25519, method: "post", target: Golden.path, bodySHA256Hex: Golden.bodySHA256,
                nonce: Golden.nonce, sender: Golden.senderAddress, receiver: Golden.receiverAddress),
            as: UTF8.self)
        #expect(
            payload
                == "btauth/1\ned25519\nPOST\n/v1/subnets/1/forward\n\(Golden.bodySHA256)\n1732406400000000000\n"
                + "\(Golden.senderAddress)\n\(Golden.receiverAddress)")
    }

    @Test func goldenRequestVerifiesInsideItsWindow() throws {
        let caller = try verifier.verify(
            method: "POST", target: Golden.path, header: lookup(goldenHeaders()), body: Golden.body,
            now: Golden.nonce + 1_000_000_000)
        #expect(caller.hotkey.string == Golden.senderAddress)
        #expect(caller.nonce == Golden.nonce)
    }

    func rejection(
        _ edit: (inout [(name: String, value: String)]) -> Void = { _ in }, method: String = "POST",
        target: String = Golden.path, body: [UInt8] = Golden.body, now: Int64 = Golden.nonce,
        verifier: BTAuthVerifier? = nil
    ) -> BTAuthRejection? {
        var headers = goldenHeaders()
        edit(&headers)
        do {
            _ = try (verifier ?? self.verifier).verify(
                method: method, target: target, header: lookup(headers), body: body, now: now)
            return nil
        } catch {
            return error
        }
    }

    static func set(_ name: String, _ value: String?) -> (inout [(name: String, value: String)]) -> Void {
        { headers in
            headers.removeAll { $0.name.lowercased() == name.lowercased() }
            if let value { headers.append((name, value)) }
        }
    }

    @Test func eachCheckRefusesWithItsReason() {
        typealias R = BTAuthRejection.Reason
        #expect(rejection(Self.set(BTAuth.Header.version, "2"))?.reason == R.malformed)
        #expect(rejection(Self.set(BTAuth.Header.hotkey, nil))?.reason == R.malformed)
        #expect(rejection(Self.set(BTAuth.Header.nonce, "12abc"))?.reason == R.malformed)
        #expect(rejection(Self.set(BTAuth.Header.signature, "0xnothex"))?.reason == R.malformed)
        #expect(rejection(Self.set(BTAuth.Header.crypto, "rsa"))?.reason == R.malformed)
        #expect(rejection(Self.set(BTAuth.Header.receiver, nil))?.reason == R.wrongReceiver)
        #expect(rejection(Self.set(BTAuth.Header.receiver, Golden.senderAddress))?.reason == R.wrongReceiver)
        #expect(rejection(now: Golden.nonce + 10_000_000_001)?.reason == R.stale)
        #expect(rejection(now: Golden.nonce - 2_000_000_001)?.reason == R.stale)
        // Without the header the request is sr25519 (as the SDK decides): an ed25519
        // signature then does not verify.
        #expect(rejection(Self.set(BTAuth.Header.crypto, nil))?.reason == R.badSignature)
        #expect(rejection(body: Array(#"{"numbers":[1,2,4]}"#.utf8))?.reason == R.badSignature)
        #expect(rejection(target: "/v1/subnets/2/forward")?.reason == R.badSignature)
        #expect(rejection(method: "PUT")?.reason == R.badSignature)
        #expect(rejection(Self.set(BTAuth.Header.nonce, String(Golden.nonce + 1)))?.reason == R.badSignature)
        #expect(rejection(Self.set(BTAuth.Header.hotkey, Golden.receiverAddress))?.reason == R.badSignature)
        #expect(rejection(Self.set(BTAuth.Header.hotkey, "5notanaddress"))?.reason == R.malformed)
        #expect(rejection(Self.set(BTAuth.Header.signature, "0x00"))?.reason == R.malformed)
    }

    @Test func theOrderOfChecksIsTheSDKs() {
        // Wrong receiver and stale: the receiver check comes first.
        #expect(
            rejection(Self.set(BTAuth.Header.receiver, Golden.senderAddress), now: Golden.nonce + 60_000_000_000)?
                .reason == .wrongReceiver)
        // Stale and badly signed: freshness comes first.
        #expect(rejection(body: [1], now: Golden.nonce + 60_000_000_000)?.reason == .stale)
        // A stale request with an undecodable hotkey is stale (the address is decoded at step 4).
        #expect(rejection(Self.set(BTAuth.Header.hotkey, "x"), now: Golden.nonce + 60_000_000_000)?.reason == .stale)
    }

    @Test func headerNamesAreCaseInsensitiveAndCryptoIsParsedLikeTheSDK() {
        #expect(rejection { headers in headers = headers.map { ($0.name.uppercased(), $0.value) } } == nil)
        let verifier = BTAuthVerifier(receiver: Golden.receiver.address)
        #expect(rejection(Self.set(BTAuth.Header.crypto, " ED25519 "), verifier: verifier) == nil)
        let other = BTAuthVerifier(receiver: Golden.receiver.address)
        #expect(rejection(Self.set(BTAuth.Header.crypto, "0"), verifier: other) == nil)
    }

    @Test func aReplayIsRefusedOnlyAfterTheFirstSucceeded() {
        let verifier = BTAuthVerifier(receiver: Golden.receiver.address)
        // A forged copy does not poison the replay memory for the real sender.
        #expect(rejection(body: [1], verifier: verifier)?.reason == .badSignature)
        #expect(rejection(verifier: verifier) == nil)
        #expect(rejection(verifier: verifier)?.reason == .replayed)
        #expect(verifier.rememberedNonces == 1)
    }

    @Test func messagesNeverEchoTheSignature() {
        let all = [
            rejection(Self.set(BTAuth.Header.signature, "0xzz")), rejection(body: [1]),
            rejection(Self.set(BTAuth.Header.receiver, "x")),
        ]
        for case let rejection? in all {
            #expect(!rejection.message.contains("d885d03a"))
            #expect(!rejection.message.contains(Golden.bodySHA256))
        }
    }
}

@Suite struct ReplayGuardTests {
    @Test func entriesExpireAfterTheirWindow() {
        let guardian = ReplayGuard(retention: .seconds(10), capacity: 1_000)
        let t: Int64 = 1_700_000_000_000_000_000
        #expect(guardian.record(sender: "a", nonce: t, now: t) == nil)
        #expect(guardian.record(sender: "a", nonce: t, now: t + 9_000_000_000) == .replayed)
        #expect(guardian.record(sender: "b", nonce: t, now: t) == nil)
        #expect(guardian.count == 2)
        // Past the window (plus the bucket's second) the entries are dropped, lazily per shard
        // on its next write: 400 fresh pairs reach every shard (all but certainly), and only
        // they remain.
        let later = t + 13_000_000_000
        for i in 0..<400 { #expect(guardian.record(sender: "s\(i)", nonce: later, now: later) == nil) }
        #expect(guardian.count == 400)
    }

    @Test func aFullMemoryRefusesRatherThanForgets() {
        let guardian = ReplayGuard(retention: .seconds(10), capacity: 16)  // one per shard
        let t: Int64 = 1_700_000_000_000_000_000
        var overloaded = 0
        var accepted: [Int64] = []
        for i in 0..<400 {
            switch guardian.record(sender: "a", nonce: t + Int64(i), now: t) {
            case nil: accepted.append(t + Int64(i))
            case .overloaded?: overloaded += 1
            default: Issue.record("unexpected outcome")
            }
        }
        #expect(accepted.count == 16)
        #expect(overloaded == 384)
        // Every accepted pair is still remembered.
        for nonce in accepted { #expect(guardian.record(sender: "a", nonce: nonce, now: t) == .replayed) }
    }

    @Test func nonceParsing() throws {
        #expect(try BTAuthVerifier.parseNonce("42") == 42)
        #expect(try BTAuthVerifier.parseNonce(" 42 ") == 42)
        #expect(throws: BTAuthRejection(.malformed, "X-Bittensor-Nonce is not a decimal integer")) {
            try BTAuthVerifier.parseNonce("4e2")
        }
        #expect(throws: BTAuthRejection.self) { try BTAuthVerifier.parseNonce("") }
        #expect(
            throws: BTAuthRejection(.stale, "nonce is outside the freshness window")
        ) { try BTAuthVerifier.parseNonce("99999999999999999999999") }
    }
}

/// `checkHeaders` on a request's HTTP fields (the axon's and the chain API's path).
@Suite struct BTAuthVerifierHTTPFieldsTests {
    let verifier = BTAuthVerifier(receiver: Golden.receiver.address)

    func fields(_ headers: [(name: String, value: String)]) -> HTTPFields {
        var fields = HTTPFields()
        for (name, value) in headers { fields.append(HTTPField(name: HTTPField.Name(name)!, value: value)) }
        return fields
    }

    @Test func readsTheSameHeadersAsALookUpByName() throws {
        // Any case, other headers around them, as HTTP/1 delivers them.
        let golden = BTAuthSigner(hotkey: Golden.sender).headers(
            method: "POST", target: Golden.path, body: Golden.body, receiver: Golden.receiver.address,
            nonce: Golden.nonce)
        let mixed =
            [("Host", "miner"), ("X-Bittensor-Extra", "1")]
            + golden.enumerated().map { i, h in (i % 2 == 0 ? h.name.lowercased() : h.name.uppercased(), h.value) }
            + [("Content-Type", "application/json")]
        let pending = try verifier.checkHeaders(fields(mixed), now: Golden.nonce)
        let byName = try verifier.checkHeaders(lookup(golden), now: Golden.nonce)
        #expect(pending.sender == byName.sender)
        #expect(pending.nonce == byName.nonce)
        #expect(pending.scheme == byName.scheme)
        #expect(pending.signature == byName.signature)
        #expect(pending.receiver == byName.receiver)
        let caller = try verifier.verify(
            pending, method: "POST", target: Golden.path, body: Golden.body, now: Golden.nonce)
        #expect(caller.hotkey.string == Golden.senderAddress)
    }

    @Test func aRepeatedHeaderIsJoinedAsHTTPFieldsJoinIt() {
        let golden = BTAuthSigner(hotkey: Golden.sender).headers(
            method: "POST", target: Golden.path, body: Golden.body, receiver: Golden.receiver.address,
            nonce: Golden.nonce)
        // A second nonce: "n, n" is not a decimal integer, as the look-up by name would read it.
        let twice = fields(golden + golden.filter { $0.name == BTAuth.Header.nonce })
        #expect(twice[HTTPField.Name(BTAuth.Header.nonce)!] == "\(Golden.nonce), \(Golden.nonce)")
        #expect(throws: BTAuthRejection.self) { try verifier.checkHeaders(twice, now: Golden.nonce) }
        do {
            _ = try verifier.checkHeaders(twice, now: Golden.nonce)
        } catch {
            #expect(error.reason == .malformed)
            #expect(error.message == "\(BTAuth.Header.nonce) is not a decimal integer")
        }
        // Missing: refused as the look-up by name refuses it.
        let without = fields(golden.filter { $0.name != BTAuth.Header.signature })
        #expect(throws: BTAuthRejection.self) { try verifier.checkHeaders(without, now: Golden.nonce) }
    }
}
