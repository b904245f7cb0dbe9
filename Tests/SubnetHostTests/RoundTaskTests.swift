import Foundation
import Ledger
import LuaSandbox
import SubnetHost
import Synchronization
import SynodChain
import Testing

/// Per-miner tasks, follow-up challenges in the same round, and the reference miner's own
/// store: the mechanics of a proof-of-work subnet (commit to rows, open the ones asked).
@Suite("RoundTask: per-miner tasks and follow-up challenges")
struct RoundTaskTests {
    /// Each miner hashes 8 rows from its own seed and commits to them (`root`); the validator
    /// then asks it, from its secret, to open one row, and checks that row.
    static let plugin = """
        local function row(seed, i) return hash.sha256(seed .. "/" .. i) end
        return subnet { name = "rows", contract = 2, tempo = 10, timeout = 1,
          hyperparameters = { weights_rate_limit = 0 },
          task = function(ctx)
            local tasks = {}
            for _, m in ipairs(ctx.miners) do
              tasks[m.hotkey] = { seed = m.hotkey .. ":" .. ctx.shared_random:int(1, 1 << 40), rows = 8 }
            end
            return per_miner(tasks)
          end,
          miner = function(task, ctx)
            if task.open then
              local rows = store.get("rows")
              return { row = rows and rows[task.open] or "" }
            end
            local rows = {}
            for i = 1, task.rows do rows[i] = row(task.seed, i) end
            store.set("rows", rows)
            store.set("asked by", ctx.validator)
            return { root = hash.sha256(table.concat(rows)), me = ctx.hotkey }
          end,
          validate = function(r, task)
            return type(r) == "table" and type(r.root) == "string" and type(task) == "table" and task.rows == 8
          end,
          challenge = function(task, r, ctx)
            if #r.challenges > 0 then return nil end
            return { open = ctx.secret:int(1, r.task.rows) }
          end,
          score = function(task, responses, ctx)
            local s = {}
            for i, r in ipairs(responses) do
              s[i] = 0
              local c = r.challenges[1]
              if r.status == "ok" and r.task.seed == task[r.hotkey].seed and c and c.status == "ok"
                and type(c.answer) == "table" and c.answer.row == row(r.task.seed, c.request.open) then
                s[i] = 1
              end
            end
            return s
          end,
          reward = function(s) if s:sum() == 0 then return s end return s:normalize() end }
        """

    /// Miners that record every request they get and answer through the reference miner,
    /// except `replayer`, which answers its task with its neighbour's answer.
    final class Recording: MinerSource {
        let plugin: PluginHost
        let requests = Mutex<[String: [LuaValue]]>([:])
        init(plugin: PluginHost) { self.plugin = plugin }

        func query(
            _ requests: [LuaValue], miners: [NeuronInfo], netuid: Int, validator: String, timeout: Duration
        ) async -> [MinerReply] {
            var replies: [MinerReply] = []
            for (miner, request) in zip(miners, requests) {
                self.requests.withLock { $0[miner.hotkey, default: []].append(request) }
                var asked = request
                if miner.hotkey == "replayer", case .map(var fields) = request, fields["open"] == nil {
                    fields["seed"] = .string("honest-1:" + "stolen")
                    asked = .map(fields)
                }
                let context = MinerContext(netuid: netuid, hotkey: miner.hotkey, validator: validator)
                do {
                    replies.append(.answered(try await plugin.answer(asked, context: context) ?? .null))
                } catch {
                    replies.append(.failed(kind: "miner error", detail: "\(error)"))
                }
            }
            return replies
        }
    }

    func chain(_ plugin: PluginHost, miners: [String]) throws -> MemoryChain {
        let chain = MemoryChain()
        try chain.createSubnet(name: "rows", owner: "o", config: plugin.definition.config)
        try chain.join(netuid: 1, hotkey: "v", coldkey: "v", stake: 1, validatorPermit: true)
        for (i, hotkey) in miners.enumerated() {
            try chain.join(netuid: 1, hotkey: hotkey, coldkey: hotkey)
            try chain.serve(netuid: 1, hotkey: hotkey, endpoint: SimulatedMiners.endpoint(i))
        }
        try chain.produceBlock()
        return chain
    }

