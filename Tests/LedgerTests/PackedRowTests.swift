import Consensus
import Foundation
import GRDB
import Testing

@testable import Ledger

@Suite("Packed sparse rows")
struct PackedRowTests {
    @Test func roundTripsLittleEndianPairs() throws {
        let row = [
            SparseEntry(uid: 3, value: 65535), SparseEntry(uid: 300, value: 1), SparseEntry(uid: 65535, value: 0),
        ]
        let data = PackedRow.pack(row)
        #expect(Array(data) == [3, 0, 255, 255, 44, 1, 1, 0, 255, 255, 0, 0])
        #expect(PackedRow.unpack(data) == row)
        #expect(PackedRow.unpack(Data()) == [])
        #expect(PackedRow.unpack(Data([1, 2, 3])) == nil)
    }

    @Test func migrationPacksRowsWrittenByTheOldSchema() throws {
        let path = temporaryLedgerPath()
        // A ledger as v2 left it: one row per weight and per bond.
        let queue = try DatabaseQueue(path: path)
        try Ledger.migrator.migrate(queue, upTo: "v2-min-non-immune-uids")
        try queue.write { db in
            try db.execute(
                sql: """
                    INSERT INTO subnets (netuid, name, owner, tempo, max_allowed_uids, immunity_period,
                      min_allowed_weights, weights_rate_limit, owner_cut_ppm, hyperparameters, last_epoch_block)
                    VALUES (1, 'old', 'owner', 360, 256, 5000, 1, 0, 180000, '{}', 1);
                    INSERT INTO neurons (netuid, uid, hotkey, coldkey, registered_at, last_update, stake,
                      validator_permit, emission) VALUES
                      (1, 0, 'v0', 'c', 0, 1, 1000, 1, 0), (1, 1, 'm1', 'c', 0, 1, 0, 0, 0), (1, 2, 'm2', 'c', 0, 1, 0, 0, 0);
                    INSERT INTO weights (netuid, uid, target, value) VALUES (1, 0, 2, 7), (1, 0, 1, 65535);
                    INSERT INTO bonds (netuid, uid, target, value) VALUES (1, 0, 1, 65535);
                    """)
        }
        try queue.close()
        let ledger = try Ledger(path: path)
        // The migrated rows are what an epoch reads: sorted by target, values kept.
        let (weights, bonds) = try ledger.write { tx in
            (try tx.weightRows(netuid: 1, count: 3), try tx.bondRows(netuid: 1, count: 3))
        }
        #expect(weights == [[SparseEntry(uid: 1, value: 65535), SparseEntry(uid: 2, value: 7)], [], []])
        #expect(bonds == [[SparseEntry(uid: 1, value: 65535)], [], []])
        #expect(try ledger.integrityCheck() == "ok")
    }

    @Test func aCorruptRowIsReportedNotMisread() throws {
        let path = temporaryLedgerPath()
        let ledger = try Ledger(path: path)
        try ledger.createSubnet(netuid: 1, name: "s", owner: "o")
        try ledger.write { tx in
            try tx.insertNeuron(netuid: 1, uid: 0, hotkey: "v", coldkey: "c", block: 0, stake: 0, validatorPermit: true)
        }
        let queue = try DatabaseQueue(path: path)
        try queue.write { db in
            try db.execute(sql: "PRAGMA ignore_check_constraints = ON")
            try db.execute(sql: "INSERT INTO weight_rows (netuid, uid, entries) VALUES (1, 0, x'010203')")
        }
        try queue.close()
        #expect {
            try ledger.write { tx in _ = try tx.weightRows(netuid: 1, count: 1) }
        } throws: { error in
            (error as? LedgerError)?.message
                == "weight_rows of uid 0 on subnet 1 is corrupt (length not a multiple of 4)"
        }
    }
}
