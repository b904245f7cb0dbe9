import Foundation
import Logging
import LuaSandbox
@_exported import LuaSandboxTesting
import Synchronization

/// The repository root, found from this file's path.
let repositoryRoot = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

/// Limits for tests: small enough that attacks end fast, large enough for real work.
func testLimits(
    memoryMiB: Double = 32, instructions: UInt64 = 20_000_000, timeout: Double = 10
) -> SandboxLimits {
    var limits = SandboxLimits.default
    limits.memoryBytes = Int(memoryMiB * 1_048_576)
    limits.instructions = instructions
    limits.timeoutSeconds = timeout
    return limits
}

/// Captures log lines so tests can assert on `print` output.
final class LogCapture: Sendable {
    struct Line: Sendable {
        var level: Logger.Level
        var message: String
        var metadata: [String: String]
    }

    private let storage = Mutex<[Line]>([])

    var lines: [Line] { storage.withLock { $0 } }

    func append(_ line: Line) { storage.withLock { $0.append(line) } }

    var logger: Logger {
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
