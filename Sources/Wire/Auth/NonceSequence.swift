import Synchronization

/// Nonces for requests signed now: the wall clock in nanoseconds, but never a value this
/// sequence gave out before, so no two requests signed from it can be taken for a replay of
/// each other, however many are signed at once on however many cores.
///
/// When the clock is set back by more than a second, nonces follow it: servers judge
/// freshness by their own clocks, and nonces running ahead of the clock would be refused as
/// from the future.
public final class NonceSequence: Sendable {
    /// The process's sequence, which ``BTAuth/nextNonce()`` and default-nonce signing use.
    public static let shared = NonceSequence()

    private let last = Atomic<Int64>(0)

    public init() {}

    /// The next nonce at the clock's reading `now` (nanoseconds since the Unix epoch).
    public func next(now: Int64 = BTAuth.now()) -> Int64 {
        var previous = last.load(ordering: .relaxed)
        while true {
            let nonce = previous &- now > 1_000_000_000 ? now : max(now, previous &+ 1)
            let (exchanged, seen) = last.compareExchange(expected: previous, desired: nonce, ordering: .relaxed)
            if exchanged { return nonce }
            previous = seen
        }
    }
}
