import Foundation
import GRDB
import Testing

@Suite("synod ledger: killed mid-epoch, the ledger stays whole")
struct LedgerCommandTests {
    @Test func killNineAtRandomMomentsLeavesWholeEpochs() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("synod-kill-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let data = folder.path
        let db = data + "/synod.sqlite"
        var killedWhileRunning = 0
        var lastEpochs = 0
        for round in 0..<8 {
            let process = Process()
            process.executableURL = synodBinary()
            process.arguments = ["ledger", "demo", "--data", data, "--epochs", "100000"]
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            try process.run()
            // A random moment: setup, weight writes and epoch transactions all get hit.
            usleep(UInt32.random(in: 20_000...400_000))
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            if process.terminationReason == .uncaughtSignal { killedWhileRunning += 1 }
            // On a loaded machine the first kill can land before the file exists: nothing to check yet.
            if !FileManager.default.fileExists(atPath: db) { continue }

            let check = try synod(["ledger", "check", "--data", data])
            #expect(check.status == 0, "round \(round): \(check.stdout) \(check.stderr)")
            #expect(check.stdout.hasPrefix("integrity: ok; epochs: "), "round \(round): \(check.stdout)")
            let epochs = Int(check.stdout.split(separator: ";")[1].split(separator: " ").last ?? "") ?? -1
            #expect(epochs >= lastEpochs, "epochs went backwards in round \(round)")
            lastEpochs = epochs
        }
        #expect(killedWhileRunning >= 6)
        #expect(lastEpochs > 0)
    }

    @Test func checkRecomputesEveryRecordedEpochAndCatchesATamperedOne() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent(
            "synod-recompute-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let data = folder.path
        let db = data + "/synod.sqlite"
        let demo = try synod(["ledger", "demo", "--data", data, "--epochs", "3", "--validators", "4", "--miners", "12"])
        #expect(demo.status == 0, "\(demo.stderr)")
        let check = try synod(["ledger", "check", "--data", data, "--recompute"])
        #expect(check.status == 0, "\(check.stderr)")
        #expect(check.stdout.hasSuffix("; recomputed: 3\n"), "\(check.stdout)")

        // Someone edits a payout in the file: the recomputation no longer matches.
        let queue = try DatabaseQueue(path: db)
        try queue.write { db in
            try db.execute(
                sql: "UPDATE epochs SET output = replace(output, '\"emission\":[', '\"emission\":[1') WHERE block = 20")
        }
        try queue.close()
        let tampered = try synod(["ledger", "check", "--data", data, "--recompute"])
        #expect(tampered.status == 1)
        #expect(
            tampered.stderr
                == "Error: subnet 1, epoch at block 20: the recorded output differs from the recomputed one\n")
    }

    @Test func showListsSubnetsAndUids() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("synod-show-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let data = folder.path
        _ = try synod(["ledger", "demo", "--data", data, "--epochs", "1", "--validators", "2", "--miners", "3"])
        let subnets = try synod(["ledger", "show", "--data", data])
        #expect(subnets.status == 0)
        #expect(subnets.stdout == "netuid  name  uids  tempo  last_epoch  plugin\n1       demo  5     360    10\n")
        let uids = try synod(["ledger", "show", "--data", data, "--netuid", "1", "--json"])
        let rows = try #require(try JSONSerialization.jsonObject(with: Data(uids.stdout.utf8)) as? [[String: Any]])
        #expect(
            rows.map { $0["hotkey"] as? String } == ["validator-0", "validator-1", "miner-0", "miner-1", "miner-2"])
        #expect(rows[0]["permit"] as? Bool == true)
        #expect(rows[2]["stake"] as? Int == 0)
        let missing = try synod(["ledger", "show", "--data", data, "--netuid", "9"])
        #expect(missing.status == 2)
        #expect(missing.stderr == "Error: subnet 9 does not exist; create it first.\n")
    }

    @Test func checkRefusesAMissingLedger() throws {
        let run = try synod(["ledger", "check", "--data", "/no/such/folder"])
        #expect(run.status == 2)
        #expect(
            run.stderr
                == "Error: no ledger at '/no/such/folder/synod.sqlite'; start one with `synod up --data /no/such/folder`.\n"
        )
    }

    /// `--db FILE`, the old spelling, still works and says what replaces it.
    @Test func theDeprecatedDbSpellingStillWorks() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("synod-ledger-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        let demo = try synod([
            "ledger", "demo", "--data", folder.path, "--epochs", "1", "--validators", "2", "--miners", "3",
        ])
        #expect(demo.status == 0, "\(demo.stderr)")
        let check = try synod(["ledger", "check", "--db", folder.path + "/synod.sqlite"])
        #expect(check.status == 0, "\(check.stderr)")
        #expect(check.stdout.hasPrefix("integrity: ok; epochs: 1"), "\(check.stdout)")
        #expect(check.stderr.contains("note: --db is deprecated; use --data DIR"), "\(check.stderr)")
        let missing = try synod(["explain", "--db", "/no/such/ledger.sqlite", "--netuid", "1", "--uid", "0"])
        #expect(missing.status == 2)
        #expect(missing.stderr.hasSuffix("Error: no ledger at '/no/such/ledger.sqlite'.\n"), "\(missing.stderr)")
    }
}
