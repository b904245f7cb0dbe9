import Foundation
import Ledger
import LuaSandbox
import SubnetHost
import Testing

@Suite("StagedStore: writes wait until the version is accepted")
struct StagedStoreTests {
    @Test func stagedWritesAreSeenLocallyAndLandAtOnceOnCommit() throws {
        let base = MemoryStore()
        try base.setValue(1, forKey: "a")
        try base.setValue(2, forKey: "b")
        let staged = StagedStore(over: base)
        try staged.setValue(10, forKey: "a")
        try staged.setValue(nil, forKey: "b")
        try staged.setValue(3, forKey: "c")
        #expect(
            try staged.value(forKey: "a") == 10 && staged.value(forKey: "b") == nil && staged.value(forKey: "c") == 3)
        #expect(try base.value(forKey: "a") == 1 && base.value(forKey: "b") == 2 && base.value(forKey: "c") == nil)
        try staged.commit()
        #expect(try base.value(forKey: "a") == 10 && base.value(forKey: "b") == nil && base.value(forKey: "c") == 3)
        try staged.setValue(4, forKey: "d")  // after the commit, straight through
        #expect(try base.value(forKey: "d") == 4)
    }

    @Test func aCommitTheQuotaRefusesWritesNothing() throws {
        let base = MemoryStore(quota: StoreQuota(maxKeys: 2, maxBytes: 1 << 20))
        try base.setValue(1, forKey: "a")
        let staged = StagedStore(over: base)
        for key in ["b", "c"] { try staged.setValue(1, forKey: key) }
        #expect(throws: StoreQuotaExceeded.self) { try staged.commit() }
        #expect(try base.value(forKey: "b") == nil)
        staged.discard()
        #expect(try staged.value(forKey: "b") == nil)
    }

    @Test func theLedgerTakesAStagedCommitInOneTransaction() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("synod-staged-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let ledger = try Ledger(path: folder.appendingPathComponent("l.sqlite").path)
        try ledger.createSubnet(netuid: 1, name: "s", owner: "o")
        let base = LedgerStore(ledger: ledger, netuid: 1, quota: StoreQuota(maxKeys: 2, maxBytes: 1 << 20))
        let staged = StagedStore(over: base)
        for key in ["a", "b", "c"] { try staged.setValue(1, forKey: key) }
        #expect(throws: StoreQuotaExceeded.self) { try staged.commit() }
        #expect(try base.value(forKey: "a") == nil)  // not even the first two
        try staged.setValue(nil, forKey: "c")
        try staged.commit()
        #expect(try base.value(forKey: "a") == 1 && base.value(forKey: "b") == 1 && base.value(forKey: "c") == nil)
    }
}
