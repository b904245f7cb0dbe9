import Synchronization

/// Counts each caller's requests in flight and refuses those past a bound.
final class CallerLimiter: Sendable {
    private let inFlight = Mutex<[String: Int]>([:])
    let limit: Int

    init(limit: Int) { self.limit = max(1, limit) }

    /// Takes a slot for `caller`; false when it already holds `limit`.
    func acquire(_ caller: String) -> Bool {
        inFlight.withLock { counts in
            let current = counts[caller, default: 0]
            guard current < limit else { return false }
            counts[caller] = current + 1
            return true
        }
    }

    func release(_ caller: String) {
        inFlight.withLock { counts in
            if let current = counts[caller], current > 1 {
                counts[caller] = current - 1
            } else {
                counts[caller] = nil
            }
        }
    }
}
