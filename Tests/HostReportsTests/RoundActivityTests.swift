import Foundation
import HostReports
import Ledger
import Testing

@Suite("RoundActivity: each validator's newest weights, each miner's newest answers")
struct RoundActivityTests {
    static func round(_ validator: String, _ block: UInt64, _ miners: [RoundRecord.Miner]) -> RoundRecord {
        RoundRecord(
            netuid: 1, validator: validator, block: block, plugin: "p", taskDigest: "d", outcome: "weights set",
            miners: miners)
    }

    @Test func theNewestRoundOfEachValidatorWinsAndOutcomesAreNamed() throws {
        let fixture = try ReportFixture(epochs: 0)
        try fixture.ledger.recordRounds([
            Self.round(
                "v0", 3,
                [
                    .init(uid: 3, hotkey: "m3", status: "timeout", score: 0, weight: 0),
                    .init(uid: 4, hotkey: "m4", status: "ok", latency: 0.02, score: 0.5, weight: 0.5),
                ]),
            Self.round("v1", 3, [.init(uid: 3, hotkey: "m3", status: "poisoned", reason: "bad", score: 0, weight: 0)]),
        ])
        try fixture.ledger.recordRounds([
            Self.round(
                "v0", 5,
                [
                    .init(uid: 3, hotkey: "m3", status: "ok", latency: 0.01, score: 1, weight: 0.9),
                    .init(uid: 4, hotkey: "m4", status: "invalid", reason: "not a number", score: 0, weight: 0.1),
                ])
        ])
        let activity = try RoundActivity(ledger: fixture.ledger, netuid: 1)
        #expect(activity.validators.map(\.hotkey) == ["v0", "v1"])
        #expect(activity.validators[0].block == 5)
        #expect(activity.validators[0].weights.map(\.uid) == [3, 4])
        #expect(activity.validators[1].weights.isEmpty, "zero weights are not listed")
        #expect(activity.miners.map(\.uid) == [3, 4])
        let m3 = activity.miners[0].answers
        #expect(m3.map(\.validator) == ["v0", "v1"] && m3.map(\.block) == [5, 3])
        #expect(m3.map(\.outcome) == ["valid", "invalid"] && m3[0].latencySeconds == 0.01)
        let m4 = activity.miners[1].answers
        #expect(m4.map(\.outcome) == ["invalid"] && m4[0].reason == "not a number")
        #expect(RoundActivity.outcome(of: "timeout") == "missing" && RoundActivity.outcome(of: "refused") == "missing")
    }

    @Test func aUIDThatChangedHandsShowsOnlyItsNewestHolder() throws {
        let fixture = try ReportFixture(epochs: 0)
        try fixture.ledger.recordRounds([
            Self.round("v0", 2, [.init(uid: 3, hotkey: "old", status: "ok", score: 1, weight: 1)])
        ])
        try fixture.ledger.recordRounds([
            Self.round("v1", 4, [.init(uid: 3, hotkey: "new", status: "timeout", score: 0, weight: 0)])
        ])
        let miner = try #require(try RoundActivity(ledger: fixture.ledger, netuid: 1).miners.first)
        #expect(miner.hotkey == "new" && miner.answers.map(\.validator) == ["v1"])
    }
}
