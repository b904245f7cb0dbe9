import Consensus
import Foundation
import Ledger
import SubnetHost
import Testing

@Suite("Simulation: honest and dishonest miners through real Yuma")
struct SimulationTests {
    @Test func echoSumPaysOnlyHonestMiners() async throws {
        let path = SubnetPluginTests.root.appendingPathComponent("plugins/echo-sum.lua").path
        let result = try await Simulation(epochs: 3, validators: 2).run(try await PluginHost.load(path: path))
        #expect(result.blocks == 60)
        let byStrategy = Dictionary(uniqueKeysWithValues: result.lines.map { ($0.strategy, $0) })
        #expect(byStrategy[.honest]?.miners == 4)
        #expect((byStrategy[.honest]?.earned ?? 0) > 0)
        #expect(
            byStrategy[.stale]?.earned == 0 && byStrategy[.garbage]?.earned == 0 && byStrategy[.silent]?.earned == 0)
        #expect(result.honestLeads)
        // Everything emitted after the owner's 18% reaches miners or validators, less dust.
        let paid = result.lines.map(\.earned).reduce(0, +) + result.validatorsEarned
        #expect(paid <= 3 * 820_000_000 && paid > 3 * 820_000_000 - 100)
    }

    @Test func sortPaysHonestMinersMostAndStaleOnesLittle() async throws {
        let path = SubnetPluginTests.root.appendingPathComponent("plugins/sort.lua").path
        let plugin = try await PluginHost.load(path: path)
        #expect(plugin.definition.config.parameters.yuma3)
        #expect(try await plugin.selfCheck().groups.first?.weight == 0.25)
        let result = try await Simulation(epochs: 3, validators: 2).run(plugin)
        #expect(result.honestLeads)
        let byStrategy = Dictionary(uniqueKeysWithValues: result.lines.map { ($0.strategy, $0) })
        let honest = try #require(byStrategy[.honest]?.perMiner)
        let stale = try #require(byStrategy[.stale]?.perMiner)
        #expect(stale < honest / 10)  // a replayed answer gets a few positions right, by chance
    }

    @Test func anIncentiveThatPaysEveryoneAlikeDoesNotLead() async throws {
        let source = """
            return subnet { name = "flat",
              task = function(ctx) return { x = ctx.shared_random:int(1, 9) } end,
              miner = function(task) return { x = task.x } end,
              score = function(task, responses) return tensor.ones(#responses) end,
              reward = function(scores) return scores:normalize() end }
            """
        let plugin = try await PluginHost.load(source: Array(source.utf8), chunkName: "plugins/flat.lua", netuid: 1)
        let result = try await Simulation(epochs: 2, validators: 2).run(plugin)
        #expect(result.honestLeads == false)
    }

    @Test func aPluginWithoutAReferenceMinerCannotBeSimulated() async throws {
        let plugin = try await PluginHost.load(
            source: Array(
                "return subnet { name = \"n\", task = function() return {} end, score = function(t, r) return tensor.zeros(#r) end, reward = function(s) return s end }"
                    .utf8), chunkName: "plugins/n.lua", netuid: 1)
        await #expect(throws: PluginError.self) { try await Simulation().run(plugin) }
    }
}
