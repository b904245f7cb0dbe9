import Foundation
import Testing

@testable import LuaSandbox

@Suite("sandbox/ is what the binary embeds")
struct SandboxDefinitionTests {
    @Test(arguments: ["prelude.lua", "limits.json"])
    func embeddedCopyMatchesTheFile(file: String) throws {
        let onDisk = try String(contentsOf: repositoryRoot.appendingPathComponent("sandbox/\(file)"), encoding: .utf8)
        let embedded = file == "prelude.lua" ? SandboxDefinition.prelude : SandboxDefinition.limitsJSON
        // The generator strips nothing; only the final newline goes into the string delimiter.
        #expect(embedded + "\n" == onDisk, "sandbox/\(file) changed: run `make embed` and commit the result")
    }

    @Test func defaultLimitsAreTheDocumentedOnes() {
        let limits = SandboxLimits.default
        #expect(limits.memoryBytes == 64 << 20)
        #expect(limits.instructions == 100_000_000)
        #expect(limits.timeoutSeconds == 2)
        #expect(limits.maxValueDepth == 64)
        #expect(limits.maxValueBytes == 16 << 20)
        #expect(limits.maxOutputBytes == 65536)
    }

    @Test func anIdleSandboxIsSmall() throws {
        let sandbox = try Sandbox()
        #expect(sandbox.memoryUsed < 64 * 1024)
    }
}
