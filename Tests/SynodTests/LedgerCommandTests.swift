import Foundation
import Testing

@Suite("synod ledger: killed mid-epoch, the ledger stays whole")
struct LedgerCommandTests {
    @Test func killNineAtRandomMomentsLeavesWholeEpochs() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("synod-kill-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let db = folder.appendingPathComponent("ledger.sqlite").path
        var killedWhileRunning = 0
        var lastEpochs = 0
        for round in 0..<8 {
            let process = Process()
            process.executableURL = synodBinary()
            process.arguments = ["ledger", "demo", "--db", db, "--epochs", "100000"]
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

            let check = try synod(["ledger", "check", "--db", db])
            #expect(check.status == 0, "round \(round): \(check.stdout) \(check.stderr)")
            #expect(check.stdout.hasPrefix("integrity: ok; epochs: "), "round \(round): \(check.stdout)")
            let epochs = Int(check.stdout.split(separator: ";")[1].split(separator: " ").last ?? "") ?? -1
            #expect(epochs >= lastEpochs, "epochs went backwards in round \(round)")
            lastEpochs = epochs
        }
        #expect(killedWhileRunning >= 6)
        #expect(lastEpochs > 0)
    }

    @Test func checkRefusesAMissingFile() throws {
        let run = try synod(["ledger", "check", "--db", "/no/such/ledger.sqlite"])
        #expect(run.status == 2)
        #expect(run.stderr == "Error: no ledger at '/no/such/ledger.sqlite'.\n")
    }
}
