import Foundation
import Testing

@Suite("synod stake: the operator stakes a hotkey")
struct StakeCommandTests {
    @Test func setsTheStakeAndRefusesWhatIsNotThere() throws {
        let data = FileManager.default.temporaryDirectory.appendingPathComponent("synod-stake-\(UUID().uuidString)")
            .path
        defer { try? FileManager.default.removeItem(atPath: data) }
        let up = try synod(["up", "--data", data, "--block-time", "0.01", "--blocks", "3", "--no-metrics"])
        #expect(up.status == 0, "\(up.stderr)")
        // A miner's hotkey, from its public file in the host's wallet.
        let pub = try Data(contentsOf: URL(fileURLWithPath: data + "/wallets/synod-local/hotkeys/miner-0pub.txt"))
        let miner = try #require(
            (try JSONSerialization.jsonObject(with: pub) as? [String: Any])?["ss58Address"] as? String)
        let set = try synod(["stake", "--data", data, "--netuid", "1", "--hotkey", String(miner), "--tao", "2.5"])
        #expect(set.status == 0, "\(set.stderr)")
        #expect(set.stdout.hasSuffix("stake 0.0 → 2.5 TAO\n"), "\(set.stdout)")
        let lower = try synod(["stake", "--data", data, "--netuid", "1", "--hotkey", String(miner), "--tao", "1"])
        #expect(lower.stdout.hasSuffix("stake 2.5 → 1.0 TAO\n"), "\(lower.stdout)")
        let nobody = try synod(["stake", "--data", data, "--netuid", "1", "--hotkey", "5nobody", "--tao", "1"])
        #expect(nobody.status != 0 && nobody.stderr.contains("is not registered on subnet 1"), "\(nobody.stderr)")
        let negative = try synod(["stake", "--data", data, "--netuid", "1", "--hotkey", String(miner), "--tao", "-1"])
        #expect(negative.status != 0)
    }
}
