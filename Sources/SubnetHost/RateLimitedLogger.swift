public import Logging
import Synchronization

/// A logger that writes at most one line per key per interval: events a plugin or a miner
/// can repeat at will (refused store writes, failed answers) are logged, and cannot flood
/// the log. Lines dropped in between are counted and reported with the next line.
public final class RateLimitedLogger: Sendable {
    public let logger: Logger
    public let interval: Duration
    private let now: @Sendable () -> ContinuousClock.Instant
    private let last = Mutex<[String: (at: ContinuousClock.Instant, dropped: Int)]>([:])
    /// Keys remembered at once; past it the memory starts over (a few extra lines at most).
    private static let maxKeys = 4_096

    /// - Parameter now: the clock (tests drive it).
    public init(
        logger: Logger, interval: Duration = .seconds(1),
        now: @escaping @Sendable () -> ContinuousClock.Instant = { ContinuousClock.now }
    ) {
        self.logger = logger
        self.interval = interval
        self.now = now
    }

    /// Logs `message` unless a line with the same `key` (default: the message) was logged
    /// less than `interval` ago. Returns whether it was written.
    @discardableResult
    public func log(
        _ level: Logger.Level, _ message: @autoclosure () -> String, key: String? = nil,
        metadata: Logger.Metadata = [:]
    ) -> Bool {
        let text = message()
        let key = key ?? text
        let time = now()
        let dropped: Int? = last.withLock { seen in
            if let entry = seen[key], time < entry.at.advanced(by: interval) {
                seen[key]!.dropped += 1
                return nil
            }
            if seen.count >= Self.maxKeys { seen.removeAll(keepingCapacity: true) }
            let dropped = seen[key]?.dropped ?? 0
            seen[key] = (time, 0)
            return dropped
        }
        guard let dropped else { return false }
        var metadata = metadata
        if dropped > 0 { metadata["repeated"] = "\(dropped)" }
        logger.log(level: level, "\(text)", metadata: metadata)
        return true
    }

    public func warning(_ message: @autoclosure () -> String, key: String? = nil, metadata: Logger.Metadata = [:]) {
        log(.warning, message(), key: key, metadata: metadata)
    }
}
