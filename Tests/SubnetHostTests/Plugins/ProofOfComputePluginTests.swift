import Foundation
import LuaSandbox
import SubnetHost
import Testing

/// proof-of-compute: a commitment, two rows opened, each checked against the validator's
/// own product and the Merkle root.
@Suite("plugins/proof-of-compute.lua")
struct ProofOfComputePluginTests {
    /// A miner's round: its answer to its task, then to the challenge the plugin sends.
    func round(_ p: BundledPlugin, _ ctx: HookContext, _ task: RoundTask, hotkey: String) throws -> MinerResponse {
        let own = task.task(for: hotkey)!
        var response = MinerResponse(uid: 2, hotkey: hotkey, status: "ok", task: own)
        response.answer = try p.honest(own, as: hotkey)
        let request = try #require(try p.plugin.challenge(task: task.value, response: response, context: ctx))
        response.challenges = [.init(request: request, status: "ok", answer: try p.honest(request, as: hotkey))]
        #expect(try p.plugin.challenge(task: task.value, response: response, context: ctx) == nil)
        return response
    }

    @Test func honestWorkPassesAndEveryForgeryScoresZero() throws {
        let p = try BundledPlugin("proof-of-compute")
        let miners = ["honest", "wrong-row", "bad-path", "other-root", "slow"]
        let ctx = p.context(block: 7, miners: miners)
        let task = try p.plugin.roundTask(ctx)
        guard case .perMiner(let tasks) = task else {
            Issue.record("tasks are per miner")
            return
        }
        #expect(Set(tasks.values).count == miners.count)
        var responses = try miners.map { try round(p, ctx, task, hotkey: $0) }
        responses[1].challenges[0].answer = responses[1].challenges[0].answer!.changing(["rows", "1", "3"]) {
            .integer(($0.intValue ?? 0) + 1)
        }
        responses[2].challenges[0].answer = responses[2].challenges[0].answer!.changing(["paths", "2", "1"]) { _ in
            .string(String(repeating: "0", count: 64))
        }
        responses[3].answer = responses[0].answer  // another miner's commitment
        responses[4].latency = 0.6
        let scores = try p.plugin.score(task: task.value, responses: responses, context: ctx)
        #expect(scores[0] == 1, "\(scores)")
        #expect(scores[1] == 0 && scores[2] == 0 && scores[3] == 0, "\(scores)")
        #expect(scores[4] > 0 && scores[4] < 0.5, "\(scores)")  // correct but slow
    }

    @Test func garbledOpeningsScoreZeroWithoutAnError() throws {
        let p = try BundledPlugin("proof-of-compute")
        let ctx = p.context(block: 7, miners: ["m"])
        let task = try p.plugin.roundTask(ctx)
        let good = try round(p, ctx, task, hotkey: "m")
        for bad: LuaValue in [
            "text", [:], ["rows": "x", "paths": []], ["rows": [[1, 2]], "paths": [[]]],
            good.challenges[0].answer!.changing(["rows", "1", "1"]) { _ in .number(.nan) },
            good.challenges[0].answer!.changing(["rows", "1", "1"]) { _ in .number(1.5) },
            good.challenges[0].answer!.changing(["paths", "1"]) { _ in "x" },
        ] {
            var response = good
            response.challenges[0].answer = bad
            #expect(try p.plugin.score(task: task.value, responses: [response], context: ctx) == [0], "\(bad)")
        }
        var unanswered = good
        unanswered.challenges = []
        #expect(try p.plugin.score(task: task.value, responses: [unanswered], context: ctx) == [0])
        for bad: LuaValue in ["x", [:], ["root": "short"], ["root": 7]] {
            #expect(try p.plugin.validate(bad, task: task.task(for: "m")!) == false)
        }
    }
}
