import Consensus
import Foundation
import Ledger
import Testing

/// Each test gets a fresh SQLite file in a temporary folder.
func temporaryLedgerPath() -> String {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("synod-ledger-\(UUID().uuidString)")
    try? FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    return folder.appendingPathComponent("ledger.sqlite").path
}

func ledgerError(_ body: () throws -> Void) -> LedgerError? {
    do {
        try body()
        return nil
    } catch let error as LedgerError {
        return error
    } catch {
        return LedgerError(.invalid, "unexpected error \(error)")
    }
}

@Suite("Ledger")
struct LedgerTests {
    let ledger: Ledger

    init() throws {
        ledger = try Ledger(path: temporaryLedgerPath())
        var config = SubnetConfig()
        config.maxAllowedUIDs = 5
        config.immunityPeriod = 100
        config.weightsRateLimit = 10
        try ledger.createSubnet(netuid: 1, name: "echo-sum", owner: "owner", config: config)
    }

    /// Two neurons stored directly (the chain decides UIDs; the ledger keeps them).
    func twoNeurons() throws {
        try ledger.write { tx in
            try tx.insertNeuron(
                netuid: 1, uid: 0, hotkey: "v0", coldkey: "c0", block: 0, stake: 1_000_000_000, validatorPermit: true)
            try tx.insertNeuron(
                netuid: 1, uid: 1, hotkey: "m1", coldkey: "c1", block: 0, stake: 0, validatorPermit: false)
        }
    }

    @Test func aWriteCommitsWholeOrNotAtAll() throws {
        struct Abort: Error {}
        #expect(throws: Abort.self) {
            try ledger.write { tx in
                try tx.insertNeuron(
                    netuid: 1, uid: 0, hotkey: "v0", coldkey: "c", block: 0, stake: 5, validatorPermit: true)
                throw Abort()
            }
        }
        #expect(try ledger.neurons(netuid: 1).isEmpty)
        try twoNeurons()
        try ledger.write { tx in try tx.storeWeights(netuid: 1, uid: 0, [SparseEntry(uid: 1, value: 65535)], block: 7) }
        let neurons = try ledger.neurons(netuid: 1)
        #expect(neurons.map(\.hasWeights) == [true, false] && neurons[0].lastUpdate == 7)
        try ledger.write { tx in try tx.removeNeuron(netuid: 1, uid: 0) }
        #expect(try ledger.neurons(netuid: 1).map(\.hotkey) == ["m1"])
        #expect(try ledger.write { tx in try tx.weightRows(netuid: 1, count: 2) } == [[], []])
    }

    @Test func weightsAreStoredMaxUpscaledAndRounded() {
        #expect(Yuma.maxUpscaleToU16([1, 2]) == [32768, 65535])
        #expect(Yuma.maxUpscaleToU16([0, 0]) == [0, 0])
        #expect(Yuma.maxUpscaleToU16([65535, 32767]) == [65535, 32767])
        #expect(Yuma.maxUpscaleToU16([3, 1]) == [65535, 21845])
    }

    @Test func stakeCannotGoNegative() throws {
        try twoNeurons()
        #expect(
            ledgerError { try ledger.removeStake(netuid: 1, hotkey: "v0", amount: 2_000_000_000) }?.message
                == "v0 has 1000000000 staked; cannot remove 2000000000")
        try ledger.removeStake(netuid: 1, hotkey: "v0", amount: 1)
    }

    @Test func keyValueStateAndPluginVersionsPersist() throws {
        try ledger.setValue(Data("moving".utf8), forKey: "avg", netuid: 1)
        #expect(try ledger.value(forKey: "avg", netuid: 1) == Data("moving".utf8))
        try ledger.setValue(nil, forKey: "avg", netuid: 1)
        #expect(try ledger.value(forKey: "avg", netuid: 1) == nil)
        try ledger.recordPluginVersion(netuid: 1, sha256: "abc", outcome: "loaded")
        #expect(try ledger.events(netuid: 1).first?.kind == "subnet.created")
    }

    @Test func unknownSubnetsAreRefusedClearly() {
        #expect(
            ledgerError { _ = try ledger.neurons(netuid: 9) }?.message == "subnet 9 does not exist; create it first")
        #expect(
            ledgerError { try ledger.createSubnet(netuid: 1, name: "x", owner: "o") }?.message
                == "subnet 1 already exists")
    }
}
