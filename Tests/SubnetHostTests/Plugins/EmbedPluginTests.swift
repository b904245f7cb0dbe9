import Foundation
import LuaSandbox
import SubnetHost
import Testing

/// embed: cosine to the reference above the noise floor, softmax to weights.
@Suite("plugins/embed.lua")
struct EmbedPluginTests {
    @Test func theReferenceScoresBestAndPerturbedOrStaleVectorsLess() throws {
        let p = try BundledPlugin("embed")
        let miners = ["honest", "noisy", "stale", "zeros"]
        let ctx = p.context(block: 10, miners: miners)
        let task = try p.plugin.roundTask(ctx)
        let honest = try p.honest(task.value, as: "honest")
        let stale = try p.honest(try p.plugin.task(p.context(block: 11, miners: miners)), as: "stale")
        var noisy = honest
        for row in 1...8 {
            for dim in stride(from: 1, through: 64, by: 3) {
                noisy = noisy.changing(["vectors", "\(row)", "\(dim)"]) { .number(-($0.doubleValue ?? 0)) }
            }
        }
        let zeros: LuaValue = ["vectors": .array((1...8).map { _ in .array((1...64).map { _ in .number(0) }) })]
        let responses = try p.responses(
            [("honest", honest), ("noisy", noisy), ("stale", stale), ("zeros", zeros)], task: task)
        #expect(responses.map(\.status) == ["ok", "ok", "ok", "ok"])
        let scores = try p.plugin.score(task: task.value, responses: responses, context: ctx)
        #expect(scores[0] > 0.5 && scores[0] > scores[1] && scores[1] > scores[2], "\(scores)")
        #expect(scores[3] == 0)  // a zero vector is at no angle to anything: nothing above the floor
        let weights = try p.plugin.reward(scores: scores, context: ctx)
        #expect(abs(weights.reduce(0, +) - 1) < 1e-5 && weights[0] > weights[1] && weights[3] == 0)
    }

    @Test func wrongShapesAreRejectedWithoutAnError() throws {
        let p = try BundledPlugin("embed")
        let task = try p.plugin.task(p.context(block: 10, miners: ["m"]))
        let honest = try p.honest(task, as: "m")
        guard case .map(let fields) = honest, case .array(let rows)? = fields["vectors"] else { return }
        for bad: LuaValue in [
            "text", [:], ["vectors": .array(Array(rows.prefix(7)))], ["vectors": .array(rows + rows)],
            honest.changing(["vectors", "1"]) { _ in [1, 2, 3] }, honest.changing(["vectors", "2", "5"]) { _ in "x" },
            honest.changing(["vectors", "3", "1"]) { _ in .number(.nan) },
            honest.changing(["vectors", "3", "1"]) { _ in .number(1e300) }, ["vectors": []],
        ] {
            #expect(try p.plugin.validate(bad, task: task) == false, "\(bad)")
        }
        #expect(try p.plugin.validate(honest, task: task))
    }
}
