import Foundation
import Ledger
import Testing

/// Validator rounds on record: read back as written, newest first, filtered, bounded.
@Suite("Ledger: round records")
struct LedgerRoundsTests {
    func round(_ netuid: Int, block: UInt64, validator: String = "v") -> RoundRecord {
        RoundRecord(
            netuid: netuid, validator: validator, block: block, plugin: "abc", taskDigest: "d\(block)",
            outcome: "weights set",
            miners: [
                .init(uid: 1, hotkey: "m1", status: "ok", latency: 0.25, challenges: 1, score: 0.5, weight: 1),
                .init(
                    uid: 2, hotkey: "m2", status: "invalid", reason: "the plugin's validate rejected the answer",
                    score: 0, weight: 0),
            ])
    }

    @Test func roundsReadBackNewestFirstAndOnlyTheNewestAreKept() throws {
        let ledger = try Ledger(path: temporaryLedgerPath())
        try ledger.recordRounds(
            (1...5).map { round(1, block: $0) } + [round(2, block: 3, validator: "w")], retention: 3)
        let kept = try ledger.rounds(netuid: 1, limit: 10)
        #expect(kept.map(\.block) == [5, 4, 3])
        #expect(kept.first == round(1, block: 5))
        #expect(try ledger.rounds(netuid: 2).map(\.validator) == ["w"])
        #expect(try ledger.rounds(netuid: 1, block: 4).map(\.taskDigest) == ["d4"])
        #expect(try ledger.rounds(netuid: 1, validator: "w").isEmpty)
        #expect(try ledger.rounds(netuid: 1, limit: 1).count == 1)
        // More rounds later: still the newest three of subnet 1, subnet 2 untouched.
        try ledger.recordRounds([round(1, block: 6)], retention: 3)
        #expect(try ledger.rounds(netuid: 1).map(\.block) == [6, 5, 4])
        #expect(try ledger.rounds(netuid: 2).count == 1)
    }
}