    @Test func eachMinerGetsItsOwnTaskThenAChallengeItMustAnswerFromWhatItCommitted() async throws {
        let store = MemoryStore()
        let plugin = try await PluginHost.load(
            source: Array(Self.plugin.utf8), chunkName: "plugins/rows.lua", netuid: 1, store: store)
        let miners = ["honest-1", "honest-2", "replayer"]
        let chain = try chain(plugin, miners: miners)
        let source = Recording(plugin: plugin)
        let journal = MemoryRoundJournal()
        let report = try await ValidatorStep(hotkey: "v", secret: .derived("v"), journal: journal).run(
            netuid: 1, plugin: plugin, chain: chain, miners: source)

        // Per-miner tasks: each miner was sent its own seed, then one challenge.
        let sent = source.requests.withLock { $0 }
        #expect(Set(miners.map { sent[$0]?.first }).count == 3)
        #expect(miners.allSatisfy { sent[$0]?.count == 2 })
        #expect(report.miners.map(\.challenges.count) == [1, 1, 1])
        #expect(report.miners.allSatisfy { $0.task != nil && $0.latency == nil && $0.status == "ok" })
        // The replayer answered another seed: its opened row does not match its own task.
        #expect(report.scores == [1, 1, 0])
        #expect(report.weights[2] == 0 && report.weightsSet)

        // The reference miner kept its rows in its own store, out of the validators' sight.
        let keys = store.keys
        #expect(keys.contains("reference-miner/honest-1/rows"))
        #expect(keys.contains("reference-miner/honest-2/rows"))
        #expect(!keys.contains("rows"))
        #expect(try store.value(forKey: "reference-miner/honest-1/asked by") == "v")

        // The round is on record: statuses, challenges, scores, the outcome.
        let round = try #require(journal.rounds.last)
        #expect(round.outcome == "weights set" && round.validator == "v" && round.block == 1)
        #expect(round.miners.map(\.challenges) == [1, 1, 1] && round.miners.map(\.score) == [1, 1, 0])
        #expect(round.taskDigest.count == 64 && round.plugin == plugin.definition.sha256)
    }

    @Test func theChallengeDependsOnTheValidatorsSecret() async throws {
        let plugin = try await PluginHost.load(
            source: Array(Self.plugin.utf8), chunkName: "plugins/rows.lua", netuid: 1)
        var opened: [ValidatorSecret: Set<LuaValue>] = [:]
        for secret in [ValidatorSecret.derived("a"), .derived("b")] {
            for block in 1...6 {
                let chain = MemoryChain(head: UInt64(block))
                try chain.createSubnet(name: "rows", owner: "o", config: plugin.definition.config)
                try chain.join(netuid: 1, hotkey: "v", coldkey: "v", stake: 1, validatorPermit: true)
                try chain.join(netuid: 1, hotkey: "m", coldkey: "m")
                try chain.serve(netuid: 1, hotkey: "m", endpoint: SimulatedMiners.endpoint(0))
                let report = try await ValidatorStep(hotkey: "v", secret: secret).run(
                    netuid: 1, plugin: plugin, chain: chain,
                    miners: SimulatedMiners(plugin: plugin, strategies: ["m": .honest]))
                #expect(report.scores == [1])
                opened[secret, default: []].insert(report.miners[0].challenges[0].request)
            }
        }
        // Different secrets open different rows over the same public blocks.
        #expect(opened[.derived("a")] != opened[.derived("b")])
    }

    @Test func aChallengeHookThatFailsOnOneMinerCostsOnlyThatMiner() async throws {
        let source = Self.plugin.replacingOccurrences(
            of: "if #r.challenges > 0 then return nil end",
            with:
                "if r.answer.me == 'bad' then error('cannot challenge this one') end\n if #r.challenges > 0 then return nil end"
        )
        let plugin = try await PluginHost.load(source: Array(source.utf8), chunkName: "plugins/rows.lua", netuid: 1)
        let chain = try chain(plugin, miners: ["good", "bad"])
        let report = try await ValidatorStep(hotkey: "v").run(
            netuid: 1, plugin: plugin, chain: chain,
            miners: SimulatedMiners(plugin: plugin, strategies: ["good": .honest, "bad": .honest]))
        #expect(report.miners.map(\.status) == ["ok", "poisoned"])
        #expect(report.miners[1].reason?.contains("cannot challenge this one") == true)
        #expect(report.scores == [1, 0])
    }

    @Test func perMinerTasksAndChallengesNeedContract2() {
        let perMiner = Self.plugin.replacingOccurrences(of: "contract = 2,", with: "")
        #expect(throws: PluginError.self) {
            try SubnetPlugin(source: Array(perMiner.utf8), chunkName: "plugins/rows.lua")
        }
        let noChallenge = """
            return subnet { name = "pm",
              task = function(ctx) return per_miner({}) end,
              score = function(t, r) return tensor.zeros(#r) end, reward = function(s) return s end }
            """
        let plugin = try? SubnetPlugin(source: Array(noChallenge.utf8), chunkName: "plugins/pm.lua")
        #expect(plugin != nil)
        let error = #expect(throws: PluginError.self) {
            try plugin?.roundTask(HookContext(netuid: 1, block: 1, validator: "v"))
        }
        #expect(error?.message.contains("per-miner tasks need contract = 2") == true)
    }
}
