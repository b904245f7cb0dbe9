import Foundation
import HostReports
import Ledger
import Testing

@Suite("DashboardSnapshot and EpochShares: what the dashboard draws")
struct DashboardSnapshotTests {
    @Test func theEpochsSharesAreTheOnesThatPaidOldestFirst() throws {
        let fixture = try ReportFixture(epochs: 3)
        let shares = try EpochShares.recent(ledger: fixture.ledger, netuid: 1, limit: 2)
        #expect(shares.map(\.block) == Array(fixture.epochBlocks.suffix(2)))
        let newest = try #require(shares.last)
        #expect(newest.incentive.count == 5 && newest.dividends.count == 5 && newest.emitted.count == 5)
        #expect(newest.emission == newest.emitted.reduce(0, +) && newest.emission > 0)
        // Two validators weight m3, one m4: m3 earns the larger incentive; validators none.
        #expect(newest.incentive[3] > newest.incentive[4] && newest.incentive[0] == 0)
        #expect(abs(newest.incentive.reduce(0, +) - 1) < 1e-6)
        #expect(newest.dividends[0] > 0)
        #expect(try EpochShares.recent(ledger: fixture.ledger, netuid: 1, limit: 0).isEmpty)
    }

    @Test func theSnapshotCarriesEverySubnetWithItsStatusEpochsAndRounds() throws {
        let fixture = try ReportFixture(epochs: 2)
        try fixture.ledger.recordRounds([
            RoundRecord(
                netuid: 1, validator: "v0", block: 12, plugin: "p", taskDigest: "d", outcome: "weights set",
                miners: [.init(uid: 3, hotkey: "m3", status: "ok", latency: 0.01, score: 1, weight: 1)])
        ])
        let snapshot = try DashboardSnapshot(ledger: fixture.ledger, now: Date(timeIntervalSince1970: 0))
        #expect(snapshot.generatedAt == "1970-01-01T00:00:00Z" && snapshot.head == fixture.epochBlocks.last)
        let subnet = try #require(snapshot.subnets.first)
        #expect(subnet.status.name == "echo-sum" && subnet.epochs.count == 2)
        #expect(subnet.activity.miners.first?.answers.first?.outcome == "valid")
        let json = try ReportJSON.encode(snapshot, pretty: false)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
        #expect(object["schema"] as? String == "synod.dashboard/1")
        let first = try #require((object["subnets"] as? [[String: Any]])?.first)
        #expect(Set(first.keys) == ["status", "epochs", "activity"])
        let epoch = try #require((first["epochs"] as? [[String: Any]])?.first)
        #expect(Set(epoch.keys) == ["block", "emission", "incentive", "dividends", "emitted"])
        // A few subnets at a time: the others are not read.
        #expect(try DashboardSnapshot(ledger: fixture.ledger, netuids: [1]).subnets.count == 1)
        #expect(try DashboardSnapshot(ledger: fixture.ledger, netuids: [2]).subnets.isEmpty)
    }
}
