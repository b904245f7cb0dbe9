import Foundation
import HostReports
import Ledger
import Testing

@Suite("ExportRow: one line per epoch and UID")
struct EpochExportTests {
    func rows(_ fixture: ReportFixture, from: UInt64 = 0, to: UInt64 = .max) throws -> [ExportRow] {
        var rows: [ExportRow] = []
        try ExportRow.rows(ledger: fixture.ledger, netuid: 1, from: from, to: to) { rows += $0 }
        return rows
    }

    @Test func everyEpochAndUIDIsALineWithWhatPaid() throws {
        let fixture = try ReportFixture(epochs: 3)
        let all = try rows(fixture)
        #expect(all.count == 15 && all.map(\.block) == [2, 2, 2, 2, 2, 12, 12, 12, 12, 12, 22, 22, 22, 22, 22])
        // What each line says the UID earned is what the epoch credited it.
        for block in fixture.epochBlocks {
            let paid = all.filter { $0.block == block }.reduce(0) { $0 + $1.emission }
            let record = try #require(try fixture.ledger.epoch(netuid: 1, block: block))
            #expect(paid == record.credited)
        }
        let m3 = try #require(all.first { $0.block == 2 && $0.uid == 3 })
        #expect(m3.hotkey == "m3" && m3.incentive == 1 && m3.weightsReceived == 2 && m3.trust == 1)
        #expect(m3.emission == 410_000_000 && m3.serverEmission == 410_000_000 && m3.stake == 0)
        let v1 = try #require(all.first { $0.block == 2 && $0.uid == 1 })
        #expect(v1.validatorPermit && v1.weightsSet == 1 && v1.validatorTrust == 0 && v1.emission == 0)
        #expect(v1.stake == 1_000_000_000 && abs(v1.activeStake - 1.0 / 3) < 1e-6)
    }

    @Test func fromAndToBoundTheBlocks() throws {
        let fixture = try ReportFixture(epochs: 3)
        #expect(Set(try rows(fixture, from: 3, to: 12).map(\.block)) == [12])
        #expect(try rows(fixture, from: 23).isEmpty)
    }

    @Test func csvAndJSONLinesCarryTheSameColumns() throws {
        let fixture = try ReportFixture(epochs: 1)
        let row = try #require(try rows(fixture).first { $0.uid == 3 })
        let line = try ReportJSON.encode(row, pretty: false)
        #expect(!line.contains("\n"))
        let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
        #expect(Set(object.keys) == Set(ExportRow.columns))
        #expect(row.csv.split(separator: ",", omittingEmptySubsequences: false).count == ExportRow.columns.count)
        #expect(row.csv.hasPrefix("1,2,3,m3,0,"))
        var odd = row
        odd.hotkey = "a,\"b\""
        #expect(odd.csv.hasPrefix("1,2,3,\"a,\"\"b\"\"\",0,"))
    }

    @Test func anUnknownSubnetSaysSo() throws {
        let fixture = try ReportFixture(epochs: 1)
        #expect(throws: ReportError.self) { try ExportRow.rows(ledger: fixture.ledger, netuid: 9) { _ in } }
    }
}
