import Foundation
import LuaSandbox
import Testing

/// Runs every script in `sandbox/corpus/`. Each declares what must happen:
/// `-- expect: KIND` (a SandboxError kind, or `ok` for a script that must return true)
/// and optionally `-- limits: memory=MiB instructions=N timeout=S describe=BOOL`.
@Suite("The hostile corpus is contained")
struct HostileCorpusTests {
    struct Script: Sendable, CustomTestStringConvertible {
        var name: String
        var source: String
        var expect: String
        var limits: SandboxLimits
        var describeFunctions = false
        var testDescription: String { name }
    }

    static let scripts: [Script] = {
        let folder = repositoryRoot.appendingPathComponent("sandbox/corpus")
        let files = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
        return files.filter { $0.hasSuffix(".lua") }.sorted().compactMap { file in
            guard let source = try? String(contentsOf: folder.appendingPathComponent(file), encoding: .utf8) else {
                return nil
            }
            var script = Script(name: file, source: source, expect: "?", limits: testLimits())
            for line in source.split(separator: "\n") where line.hasPrefix("-- ") {
                if line.hasPrefix("-- expect: ") { script.expect = String(line.dropFirst(11)) }
                if line.hasPrefix("-- limits: ") {
                    for pair in line.dropFirst(11).split(separator: " ") {
                        let kv = pair.split(separator: "=")
                        guard kv.count == 2 else { continue }
                        switch kv[0] {
                        case "memory": script.limits.memoryBytes = Int(Double(kv[1])! * 1_048_576)
                        case "instructions": script.limits.instructions = UInt64(kv[1])!
                        case "timeout": script.limits.timeoutSeconds = Double(kv[1])!
                        case "describe": script.describeFunctions = kv[1] == "true"
                        default: break
                        }
                    }
                }
            }
            return script
        }
    }()

    /// A watchdog: if a script ever escaped every limit, interrupting it turns a hang
    /// into a failure ("interrupted" is never an expected kind).
    static func run(_ script: Script, in sandbox: Sandbox) async -> String {
        let stop = sandbox.interrupter
        let watchdog = Task {
            try await Task.sleep(for: .seconds(60))
            stop.interrupt()
        }
        defer { watchdog.cancel() }
        do {
            let result = try sandbox.execute(script.source, chunkName: "corpus/\(script.name)")
            return result.first == true ? "ok" : "returned \(result)"
        } catch {
            return error.kind.rawValue
        }
    }

    @Test func corpusIsLargeAndEveryScriptDeclaresAnOutcome() {
        #expect(Self.scripts.count >= 40)
        for script in Self.scripts {
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
