import Consensus
import Foundation
import Ledger
import LuaSandbox
import SubnetHost
import SynodChain
import Testing

/// Hot reload: a new version runs only once it has loaded and passed its self-check.
@Suite("SubnetRuntime: hot reload")
struct SubnetRuntimeTests {
    let folder: URL
    let path: String
    let ledger: Ledger

    init() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("synod-runtime-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        path = folder.appendingPathComponent("echo.lua").path
        ledger = try Ledger(path: folder.appendingPathComponent("ledger.sqlite").path)
        try ledger.createSubnet(netuid: 1, name: "echo", owner: "owner")
        try Self.version(tempo: 20).write(toFile: path, atomically: true, encoding: .utf8)
    }

    /// An echo subnet: the task is a number, the honest answer echoes it.
    static func version(tempo: Int, kappa: Double = 0.5, task: String = "{ x = ctx.shared_random:int(1, 9) }")
        -> String
    {
        """
        return subnet {
          name = "echo", version = "\(tempo)", tempo = \(tempo),
          hyperparameters = { kappa = \(kappa) },
          task = function(ctx) return \(task) end,
          miner = function(task) return { x = task.x } end,
          validate = function(r) return type(r) == "table" end,
          score = function(task, responses)
            local s = {}
            for i = 1, #responses do s[i] = (responses[i] and responses[i].x == task.x) and 1 or 0 end
            return s
          end,
          reward = function(scores) return scores:normalize() end,
        }
        """
    }

    func write(_ text: String) throws { try text.write(toFile: path, atomically: true, encoding: .utf8) }

    @Test func aGoodEditReplacesTheVersionAndItsSettings() async throws {
        let runtime = try await SubnetRuntime(netuid: 1, path: path, ledger: ledger)
        #expect(await runtime.reloadIfChanged() == .unchanged)
        let first = await runtime.definition.sha256
        #expect(try ledger.subnet(netuid: 1).config.tempo == 20)

        try write(Self.version(tempo: 30, kappa: 0.6))
        guard case .reloaded(let from, let to) = await runtime.reloadIfChanged() else {
            Issue.record("the edit was not loaded")
            return
        }
        #expect(from == first)
        #expect(await runtime.definition.config.tempo == 30)
        #expect(try ledger.subnet(netuid: 1).config.tempo == 30)
        #expect(try ledger.subnet(netuid: 1).config.parameters.kappa == 39321)
        #expect(try ledger.pluginVersions(netuid: 1).map(\.outcome) == ["loaded", "reloaded"])
        #expect(try ledger.pluginVersions(netuid: 1).last?.sha256 == to)
    }

    @Test func aBrokenEditLeavesTheOldVersionRunning() async throws {
        let runtime = try await SubnetRuntime(netuid: 1, path: path, ledger: ledger)
        let ctx = HookContext(netuid: 1, block: 5, validator: "v")
        let before = try await runtime.task(ctx)

        try write("return subnet {\n  name = \"echo\",\n  task = function( end }")
        guard case .rejected(let error) = await runtime.reloadIfChanged() else {
            Issue.record("a file that does not parse was accepted")
            return
        }
        // Lua shortens long chunk names from the left ("…/echo.lua:3").
        #expect(error.location.hasSuffix("echo.lua:3"))
        #expect(try await runtime.task(ctx) == before)
        #expect(await runtime.definition.config.tempo == 20)

        // An edit that loads but rewards silence fails its self-check: also refused.
        try write(Self.version(tempo: 40).replacingOccurrences(of: "and 1 or 0", with: "and 0 or 1"))
        guard case .rejected(let lazy) = await runtime.reloadIfChanged() else {
            Issue.record("a plugin that rewards silence was accepted")
            return
        }
        #expect(lazy.message.contains("earns more"))
        #expect(try ledger.subnet(netuid: 1).config.tempo == 20)
        let versions = try ledger.pluginVersions(netuid: 1)
        #expect(versions.map(\.outcome) == ["loaded", "rejected", "rejected"])
        #expect(versions[1].message.contains("echo.lua:3: syntax:"))
    }

