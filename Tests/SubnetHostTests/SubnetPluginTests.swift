import Consensus
import Foundation
import Ledger
import LuaSandbox
import SubnetHost
import Testing

/// Loading a plugin as the host does: the bundled one, and every way a file can be wrong.
@Suite("SubnetPlugin: loading and checking a plugin")
struct SubnetPluginTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    /// A plugin around `body` (the fields after `name`), with the three required hooks.
    static func plugin(_ fields: String = "", hyperparameters: String = "") -> String {
        """
        return subnet {
          name = "t",
          \(fields)
          hyperparameters = { \(hyperparameters) },
          task = function(ctx) return {} end,
          score = function(task, responses) return tensor.zeros(#responses) end,
          reward = function(scores) return scores end,
        }
        """
    }

    func load(_ source: String, name: String = "plugins/t.lua") throws(PluginError) -> SubnetPlugin {
        try SubnetPlugin(source: Array(source.utf8), chunkName: name)
    }

    func error(_ source: String) -> PluginError? {
        do {
            _ = try load(source)
            return nil
        } catch {
            return error
        }
    }

    @Test func theBundledPluginLoads() throws {
        let path = Self.root.appendingPathComponent("plugins/echo-sum.lua").path
        let plugin = try SubnetPlugin(path: path)
        let d = plugin.definition
        #expect(d.name == "echo-sum")
        #expect(d.version == "1.0.0")
        #expect(d.config.tempo == 20)
        #expect(d.timeout == 2)
        #expect(d.config.parameters.kappa == 32767)  // 0.5
        #expect(d.config.parameters.bondsMovingAverage == 900_000)  // 0.9
        #expect(Set(d.hooks.keys) == ["task", "miner", "validate", "score", "reward"])
        #expect(d.hooks["task"] == "\(path):12")
        #expect(d.sha256.count == 64)
        // The hooks are callable in the plugin's sandbox.
        let miner = try #require(try plugin.sandbox.reference("miner", in: plugin.table))
        let answer = try plugin.sandbox.call(miner, ["numbers": [1, 2, 3]])
        #expect(answer.first == ["sum": 6])
    }

    @Test func defaultsWhenThePluginSaysNothing() throws {
        let d = try load(Self.plugin()).definition
        #expect(d.version == "0.0.0")
        #expect(d.timeout == SubnetDefinition.defaultTimeout)
        #expect(d.config == SubnetConfig())
        #expect(d.hooks.keys.sorted() == ["reward", "score", "task"])
    }

    @Test func hyperparametersConvertToTheChainUnits() throws {
        let d = try load(
            Self.plugin(
                "tempo = 99,",
                hyperparameters: """
                    kappa = 0.5, bonds_moving_average = 0.975, bonds_penalty = 1, yuma3 = true,
                    liquid_alpha = true, alpha_low = 0.1, alpha_high = 0.3, alpha_sigmoid_steepness = -50,
                    max_allowed_validators = 8, max_allowed_uids = 32, immunity_period = 100,
                    min_non_immune_uids = 2, min_allowed_weights = 3, weights_rate_limit = 5,
                    activity_cutoff = 900, owner_cut = 0.1
                    """)
        ).definition
        let p = d.config.parameters
        #expect(d.config.tempo == 99)
        #expect(p.kappa == 32767)
        #expect(p.bondsMovingAverage == 975_000)  // not 974999: 0.975 is not exact in binary
        #expect(p.bondsPenalty == 65535)
        #expect(p.yuma3 && p.liquidAlpha)
        #expect(p.alphaLow == 6553 && p.alphaHigh == 19660)  // as the chain's set_alpha_values_32
        #expect(p.alphaSigmoidSteepness == -50)
        #expect(p.maxAllowedValidators == 8 && p.activityCutoff == 900)
        #expect(d.config.maxAllowedUIDs == 32 && d.config.immunityPeriod == 100)
        #expect(d.config.minNonImmuneUIDs == 2 && d.config.minAllowedWeights == 3 && d.config.weightsRateLimit == 5)
        #expect(d.config.ownerCutPerMillion == 100_000)
    }

    @Test(arguments: [
        ("kappa = 2", "hyperparameters.kappa must be a proportion from 0 to 1 (got 2)"),
        ("kappa = \"half\"", "hyperparameters.kappa must be a proportion from 0 to 1 (got \"half\")"),
        ("yuma3 = 1", "hyperparameters.yuma3 must be true or false (got 1)"),
        ("immunity_period = 1.5", "hyperparameters.immunity_period must be a whole number of blocks (got 1.5)"),
        ("max_allowed_uids = 0", "hyperparameters.max_allowed_uids must be a whole number from 1 to 65536 (got 0)"),
        ("alpha_low = 0.5, alpha_high = 0.2", "hyperparameters.alpha_low must not be above alpha_high"),
        ("kapa = 0.5", "hyperparameters.kapa is not a hyperparameter; known: kappa, bonds_moving_average,"),
    ])
    func badHyperparametersAreNamed(hyperparameters: String, message: String) {
        let failure = error(Self.plugin(hyperparameters: hyperparameters))
        #expect(failure?.location == "plugins/t.lua")
        #expect(failure?.message.hasPrefix(message) == true, "\(String(describing: failure))")
    }

    @Test(arguments: [
        // The prelude's subnet{} catches some first, at the plugin's own line.
        (
            "tempo = 0,",
            "plugins/t.lua:1: runtime: subnet{...}: 'tempo' must be a whole number of blocks from 1 to 65535"
        ),
        (
            "timeout = 0,",
            "plugins/t.lua:1: runtime: subnet{...}: 'timeout' must be a number of seconds above 0 and at most 600"
        ),
        ("version = 1,", "plugins/t.lua:1: runtime: subnet{...}: 'version' must be a string such as \"1.0.0\""),
        // The host's own checks.
        (
            "tempo = 2.5,",
            "plugins/t.lua:1: runtime: subnet{...}: 'tempo' must be a whole number of blocks from 1 to 65535"
        ),
        (
            "timeout = 1000,",
            "plugins/t.lua:1: runtime: subnet{...}: 'timeout' must be a number of seconds above 0 and at most 600"
        ),
    ])
    func badFieldsAreNamed(fields: String, message: String) {
        #expect(error(Self.plugin(fields))?.description == message)
    }

    @Test func aPluginThatBypassesSubnetIsStillChecked() {
        // Replacing the global `subnet` skips the prelude's check; the host checks again.
        let failure = error(
            """
            subnet = function(t) return t end
            return subnet { name = "t", task = 1, score = function() end, reward = function() end }
            """)
        #expect(failure?.message == "'task' must be a function (got number)")
        let nameless = error("return { task = function() end, score = function() end, reward = function() end }")
        #expect(nameless?.message.hasPrefix("the returned table has no 'name'") == true)
    }

    @Test func brokenFilesSayWhereAndWhy() {
        let syntax = error("return subnet {\n  name = \"t\",\n  task = function( end,\n}")
        #expect(syntax?.location == "plugins/t.lua:3")
        #expect(syntax?.sandboxError?.kind == .syntax)
        let runtime = error("local x = nil\nreturn x.y")
        #expect(runtime?.location == "plugins/t.lua:2")
        #expect(runtime?.sandboxError?.kind == .runtime)
        let nothing = error("local x = 1")
        #expect(nothing?.message == "the file returns nothing; end it with `return subnet { … }`")
        let missingHook = error("return subnet { name = \"t\", task = function() end, score = function() end }")
        #expect(missingHook?.location == "plugins/t.lua:1")
        #expect(missingHook?.message.contains("'reward' must be a function") == true)
    }

    @Test func aPluginThatNeverFinishesLoadingHitsALimit() {
        var limits = SandboxLimits.default
        limits.instructions = 1_000_000
        do {
            _ = try SubnetPlugin(source: Array("while true do end".utf8), chunkName: "plugins/loop.lua", limits: limits)
            Issue.record("an endless loop loaded")
        } catch {
            #expect(error.sandboxError?.kind == .instructions)
            #expect(error.location == "plugins/loop.lua:1")
        }
    }

    @Test func aMissingFileIsReported() {
        #expect(throws: PluginError.self) { try SubnetPlugin(path: "/no/such/plugin.lua") }
        do {
            _ = try SubnetPlugin(path: "/no/such/plugin.lua")
        } catch {
            #expect(
                error.description
                    == "/no/such/plugin.lua: cannot read the plugin file: no such file")
        }
    }

    @Test func theDigestFollowsTheSource() throws {
        let a = try load(Self.plugin()).definition.sha256
        let b = try load(Self.plugin() + "\n").definition.sha256
        #expect(a != b)
        #expect(a == (try load(Self.plugin()).definition.sha256))
    }
}
