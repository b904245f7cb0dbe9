import Foundation
import Ledger
import Testing

/// The Synod network end to end, as separate processes on separate hosts (network
/// namespaces, else loopback): one chain (`synod up`), two remote validators (`synod
/// validate`) and two remote miners (`synod mine`). The remote miners earn; the validators'
/// dividends follow their stake; a validator killed with SIGKILL resumes from its data; a
/// release switches every validator at its block; a bad release is refused by all and
/// changes nothing.
@Suite("The network: a chain, remote validators and miners as processes", .serialized)
struct NetworkTests {
    struct Epoch {
        var block: UInt64
        var incentive: [Double]
        var dividends: [Double]
    }

    /// The newest recorded epoch of subnet 1 in the chain's ledger.
    static func epoch(_ ledger: Ledger) throws -> Epoch? {
        guard let record = try ledger.epoch(netuid: 1),
            let json = try JSONSerialization.jsonObject(with: Data(record.output.utf8)) as? [String: Any]
        else { return nil }
        return Epoch(
            block: record.block, incentive: json["incentive"] as? [Double] ?? [],
            dividends: json["dividends"] as? [Double] ?? [])
    }

    /// Waits until the chain's head reaches `block` (a limit against a hang, not a measure).
    static func waitForHead(_ ledger: Ledger, _ block: UInt64, chain: SynodProcess) throws {
        let deadline = Date().addingTimeInterval(180)
        while try ledger.chainHead() < block {
            guard Date() < deadline, chain.process.isRunning else {
                throw NetworkNamespaces.IPError(
                    description: "the chain did not reach block \(block); its log:\n\(chain.output.suffix(3000))")
            }
            usleep(100_000)
        }
    }

