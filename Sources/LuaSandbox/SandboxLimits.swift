import Foundation

/// The limits a ``Sandbox`` applies to every operation.
///
/// Defaults come from `sandbox/limits.json` (embedded at build time). Each limit that is
/// hit fails the operation with a ``SandboxError`` of the matching kind and leaves the
/// sandbox usable for the next call.
///
/// ```swift
/// var limits = SandboxLimits.default
/// limits.memoryBytes = 16 << 20
/// limits.instructions = 10_000_000
/// let sandbox = try Sandbox(name: "echo-sum", limits: limits)
/// ```
public struct SandboxLimits: Sendable, Hashable, Codable {
    /// Bytes the Lua state may hold (the custom allocator's cap).
    public var memoryBytes: Int
    /// Lua VM instructions (and pattern-matching steps) per operation; 0 means unlimited.
    public var instructions: UInt64
    /// Wall-clock seconds per operation; 0 means unlimited.
    public var timeoutSeconds: Double
    /// How deeply tables crossing into Swift may nest.
    public var maxValueDepth: Int
    /// How many bytes (in the bridge encoding) a value crossing into Swift may take.
    public var maxValueBytes: Int
    /// Bytes of `print`/`warn` output per operation before output is truncated.
    public var maxOutputBytes: Int

    public init(
        memoryBytes: Int, instructions: UInt64, timeoutSeconds: Double, maxValueDepth: Int,
        maxValueBytes: Int, maxOutputBytes: Int
    ) {
        self.memoryBytes = memoryBytes
        self.instructions = instructions
        self.timeoutSeconds = timeoutSeconds
        self.maxValueDepth = maxValueDepth
        self.maxValueBytes = maxValueBytes
        self.maxOutputBytes = maxOutputBytes
    }

    /// The limits in `sandbox/limits.json`.
    public static let `default`: SandboxLimits = {
        do {
            return try JSONDecoder().decode(SandboxLimits.self, from: Data(SandboxDefinition.limitsJSON.utf8))
        } catch {
            // The file is embedded at build time and checked by a test; a failure here is a
            // build defect, not something a user can cause.
            preconditionFailure("sandbox/limits.json does not decode: \(error)")
        }
    }()

    /// Checks that every limit is usable; the message names the bad one.
    public func validate() throws(SandboxError) {
        func bad(_ text: String) -> SandboxError { SandboxError(kind: .value, message: text) }
        guard memoryBytes >= 256 * 1024 else {
            throw bad("memory limit must be at least 256 KiB (got \(memoryBytes) bytes)")
        }
        guard timeoutSeconds >= 0, timeoutSeconds.isFinite else {
            throw bad("timeout must be a finite number of seconds ≥ 0 (got \(timeoutSeconds))")
        }
        guard (1...1000).contains(maxValueDepth) else {
            throw bad("value depth limit must be between 1 and 1000 (got \(maxValueDepth))")
        }
        guard maxValueBytes >= 64 else { throw bad("value size limit must be at least 64 bytes") }
        guard maxOutputBytes >= 0 else { throw bad("output limit must be ≥ 0") }
    }
}
