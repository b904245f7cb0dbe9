import Foundation
import Testing

@Suite("synod explain: why a UID earned what it earned")
struct ExplainCommandTests {
    func demoLedger() throws -> (data: String, cleanup: () -> Void) {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("synod-explain-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let data = folder.path
        let demo = try synod(["ledger", "demo", "--data", data, "--epochs", "2", "--validators", "2", "--miners", "3"])
        #expect(demo.status == 0)
        return (data, { try? FileManager.default.removeItem(at: folder) })
    }

    @Test func aMinerAndAValidator() throws {
        let (data, cleanup) = try demoLedger()
        defer { cleanup() }
        let miner = try synod(["explain", "--data", data, "--netuid", "1", "--uid", "2"])
        #expect(miner.status == 0, "\(miner.stderr)")
        let lines = miner.stdout.split(separator: "\n").map(String.init)
        #expect(lines.first?.hasPrefix("subnet 1 (demo), epoch at block 20 — uid 2 (now miner-0)") == true)
        #expect(lines.contains { $0.hasPrefix("  as a miner: consensus ") })
        #expect(lines.contains("    validator  active stake  weight  clipped  × stake"))
        #expect(lines.filter { $0.hasPrefix("    uid ") }.count == 2)  // one line per validator
        #expect(lines.contains { $0.hasPrefix("    rank ") && $0.contains("→ incentive ") })
        #expect(lines.last?.hasPrefix("  earned ") == true)

        let validator = try synod(["explain", "--data", data, "--netuid", "1", "--uid", "1", "--block", "10"])
        #expect(validator.status == 0)
        #expect(validator.stdout.contains("epoch at block 10 — uid 1 (now validator-1)"))
        #expect(validator.stdout.contains("  as a validator: active stake "))
        #expect(validator.stdout.contains("    dividends "))
    }

    @Test func asJSON() throws {
        let (data, cleanup) = try demoLedger()
        defer { cleanup() }
        let run = try synod(["explain", "--data", data, "--netuid", "1", "--uid", "2", "--json"])
        #expect(run.status == 0, "\(run.stderr)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])
        #expect(object["schema"] as? String == "synod.explain/1")
        #expect(object["block"] as? Int == 20 && object["uid"] as? Int == 2 && object["hotkey"] as? String == "miner-0")
        let miner = try #require(object["as_miner"] as? [String: Any])
        #expect((miner["validators"] as? [Any])?.count == 2)
        // The text and the JSON say the same: the text's earned line has the JSON's sum.
        let text = try synod(["explain", "--data", data, "--netuid", "1", "--uid", "2"]).stdout
        let earned = (object["server_emission"] as? Int ?? -1) + (object["validator_emission"] as? Int ?? -1)
        #expect(text.contains("  earned \(earned) rao"))
    }

    @Test func badRequestsExitTwo() throws {
        let (data, cleanup) = try demoLedger()
        defer { cleanup() }
        let noEpoch = try synod(["explain", "--data", data, "--netuid", "1", "--uid", "0", "--block", "15"])
        #expect(noEpoch.status == 2)
        #expect(noEpoch.stderr == "Error: subnet 1 has no epoch at block 15; see `synod ledger show`.\n")
        let noUid = try synod(["explain", "--data", data, "--netuid", "1", "--uid", "99"])
        #expect(noUid.stderr == "Error: uid 99 is not in that epoch (0..<5).\n")
        let noSubnet = try synod(["explain", "--data", data, "--netuid", "4", "--uid", "0"])
        #expect(noSubnet.stderr == "Error: subnet 4 does not exist; create it first.\n")
    }
}
