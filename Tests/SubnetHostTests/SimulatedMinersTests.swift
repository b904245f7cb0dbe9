import Foundation
import Ledger
import LuaSandbox
import SubnetHost
import Testing

/// Each simulated miner strategy answers as it says.
@Suite("SimulatedMiners: how each strategy answers")
struct SimulatedMinersTests {
    static let plugin = """
        return subnet { name = "nums",
          task = function(ctx) return { n = ctx.shared_random:int(1, 1000) } end,
          miner = function(task, ctx)
            store.set("seen", (store.get("seen") or 0) + 1)
            return { n = task.n, x = task.n * 0.5, list = { 10, 20 } }
          end,
          score = function(t, r) return tensor.zeros(#r) end, reward = function(s) return s end,
          adversaries = { mine = function(task, ctx) return { n = -task.n, me = ctx.hotkey } end } }
        """

    func miner(_ hotkey: String) -> NeuronInfo {
        NeuronInfo(
            uid: 0, hotkey: hotkey, coldkey: hotkey, registeredAt: 0, lastUpdate: 0, stake: 0, validatorPermit: false)
    }

    func ask(_ source: SimulatedMiners, _ n: Int, _ hotkeys: [String]) async -> [MinerReply] {
        await source.query(
            hotkeys.map { _ in ["n": .integer(Int64(n))] }, miners: hotkeys.map(miner), netuid: 1, validator: "v",
            timeout: .seconds(1))
    }

    func answer(_ reply: MinerReply) -> LuaValue? { if case .answered(let a, _, _) = reply { a } else { nil } }

    @Test func eachStrategyAnswersAsItSays() async throws {
        let store = MemoryStore()
        let plugin = try await PluginHost.load(
            source: Array(Self.plugin.utf8), chunkName: "plugins/nums.lua", netuid: 1, store: store)
        let strategies: [String: MinerStrategy] = [
            "h": .honest, "n": .noisy(level: 0.2), "s": .stale, "c": .copycat, "slow": .slow, "g": .garbage,
            "o": .offline, "a": .adversary("mine"),
        ]
        let source = SimulatedMiners(plugins: [plugin], strategies: strategies, seed: 3)
        let order = ["h", "n", "s", "c", "slow", "g", "o", "a"]
        let first = await ask(source, 100, order)
        #expect(answer(first[0]) == ["n": 100, "x": 50.0, "list": [10, 20]])
        // Noisy: every number within ±20%, integers still integers, not all unchanged.
        guard case .map(let noisy)? = answer(first[1]), case .integer(let n)? = noisy["n"],
            case .number(let x)? = noisy["x"], case .array(let list)? = noisy["list"]
        else {
            Issue.record("noisy answer \(first[1])")
            return
        }
        #expect(abs(Double(n) - 100) <= 20 && abs(x - 50) <= 10 && list.count == 2)
        #expect(noisy != ["n": 100, "x": 50.0, "list": [10, 20]])
        #expect(first[2] == .failed(kind: "silent", detail: "no earlier request to replay"))
        #expect(first[3] == .failed(kind: "silent", detail: "nothing to copy yet"))
        if case .failed(let kind, _) = first[4] { #expect(kind == "timeout") } else { Issue.record("slow answered") }
        #expect(answer(first[5]) == "not an answer")
        if case .failed(let kind, _) = first[6] { #expect(kind == "silent") } else { Issue.record("offline answered") }
        #expect(answer(first[7]) == ["n": -100, "me": "a"])

        let second = await ask(source, 200, order)
        // Stale answers the request before; the copycat replays another miner's last answer.
        #expect(answer(second[2]) == ["n": 100, "x": 50.0, "list": [10, 20]])
        #expect(answer(second[3]) == answer(first[0]))
        // The same seed moves the same answer the same way; another seed otherwise.
        let again = await ask(SimulatedMiners(plugins: [plugin], strategies: strategies, seed: 3), 100, ["n"])
        let other = await ask(SimulatedMiners(plugins: [plugin], strategies: strategies, seed: 4), 100, ["n"])
        #expect(again[0] == first[1] && other[0] != first[1])
        // Each miner counted its own requests in its own part of the store.
        #expect(try store.value(forKey: "reference-miner/h/seen") == 2)
        #expect(try store.value(forKey: "seen") == nil)
    }

    @Test func aLazyMinerAnswersAboutTheFractionItIsGiven() async throws {
        let plugin = try await PluginHost.load(
            source: Array(Self.plugin.utf8), chunkName: "plugins/nums.lua", netuid: 1)
        let source = SimulatedMiners(plugins: [plugin], strategies: ["l": .lazy(fraction: 0.3)], seed: 1)
        var answered = 0
        for n in 1...300 where answer(await ask(source, n, ["l"])[0]) != nil { answered += 1 }
        #expect((60...120).contains(answered), "\(answered) of 300")
    }

    @Test func strategiesReadAsTheCommandLineWritesThem() throws {
        #expect(try MinerStrategy(parsing: "noisy@0.25") == .noisy(level: 0.25))
        #expect(try MinerStrategy(parsing: "noisy") == .noisy(level: 0.1))
        #expect(try MinerStrategy(parsing: "lazy@0.9") == .lazy(fraction: 0.9))
        #expect(try MinerStrategy(parsing: "silent") == .offline)
        #expect(try MinerStrategy(parsing: "my-attack") == .adversary("my-attack"))
        #expect(MinerStrategy.noisy(level: 0.25).description == "noisy@0.25")
        for bad in ["noisy@2", "noisy@x", "honest@0.5", "a b", ""] {
            #expect(throws: StrategyError.self, "\(bad)") { try MinerStrategy(parsing: bad) }
        }
        #expect(
            [MinerStrategy.offline, .honest, .noisy(level: 0.3), .noisy(level: 0.1)].sorted() == [
                .honest, .noisy(level: 0.1), .noisy(level: 0.3), .offline,
            ])
    }
}
