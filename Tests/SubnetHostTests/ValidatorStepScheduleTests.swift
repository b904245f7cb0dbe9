import Consensus
import Foundation
import Ledger
import LuaSandbox
import SubnetHost
import SynodChain
import Testing

/// A validator on a commit–reveal subnet: its rounds end in commitments, it reveals each in
/// the epoch the chain opens for it, and its salts survive a restart.
@Suite("ValidatorStep: when to act, and commit-reveal")
struct ValidatorStepScheduleTests {
    static let plugin = """
        return subnet { name = "hidden", tempo = 10,
          hyperparameters = { commit_reveal_weights_enabled = true, weights_rate_limit = 5 },
          task = function(ctx) return { n = ctx.shared_random:int(1, 9) } end,
          miner = function(task) return { n = task.n } end,
          validate = function(r, task) return type(r) == "table" and r.n == task.n end,
          score = function(task, responses)
            local s = {}
            for i, r in ipairs(responses) do s[i] = r and 1 or 0 end
            return s
          end,
          reward = function(s) if s:sum() == 0 then return s end return s:normalize() end }
        """

    func subnet(_ chain: MemoryChain, _ plugin: PluginHost) throws {
        try chain.createSubnet(name: "hidden", owner: "o", config: plugin.definition.config, netuid: 1)
        try chain.join(netuid: 1, hotkey: "v", coldkey: "v", stake: 1_000, validatorPermit: true)
        for (i, hotkey) in ["a", "b"].enumerated() {
            try chain.join(netuid: 1, hotkey: hotkey, coldkey: hotkey)
            try chain.serve(netuid: 1, hotkey: hotkey, endpoint: SimulatedMiners.endpoint(i))
        }
    }

    @Test func roundsCommitAndEachCommitmentIsRevealedInItsEpoch() async throws {
        let plugin = try await PluginHost.load(
            source: Array(Self.plugin.utf8), chunkName: "plugins/hidden.lua", netuid: 1)
        #expect(plugin.definition.config.commitReveal && plugin.definition.config.commitRevealPeriod == 1)
        let chain = MemoryChain()
        try subnet(chain, plugin)
        let step = ValidatorStep(hotkey: "v")
        let miners = SimulatedMiners(plugin: plugin, strategies: ["a": .honest, "b": .offline])
        var rounds: [UInt64] = []
        var visibleFrom: UInt64?
        var incentive: [UInt64: [Double]] = [:]
        for _ in 1...32 {
            let block = try chain.produceBlock()
            for epoch in block.epochs { incentive[epoch.block] = epoch.output.incentive.map(\.double) }
            let metagraph = try chain.metagraph(netuid: 1)
            if await step.nextWork(metagraph) <= block.number {
                if let report = try await step.act(
                    netuid: 1, plugin: plugin, chain: chain, miners: miners, metagraph: metagraph)
                {
                    #expect(report.committed && report.weightsSet && report.outcome == "weights committed")
                    rounds.append(block.number)
                }
            }
            if visibleFrom == nil, chain.neuron(netuid: 1, hotkey: "v")!.hasWeights { visibleFrom = block.number }
            #expect(chain.commits(netuid: 1, hotkey: "v").count <= 2)
        }
        // A commitment at block 1 (epoch 0) opens in epoch 1, which starts at block 10: until
        // then nobody — a weight copier included — sees the validator's weights.
        #expect(visibleFrom == 10)
        #expect(rounds.first == 1)
        // The rate limit counts from the newest commitment or reveal: rounds at 1 and 6 (both
        // revealed at 10), 15 (revealed at 20), 25 (revealed at 30).
        #expect(rounds == [1, 6, 15, 25], "\(rounds)")
        // The epoch at block 10 ran before the reveal: it paid no incentive; the one at 20
        // paid the honest miner (uid 1) on the weights revealed at 10.
        #expect(incentive[10] == [0, 0, 0])
        #expect(incentive[20] == [0, 1, 0])
    }

