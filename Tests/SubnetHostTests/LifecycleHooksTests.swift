import Consensus
import Foundation
import Ledger
import LuaSandbox
import SubnetHost
import SynodChain
import Testing

/// `on_load` runs once per version before it serves; `on_epoch` after every epoch.
@Suite("SubnetRuntime: on_load and on_epoch")
struct LifecycleHooksTests {
    let folder: URL
    let path: String
    let ledger: Ledger

    init() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("synod-hooks-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        path = folder.appendingPathComponent("h.lua").path
        ledger = try Ledger(path: folder.appendingPathComponent("l.sqlite").path)
        try ledger.createSubnet(netuid: 1, name: "h", owner: "o")
    }

    static func plugin(onLoad: String = "", onEpoch: String = "") -> String {
        """
        return subnet { name = "h",
          task = function() return { x = 1 } end,
          miner = function(t) return { x = t.x } end,
          validate = function(r, t) return type(r) == "table" and r.x == t.x end,
          score = function(t, r)
            local s = {}
            for i = 1, #r do s[i] = r[i] and 1 or 0 end
            return s
          end,
          reward = function(s) return s:normalize() end,
          on_load = function(ctx) \(onLoad) end,
          on_epoch = function(result, ctx) \(onEpoch) end,
        }
        """
    }

    @Test func onLoadRunsPerVersionAndMayRefuseIt() async throws {
        try Self.plugin(onLoad: "store.set(\"loads\", (store.get(\"loads\") or 0) + 1)")
            .write(toFile: path, atomically: true, encoding: .utf8)
        let runtime = try await SubnetRuntime(netuid: 1, path: path, ledger: ledger)
        let store = LedgerStore(ledger: ledger, netuid: 1)
        #expect(try store.value(forKey: "loads") == 1)
        try (Self.plugin(onLoad: "store.set(\"loads\", (store.get(\"loads\") or 0) + 1)") + "\n")
            .write(toFile: path, atomically: true, encoding: .utf8)
        #expect(await runtime.reloadIfChanged() != .unchanged)
        #expect(try store.value(forKey: "loads") == 2)
        try Self.plugin(onLoad: "error(\"not ready\")").write(toFile: path, atomically: true, encoding: .utf8)
        guard case .rejected(let error) = await runtime.reloadIfChanged() else {
            Issue.record("a version whose on_load fails was accepted")
            return
        }
        #expect(error.message.contains("not ready"))
    }

    /// A candidate's `on_load` runs against a scratch copy of the store: it sees the
    /// subnet's state and its own writes, and the real store changes only if the version is
    /// accepted.
    @Test func aRejectedVersionLeavesTheStoreAsItWas() async throws {
        let count = "store.set(\"loads\", (store.get(\"loads\") or 0) + 1); store.set(\"seen\", store.get(\"loads\"))"
        try Self.plugin(onLoad: count).write(toFile: path, atomically: true, encoding: .utf8)
        let runtime = try await SubnetRuntime(netuid: 1, path: path, ledger: ledger)
        let store = LedgerStore(ledger: ledger, netuid: 1)
        #expect(try store.value(forKey: "loads") == 1 && store.value(forKey: "seen") == 1)
        let chain = LocalChain(ledger: ledger)
        for key in ["a", "b", "c"] { _ = try chain.register(netuid: 1, hotkey: key, coldkey: key) }
        // Loads, passes its self-check and runs on_load (which writes), but its settings would
        // orphan registered UIDs: rejected after on_load ran.
        try Self.plugin(onLoad: count)
            .replacingOccurrences(
                of: "return subnet { name = \"h\",",
                with: "return subnet { name = \"h\", hyperparameters = { max_allowed_uids = 2 },"
            )
            .write(toFile: path, atomically: true, encoding: .utf8)
        guard case .rejected(let error) = await runtime.reloadIfChanged() else {
            Issue.record("a version that would orphan UIDs was accepted")
            return
        }
        #expect(error.message.contains("max_allowed_uids"))
        #expect(try store.value(forKey: "loads") == 1 && store.value(forKey: "seen") == 1)
        // An accepted version's writes land, and it saw the state the first one left.
        try (Self.plugin(onLoad: count) + "\n").write(toFile: path, atomically: true, encoding: .utf8)
        guard case .reloaded = await runtime.reloadIfChanged() else {
            Issue.record("not reloaded")
            return
        }
        #expect(try store.value(forKey: "loads") == 2 && store.value(forKey: "seen") == 2)
    }

    @Test func onEpochHearsTheResult() async throws {
        try Self.plugin(
            onEpoch:
                "store.set(\"epoch\", { block = result.block, n = #result.incentive, earned = result.earned, "
                + "hotkeys = result.hotkeys, second = ctx.miners[2].hotkey })"
        )
        .write(toFile: path, atomically: true, encoding: .utf8)
        let runtime = try await SubnetRuntime(netuid: 1, path: path, ledger: ledger)
        let chain = LocalChain(ledger: ledger, emissionPerEpoch: 1000)
        try chain.join(netuid: 1, hotkey: "a", coldkey: "a", stake: 10, validatorPermit: true)
        try chain.join(netuid: 1, hotkey: "b", coldkey: "b")
        let record = try chain.settleEpoch(netuid: 1, block: 5)
        try await runtime.onEpoch(record, neurons: try chain.metagraph(netuid: 1).neurons)
        let stored = try LedgerStore(ledger: ledger, netuid: 1).value(forKey: "epoch")
        let earned = zip(record.output.serverEmission, record.output.validatorEmission).map {
            LuaValue.integer(Int64($0 + $1))
        }
        #expect(
            stored == [
                "block": 5, "n": 2, "earned": .array(earned), "hotkeys": ["a", "b"], "second": "b",
            ])
    }
}
