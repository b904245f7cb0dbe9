import Foundation
import LuaSandbox
import LuaSandboxTesting
import Testing

/// Runs every script in `sandbox/corpus/` that needs no native library (see
/// ``HostileCorpus`` for the header lines each script declares).
@Suite("The hostile corpus is contained")
struct HostileCorpusTests {
    typealias Script = HostileCorpus.Script

    /// The whole corpus, and the part this suite runs (scripts that need no native library;
    /// Tensor's tests run the ones that attack `tensor`).
    static let corpus = HostileCorpus(
        folder: repositoryRoot.appendingPathComponent("sandbox/corpus"), base: testLimits())
    static let scripts = corpus.scripts(using: [])

    static func run(_ script: Script, in sandbox: Sandbox) async -> String {
        await HostileCorpus.run(script, in: sandbox)
    }

    @Test func corpusIsLargeAndEveryScriptDeclaresAnOutcome() {
        #expect(Self.scripts.count >= 40)
        for script in Self.corpus.scripts {
            #expect(script.expect != "?", "\(script.name) has no '-- expect:' line")
        }
    }

    @Test(arguments: scripts)
    func eachScriptEndsAsDeclaredAndTheSandboxAnswersNext(script: Script) async throws {
        let sandbox = try Sandbox(name: script.name, limits: script.limits, logger: LogCapture().logger)
        sandbox.describesFunctions = script.describeFunctions
        let outcome = await Self.run(script, in: sandbox)
        #expect(outcome == script.expect)
        // The same sandbox answers the next call, with its normal limits.
        sandbox.limits = testLimits()
        #expect(try sandbox.execute("return 1 + 1", chunkName: "next.lua") == [2])
    }

    @Test func oneSandboxSurvivesTheWholeCorpusInARow() async throws {
        let sandbox = try Sandbox(name: "survivor", limits: testLimits(), logger: LogCapture().logger)
        try sandbox.execute("kept = { answer = 42 }", chunkName: "state.lua")
        for script in Self.scripts {
            sandbox.limits = script.limits
            let outcome = await Self.run(script, in: sandbox)
            #expect(outcome == script.expect, "\(script.name)")
            sandbox.limits = testLimits()
            #expect(try sandbox.execute("return kept.answer", chunkName: "check.lua") == [42], "after \(script.name)")
        }
    }
}
