import Foundation
import HostReports
import Ledger
import Testing

@Suite("StatusReport: a host's subnets at a glance, as text and JSON")
struct StatusReportTests {
    @Test func itSumsTheCostRecordsAndTheirEnergy() throws {
        let fixture = try ReportFixture(epochs: 2)
        for (i, block) in fixture.epochBlocks.enumerated() {
            try fixture.ledger.recordCost(
                CostRecord(
                    netuid: 1, block: block,
                    hooks: [
                        "score": HookCost(calls: 2, cpuSeconds: 0.5, instructions: 1000, peakMemoryBytes: 4096 << i),
                        "task": HookCost(calls: 2, cpuSeconds: 0.25, instructions: 10, peakMemoryBytes: 100),
                    ],
                    answers: AnswerCost(
                        answered: 4, missing: 1, timed: 4, latencySeconds: 0.4, maxLatencySeconds: 0.2, bytes: 400),
                    wattsPerCore: 10))
        }
        try fixture.ledger.recordPluginVersion(netuid: 1, sha256: "a1", outcome: "loaded")
        try fixture.ledger.recordPluginVersion(
            netuid: 1, sha256: "b2", outcome: "rejected", message: "plugins/echo-sum.lua:3: unexpected symbol")
        let report = try StatusReport(ledger: fixture.ledger)
        let subnet = try #require(report.subnets.first)
        #expect(subnet.uids == 5 && subnet.epochs == 2 && subnet.emittedRao == 2_000_000_000)
        #expect(subnet.running?.sha256 == "a1" && subnet.versions.map(\.outcome) == ["loaded", "rejected"])
        #expect(subnet.notes.contains { $0.contains("b2 was rejected") && $0.contains("echo-sum.lua:3:") })
        let cost = subnet.cost
        #expect(cost.epochs == 2 && cost.cpuSeconds == 1.5 && cost.cpuSecondsPerEpoch == 0.75)
        #expect(cost.joules == 15 && cost.joulesPerEpoch == 7.5 && cost.instructions == 2020)
        #expect(cost.hooks.map(\.hook) == ["score", "task"])
        #expect(cost.hooks[0].calls == 4 && cost.hooks[0].cpuSecondsPerCall == 0.25)
        #expect(cost.hooks[0].peakMemoryBytes == 8192, "the peak is the largest, not a sum")
        #expect(cost.answers.answered == 8 && cost.answers.missing == 2 && cost.answers.meanBytes == 100)
        #expect(cost.answers.meanLatencySeconds == 0.1 && cost.answers.maxLatencySeconds == 0.2)
        #expect(
            cost.answers.validatingCpuSecondsPerAnswer == 1.5 / 8 && cost.answers.answeringCpuSecondsPerAnswer == nil)
        #expect(cost.validatingCpuSeconds == 1.5 && cost.answeringCpuSeconds == 0)
        #expect(cost.line.contains("0.7500 CPU s/epoch") && cost.line.contains("7.500 J/epoch"))
    }

    @Test func theCostIsOfTheNewestEpochsOnly() throws {
        let fixture = try ReportFixture(epochs: 0)
        for block in 1...UInt64(StatusReport.costEpochs + 5) {
            try fixture.ledger.recordCost(
                CostRecord(
                    netuid: 1, block: block, hooks: ["score": HookCost(calls: 1, cpuSeconds: block > 5 ? 1 : 100)],
                    answers: AnswerCost(), wattsPerCore: 1))
        }
        let cost = try #require(try StatusReport(ledger: fixture.ledger).subnets.first).cost
        #expect(cost.epochs == StatusReport.costEpochs && cost.cpuSecondsPerEpoch == 1, "the 5 oldest are left out")
    }

    @Test func itsJSONHasTheDocumentedKeys() throws {
        let fixture = try ReportFixture(epochs: 1)
        let json = try ReportJSON.encode(try StatusReport(ledger: fixture.ledger))
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
        #expect(object["schema"] as? String == "synod.status/1")
        #expect(Set(object.keys) == ["schema", "head", "subnets"])
        let subnet = try #require((object["subnets"] as? [[String: Any]])?.first)
        #expect(
            Set(subnet.keys) == [
                "netuid", "name", "uids", "serving", "tempo", "last_epoch_block", "epochs", "emitted_rao", "versions",
                "notes", "cost",
            ], "plugin and running are absent when unknown: \(subnet.keys.sorted())")
        let cost = try #require(subnet["cost"] as? [String: Any])
        #expect(
            Set(cost.keys) == [
                "epochs", "cpu_seconds", "answering_cpu_seconds", "validating_cpu_seconds", "instructions", "joules",
                "hooks", "answers",
            ])
        // Keys are sorted, so the same ledger always writes the same text.
        #expect(json == (try ReportJSON.encode(try StatusReport(ledger: fixture.ledger))))
    }
}
