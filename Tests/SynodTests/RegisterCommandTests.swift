import Foundation
import Testing

/// An outside miner — the Python example, speaking btauth/1 through the `bittensor` SDK —
/// joins a subnet of a `synod up` host and earns like the host's own miners.
@Suite("synod register: miners in any language")
struct RegisterCommandTests {
    static let python: String? = {
        let path = packageRoot.appendingPathComponent(".venv-wire/bin/python").path
        return FileManager.default.isExecutableFile(atPath: path) ? path : nil
    }()
    static let shouldRun = python != nil || ProcessInfo.processInfo.environment["CI"] != nil

    @Test(.enabled(if: shouldRun, "needs .venv-wire (make test creates it)"))
    func thePythonExampleMinerEarnsOnAHostSubnet() throws {
        let python = try #require(Self.python, "the bittensor SDK venv is missing (run make test)")
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("synod-register-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: root) }
        let data = root.appendingPathComponent("data").path
        let wallets = root.appendingPathComponent("wallets").path

        // The host's chain exists (one block), then the outside miner starts and registers.
        let first = try synod(["up", "--data", data, "--block-time", "0.01", "--blocks", "1", "--no-metrics"])
        #expect(first.status == 0, "\(first.stderr)")
        let key = try synod(["keys", "new", "--wallet", "py", "--hotkey", "default", "--wallets-dir", wallets])
        let address =
            key.stdout.trimmingCharacters(in: .whitespacesAndNewlines).split(separator: " ").last.map(String.init) ?? ""
        let miner = Process()
        miner.executableURL = URL(fileURLWithPath: python)
        miner.arguments = [
            packageRoot.appendingPathComponent("examples/python-miner/miner.py").path, "--wallet", "py",
            "--wallet-path", wallets, "--port", "0",
        ]
        let output = Pipe()
        miner.standardOutput = output
        try miner.run()
        defer {
            kill(miner.processIdentifier, SIGKILL)
            miner.waitUntilExit()
        }
        var line = Data()
        while !line.contains(0x0a) {
            let chunk = output.fileHandleForReading.availableData
            guard !chunk.isEmpty else { break }
            line.append(chunk)
        }
        let words = String(decoding: line, as: UTF8.self).split(separator: " ")
        try #require(
            words.count == 3 && words[0] == "listening", "miner said: \(String(decoding: line, as: UTF8.self))")
        #expect(words[2].trimmingCharacters(in: .whitespacesAndNewlines) == address)

        let register = try synod([
            "register", "--data", data, "--netuid", "1", "--hotkey", address, "--endpoint",
            "http://127.0.0.1:\(words[1])",
        ])
        #expect(register.status == 0, "\(register.stderr)")
        #expect(register.stdout.hasPrefix("registered uid 6 on subnet 1 at block 1: \(address)"))

        // Two tempos later the Python miner has earned what each reference miner earned.
        let run = try synod(["up", "--data", data, "--block-time", "0.01", "--blocks", "41", "--no-metrics"])
        #expect(run.status == 0, "\(run.stderr)")
        let show = try synod(["ledger", "show", "--data", data, "--netuid", "1", "--json"])
        let rows = try #require(try JSONSerialization.jsonObject(with: Data(show.stdout.utf8)) as? [[String: Any]])
        let miners = rows.filter { ($0["permit"] as? Bool) == false }
        let outside = try #require(miners.first { $0["hotkey"] as? String == address })
        let emission = outside["emission"] as? Int ?? 0
        #expect(emission > 0)
        #expect(miners.allSatisfy { ($0["emission"] as? Int) == emission }, "\(miners)")
    }

    @Test func refusalsSayWhy() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("synod-register-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: root) }
        let data = root.appendingPathComponent("data").path
        let noLedger = try synod([
            "register", "--data", data, "--netuid", "1", "--hotkey", "5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY",
            "--endpoint", "http://127.0.0.1:9",
        ])
        #expect(noLedger.status == 2)
        #expect(noLedger.stderr.hasPrefix("Error: no ledger at "))
        let badKey = try synod(["register", "--netuid", "1", "--hotkey", "nope", "--endpoint", "http://127.0.0.1:9"])
        #expect(badKey.status == 2)
        #expect(badKey.stderr.contains("--hotkey 'nope' is not an ss58 address"))
        _ = try synod(["up", "--data", data, "--block-time", "0.01", "--blocks", "1", "--no-metrics"])
        let badEndpoint = try synod([
            "register", "--data", data, "--netuid", "1", "--hotkey", "5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY",
            "--endpoint", "127.0.0.1:9",
        ])
        #expect(badEndpoint.status == 2)
        #expect(badEndpoint.stderr.contains("is not an axon address; give http://HOST:PORT or https://HOST:PORT"))
        // Nothing was registered by the refused call.
        let show = try synod(["ledger", "show", "--data", data, "--netuid", "1", "--json"])
        #expect(!show.stdout.contains("5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY"))
        let noSubnet = try synod([
            "register", "--data", data, "--netuid", "9", "--hotkey", "5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY",
            "--endpoint", "http://127.0.0.1:9",
        ])
        #expect(noSubnet.status == 2)
        #expect(noSubnet.stderr == "Error: subnet 9 does not exist; create it first\n")
    }
}
