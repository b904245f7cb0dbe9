import Foundation
import HostReports
import Ledger
import Testing

@Suite("EpochExplanation: why a UID earned what it earned")
struct EpochExplanationTests {
    @Test func aMinerIsExplainedByTheWeightsItWasGiven() throws {
        let fixture = try ReportFixture(epochs: 1)
        let miner = try EpochExplanation(ledger: fixture.ledger, netuid: 1, block: nil, uid: 3)
        // YUMA.md's first example: v0 and v2 (2/3 of the stake) weigh m3, v1 weighs m4.
        #expect(miner.hotkey == "m3" && miner.block == 2 && miner.ownerCut == 180_000_000)
        let asMiner = try #require(miner.asMiner)
        #expect(asMiner.validators.map(\.uid) == [0, 2])
        #expect(asMiner.incentive == 1 && asMiner.trust == 1)
        #expect(miner.serverEmission == 410_000_000 && miner.earned == 410_000_000)
        #expect(miner.asValidator == nil)
        // m4 was weighed by v1 alone (1/3 of the stake): clipped to nothing.
        let loser = try EpochExplanation(ledger: fixture.ledger, netuid: 1, block: 2, uid: 4)
        #expect(loser.asMiner?.trust == 0 && loser.earned == 0)
        #expect(loser.lines.contains { $0.contains("rank 0.0000") && $0.contains("(trust 0.0000)") })
    }

    @Test func aValidatorIsExplainedByItsBondsAndTheCostIsShown() throws {
        let fixture = try ReportFixture(epochs: 2)
        try fixture.ledger.recordCost(
            CostRecord(
                netuid: 1, block: 12, hooks: ["score": HookCost(calls: 3, cpuSeconds: 0.003, instructions: 9000)],
                answers: AnswerCost(answered: 6, timed: 6, latencySeconds: 0.06, maxLatencySeconds: 0.02, bytes: 600),
                wattsPerCore: 5))
        let validator = try EpochExplanation(ledger: fixture.ledger, netuid: 1, block: 12, uid: 0)
        let asValidator = try #require(validator.asValidator)
        #expect(asValidator.trust == 1 && asValidator.bonds.map(\.uid) == [3])
        #expect(validator.validatorEmission == 205_000_000)
        let cost = try #require(validator.cost)
        #expect(
            cost.cpuSeconds == 0.003 && cost.joules == 0.015 && cost.answers.validatingCpuSecondsPerAnswer == 0.0005)
        #expect(validator.lines.contains { $0.hasPrefix("  cost of the subnet's rounds before this epoch: ") })
        #expect(validator.lines.contains { $0.contains("score") && $0.contains("3 calls") })
        // No cost record for the first epoch: none is made up.
        #expect(try EpochExplanation(ledger: fixture.ledger, netuid: 1, block: 2, uid: 0).cost == nil)
    }

    @Test func whatCannotBeExplainedSaysWhy() throws {
        let fixture = try ReportFixture(epochs: 1)
        func message(_ body: () throws -> Void) -> String {
            do {
                try body()
                return ""
            } catch {
                return "\(error)"
            }
        }
        #expect(
            message { _ = try EpochExplanation(ledger: fixture.ledger, netuid: 1, block: 7, uid: 0) }
                == "subnet 1 has no epoch at block 7; see `synod ledger show`")
        #expect(
            message { _ = try EpochExplanation(ledger: fixture.ledger, netuid: 1, block: nil, uid: 9) }
                == "uid 9 is not in that epoch (0..<5)")
        #expect(
            message { _ = try EpochExplanation(ledger: fixture.ledger, netuid: 8, block: nil, uid: 0) }.contains("8"))
    }

    @Test func itsJSONHasTheDocumentedKeys() throws {
        let fixture = try ReportFixture(epochs: 1)
        let json = try ReportJSON.encode(try EpochExplanation(ledger: fixture.ledger, netuid: 1, block: nil, uid: 3))
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
        #expect(object["schema"] as? String == "synod.explain/1")
        #expect(
            Set(object.keys) == [
                "schema", "netuid", "subnet", "block", "uid", "hotkey", "emission", "owner_cut", "split", "yuma3",
                "kappa", "stake", "as_miner", "server_emission", "validator_emission",
            ])
        let miner = try #require(object["as_miner"] as? [String: Any])
        #expect(Set(miner.keys) == ["consensus", "validators", "rank", "ranks_total", "incentive", "trust"])
    }
}
