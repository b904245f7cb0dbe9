import Foundation
import LuaSandbox
import Tensor
import Testing

/// The bundled echo-sum plugin scores with tensors: honest answers win, wrong ones fade.
@Suite("plugins/echo-sum.lua scores with tensors")
struct PluginScoringTests {
    @Test func honestMinersWinAndWeightsSumToOne() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        let source = try String(contentsOf: root.appendingPathComponent("plugins/echo-sum.lua"), encoding: .utf8)
        let sandbox = try Sandbox(name: "echo-sum", libraries: [.tensor])
        try sandbox.setGlobal("plugin_source", to: .string(source))
        let result = try sandbox.execute(
            """
            local p = load(plugin_source, "=plugins/echo-sum.lua")()
            local task = { numbers = { 1, 2, 3, 4 } }
            local honest = p.miner(task)
            local responses = { honest, { sum = 11 }, false, { sum = 0 }, honest }
            local scores = p.score(task, responses)
            local weights = p.reward(scores)
            return scores:totable(), weights:totable(), weights:sum()
            """, chunkName: "harness.lua")
        let scores = try #require(result[0].arrayOfDoubles)
        let weights = try #require(result[1].arrayOfDoubles)
        #expect(scores[0] == 1 && scores[4] == 1)  // exact answers
        #expect(abs(scores[1] - Foundation.exp(-1)) < 1e-6)  // off by one
        #expect(scores[2] == 0)  // no answer
        #expect(scores[3] < 1e-4)  // far off
        #expect(abs(weights[0] - 1 / (2 + Foundation.exp(-1) + Foundation.exp(-10))) < 1e-6)
        #expect(abs((result[2].doubleValue ?? 0) - 1) < 1e-6)
    }
}

extension LuaValue {
    var arrayOfDoubles: [Double]? {
        guard case .array(let items) = self else { return nil }
        return items.compactMap(\.doubleValue)
    }
}
