import Foundation
import LuaSandbox
import SubnetHost
import SynodChain
import Testing

/// Under contract 2, `score` learns who each miner is and what it did.
@Suite("MinerResponse: contract 2's per-miner records")
struct MinerResponseTests {
    static let plugin = """
        return subnet { name = "who", contract = 2, hyperparameters = { weights_rate_limit = 0 },
          task = function(ctx) return { n = ctx.shared_random:int(1, 9) } end,
          miner = function(task) return { n = task.n } end,
          validate = function(r, task) return type(r) == "table" and r.n == task.n end,
          score = function(task, responses, ctx)
            local s = {}
            for i, r in ipairs(responses) do
              -- who and how, folded into one number the test reads back:
              -- uid * 100 + 10 for ok / 20 for invalid / 30 for silent, + 1 with a latency
              local code = ({ ok = 10, invalid = 20, silent = 30 })[r.status] or 90
              if r.status == "ok" then assert(r.answer.n == task.n and r.bytes == nil) end
              if r.status ~= "ok" then assert(r.answer == nil and type(r.reason) == "string") end
              assert(type(r.hotkey) == "string")
              s[i] = r.uid * 100 + code + (r.latency and 1 or 0)
            end
            return s
          end,
          reward = function(s) return s:normalize() end }
        """

    @Test func scoreSeesEachMinersUidHotkeyAndStatus() async throws {
        let plugin = try await PluginHost.load(source: Array(Self.plugin.utf8), chunkName: "plugins/who.lua", netuid: 1)
        #expect(plugin.definition.contract == 2)
        let chain = MemoryChain()
        try chain.createSubnet(name: "who", owner: "o", config: plugin.definition.config)
        try chain.join(netuid: 1, hotkey: "v", coldkey: "v", stake: 1, validatorPermit: true)
        let strategies: [(String, MinerStrategy)] = [("a", .offline), ("b", .honest), ("c", .garbage)]
        for (i, (hotkey, _)) in strategies.enumerated() {
            try chain.join(netuid: 1, hotkey: hotkey, coldkey: hotkey)
            try chain.serve(netuid: 1, hotkey: hotkey, endpoint: SimulatedMiners.endpoint(i))
        }
        try chain.produceBlock()
        let report = try await ValidatorStep(hotkey: "v").run(
            netuid: 1, plugin: plugin, chain: chain,
            miners: SimulatedMiners(plugin: plugin, strategies: Dictionary(uniqueKeysWithValues: strategies)))
        #expect(report.scores == [130, 210, 320])
        #expect(report.miners.map(\.hotkey) == ["a", "b", "c"])
        #expect(report.miners.map(\.status) == ["silent", "ok", "invalid"])
        #expect(report.weightsSet)
    }

    @Test func aContractTheHostDoesNotKnowIsRefused() {
        for version in ["3", "0", "1.5", "'2'"] {
            let source = Self.plugin.replacingOccurrences(of: "contract = 2", with: "contract = \(version)")
            #expect(throws: PluginError.self) {
                try SubnetPlugin(source: Array(source.utf8), chunkName: "plugins/who.lua")
            }
        }
    }
}
