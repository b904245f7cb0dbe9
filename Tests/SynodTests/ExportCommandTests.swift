import Foundation
import Testing

@Suite("synod export: a subnet's epochs, one line per epoch and UID")
struct ExportCommandTests {
    func demoLedger() throws -> (data: String, cleanup: () -> Void) {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("synod-export-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let demo = try synod([
            "ledger", "demo", "--data", folder.path, "--epochs", "3", "--validators", "2", "--miners", "3",
        ])
        #expect(demo.status == 0, "\(demo.stderr)")
        return (folder.path, { try? FileManager.default.removeItem(at: folder) })
    }

    @Test func jsonLinesOnePerEpochAndUID() throws {
        let (data, cleanup) = try demoLedger()
        defer { cleanup() }
        let run = try synod(["export", "--data", data, "--netuid", "1"])
        #expect(run.status == 0, "\(run.stderr)")
        let lines = run.stdout.split(separator: "\n")
        #expect(lines.count == 15, "3 epochs × 5 UIDs")
        let objects = try lines.map {
            try #require(try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])
        }
        #expect(objects.map { $0["block"] as? Int } == [10, 10, 10, 10, 10, 20, 20, 20, 20, 20, 30, 30, 30, 30, 30])
        #expect(objects.allSatisfy { $0["netuid"] as? Int == 1 && $0.keys.count == 17 })
        // Every epoch's lines pay out what the epoch emitted less the owner's cut and the dust.
        let byBlock = Dictionary(grouping: objects) { $0["block"] as? Int ?? 0 }
        for (_, rows) in byBlock {
            let paid = rows.reduce(0) { $0 + ($1["emission"] as? Int ?? 0) }
            #expect(paid > 800_000_000 && paid <= 820_000_000, "\(paid)")
        }
    }

    @Test func csvWithAHeaderAndABlockRange() throws {
        let (data, cleanup) = try demoLedger()
        defer { cleanup() }
        let run = try synod([
            "export", "--data", data, "--netuid", "1", "--format", "csv", "--from", "11", "--to", "20",
        ])
        #expect(run.status == 0, "\(run.stderr)")
        let lines = run.stdout.split(separator: "\n").map(String.init)
        #expect(lines.first?.hasPrefix("netuid,block,uid,hotkey,stake,active_stake,") == true)
        #expect(lines.count == 6 && lines.dropFirst().allSatisfy { $0.hasPrefix("1,20,") })
    }

    @Test func badRequestsExitTwo() throws {
        let (data, cleanup) = try demoLedger()
        defer { cleanup() }
        let noSubnet = try synod(["export", "--data", data, "--netuid", "4"])
        #expect(noSubnet.status == 2 && noSubnet.stderr == "Error: subnet 4 does not exist; create it first.\n")
        let backwards = try synod(["export", "--data", data, "--netuid", "1", "--from", "30", "--to", "10"])
        #expect(backwards.status == 2 && backwards.stderr.contains("--from must not be after --to"))
        let format = try synod(["export", "--data", data, "--netuid", "1", "--format", "xml"])
        #expect(format.status == 2 && format.stderr.contains("xml"))
    }
}
