import Foundation
import Testing

@Suite("synod check: a plugin loaded as the host would")
struct CheckCommandTests {
    @Test func theBundledPluginPasses() throws {
        let run = try synod(["check", "plugins/echo-sum.lua"])
        #expect(run.status == 0, "\(run.stderr)")
        let lines = run.stdout.split(separator: "\n").map(String.init)
        #expect(lines.first?.hasPrefix("plugins/echo-sum.lua: echo-sum 1.0.0 (sha256 ") == true)
        #expect(lines.contains("  tempo 20 blocks; miners answer within 2 s"))
        #expect(
            lines.contains(
                "  self-check (block 1, 7 simulated miners): 4 honest: score 1, weight 0.25; 2 offline: score 0, weight 0; 1 garbage: score 0, weight 0"
            ))
        #expect(lines.last == "ok")
        let json = try synod(["check", "plugins/echo-sum.lua", "--json"])
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        let subnet = try #require(object["subnet"] as? [String: Any])
        #expect(subnet["name"] as? String == "echo-sum")
        #expect((subnet["hyperparameters"] as? [String: Any])?["kappa"] as? Int == 32767)
        #expect((subnet["hooks"] as? [String: String])?["score"] == "plugins/echo-sum.lua:32")
    }

    @Test func aBrokenPluginExitsOneSayingWhere() throws {
        let run = try synod(
            ["check", "FILE"],
            file: ("bad.lua", "return subnet { name = \"b\", task = function() end, score = function() end }\n"))
        #expect(run.status == 1)
        #expect(run.stdout == "")
        #expect(run.stderr == "bad.lua:1: runtime: subnet{...}: 'reward' must be a function (got nil)\n")
        let json = try synod(
            ["check", "FILE", "--json"], file: ("hp.lua", Self.valid(hyperparameters: "kappa = 7")))
        #expect(json.status == 1)
        #expect(
            json.stdout
                == #"{"error":{"location":"hp.lua","message":"hyperparameters.kappa must be a proportion from 0 to 1 (got 7)"},"ok":false}"#
                + "\n")
    }

    @Test func aPluginWhoseIncentiveRewardsSilenceFails() throws {
        let source = """
            return subnet {
              name = "lazy",
              task = function() return { x = 1 } end,
              miner = function(task) return { x = task.x } end,
              score = function(task, responses)
                local s = {}
                for i = 1, #responses do s[i] = responses[i] and 0 or 1 end
                return s
              end,
              reward = function(scores) return scores:normalize() end,
            }
            """
        let run = try synod(["check", "FILE"], file: ("lazy.lua", source))
        #expect(run.status == 1)
        #expect(
            run.stderr.hasPrefix("lazy.lua:10: an offline miner earns more (weight 0.5) than an honest one (0.0)"),
            "\(run.stderr)")
    }

    @Test func anEndlessPluginExitsThree() throws {
        let run = try synod(["check", "FILE"], file: ("loop.lua", "while true do end"))
        #expect(run.status == 3)
        #expect(run.stderr.hasPrefix("loop.lua:1: "), "\(run.stderr)")
    }

    @Test func aMissingFileExitsOne() throws {
        let run = try synod(["check", "no-such.lua"])
        #expect(run.status == 1)
        #expect(run.stderr == "no-such.lua: cannot read the plugin file: no such file\n")
    }

    static func valid(hyperparameters: String) -> String {
        """
        return subnet {
          name = "hp",
          hyperparameters = { \(hyperparameters) },
          task = function() return {} end,
          score = function() end,
          reward = function() end,
        }
        """
    }
}
