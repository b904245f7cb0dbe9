import Foundation
import HostReports
import LuaSandbox
import SimLab
import SubnetHost
import Testing

let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent()

func bundled(_ name: String) throws -> [UInt8] {
    try SubnetPlugin.source(at: packageRoot.appendingPathComponent("plugins/\(name).lua").path)
}

extension SimulationReport.Variant {
    func line(_ strategy: String) -> SimulationReport.StrategyLine? { strategies.first { $0.strategy == strategy } }
    func validator(_ strategy: String) -> SimulationReport.ValidatorLine? {
        validators.first { $0.strategy == strategy }
    }
}

@Suite("Simulation: the incentive lab")
struct SimulationTests {
    @Test func echoSumPaysHonestWorkAndNothingForCheating() async throws {
        let report = try await Simulation(epochs: 3, validators: [(.honest, 2)]).run(
            source: try bundled("echo-sum"), chunkName: "plugins/echo-sum.lua")
        #expect(report.blocks == 60 && report.variants.count == 1)
        let v = report.variants[0]
        #expect(v.line("honest")?.miners == 4 && (v.line("honest")?.earned ?? 0) > 0)
        for cheat in ["stale", "copycat", "garbage", "offline"] { #expect(v.line(cheat)?.earned == 0, "\(cheat)") }
        // A lazy miner answers about half the time: it earns, less than an honest one.
        let lazy = try #require(v.line("lazy@0.5")?.perMiner)
        #expect(lazy > 0 && lazy < v.line("honest")!.perMiner)
        // Noise makes sums wrong: noisy miners earn less than honest ones.
        #expect(v.line("noisy@0.1")!.perMiner < v.line("honest")!.perMiner)
        #expect(v.monotone == true && v.levels?.map(\.level) == [0, 0.1])
        #expect(v.honestWins && report.honestWins && v.beatenBy.isEmpty)
        // 12 miners: the 5 stale, copycat, garbage and offline ones earned nothing (a noisy
        // one may too: its sums are rarely right).
        #expect(v.zeroShare >= 5.0 / 12 && v.zeroShare <= 7.0 / 12, "\(v.zeroShare)")
        #expect(v.gini > 0.3 && v.gini < 1)
        // Everything emitted after the owner's 18% reaches miners or validators, less dust.
        let paid = v.strategies.map(\.earned).reduce(0, +) + v.validators.map(\.dividends).reduce(0, +)
        #expect(paid <= 3 * 820_000_000 && paid > 3 * 820_000_000 - 100)
        #expect(v.series.count == 3 && v.series.last!.earned["honest"] == v.line("honest")!.earned)
        // What it cost: every hook call of the validators' and miners' sandboxes, per epoch.
        let cost = try #require(v.cost)
        #expect(cost.epochs == 3 && cost.cpuSeconds > 0 && cost.answeringCpuSeconds > 0)
        #expect(Set(cost.hooks.map(\.hook)).isSuperset(of: ["task", "miner", "validate", "score", "reward"]))
        #expect(cost.hooks.first { $0.hook == "score" }?.calls == report.variants[0].rounds)
        #expect(cost.answers.answered + cost.answers.missing == report.variants[0].responsesScored)
        #expect(cost.answers.meanLatencySeconds == nil, "in-memory answers are not timed")
        #expect(cost.answers.validatingCpuSecondsPerAnswer != nil && cost.answers.answeringCpuSecondsPerAnswer != nil)
    }

    @Test func theSameSeedGivesTheSameBytesAndAnotherSeedOtherNoise() async throws {
        let source = try bundled("sort")
        func run(_ seed: UInt64) async throws -> Data {
            try await Simulation(
                epochs: 2, miners: [(.honest, 2), (.noisy(level: 0.3), 2), (.lazy(fraction: 0.5), 2)],
                validators: [(.honest, 2), (.lazy, 1)], seed: seed
            ).run(source: source, chunkName: "plugins/sort.lua").json()
        }
        let first = try await run(7)
        #expect(try await run(7) == first)
        #expect(try await run(8) != first)
    }

    @Test func anIncentiveThatPaysCopycatsIsCaught() async throws {
        // Rewards any answer shaped like one: a replayed answer earns as much as real work.
        let source = """
            return subnet { name = "shape", tempo = 10, hyperparameters = { weights_rate_limit = 2 },
              task = function(ctx) return { x = ctx.shared_random:int(1, 1000) } end,
              miner = function(task) return { x = task.x } end,
              validate = function(r) return type(r) == "table" and math.type(r.x) == "integer" end,
              score = function(task, responses)
                local s = {}
                for i, r in ipairs(responses) do s[i] = r and 1 or 0 end
                return s
              end,
              reward = function(s) if s:sum() == 0 then return s end return s:normalize() end }
            """
        let report = try await Simulation(
            epochs: 3, miners: [(.honest, 3), (.copycat, 2), (.offline, 1)], validators: [(.honest, 2)]
        ).run(source: Array(source.utf8), chunkName: "plugins/shape.lua")
        #expect(!report.honestWins)
        #expect(report.variants[0].beatenBy.contains { $0.hasPrefix("copycat miners earn") }, "\(report.variants[0])")
    }

    @Test func validatorStrategiesCopyCollude() async throws {
        let source = try bundled("echo-sum")
        // Colluders with most of the stake put everything on the garbage miner (uid 5 here:
        // four validators first, then the honest miner): it earns, which no honest
        // validator would allow.
        let colluded = try await Simulation(
            epochs: 3, miners: [(.honest, 1), (.garbage, 1)], validators: [(.honest, 1), (.colluder(uid: nil), 3)],
            stakes: [1e9, 5e9, 5e9, 5e9].map { UInt64($0) }
        ).run(source: source, chunkName: "plugins/echo-sum.lua")
        #expect((colluded.variants[0].line("garbage")?.earned ?? 0) > 0)
        #expect(!colluded.honestWins)
        // A copier copies last epoch's consensus: it earns dividends, fewer per TAO than
        // the honest validators whose weights it trails.
        let copied = try await Simulation(
            epochs: 6, miners: [(.honest, 3), (.offline, 1)], validators: [(.honest, 3), (.copier, 1)],
            stakes: [1e9, 1e9, 1e9, 1e9].map { UInt64($0) }
        ).run(source: source, chunkName: "plugins/echo-sum.lua")
        let honest = try #require(copied.variants[0].validator("honest")?.perStake)
        let copier = try #require(copied.variants[0].validator("copier")?.perStake)
        #expect(copier > 0 && copier < honest, "copier \(copier), honest \(honest)")
        // Random weights put stake on miners that never answer: less trust, fewer dividends.
        let random = try await Simulation(
            epochs: 4, miners: [(.honest, 2), (.offline, 2)], validators: [(.honest, 3), (.lazy, 1)],
            stakes: [1e9, 1e9, 1e9, 1e9].map { UInt64($0) }
        ).run(source: source, chunkName: "plugins/echo-sum.lua")
        let lazy = try #require(random.variants[0].validator("lazy")?.perStake)
        #expect(lazy < random.variants[0].validator("honest")!.perStake)
        #expect((random.variants[0].line("offline")?.earned ?? 0) == 0)  // the honest majority holds
    }

    @Test func variantsRunTheSameScenarioUnderEachConsensus() async throws {
        let report = try await Simulation(
            epochs: 2, miners: [(.honest, 2), (.stale, 1)], validators: [(.honest, 2), (.copier, 1)],
            variants: [.init(parsing: "classic"), .init(parsing: "yuma3"), .init(parsing: "liquid-alpha")]
        ).run(source: try bundled("echo-sum"), chunkName: "plugins/echo-sum.lua")
        #expect(report.variants.map(\.name) == ["classic", "yuma3", "liquid-alpha"])
        #expect(report.variants.map(\.yuma3) == [false, true, false])
        #expect(report.variants.map(\.liquidAlpha) == [false, false, true])
        // The same answers under each: miners are paid by incentive, which the variants
        // compute alike here; the copier's dividends are where they differ.
        #expect(Set(report.variants.map { $0.line("honest")!.earned }).count == 1)
    }

    @Test func aPluginsOwnAdversaryRunsAsAMiner() async throws {
        let source = """
            return subnet { name = "adv", tempo = 10,
              task = function(ctx) return { x = ctx.shared_random:int(1, 1000) } end,
              miner = function(task) return { x = task.x } end,
              validate = function(r, task) return type(r) == "table" and math.type(r.x) == "integer" end,
              score = function(task, responses)
                local s = {}
                for i, r in ipairs(responses) do s[i] = (r and r.x == task.x) and 1 or 0 end
                return s
              end,
              reward = function(s) if s:sum() == 0 then return s end return s:normalize() end,
              adversaries = {
                -- guesses, and remembers its guesses in its own store
                guesser = function(task, ctx)
                  store.set("guesses", (store.get("guesses") or 0) + 1)
                  return { x = 500 }
                end,
                oracle = function(task, ctx) return { x = task.x } end,
              } }
            """
        let report = try await Simulation(
            epochs: 2, miners: [(.honest, 2), (.adversary("guesser"), 2), (.adversary("oracle"), 1)],
            validators: [(.honest, 2)]
        ).run(source: Array(source.utf8), chunkName: "plugins/adv.lua")
        let v = report.variants[0]
        #expect(v.line("guesser")!.perMiner < v.line("honest")!.perMiner)
        // An adversary that does the honest work ties with honest: it is flagged.
        #expect(v.line("oracle")!.perMiner == v.line("honest")!.perMiner)
        #expect(!report.honestWins && v.beatenBy.contains { $0.hasPrefix("oracle") })
        await #expect(throws: PluginError.self) {
            try await Simulation(epochs: 1, miners: [(.honest, 1), (.adversary("nobody"), 1)]).run(
                source: Array(source.utf8), chunkName: "plugins/adv.lua")
        }
    }

