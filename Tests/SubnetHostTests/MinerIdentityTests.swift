import Foundation
import Ledger
import LuaSandbox
import SubnetHost
import SynodChain
import Testing

/// Per-miner state follows the hotkey, not the position, and goes with it.
@Suite("Miner identity: state keyed by hotkey")
struct MinerIdentityTests {
    func plugin(contract: Int, store: any PluginStore = MemoryStore()) throws -> SubnetPlugin {
        let source = """
            return subnet { name = "m", contract = \(contract),
              task = function(ctx) return {} end,
              score = function(t, r) return tensor.zeros(#r) end,
              reward = function(scores, ctx) return ctx.moving_average(scores, 0.5) end }
            """
        return try SubnetPlugin(source: Array(source.utf8), chunkName: "plugins/m.lua", store: store)
    }

    func round(_ miners: [(Int, String)]) -> HookContext {
        HookContext(netuid: 1, block: 1, validator: "v", miners: miners.map { (uid: $0.0, hotkey: $0.1) })
    }

    @Test func anAverageFollowsItsMinerAndANewHotkeyStartsFresh() throws {
        let p = try plugin(contract: 2)
        #expect(try p.reward(scores: [1, 0], context: round([(1, "a"), (2, "b")])) == [1, 0])
        // The same miners, in the other order: each keeps its own average.
        #expect(try p.reward(scores: [0, 1], context: round([(2, "b"), (1, "a")])) == [0, 1])
        // "c" takes b's UID: it starts from its own score, not b's average.
        #expect(try p.reward(scores: [1, 1], context: round([(1, "a"), (2, "c")])) == [1, 1])
    }

    @Test func contractOneKeepsItsPositionalAverage() throws {
        let p = try plugin(contract: 1)
        #expect(try p.reward(scores: [1, 0], context: round([(1, "a"), (2, "b")])) == [1, 0])
        #expect(try p.reward(scores: [0, 1], context: round([(2, "b"), (1, "a")])) == [0.5, 0.5])
    }

    @Test func aMinersCornerOfTheStoreGoesWithItsUid() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent(
            "synod-identity-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let ledger = try Ledger(path: folder.appendingPathComponent("l.sqlite").path)
        var config = SubnetConfig()
        config.maxAllowedUIDs = 2
        config.immunityPeriod = 0
        config.minNonImmuneUIDs = 0
        try ledger.createSubnet(netuid: 1, name: "m", owner: "o", config: config)
        let chain = LocalChain(ledger: ledger)
        _ = try chain.register(netuid: 1, hotkey: "b", coldkey: "b")
        try ledger.setChainHead(5)
        _ = try chain.register(netuid: 1, hotkey: "a", coldkey: "a")
        let store = LedgerStore(ledger: ledger, netuid: 1)
        let source = """
            return subnet { name = "m",
              task = function(ctx)
                store.miner("a").set("streak", 3); store.miner("b").set("streak", 7)
                return { a = store.miner("a").get("streak"), b = store.miner("b").get("streak") }
              end,
              score = function(t, r) return tensor.zeros(#r) end, reward = function(s) return s end }
            """
        let plugin = try SubnetPlugin(source: Array(source.utf8), chunkName: "plugins/m.lua", store: store)
        #expect(try plugin.task(round([])) == ["a": 3, "b": 7])
        // "c" registers into the full subnet: b (uid 0, the earliest) is replaced.
        try ledger.setChainHead(10)
        #expect(try chain.register(netuid: 1, hotkey: "c", coldkey: "c") == 0)
        #expect(try store.value(forKey: "miner/b/streak") == nil)
        #expect(try store.value(forKey: "miner/a/streak") == 3)
        #expect(throws: PluginError.self) {
            _ = try SubnetPlugin(
                source: Array(source.replacingOccurrences(of: "store.miner(\"a\")", with: "store.miner(\"x/y\")").utf8),
                chunkName: "plugins/m.lua"
            ).task(round([]))
        }
    }
}
