import Consensus
import Foundation
import Ledger
import SynodChain
import Testing

/// Each test gets a fresh SQLite file in a temporary folder.
func temporaryLedgerPath() -> String {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("synod-chain-\(UUID().uuidString)")
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

func chainError(_ body: () throws -> Void) -> ChainError? {
    do {
        try body()
        return nil
    } catch let error as ChainError {
        return error
    } catch {
        return ChainError(.invalid, "unexpected error \(error)")
    }
}

@Suite("LocalChain: the chain's rules over the ledger")
struct LocalChainTests {
    let ledger: Ledger
    let chain: LocalChain

    init() throws {
        ledger = try Ledger(path: temporaryLedgerPath())
        chain = LocalChain(ledger: ledger)
        var config = SubnetConfig()
        config.maxAllowedUIDs = 5
        config.immunityPeriod = 100
        config.weightsRateLimit = 10
        try ledger.createSubnet(netuid: 1, name: "echo-sum", owner: "owner", config: config)
    }

    func register(_ netuid: Int, _ hotkey: String, _ coldkey: String, at block: UInt64) throws -> Int {
        try ledger.setChainHead(block)
        return try chain.register(netuid: netuid, hotkey: hotkey, coldkey: coldkey)
    }

    func setWeights(_ netuid: Int, _ hotkey: String, uids: [Int], values: [UInt16], at block: UInt64) throws {
        try ledger.setChainHead(block)
        try chain.setWeights(netuid: netuid, hotkey: hotkey, uids: uids, values: values)
    }

    /// Three validators and two miners, as YUMA.md's first example.
    func exampleSubnet() throws {
        for (i, key) in ["v0", "v1", "v2", "m3", "m4"].enumerated() {
            #expect(try register(1, key, "c\(i)", at: 0) == i)
        }
        for v in ["v0", "v1", "v2"] { try ledger.addStake(netuid: 1, hotkey: v, amount: 1_000_000_000) }
        for uid in 0..<3 { try ledger.setValidatorPermit(netuid: 1, uid: uid, true) }
        try setWeights(1, "v0", uids: [3, 4], values: [65535, 0], at: 1)
        try setWeights(1, "v1", uids: [3, 4], values: [0, 65535], at: 1)
        try setWeights(1, "v2", uids: [3, 4], values: [65535, 0], at: 1)
    }

    @Test func anEpochCreditsOwnerMinersAndValidatorsAndAccountsForEveryRao() throws {
        try exampleSubnet()
        let record = try chain.settleEpoch(netuid: 1, block: 2)
        #expect(record.ownerCut == 180_000_000)
        #expect(try ledger.balance(of: "owner") == 180_000_000)
        // The rest (820,000,000) splits as the worked example: 0.25, 0, 0.25, 0.5, 0.
        #expect(try ledger.balance(of: "m3") == 410_000_000)
        #expect(try ledger.balance(of: "v0") == 205_000_000)
        #expect(try ledger.balance(of: "v2") == 205_000_000)
        #expect(try ledger.balance(of: "v1") == 0)
        #expect(record.ownerCut + record.credited + record.dust == record.emission)
        let totals = try ledger.totals()
        #expect(totals.emitted == totals.credited + totals.dust)
        #expect(totals.balances == totals.credited)
        #expect(try ledger.integrityCheck() == "ok")
    }

    @Test func bondsAndPermitsCarryToTheNextEpoch() throws {
        try exampleSubnet()
        let first = try chain.settleEpoch(netuid: 1, block: 2)
        let second = try chain.settleEpoch(netuid: 1, block: 3)
        #expect(second.output.bonds[0] == [SparseEntry(uid: 3, value: 65535)])
        // Writes: 2 bond rows (v1's weight was clipped away, so its row stays empty), 3
        // neurons whose emission changed (v0, v2, m3), 4 balances (those three and the
        // owner), the epoch, the subnet's last block, the event.
        #expect(first.rowsWritten == 12)
        // Same weights again: bonds and emissions stay, so only balances and the records.
        #expect(second.rowsWritten == 7)
        #expect(second.output.validatorPermit == [true, true, true, false, false])
        let totals = try ledger.totals()
        #expect(totals.epochs == 2)
        #expect(totals.emitted == 2_000_000_000)
        #expect(totals.emitted == totals.credited + totals.dust)
    }

    @Test func registrationReplacesTheLowestEmissionNonImmuneUid() throws {
        try exampleSubnet()
        try chain.settleEpoch(netuid: 1, block: 2)
        // Full (5 UIDs), all immune until block 100, and fewer than 10 non-immune: the
        // lowest-emission immune UID goes. v1 and m4 earned 0, both registered at block 0:
        // the lower UID (1).
        #expect(try register(1, "late", "c", at: 50) == 1)
        #expect(ledgerError { try ledger.addStake(netuid: 1, hotkey: "v1", amount: 1) }?.code == .notFound)
    }

    @Test func registrationKeepsTheMinimumOfNonImmuneUids() throws {
        var config = SubnetConfig()
        config.maxAllowedUIDs = 4
        config.immunityPeriod = 100
        config.minNonImmuneUIDs = 2
        try ledger.createSubnet(netuid: 2, name: "small", owner: "owner", config: config)
        for key in ["a", "b", "c"] { _ = try register(2, key, "c", at: 0) }
        #expect(try register(2, "d", "c", at: 150) == 3)
        // Three non-immune (a, b, c) > 2: the earliest-registered, lowest UID of them goes.
        #expect(try register(2, "e", "c", at: 160) == 0)
        // Now only b and c are non-immune (2, not more than 2): an immune UID goes instead,
        // d (registered at 150) before e (160).
        #expect(try register(2, "f", "c", at: 170) == 3)
        #expect(try register(2, "g", "c", at: 171) == 0)
    }

    @Test func registrationRefusesWhenOnlyTheMinimumIsLeft() throws {
        var config = SubnetConfig()
        config.maxAllowedUIDs = 2
        config.immunityPeriod = 100
        config.minNonImmuneUIDs = 2
        try ledger.createSubnet(netuid: 3, name: "tiny", owner: "owner", config: config)
        _ = try register(3, "a", "c", at: 0)
        _ = try register(3, "b", "c", at: 100)
        // At block 199 b is still immune (199 − 100 < 100): it is replaced.
        #expect(try register(3, "c", "c", at: 199) == 1)
        // At block 299 both are past immunity, and two is the minimum to keep.
        let refused = chainError { _ = try register(3, "d", "c", at: 299) }
        #expect(refused?.code == .refused)
        #expect(refused?.message.hasPrefix("subnet 3 is full (2 UIDs) and no UID can be replaced") == true)
    }

    @Test func setWeightsChecksLikeTheChain() throws {
        try exampleSubnet()
        #expect(
            chainError { try setWeights(1, "v0", uids: [3], values: [1, 2], at: 50) }?
                .message
                == "uids has 1 entries but values has 2; pass one value per uid")
        #expect(
            chainError { try setWeights(1, "v0", uids: [3, 9], values: [1, 2], at: 50) }?
                .message
                == "uids[1]: uid 9 is not registered on subnet 1 (0..<5)")
        #expect(
            chainError { try setWeights(1, "v0", uids: [3, 3], values: [1, 2], at: 50) }?
                .message
                == "uids[1]: uid 3 appears twice")
        #expect(
            chainError { try setWeights(1, "m3", uids: [4], values: [1], at: 50) }?.message
                == "m3 (uid 3) has no validator permit on subnet 1")
        #expect(
            chainError { try setWeights(1, "v0", uids: [4], values: [1], at: 5) }?.message
                == "weights of uid 0 were set at block 1; wait until block 11 (rate limit 10 blocks)")
        #expect(
            chainError { try setWeights(1, "nobody", uids: [4], values: [1], at: 50) }?.code
                == .notFound)
        #expect(
            chainError { try setWeights(1, "v0", uids: [], values: [], at: 50) }?.message
                == "at least 1 weights are required, got 0")
    }

    @Test func unknownSubnetsAreRefusedClearly() {
        #expect(
            chainError { _ = try chain.settleEpoch(netuid: 9, block: 1) }?.message
                == "subnet 9 does not exist; create it first")
        #expect(chainError { _ = try chain.register(netuid: 9, hotkey: "a", coldkey: "a") }?.code == .notFound)
        #expect(chainError { try chain.serve(netuid: 1, hotkey: "v0", endpoint: "ftp://x:1") }?.code == .invalid)
    }
}
