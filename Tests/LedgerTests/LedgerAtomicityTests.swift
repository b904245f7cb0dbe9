import Foundation
import GRDB
import Ledger
import Testing

/// A host's first start writes a subnet with its plugin, and a validator with its stake and
/// permit, each in one transaction. To prove it, a trigger makes the second half of each
/// write fail (as a kill at that instant would stop it): nothing of the first half may stay.
@Suite("Ledger writes that must not be split")
struct LedgerAtomicityTests {
    let path = temporaryLedgerPath()

    /// Makes every event of `kind` fail, from another connection to the same file.
    func failEvents(_ kind: String) throws {
        let queue = try DatabaseQueue(path: path)
        try queue.write { db in
            try db.execute(
                sql: """
                    CREATE TRIGGER fail_\(kind.replacingOccurrences(of: ".", with: "_")) BEFORE INSERT ON events
                    WHEN NEW.kind = '\(kind)' BEGIN SELECT RAISE(ABORT, 'injected failure'); END
                    """)
        }
    }

    @Test func aSubnetIsCreatedWithItsPluginOrNotAtAll() throws {
        let ledger = try Ledger(path: path)
        try failEvents("subnet.plugin")
        #expect(throws: (any Error).self) {
            try ledger.createSubnet(netuid: 1, name: "echo-sum", owner: "owner", plugin: "plugins/echo-sum.lua")
        }
        #expect(try ledger.subnets().isEmpty)
    }

    @Test func aSubnetCreatedWithAPluginNamesIt() throws {
        let ledger = try Ledger(path: path)
        try ledger.createSubnet(netuid: 1, name: "echo-sum", owner: "owner", plugin: "plugins/echo-sum.lua")
        #expect(try ledger.subnet(netuid: 1).plugin == "plugins/echo-sum.lua")
    }

    @Test func aValidatorIsRegisteredWithItsStakeAndPermitOrNotAtAll() throws {
        let ledger = try Ledger(path: path)
        try ledger.createSubnet(netuid: 1, name: "echo-sum", owner: "owner")
        try failEvents("stake.added")
        #expect(throws: (any Error).self) {
            try ledger.write { tx in
                try tx.insertNeuron(
                    netuid: 1, uid: 0, hotkey: "v0", coldkey: "v0", block: 0, stake: 1_000, validatorPermit: true)
            }
        }
        #expect(try ledger.neuron(netuid: 1, hotkey: "v0") == nil)
    }

    @Test func aValidatorRegisteredWithStakeAndPermitHasBoth() throws {
        let ledger = try Ledger(path: path)
        try ledger.createSubnet(netuid: 1, name: "echo-sum", owner: "owner")
        try ledger.write { tx in
            try tx.insertNeuron(
                netuid: 1, uid: 0, hotkey: "v0", coldkey: "v0", block: 3, stake: 1_000, validatorPermit: true)
        }
        let neuron = try #require(try ledger.neuron(netuid: 1, hotkey: "v0"))
        #expect(neuron.uid == 0 && neuron.stake == 1_000 && neuron.validatorPermit && neuron.registeredAt == 3)
        #expect(throws: LedgerError.self) {
            try ledger.write { tx in
                try tx.insertNeuron(
                    netuid: 1, uid: 1, hotkey: "v1", coldkey: "v1", block: 3, stake: UInt64.max, validatorPermit: false)
            }
        }
    }
}
