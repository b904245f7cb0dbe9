import Foundation
import LuaSandbox
import SubnetHost
import Testing

/// forecast: forecasts are kept until the truth is known, then ranked.
@Suite("plugins/forecast.lua")
struct ForecastPluginTests {
    @Test func forecastsAreScoredWhenTheyMatureAndBetterOnesScoreMore() throws {
        let p = try BundledPlugin("forecast")
        let miners = ["good", "shifted", "wide", "none"]
        let ctx = p.context(block: 100, miners: miners)
        let task = try p.plugin.roundTask(ctx)
        let honest = try p.honest(task.value, as: "good")
        guard case .map(let f) = honest, let point = f["point"]?.doubleValue, let lo = f["lo"]?.doubleValue,
            let hi = f["hi"]?.doubleValue
        else {
            Issue.record("forecast \(honest)")
            return
        }
        #expect(lo < point && point < hi)
        let answers: [(String, LuaValue?)] = [
            ("good", honest),
            ("shifted", ["point": .number(point + 40), "lo": .number(lo + 40), "hi": .number(hi + 40)]),
            ("wide", ["point": .number(point), "lo": .number(lo - 1000), "hi": .number(hi + 1000)]),
            ("none", nil),
        ]
        // Nothing is known at the block of the forecast: every score is 0, and the
        // forecasts wait in the validator's store until the truth is.
        let first = try p.plugin.score(task: task.value, responses: p.responses(answers, task: task), context: ctx)
        #expect(first == [0, 0, 0, 0])
        guard case .array(let waiting)? = try p.store.value(forKey: "forecasts/v") else {
            Issue.record("no forecasts kept")
            return
        }
        #expect(waiting.count == 1)
    }

    @Test func rankingRewardsAccuracyAndTightIntervals() throws {
        let p = try BundledPlugin("forecast")
        let miners = ["good", "shifted", "wide", "none"]
        let ctx = p.context(block: 200, miners: miners)
        let task = try p.plugin.roundTask(ctx)
        let honest = try p.honest(task.value, as: "good")
        let point = honest.changing(["point"]) { $0 }
        let answers: [(String, LuaValue?)] = [
            ("good", point),
            (
                "shifted",
                honest.changing(["point"]) { .number(($0.doubleValue ?? 0) + 40) }.changing(["lo"]) {
                    .number(($0.doubleValue ?? 0) + 40)
                }.changing(["hi"]) { .number(($0.doubleValue ?? 0) + 40) }
            ),
            (
                "wide",
                honest.changing(["lo"]) { .number(($0.doubleValue ?? 0) - 1000) }.changing(["hi"]) {
                    .number(($0.doubleValue ?? 0) + 1000)
                }
            ),
            ("none", nil),
        ]
        _ = try p.plugin.score(task: task.value, responses: p.responses(answers, task: task), context: ctx)
        let later = p.context(block: 203, miners: miners)
        let scores = try p.plugin.score(
            task: try p.plugin.task(later),
            responses: p.responses(answers.map { ($0.0, nil) }, task: try p.plugin.roundTask(later)), context: later)
        // good: best point and (likely) best interval; shifted: worst point; wide: a poor
        // interval (tightness); none: never answered.
        #expect(scores[0] > scores[1] && scores[0] > scores[2], "\(scores)")
        #expect(scores[3] == 0)
        #expect(scores.allSatisfy { $0 >= 0 && $0 <= 1 })
    }

    @Test func malformedAnswersAreRejectedWithoutAnError() throws {
        let p = try BundledPlugin("forecast")
        for bad: LuaValue in [
            "text", 7, [:], ["point": 1, "lo": 2, "hi": 1], ["point": .number(.nan), "lo": 0, "hi": 1],
            ["point": 1e300, "lo": 0, "hi": 1], ["point": "1", "lo": 0, "hi": 1], [1, 2, 3],
        ] {
            #expect(try p.plugin.validate(bad) == false, "\(bad)")
        }
    }
}