    @Test func reportsAsJSONCSVAndSVG() async throws {
        let report = try await Simulation(
            epochs: 2, miners: [(.honest, 2), (.garbage, 1)], validators: [(.honest, 2)],
            variants: [.init(parsing: "classic"), .init(parsing: "yuma3")]
        ).run(source: try bundled("echo-sum"), chunkName: "plugins/echo-sum.lua")
        let json = try #require(try JSONSerialization.jsonObject(with: report.json()) as? [String: Any])
        for key in ["strategies", "validators", "variants", "honest_wins", "plugin", "seed", "epochs", "blocks"] {
            #expect(json[key] != nil, "\(key)")
        }
        let variant = try #require((json["variants"] as? [[String: Any]])?.first)
        for key in ["name", "strategies", "validators", "zero_share", "gini", "honest_wins", "series", "beaten_by"] {
            #expect(variant[key] != nil, "\(key)")
        }
        let line = try #require((json["strategies"] as? [[String: Any]])?.first)
        #expect(Set(line.keys) == ["strategy", "miners", "earned", "share", "per_miner", "dishonest"])

        let files = report.csv()
        #expect(files.map(\.name) == ["classic.csv", "yuma3.csv"])
        let rows = files[0].text.split(separator: "\n")
        #expect(rows.first?.hasPrefix("epoch,block,uid,hotkey,role,strategy,stake,incentive") == true)
        #expect(rows.count == 1 + 2 * 5)  // two epochs of five UIDs

        let svg = report.svg()
        #expect(svg.hasPrefix("<svg xmlns=\"http://www.w3.org/2000/svg\""))
        // One line per strategy (two miner kinds, one validator kind) per variant.
        #expect(svg.components(separatedBy: "<polyline").count - 1 == 2 * 3)
        #expect(svg.contains("echo-sum · yuma3"))
    }
}
