public import Logging
import Synchronization

/// Captures log lines so tests can assert on what was logged (a plugin's `print`, a
/// refusal the host reports).
public final class LogCapture: Sendable {
    public struct Line: Sendable {
        public var level: Logger.Level
        public var message: String
        public var metadata: [String: String]
    }

    private let storage = Mutex<[Line]>([])

    public init() {}

    /// Every line logged so far, oldest first.
    public var lines: [Line] { storage.withLock { $0 } }

    /// The messages logged so far.
    public var messages: [String] { lines.map(\.message) }

    public func append(_ line: Line) { storage.withLock { $0.append(line) } }

    /// A logger whose lines land here.
    public var logger: Logger {
        Logger(label: "test") { _ in Handler(capture: self) }
    }

    struct Handler: LogHandler {
        let capture: LogCapture
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .trace

        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }

        func log(event: LogEvent) {
            var flat: [String: String] = [:]
            for (k, v) in metadata.merging(event.metadata ?? [:], uniquingKeysWith: { $1 }) { flat[k] = "\(v)" }
            capture.append(Line(level: event.level, message: "\(event.message)", metadata: flat))
        }
    }
}
