import Foundation
import Ledger
import LuaSandbox
import SubnetHost
import Testing

/// `store` and `ctx.moving_average`: plugin state that outlives a version.
@Suite("PluginStore: durable plugin state")
struct PluginStoreTests {
    static func counter(step: Int = 1) -> String {
        """
        return subnet { name = "c",
          task = function(ctx)
            local n = (store.get("count") or 0) + \(step)
            store.set("count", n)
            store.set("last", { block = ctx.block, tags = { "a", "b" } })
            return { n = n }
          end,
          score = function(t, r) return tensor.zeros(#r) end,
          reward = function(s) return s end }
        """
    }

    func plugin(_ source: String, store: any PluginStore) throws -> SubnetPlugin {
        try SubnetPlugin(source: Array(source.utf8), chunkName: "plugins/c.lua", store: store)
    }

    @Test func valuesOutliveTheSandboxThatWroteThem() throws {
        let store = MemoryStore()
        let ctx = HookContext(netuid: 1, block: 3, validator: "v")
        #expect(try plugin(Self.counter(), store: store).task(ctx) == ["n": 1])
        #expect(try plugin(Self.counter(), store: store).task(ctx) == ["n": 2])  // a new sandbox
        #expect(try store.value(forKey: "last") == ["block": 3, "tags": ["a", "b"]])
    }

    @Test func theLedgerKeepsThemPerSubnet() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent(
            "synod-store-\(UUID().uuidString).sqlite")
        let ledger = try Ledger(path: path.path)
        let one = LedgerStore(ledger: ledger, netuid: 1)
        let two = LedgerStore(ledger: ledger, netuid: 2)
        let ctx = HookContext(netuid: 1, block: 1, validator: "v")
        _ = try plugin(Self.counter(), store: one).task(ctx)
        _ = try plugin(Self.counter(), store: one).task(ctx)
        _ = try plugin(Self.counter(step: 10), store: two).task(ctx)
        #expect(try one.value(forKey: "count") == 2)
        #expect(try two.value(forKey: "count") == 10)
        #expect(try ledger.value(forKey: "plugin/count", netuid: 1) == Data("2".utf8))
        try one.setValue(nil, forKey: "count")
        #expect(try one.value(forKey: "count") == nil)
    }

    @Test func badKeysAndValuesAreRefusedAtThePluginsLine() throws {
        func failure(_ statement: String) -> PluginError? {
            do {
                let p = try plugin(
                    "return subnet { name = \"b\",\n task = function() \(statement) return {} end,\n score = function() end, reward = function() end }",
                    store: MemoryStore())
                _ = try p.task(HookContext(netuid: 1, block: 1, validator: "v"))
                return nil
            } catch let error as PluginError {
                return error
            } catch {
                return PluginError("?", "\(error)")
            }
        }
        let function = failure("store.set(\"f\", function() end)")
        #expect(function?.location == "plugins/c.lua:2")
        let key = failure("store.set(\"\", 1)")
        #expect(key?.message.contains("store.set(key, value) takes a key: a string of 1 to 256 bytes") == true)
        let big = failure("store.set(\"big\", string.rep(\"x\", 2000000))")
        #expect(big?.message.contains("at most 1048576") == true)
        // The raw host functions are not left lying around for the plugin.
        #expect(failure("assert(__synod_store_get == nil and __synod_store_set == nil)") == nil)
    }

    @Test func movingAverageIsPerValidatorAndKeptInTheStore() async throws {
        let source = """
            return subnet { name = "m", task = function() return {} end,
              miner = function(t) return { ok = true } end,
              validate = function(r) return type(r) == "table" and r.ok == true end,
              score = function(task, responses)
                local s = {}
                for i = 1, #responses do s[i] = responses[i] and 1 or 0 end
                return s
              end,
              reward = function(scores, ctx) return ctx.moving_average(scores, 0.5):normalize() end }
            """
        let p = try plugin(source, store: MemoryStore())
        let v0 = HookContext(netuid: 1, block: 1, validator: "v0")
        let v1 = HookContext(netuid: 1, block: 1, validator: "v1")
        #expect(try p.reward(scores: [1, 0], context: v0) == [1, 0])
        #expect(try p.reward(scores: [0, 1], context: v0) == [0.5, 0.5])  // (0.5·[0,1] + 0.5·[1,0])
        #expect(try p.reward(scores: [0, 1], context: v1) == [0, 1])  // v1 has its own average
        // The design's example plugin shape passes its self-check.
        let host = try await PluginHost.load(source: Array(source.utf8), chunkName: "plugins/m.lua", netuid: 1)
        #expect(try await host.selfCheck().groups.first?.label == "honest")
    }

    @Test func stateSurvivesAReload() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("synod-store-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let path = folder.appendingPathComponent("c.lua").path
        let ledger = try Ledger(path: folder.appendingPathComponent("l.sqlite").path)
        try Self.counter().write(toFile: path, atomically: true, encoding: .utf8)
        let runtime = try await SubnetRuntime(netuid: 1, path: path, ledger: ledger)
        let ctx = HookContext(netuid: 1, block: 1, validator: "v")
        #expect(try await runtime.task(ctx) == ["n": 1])  // the self-check used a scratch store
        try Self.counter(step: 100).write(toFile: path, atomically: true, encoding: .utf8)
        guard case .reloaded = await runtime.reloadIfChanged() else {
            Issue.record("not reloaded")
            return
        }
        #expect(try await runtime.task(ctx) == ["n": 101])
    }
}