    @Test func validatorsAndMinersOnOtherHostsEarnResumeAndSwitchReleasesTogether() throws {
        let network = NetworkNamespaces(["chain", "validator-1", "validator-2", "miner-1", "miner-2", "owner"])
        defer { network.remove() }
        if let fallback = network.fallback {
            print("NetworkTests: separate hosts on loopback, not network namespaces (\(fallback))")
        } else {
            print("NetworkTests: one network namespace per host, joined by veth pairs to a bridge")
        }
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("synod-net-\(UUID().uuidString)")
        let plugins = folder.appendingPathComponent("plugins")
        try FileManager.default.createDirectory(at: plugins, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let plugin = try String(
            contentsOf: packageRoot.appendingPathComponent("plugins/echo-sum.lua"), encoding: .utf8)
        try plugin.write(to: plugins.appendingPathComponent("echo-sum.lua"), atomically: true, encoding: .utf8)
        let wallets = folder.appendingPathComponent("wallets").path
        var hotkeys: [String: String] = [:]
        for (name, crypto) in [("v1", "sr25519"), ("v2", "ed25519"), ("m1", "sr25519"), ("m2", "ed25519")] {
            let made = try synod(["keys", "new", "--wallets-dir", wallets, "--wallet", name, "--crypto", crypto])
            #expect(made.status == 0, "\(made.stderr)")
            hotkeys[name] = made.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        }

        // The chain: one host, its API on an address the others reach.
        let chainData = folder.appendingPathComponent("chain").path
        let namespaces = network.fallback == nil
        let chain = try SynodProcess(
            "chain", on: "chain", in: network, folder: folder,
            [
                "up", "--plugins", plugins.path, "--data", chainData, "--host", network.address("chain"),
                "--metrics-port", namespaces ? "9464" : "0", "--block-time", "0.5", "--validators", "1", "--miners",
                "1",
            ])
        defer { chain.stop() }
        let apiLine = try chain.waitForLine { $0.hasPrefix("chain API on http://") }
        let url = String(apiLine.dropFirst("chain API on ".count).prefix { $0 != " " }).replacingOccurrences(
            of: "/v1/chain", with: "")
        let chainHotkey = String(apiLine.split(separator: "chain hotkey ").last!.dropLast())
        // The dashboard shows every miner's outcomes: on an address others reach, it is off.
        if !network.address("chain").hasPrefix("127.") {
            #expect(chain.lines.contains { $0.hasPrefix("dashboard off: --host \(network.address("chain"))") })
            #expect(!chain.lines.contains { $0.hasPrefix("dashboard on ") })
        }
        let ledger = try Ledger(path: chainData + "/synod.sqlite")
        let remote = ["--chain", url, "--chain-hotkey", chainHotkey, "--netuid", "1", "--wallets-dir", wallets]

        // Miners and validators on their own hosts.
        var miners: [SynodProcess] = []
        for name in ["m1", "m2"] {
            let host = name == "m1" ? "miner-1" : "miner-2"
            miners.append(
                try SynodProcess(
                    name, on: host, in: network, folder: folder,
                    [
                        "mine", "--wallet", name, "--host", network.address(host), "--port", namespaces ? "8091" : "0",
                        "--data", folder.appendingPathComponent(name).path,
                    ] + remote))
        }
        defer { for miner in miners { miner.stop() } }
        func validatorArguments(_ name: String) -> [String] {
            ["validate", "--wallet", name, "--data", folder.appendingPathComponent(name).path] + remote
        }
        var v1 = try SynodProcess(
            "v1", on: "validator-1", in: network, folder: folder, validatorArguments("v1") + ["--register"])
        let v2 = try SynodProcess(
            "v2", on: "validator-2", in: network, folder: folder, validatorArguments("v2") + ["--register"])
        defer {
            v1.stop()
            v2.stop()
        }
        for process in [v1, v2] + miners {
            try process.waitForLine { $0.hasPrefix("registered ") || $0.contains(" holds uid ") }
        }
        for miner in miners { try miner.waitForLine { $0.contains(" serves subnet 1 at http://") } }
        // The operator stakes the remote validators, 1 : 3.
        for (name, tao) in [("v1", "100"), ("v2", "300")] {
            let staked = try synod([
                "stake", "--data", chainData, "--netuid", "1", "--hotkey", hotkeys[name]!, "--tao", tao,
            ])
            #expect(staked.status == 0, "\(staked.stderr)")
        }
        let neurons = try ledger.neurons(netuid: 1)
        func uid(_ name: String) -> Int { neurons.first { $0.hotkey == hotkeys[name] }!.uid }

        // Validator 1 is killed mid-run (SIGKILL) and started again on its data.
        try Self.waitForHead(ledger, 50, chain: chain)
        let v1Ledger = try Ledger(path: folder.appendingPathComponent("v1/synod.sqlite").path)
        let roundsBefore = try v1Ledger.rounds(netuid: 1, validator: hotkeys["v1"], limit: 10_000)
        #expect(!roundsBefore.isEmpty, "\(v1.output.suffix(3000))")
        v1.signal(SIGKILL)
        v1.process.waitUntilExit()
        #expect(v1.process.terminationReason == .uncaughtSignal)
        v1 = try SynodProcess("v1-again", on: "validator-1", in: network, folder: folder, validatorArguments("v1"))
        try v1.waitForLine { $0.contains("weights set") }
        #expect(!v1.output.contains("registered "))
        let roundsAfter = try v1Ledger.rounds(netuid: 1, validator: hotkeys["v1"], limit: 10_000)
        #expect(roundsAfter.count > roundsBefore.count)
        #expect(Set(roundsBefore.map(\.block)).isSubset(of: Set(roundsAfter.map(\.block))))

        // A release: every validator (and the chain's host) switches at its block.
        let good = plugin.replacingOccurrences(of: "version = \"1.0.0\"", with: "version = \"1.0.1\"")
        #expect(good != plugin)
        let goodFile = folder.appendingPathComponent("echo-sum-1.0.1.lua")
        try good.write(to: goodFile, atomically: true, encoding: .utf8)
        let owner = ["--wallets-dir", chainData + "/wallets", "--wallet", "synod-local", "--hotkey", "owner"]
        /// The owner publishes `file` from its own host, 8 blocks ahead: the release's block and sha256.
        func publish(_ file: URL) throws -> (at: UInt64, sha256: String) {
            let at = try ledger.chainHead() + 8
            let published = try network.synod(
                on: "owner",
                [
                    "publish", file.path, "--chain", url, "--chain-hotkey", chainHotkey, "--netuid", "1",
                    "--at-block", String(at),
                ] + owner)
            #expect(published.status == 0, "\(published.stderr)")
            return (at, String(try #require(published.stdout.split(separator: " ").dropFirst().first)))
        }
        let (at, sha) = try publish(goodFile)
        for process in [v1, v2] {
            let line = try process.waitForLine { $0.contains("switched to release \(sha.prefix(12))") }
            #expect(line.hasPrefix("block \(at): "), "\(process.name): \(line)")
        }
        let hostSwitch = try chain.waitForLine { $0.contains("switched to release \(sha.prefix(12))") }
        #expect(hostSwitch.hasPrefix("block \(at) · subnet 1"), "\(hostSwitch)")

        // A bad release: refused by every validator, which keep scoring with the good one.
        let badFile = folder.appendingPathComponent("broken.lua")
        try "return {\n  name = 'broken' +\n}\n".write(to: badFile, atomically: true, encoding: .utf8)
        let (badAt, badSha) = try publish(badFile)
        for process in [v1, v2] {
            let refused = try process.waitForLine { $0.contains("release \(badSha.prefix(12)) of subnet 1") }
            #expect(refused.contains("fails to load") && refused.contains(".lua:3:"), "\(refused)")
        }
        try Self.waitForHead(ledger, badAt + 12, chain: chain)
        for process in [v1, v2] {
            #expect(!process.output.contains("switched to release \(badSha.prefix(12))"))
            let after = process.lines.filter { line in
                line.contains("weights set")
                    && (UInt64(line.dropFirst("block ".count).prefix { $0.isNumber }) ?? 0) > badAt
            }
            #expect(!after.isEmpty, "\(process.name) stopped setting weights after the bad release")
        }
        // Each round records the version that scored it: the old one before the release's
        // block, the new one from it on, never the refused one.
        for name in ["v1", "v2"] {
            let rounds = try Ledger(path: folder.appendingPathComponent("\(name)/synod.sqlite").path)
                .rounds(netuid: 1, validator: hotkeys[name], limit: 10_000)
            #expect(rounds.contains { $0.block < at } && rounds.contains { $0.block > badAt })
            for round in rounds {
                #expect(
                    (round.plugin == sha) == (round.block >= at), "\(name): block \(round.block) ran \(round.plugin)")
            }
        }
        let versions = try ledger.validatorVersions(netuid: 1)
        for name in ["v1", "v2"] {
            let version = versions.first { $0.hotkey == hotkeys[name] }
            #expect(version?.sha256 == sha && version?.refused == badSha, "\(name): \(String(describing: version))")
            #expect(version?.refusedMessage.contains("fails to load") == true)
        }
        let status = try synod(["status", "--data", chainData])
        #expect(status.stdout.contains("validator \(hotkeys["v2"]!) runs \(sha.prefix(12))"), "\(status.stdout)")

        // The remote miners earn; the dividends follow the validators' stake.
        try Self.waitForHead(ledger, 140, chain: chain)
        let epoch = try #require(try Self.epoch(ledger))
        #expect(epoch.block >= 120)
        for name in ["m1", "m2"] {
            #expect(epoch.incentive[uid(name)] > 0.1, "\(name) earned nothing: \(epoch.incentive)")
        }
        let d1 = epoch.dividends[uid("v1")]
        let d2 = epoch.dividends[uid("v2")]
        print("NetworkTests: block \(epoch.block) dividends v1 \(d1) v2 \(d2) (stake 1 : 3, ratio \(d2 / d1))")
        #expect(d1 > 0 && d2 > 0)
        #expect((2.0...4.5).contains(d2 / d1), "dividends \(d1) : \(d2) do not follow stake 1 : 3")
    }
}
