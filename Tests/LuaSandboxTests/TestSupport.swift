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
