import Foundation
import HostReports
import Ledger
import Testing

@Suite("MinerReport: a miner's own answers and earnings")
struct MinerReportTests {
    @Test func itReadsOnlyItsOwnAnswersAndItsEpochsWithTheBreakdown() throws {
        let fixture = try ReportFixture(epochs: 2)
        try fixture.ledger.recordRounds([
            RoundRecord(
                netuid: 1, validator: "v0", block: 12, plugin: "p", taskDigest: "d", outcome: "weights set",
                miners: [
                    .init(uid: 3, hotkey: "m3", status: "ok", latency: 0.01, score: 1, weight: 1),
                    .init(uid: 4, hotkey: "m4", status: "invalid", reason: "hidden check 7", score: 0, weight: 0),
                ])
        ])
        let report = try MinerReport(ledger: fixture.ledger, netuid: 1, hotkey: "m3")
        #expect(report.uid == 3 && report.answers.count == 1 && report.answers[0].outcome == "valid")
        #expect(report.validators.map(\.validator) == ["v0"] && report.validators[0].meanScore == 1)
        #expect(report.epochs.map(\.block) == fixture.epochBlocks)
        // Two of three validators back m3: consensus clips the third, so m3 takes the miners' half.
        #expect(report.epochs.allSatisfy { $0.share == 0.5 && $0.incentive == 1 }, "\(report.epochs)")
        #expect(report.explanation?.block == fixture.epochBlocks.last)
        let text = report.lines.joined(separator: "\n")
        #expect(text.contains("1 valid, 0 invalid, 0 missing") && text.contains("% of the epoch"))
        let json = try ReportJSON.encode(report)
        #expect(!text.contains("hidden check 7") && !json.contains("hidden check 7") && !json.contains("\"m4\""))
    }

    @Test func anUnregisteredHotkeyOrSubnetIsAClearError() throws {
        let fixture = try ReportFixture(epochs: 1)
        #expect(throws: ReportError.self) { try MinerReport(ledger: fixture.ledger, netuid: 1, hotkey: "nobody") }
        do {
            _ = try MinerReport(ledger: fixture.ledger, netuid: 9, hotkey: "m3")
            Issue.record("subnet 9 does not exist")
        } catch {
            #expect(error.message.contains("subnet 9"), "\(error.message)")
        }
    }
}
