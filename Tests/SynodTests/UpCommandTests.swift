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