    @Test func settingsTheLedgerRefusesAreARejection() async throws {
        let chain = LocalChain(ledger: ledger)
        for i in 0..<3 { _ = try chain.register(netuid: 1, hotkey: "h\(i)", coldkey: "c") }
        let runtime = try await SubnetRuntime(netuid: 1, path: path, ledger: ledger)
        try write(
            Self.version(tempo: 20).replacingOccurrences(of: "kappa = 0.5", with: "kappa = 0.5, max_allowed_uids = 2"))
        guard case .rejected(let error) = await runtime.reloadIfChanged() else {
            Issue.record("a version that would orphan UIDs was accepted")
            return
        }
        #expect(
            error.message
                == "the ledger refuses its settings: subnet 1: max_allowed_uids 2 is below the 3 UIDs registered")
    }

    @Test func aFirstVersionThatFailsIsRefusedWithItsReason() async throws {
        try write("return 42")
        await #expect(throws: PluginError.self) { try await SubnetRuntime(netuid: 1, path: path, ledger: ledger) }
    }

    @Test func aHugeFileIsRefusedBeforeItIsRead() async throws {
        let runtime = try await SubnetRuntime(netuid: 1, path: path, ledger: ledger)
        // A sparse gigabyte: reading it whole once took the host to 2.1 GB.
        let fd = open(path, O_WRONLY | O_TRUNC)
        #expect(ftruncate(fd, 1 << 30) == 0)
        close(fd)
        guard case .rejected(let error) = await runtime.reloadIfChanged() else {
            Issue.record("a 1 GiB plugin file was not refused")
            return
        }
        #expect(error.message == "the plugin file is 1073741824 bytes; a plugin may be at most 1048576 bytes")
        #expect(await runtime.definition.config.tempo == 20)
    }

    @Test func aBrokenFileIsReportedOncePerContent() async throws {
        let runtime = try await SubnetRuntime(netuid: 1, path: path, ledger: ledger)
        try write("return subnet {")
        guard case .rejected = await runtime.reloadIfChanged() else {
            Issue.record("a broken file was accepted")
            return
        }
        // The same broken content, even rewritten, is not reported again...
        #expect(await runtime.reloadIfChanged() == .unchanged)
        try write("return subnet {")
        #expect(await runtime.reloadIfChanged() == .unchanged)
        // ...a different broken content is, and an edit back to the first is not.
        try write("return subnet { name = 1 }")
        guard case .rejected = await runtime.reloadIfChanged() else {
            Issue.record("a new broken content was not reported")
            return
        }
        try write("return subnet {")
        #expect(await runtime.reloadIfChanged() == .unchanged)
        // A fixed one loads.
        try write(Self.version(tempo: 40))
        guard case .reloaded = await runtime.reloadIfChanged() else {
            Issue.record("the fixed file was not loaded")
            return
        }
        let rejected = try ledger.pluginVersions(netuid: 1).filter { $0.outcome == "rejected" }
        #expect(rejected.count == 2)
    }

    /// The self-check looks like a real validator's round: the subnet's netuid, the chain's
    /// block, and a validator address like any other (a new one each time).
    @Test func theSelfCheckLooksLikeAnyValidatorsRound() async throws {
        try ledger.setChainHead(77)
        try write(
            Self.version(tempo: 20, task: #"error("seen " .. ctx.netuid .. " " .. ctx.block .. " " .. ctx.validator)"#))
        var seen: [String] = []
        for _ in 0..<2 {
            do {
                _ = try await SubnetRuntime(netuid: 1, path: path, ledger: ledger)
            } catch {
                seen.append(error.message)
            }
        }
        #expect(seen.count == 2)
        for message in seen {
            let words = message.split(separator: " ")
            let at = try #require(words.firstIndex(of: "seen"))
            #expect(words[at + 1] == "1" && words[at + 2] == "77", "\(message)")
            let validator = String(words[at + 3])
            #expect(validator.count == 48 && validator.hasPrefix("5"), "\(validator)")
        }
        #expect(seen[0] != seen[1])
    }
}
