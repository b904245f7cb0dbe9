import Foundation
import Testing

@Suite("synod sim: does honest work win?")
struct SimCommandTests {
    @Test func theBundledPluginRewardsHonesty() throws {
        let run = try synod(["sim", "plugins/echo-sum.lua", "--epochs", "3"])
        #expect(run.status == 0, "\(run.stderr)")
        let lines = run.stdout.split(separator: "\n").map(String.init)
        #expect(lines.first == "echo-sum 1.0.0: 3 epochs (60 blocks, tempo 20) · 4 validators, 12 miners · seed 0")
        #expect(lines.contains { $0.hasPrefix("  honest     4       ") }, "\(run.stdout)")
        #expect(lines.contains { $0.hasPrefix("  offline    1       0 ") }, "\(run.stdout)")
        #expect(lines.last == "  ok: honest work wins")
        let cost = try #require(lines.first { $0.hasPrefix("  cost: ") }, "\(run.stdout)")
        #expect(cost.contains(" CPU s/epoch · ") && cost.contains(" J/epoch · ") && cost.contains(" to make one"))
        let json = try synod(["sim", "plugins/echo-sum.lua", "--epochs", "1", "--json"])
        #expect(!json.stdout.contains("cpu_seconds"), "measured figures stay out of the seeded JSON")
        #expect(try synod(["sim", "plugins/echo-sum.lua", "--watts-per-core", "-1"]).status == 2)
    }

    static let flat = """
        return subnet { name = "flat",
          task = function(ctx) return { x = ctx.shared_random:int(1, 9) } end,
          miner = function(task) return { x = task.x } end,
          score = function(task, responses) return tensor.ones(#responses) end,
          reward = function(scores) return scores:normalize() end }
        """

    @Test func aFlatIncentiveFailsAndSaysWhatBeatHonest() throws {
        let run = try synod(
            ["sim", "FILE", "--epochs", "2", "--miners", "honest:2,garbage:1"], file: ("flat.lua", Self.flat))
        #expect(run.status == 1)
        #expect(run.stderr.hasPrefix("flat.lua: under plugin: garbage miners earn"), "\(run.stderr)")
    }

    @Test func jsonIsTheSameBytesForTheSameSeed() throws {
        let arguments = [
            "sim", "plugins/sort.lua", "--epochs", "2", "--json", "--seed", "5", "--miners", "honest:2,noisy@0.3:2",
            "--validators", "honest:2,copier:1", "--compare", "classic,yuma3",
        ]
        let first = try synod(arguments)
        #expect(first.status == 0, "\(first.stderr)")
        #expect(try synod(arguments).stdout == first.stdout)
        let json = try JSONSerialization.jsonObject(with: Data(first.stdout.utf8)) as? [String: Any]
        #expect((json?["variants"] as? [Any])?.count == 2)
        #expect(json?["honest_wins"] as? Bool == true)
    }

    @Test func filesAndBadUsage() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("synod-sim-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        let svg = folder.appendingPathComponent("earnings.svg").path
        let run = try synod([
            "sim", "plugins/echo-sum.lua", "--epochs", "2", "--csv", folder.path, "--svg", svg, "--compare",
            "classic,liquid-alpha",
        ])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(FileManager.default.fileExists(atPath: folder.appendingPathComponent("classic.csv").path))
        #expect(FileManager.default.fileExists(atPath: folder.appendingPathComponent("liquid-alpha.csv").path))
        #expect(try String(contentsOfFile: svg, encoding: .utf8).contains("echo-sum · liquid-alpha"))
        for bad in [
            ["--miners", "honest"], ["--miners", "stale:2"], ["--miners", "honest:1,noisy@7:1"],
            ["--validators", "boss:1"], ["--compare", "yuma9"], ["--stakes", "1,2"], ["--epochs", "0"],
        ] {
            let refused = try synod(["sim", "plugins/echo-sum.lua"] + bad)
            #expect(refused.status == 64 || refused.status == 2, "\(bad): \(refused.status) \(refused.stderr)")
        }
    }
}