    @Test func aRestartedValidatorStillRevealsWhatItCommitted() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("synod-reveal-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("ledger.sqlite").path
        let plugin = try await PluginHost.load(
            source: Array(Self.plugin.utf8), chunkName: "plugins/hidden.lua", netuid: 1)
        let miners = SimulatedMiners(plugin: plugin, strategies: ["a": .honest, "b": .offline])
        do {
            let ledger = try Ledger(path: path)
            let chain = LocalChain(ledger: ledger)
            _ = try chain.createSubnet(name: "hidden", owner: "o", config: plugin.definition.config)
            try chain.join(netuid: 1, hotkey: "v", coldkey: "v", stake: 1_000, validatorPermit: true)
            for (i, hotkey) in ["a", "b"].enumerated() {
                try chain.join(netuid: 1, hotkey: hotkey, coldkey: hotkey)
                try chain.serve(netuid: 1, hotkey: hotkey, endpoint: SimulatedMiners.endpoint(i))
            }
            try chain.produceBlock()
            let step = ValidatorStep(hotkey: "v", reveals: LedgerPendingReveals(ledger: ledger))
            let report = try await step.act(
                netuid: 1, plugin: plugin, chain: chain, miners: miners, metagraph: try chain.metagraph(netuid: 1))
            #expect(report?.committed == true)
            #expect(try LedgerPendingReveals(ledger: ledger).pending(netuid: 1, hotkey: "v").count == 1)
        }
        // A new process: the ledger reopened, a new step with nothing in memory.
        let ledger = try Ledger(path: path)
        let chain = LocalChain(ledger: ledger)
        let step = ValidatorStep(hotkey: "v", reveals: LedgerPendingReveals(ledger: ledger))
        while try chain.head() < 10 { try chain.produceBlock() }
        let metagraph = try chain.metagraph(netuid: 1)
        #expect(!metagraph.neuron(hotkey: "v")!.hasWeights)
        #expect(await step.nextWork(metagraph) == 10)
        _ = try await step.act(netuid: 1, plugin: plugin, chain: chain, miners: miners, metagraph: metagraph)
        #expect(try chain.metagraph(netuid: 1).neuron(hotkey: "v")!.hasWeights)
        #expect(try chain.commits(netuid: 1, hotkey: "v").isEmpty)
        #expect(try LedgerPendingReveals(ledger: ledger).pending(netuid: 1, hotkey: "v").isEmpty)
        // The plugin's store never saw the validator's salts.
        #expect(try ledger.keys(netuid: 1, prefix: "plugin/").allSatisfy { !$0.key.contains("reveal") })
    }

    @Test func withoutCommitRevealARoundIsDueByTheRateLimit() async throws {
        let source = Self.plugin.replacingOccurrences(
            of: "commit_reveal_weights_enabled = true", with: "commit_reveal_weights_enabled = false")
        let plugin = try await PluginHost.load(source: Array(source.utf8), chunkName: "plugins/hidden.lua", netuid: 1)
        let chain = MemoryChain()
        try subnet(chain, plugin)
        try chain.produceBlock()
        let step = ValidatorStep(hotkey: "v")
        let miners = SimulatedMiners(plugin: plugin, strategies: ["a": .honest, "b": .offline])
        var metagraph = try chain.metagraph(netuid: 1)
        #expect(await step.nextWork(metagraph) == 0)
        let report = try await step.act(netuid: 1, plugin: plugin, chain: chain, miners: miners, metagraph: metagraph)
        #expect(report?.weightsSet == true && report?.committed == false)
        metagraph = try chain.metagraph(netuid: 1)
        #expect(await step.nextWork(metagraph) == 6)
        #expect(
            try await step.act(netuid: 1, plugin: plugin, chain: chain, miners: miners, metagraph: metagraph) == nil)
    }
}
