import Foundation
import Ledger
import Logging
import LuaSandbox
import LuaSandboxTesting
import SubnetHost
import Testing

/// A plugin's store is bounded per subnet, in keys and in bytes; a refused write fails in
/// the plugin with the reason and is logged (once a second however often it is retried).
@Suite("StoreQuota: a plugin cannot fill the host's disk")
struct StoreQuotaTests {
    /// Writes `count` keys of `size` bytes, one per call of `task`, and says how far it got.
    static let filler = """
        return subnet { name = "filler",
          task = function(ctx)
            for i = 1, ctx.block do
              local ok, err = pcall(store.set, "k" .. i, string.rep("x", 100))
              if not ok then return { stored = i - 1, error = tostring(err) } end
            end
            return { stored = ctx.block }
          end,
          score = function(t, r) return tensor.zeros(#r) end,
          reward = function(s) return s end }
        """

    func fill(_ store: any PluginStore, keys: Int, logger: Logger = Logger(label: "test")) throws -> LuaValue {
        let plugin = try SubnetPlugin(
            source: Array(Self.filler.utf8), chunkName: "plugins/f.lua", store: store, logger: logger)
        return try plugin.task(HookContext(netuid: 1, block: UInt64(keys), validator: "v"))
    }

    func stores() throws -> [any PluginStore] {
        let quota = StoreQuota(maxKeys: 5, maxBytes: 100_000)
        let path = FileManager.default.temporaryDirectory.appendingPathComponent(
            "synod-quota-\(UUID().uuidString).sqlite")
        return [MemoryStore(quota: quota), LedgerStore(ledger: try Ledger(path: path.path), netuid: 1, quota: quota)]
    }

    @Test func keysPastTheQuotaAreRefusedWithTheReason() throws {
        for store in try stores() {
            let result = try fill(store, keys: 50)
            #expect(result["stored"] == 5, "\(type(of: store))")
            let error = result["error"]?.stringValue ?? ""
            #expect(error.contains("store.set(\"k6\"): the subnet's store holds its quota of 5 keys"), "\(error)")
            // Replacing and deleting keys stays possible at the quota.
            try store.setValue("replaced", forKey: "k1")
            try store.setValue(nil, forKey: "k2")
            try store.setValue("new", forKey: "k9")
            #expect(try store.value(forKey: "k9") == "new")
        }
    }

    @Test func bytesPastTheQuotaAreRefused() throws {
        let quota = StoreQuota(maxKeys: 1_000, maxBytes: 1_000)
        let path = FileManager.default.temporaryDirectory.appendingPathComponent(
            "synod-quota-\(UUID().uuidString).sqlite")
        for store in [
            MemoryStore(quota: quota), LedgerStore(ledger: try Ledger(path: path.path), netuid: 1, quota: quota),
        ]
            as [any PluginStore]
        {
            let result = try fill(store, keys: 50)
            // Each entry is "kN" plus 102 bytes of JSON: 9 fit in 1,000 bytes.
            #expect(result["stored"] == 9, "\(type(of: store))")
            #expect(result["error"]?.stringValue?.contains("over its quota of 1000") == true)
        }
    }

    @Test func refusalsAreLoggedButNotFloodedIntoTheLog() throws {
        let capture = LogCapture()
        let logger = capture.logger
        let plugin = try SubnetPlugin(
            source: Array(Self.filler.utf8), chunkName: "plugins/f.lua", store: MemoryStore(quota: .init(maxKeys: 1)),
            logger: logger)
        for _ in 0..<20 { _ = try plugin.task(HookContext(netuid: 1, block: 3, validator: "v")) }
        let logged = capture.messages.filter { $0.contains("quota of 1 keys") }
        #expect(logged.count == 1, "\(logged)")
    }
}
