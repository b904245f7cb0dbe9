import Ledger
import LuaSandbox
import SubnetHost
import SynodChain
import Testing

/// Miners that answer exactly what a test says.
struct FixedMiners: MinerSource {
    let answers: [String: LuaValue]
    func query(
        _ requests: [LuaValue], miners: [NeuronInfo], netuid: Int, validator: String, timeout: Duration
    ) async -> [MinerReply] {
        miners.map { miner in
            answers[miner.hotkey].map { .answered($0) } ?? .failed(kind: "silent", detail: "no answer")
        }
    }
}

/// One poisoned answer costs its miner, not the round.
@Suite("ValidatorStep: containment")
struct ValidatorStepContainmentTests {
    @Test func anAnswerThatBreaksScoreScoresZeroAndTheRoundGoesOn() async throws {
        let source = """
            return subnet { name = "p", contract = 2,
              task = function(ctx) return { n = 3 } end,
              validate = function(r) return type(r) == "table" end,
              score = function(task, responses)
                local s = {}
                for i, r in ipairs(responses) do
                  if r.answer and r.answer.n == 0 then error("cannot score a zero") end
                  s[i] = (r.answer and r.answer.n == task.n) and 1 or 0
                end
                return s
              end,
              reward = function(s) return s:normalize() end }
            """
        let plugin = try await PluginHost.load(source: Array(source.utf8), chunkName: "plugins/p.lua", netuid: 1)
        let chain = MemoryChain()
        var config = plugin.definition.config
        config.weightsRateLimit = 0
        try chain.createSubnet(name: "p", owner: "o", config: config)
        try chain.join(netuid: 1, hotkey: "v", coldkey: "v", stake: 1, validatorPermit: true)
        for (i, hotkey) in ["good", "poison", "also-good"].enumerated() {
            try chain.join(netuid: 1, hotkey: hotkey, coldkey: hotkey)
            try chain.serve(netuid: 1, hotkey: hotkey, endpoint: SimulatedMiners.endpoint(i))
        }
        try chain.produceBlock()
        let report = try await ValidatorStep(hotkey: "v").run(
            netuid: 1, plugin: plugin, chain: chain,
            miners: FixedMiners(answers: ["good": ["n": 3], "poison": ["n": 0], "also-good": ["n": 3]]))
        #expect(report.scores == [1, 0, 1])
        #expect(report.miners.map(\.status) == ["ok", "poisoned", "ok"])
        #expect(report.miners[1].reason?.contains("cannot score a zero") == true)
        #expect(report.weightsSet)
    }
}
