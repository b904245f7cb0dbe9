import Foundation
import GRDB
import Testing

@testable import Ledger

/// WAL mode: one writer at a time, and readers that never wait for it.
@Suite("Ledger: readers never block the epoch")
struct LedgerConcurrencyTests {
    @Test func theFileIsInWriteAheadLogMode() throws {
        let ledger = try Ledger(path: temporaryLedgerPath())
        let mode = try ledger.pool.read { db in try String.fetchOne(db, sql: "PRAGMA journal_mode") }
        #expect(mode == "wal")
    }

    @Test func readersSeeTheLastCommittedStateWhileAWriteIsOpen() throws {
        let ledger = try Ledger(path: temporaryLedgerPath())
        try ledger.createSubnet(netuid: 1, name: "s", owner: "o")
        try ledger.write { tx in
            try tx.insertNeuron(
                netuid: 1, uid: 0, hotkey: "v", coldkey: "c", block: 0, stake: 0, validatorPermit: false)
        }
        try ledger.addStake(netuid: 1, hotkey: "v", amount: 5)

        // A writer holds its transaction open (as a long epoch would) after changing stake.
        let entered = DispatchSemaphore(value: 0)
        let release = DispatchSemaphore(value: 0)
        let finished = DispatchSemaphore(value: 0)
        Thread {
            try? ledger.pool.write { db in
                try db.execute(sql: "UPDATE neurons SET stake = 99 WHERE netuid = 1")
                entered.signal()
                release.wait()
            }
            finished.signal()
        }.start()
        entered.wait()

        // A reader on another thread finishes while the write is still open, and sees the
        // state before it (never half an epoch).
        let readDone = DispatchSemaphore(value: 0)
        nonisolated(unsafe) var seen: UInt64?
        Thread {
            seen = try? ledger.neurons(netuid: 1).first?.stake
            readDone.signal()
        }.start()
        let readFinished = readDone.wait(timeout: .now() + 30) == .success
        release.signal()
        finished.wait()
        #expect(readFinished, "a read waited for the open write transaction")
        #expect(seen == 5)
        #expect(try ledger.neurons(netuid: 1).first?.stake == 99)
    }
}
