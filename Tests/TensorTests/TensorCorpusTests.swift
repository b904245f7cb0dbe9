import Foundation
import LuaSandbox
import LuaSandboxTesting
import Tensor
import Testing

/// The hostile corpus scripts that attack the `tensor` module (`-- libraries: tensor`),
/// each in a sandbox that has it: shapes that overflow, results nobody wrote.
@Suite("The tensor corpus is contained")
struct TensorCorpusTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    static let limits: SandboxLimits = {
        var limits = SandboxLimits.default
        limits.memoryBytes = 64 << 20
        limits.instructions = 50_000_000
        limits.timeoutSeconds = 10
        return limits
    }()
    static let scripts = HostileCorpus(folder: root.appendingPathComponent("sandbox/corpus"), base: limits)
        .scripts.filter { $0.libraries.contains("tensor") }

    @Test func theCorpusAttacksTensors() {
        #expect(Self.scripts.count >= 3)
    }

    @Test(arguments: scripts.map(\.name))
    func eachScriptEndsAsDeclaredAndTheSandboxAnswersNext(name: String) async throws {
        let script = try #require(Self.scripts.first { $0.name == name })
        let sandbox = try Sandbox(name: script.name, limits: script.limits, libraries: [.tensor])
        let outcome = await HostileCorpus.run(script, in: sandbox)
        #expect(outcome == script.expect)
        #expect(try sandbox.execute("return tensor.ones(3):sum()", chunkName: "next.lua") == [3.0])
    }
}
