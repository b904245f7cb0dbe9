import Foundation
import Testing

@Suite("synod up: the bundled plugins as a local chain")
struct UpCommandTests {
    @Test func runsEpochsOnTheBundledPluginAndLeavesASoundLedger() throws {
        let data = FileManager.default.temporaryDirectory.appendingPathComponent("synod-up-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: data) }
        let run = try synod(
            ["up", "--data", data, "--block-time", "0.01", "--blocks", "42", "--miners", "3", "--metrics-port", "0"])
        #expect(run.status == 0, "\(run.stderr)")
        // A stop after --blocks is not an error: no error lines from the servers.
        #expect(!run.stderr.contains(" error "), "\(run.stderr)")
        let lines = run.stdout.split(separator: "\n").map(String.init)
        #expect(lines.first?.hasPrefix("subnet 1 echo-sum (plugins/echo-sum.lua): tempo 20, version 1.0.0") == true)
        #expect(lines.contains { $0.hasPrefix("metrics on http://127.0.0.1:") && $0.hasSuffix("/metrics") })
        let epoch = lines.first {
            $0.hasPrefix("block 20 · subnet 1 echo-sum · epoch: 1000000000 rao (owner 180000000,")
        }
        #expect(
            epoch?.hasSuffix("; incentive 2:0.333 3:0.333 4:0.333; dividends 0:0.333 1:0.667") == true, "\(run.stdout)")
        let check = try synod(["ledger", "check", "--data", data, "--recompute"])
        #expect(check.status == 0)
        // Five subnets of tempo 20 settle at 20 and 40, sort (tempo 30) at 30.
        #expect(check.stdout.hasSuffix("; recomputed: 11\n"), "\(check.stdout)")

        let status = try synod(["status", "--data", data])
        #expect(status.status == 0)
        let rows = status.stdout.split(separator: "\n").map(String.init)
        #expect(rows.first == "ledger \(data)/synod.sqlite · head block 42")
        #expect(
            rows[1].split(separator: " ").joined(separator: " ").hasPrefix(
                "netuid name uids serving tempo last epoch epochs emitted (rao) plugin"))
        #expect(
            rows[2].split(separator: " ").joined(separator: " ").hasPrefix(
                "1 echo-sum 5 3 20 40 2 2000000000 plugins/echo-sum.lua "))
        #expect(rows.count >= 8 && rows[7].contains("storage"), "\(status.stdout)")
        #expect(rows[2].contains("(loaded "))
        // What each subnet's plugin cost: counted per hook call, kept per epoch.
        #expect(
            rows.contains {
                $0.hasPrefix("subnet 1 cost: ") && $0.contains(" CPU s/epoch · ") && $0.contains(" to make one")
            },
            "\(status.stdout)")

        let json = try synod(["status", "--data", data, "--json"])
        #expect(json.status == 0, "\(json.stderr)")
        let report = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        #expect(report["schema"] as? String == "synod.status/1" && report["head"] as? Int == 42)
        let subnets = try #require(report["subnets"] as? [[String: Any]])
        #expect(subnets.count == 6)
        let echo = try #require(subnets.first { $0["name"] as? String == "echo-sum" })
        #expect(echo["epochs"] as? Int == 2 && echo["emitted_rao"] as? Int == 2_000_000_000)
        #expect((echo["running"] as? [String: Any])?["outcome"] as? String == "loaded")
        let cost = try #require(echo["cost"] as? [String: Any])
        #expect(cost["epochs"] as? Int == 2, "a cost record per epoch: \(cost)")
        #expect((cost["cpu_seconds"] as? Double ?? 0) > 0 && (cost["joules"] as? Double ?? 0) > 0)
        #expect(
            abs((cost["joules"] as? Double ?? 0) - (cost["cpu_seconds"] as? Double ?? 0) * 6.75) < 1e-9,
            "the default watts per core")
        let hooks = try #require(cost["hooks"] as? [[String: Any]])
        let named = Set(hooks.compactMap { $0["hook"] as? String })
        #expect(named.isSuperset(of: ["task", "score", "reward", "validate"]), "\(named)")
        #expect(hooks.allSatisfy { ($0["calls"] as? Int ?? 0) > 0 && ($0["peak_memory_bytes"] as? Int ?? 0) > 0 })
        // The reference miners run in this host: making answers is counted apart from checking them.
        #expect(named.contains("miner") && (cost["answering_cpu_seconds"] as? Double ?? 0) > 0)
        // Instructions count in steps of 1,024: a subnet that computes shows them.
        let compute = try #require(subnets.first { $0["name"] as? String == "proof-of-compute" })
        let computeHooks = try #require((compute["cost"] as? [String: Any])?["hooks"] as? [[String: Any]])
        let scoring = computeHooks.first { $0["hook"] as? String == "score" }
        #expect((scoring?["instructions"] as? Int ?? 0) > 100_000, "\(computeHooks)")
        let answers = try #require(cost["answers"] as? [String: Any])
        // Two validators ask three miners every 5 blocks (echo-sum's rate limit) to block 40.
        #expect((answers["answered"] as? Int ?? 0) >= 42 && (answers["bytes"] as? Int ?? 0) > 0, "\(answers)")
        #expect((answers["mean_latency_seconds"] as? Double ?? 0) > 0)

        let explained = try synod(["explain", "--data", data, "--netuid", "1", "--uid", "2", "--json"])
        let explanation = try #require(
            try JSONSerialization.jsonObject(with: Data(explained.stdout.utf8)) as? [String: Any])
        #expect(explanation["block"] as? Int == 40)
        #expect(((explanation["cost"] as? [String: Any])?["cpu_seconds"] as? Double ?? 0) > 0, "\(explained.stdout)")
    }

    @Test func ctrlCStopsItCleanly() throws {
        let data = FileManager.default.temporaryDirectory.appendingPathComponent("synod-up-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: data) }
        let process = Process()
        process.executableURL = synodBinary()
        // With the metrics server and the chain's API: every server stops without an error.
        process.arguments = ["up", "--data", data, "--block-time", "0.05", "--metrics-port", "0"]
        process.currentDirectoryURL = packageRoot
        let output = Pipe()
        process.standardOutput = output
        let errors = URL(fileURLWithPath: data + ".stderr")
        _ = FileManager.default.createFile(atPath: errors.path, contents: nil)
        defer { try? FileManager.default.removeItem(at: errors) }
        process.standardError = try FileHandle(forWritingTo: errors)
        try process.run()
        // Wait until it is running blocks (its second line), then press Ctrl-C.
        var text = ""
        while text.split(separator: "\n").count < 2 {
            let chunk = output.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            text += String(decoding: chunk, as: UTF8.self)
        }
        kill(process.processIdentifier, SIGINT)
        let deadline = Date().addingTimeInterval(30)
        while process.isRunning && Date() < deadline { usleep(50_000) }
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            Issue.record("synod up did not stop on SIGINT")
            return
        }
        text += String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect(process.terminationStatus == 0)
        #expect(text.contains("received SIGINT: stopping after this block"), "\(text)")
        #expect(text.contains("run synod up again to continue from here"))
        let stderr = try String(contentsOf: errors, encoding: .utf8)
        #expect(!stderr.contains(" error ") && !stderr.contains("Error:"), "\(stderr)")
    }

    @Test func statusWithoutALedgerExitsTwo() throws {
        let run = try synod(["status", "--data", "/no/such/data"])
        #expect(run.status == 2)
        #expect(
            run.stderr
                == "Error: no ledger at '/no/such/data/synod.sqlite'; start one with `synod up --data /no/such/data`.\n"
        )
    }

    @Test func badUsageExitsTwo() throws {
        let missing = try synod(["up", "--plugins", "/no/such/folder"])
        #expect(missing.status == 2)
        #expect(missing.stderr.contains("no plugin folder at '/no/such/folder'"))
        let zero = try synod(["up", "--block-time", "0"])
        #expect(zero.status == 2)
        #expect(zero.stderr.contains("--block-time must be above 0"))
    }
}
