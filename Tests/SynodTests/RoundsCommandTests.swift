import Foundation
import Testing

@Suite("synod rounds and explain --round: what validators' rounds did")
struct RoundsCommandTests {
    @Test func roundsShowEachMinersStatusScoreAndWeight() throws {
        let data = FileManager.default.temporaryDirectory.appendingPathComponent("synod-rounds-\(UUID().uuidString)")
            .path
        defer { try? FileManager.default.removeItem(atPath: data) }
        let up = try synod(["up", "--data", data, "--block-time", "0.01", "--blocks", "12", "--no-metrics"])
        #expect(up.status == 0, "\(up.stderr)")

        let rounds = try synod(["rounds", "--data", data, "--netuid", "1", "--limit", "1"])
        #expect(rounds.status == 0, "\(rounds.stderr)")
        let lines = rounds.stdout.split(separator: "\n").map(String.init)
        // block 1 · validator 5… · plugin … · task … · weights set
        let heading = try #require(lines.first)
        #expect(heading.hasPrefix("block ") && heading.hasSuffix("· weights set"), "\(rounds.stdout)")
        #expect(lines.count == 2 + 4, "\(rounds.stdout)")  // heading, header, the host's four miners
        #expect(
            lines[1].split(separator: " ", omittingEmptySubsequences: true).prefix(7) == [
                "uid", "hotkey", "status", "latency", "challenges", "score", "weight",
            ])
        #expect(lines.dropFirst(2).allSatisfy { $0.contains(" ok ") && $0.contains("1.0000") }, "\(rounds.stdout)")

        // explain --round shows the rounds at that block; --uid narrows to one miner.
        let block = heading.split(separator: " ")[1]
        let uid = lines[2].split(separator: " ", omittingEmptySubsequences: true)[0]
        let explain = try synod([
            "explain", "--data", data, "--netuid", "1", "--round", String(block), "--uid", String(uid),
        ])
        #expect(explain.status == 0, "\(explain.stderr)")
        let shown = explain.stdout.split(separator: "\n")
        #expect(shown.filter { $0.hasPrefix("block \(block) ") }.count == 2, "\(explain.stdout)")  // two validators
        #expect(shown.filter { $0.hasPrefix("  \(uid) ") }.count == 2, "\(explain.stdout)")

        let none = try synod(["explain", "--data", data, "--netuid", "1", "--round", "9999"])
        #expect(none.status != 0 && none.stderr.contains("no round recorded at block 9999"), "\(none.stderr)")
        let neither = try synod(["explain", "--data", data, "--netuid", "1"])
        #expect(neither.status != 0 && neither.stderr.contains("give --uid"), "\(neither.stderr)")
    }
}
