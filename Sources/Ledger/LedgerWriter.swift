public import Consensus
import Foundation
import GRDB

/// The storage steps a chain composes into one transaction (``Ledger/write(_:)``): reading a
/// subnet's rows, adding and removing neurons, storing a weight row, recording a settled
/// epoch. The ledger decides nothing here — which UID a registration takes, whether weights
/// pass the rate limit, what an epoch pays — the chain does (`SynodChain`), and the ledger
/// keeps what it decided, atomically: a process killed at any instant leaves the file before
/// or after the whole operation.
public struct LedgerWriter: ~Copyable {
    let db: Database

    /// The subnet; refuses a netuid that does not exist.
    public func subnet(netuid: Int) throws -> SubnetInfo { try Ledger.info(db, netuid) }

    /// The lowest netuid above every subnet's (1 for the first).
    public func nextNetuid() throws -> Int {
        (try Int.fetchOne(db, sql: "SELECT MAX(netuid) FROM subnets") ?? 0) + 1
    }

    /// Creates a subnet (see ``Ledger/createSubnet(netuid:name:owner:config:plugin:)``).
    public func createSubnet(netuid: Int, name: String, owner: String, config: SubnetConfig, plugin: String?) throws {
        try Ledger.insertSubnet(db, netuid: netuid, name: name, owner: owner, config: config, plugin: plugin)
    }

    /// The subnet's UIDs in order.
    public func neurons(netuid: Int) throws -> [NeuronInfo] {
        try Row.fetchAll(db, sql: Ledger.neuronSelect + " WHERE n.netuid = ? ORDER BY n.uid", arguments: [netuid])
            .map(Ledger.neuron)
    }

    /// The UID `hotkey` holds on the subnet, or nil.
    public func neuron(netuid: Int, hotkey: String) throws -> NeuronInfo? {
        try Row.fetchOne(
            db, sql: Ledger.neuronSelect + " WHERE n.netuid = ? AND n.hotkey = ?", arguments: [netuid, hotkey]
        )
        .map(Ledger.neuron)
    }

    /// Whether the UID has a weight row (it has set weights since it registered).
    public func hasWeights(netuid: Int, uid: Int) throws -> Bool {
        try Int.fetchOne(db, sql: "SELECT 1 FROM weight_rows WHERE netuid = ? AND uid = ?", arguments: [netuid, uid])
            != nil
    }

    /// Adds a neuron at `uid` (which must be free), with its starting stake and permit.
    public func insertNeuron(
        netuid: Int, uid: Int, hotkey: String, coldkey: String, block: UInt64, stake: UInt64, validatorPermit: Bool
    ) throws {
        guard stake <= UInt64(Int64.max) else {
            throw LedgerError(.refused, "stake of \(hotkey) would exceed 2^63 - 1")
        }
        try db.execute(
            sql: """
                INSERT INTO neurons (netuid, uid, hotkey, coldkey, registered_at, last_update, stake, emission,
                  validator_permit) VALUES (?, ?, ?, ?, ?, ?, ?, 0, ?)
                """,
            arguments: [netuid, uid, hotkey, coldkey, Int64(block), Int64(block), Int64(stake), validatorPermit])
        try Ledger.log(db, netuid: netuid, kind: "neuron.registered", detail: "uid \(uid) hotkey \(hotkey)")
        if stake > 0 { try Ledger.log(db, netuid: netuid, kind: "stake.added", detail: "uid \(uid) +\(stake)") }
    }

    /// Sets a neuron's stake and permit (an operator topping up its own validator).
    public func setStakeAndPermit(netuid: Int, uid: Int, stake: UInt64, validatorPermit: Bool) throws {
        guard stake <= UInt64(Int64.max) else {
            throw LedgerError(.refused, "stake of uid \(uid) would exceed 2^63 - 1")
        }
        try db.execute(
            sql: "UPDATE neurons SET stake = ?, validator_permit = ? WHERE netuid = ? AND uid = ?",
            arguments: [Int64(stake), validatorPermit, netuid, uid])
        try Ledger.log(db, netuid: netuid, kind: "stake.set", detail: "uid \(uid) \(stake)")
    }

    /// Records where a registered hotkey's axon answers.
    public func setEndpoint(netuid: Int, hotkey: String, endpoint: String) throws {
        let uid = try Ledger.uid(db, netuid, hotkey)
        try db.execute(
            sql: "UPDATE neurons SET endpoint = ? WHERE netuid = ? AND uid = ?", arguments: [endpoint, netuid, uid])
        try Ledger.log(db, netuid: netuid, kind: "neuron.served", detail: "uid \(uid) \(endpoint)")
    }

    /// Removes the neuron at `uid` with its weights, its bonds and its state in the subnet's
    /// key-value store (the rows under ``Ledger/minerStatePrefix``): a registration replaced
    /// it, and the hotkey that takes the UID starts clean.
    public func removeNeuron(netuid: Int, uid: Int) throws {
        if let hotkey = try String.fetchOne(
            db, sql: "SELECT hotkey FROM neurons WHERE netuid = ? AND uid = ?", arguments: [netuid, uid])
        {
            let prefix = Ledger.minerStatePrefix + hotkey + "/"
            try db.execute(
                sql: "DELETE FROM weight_commits WHERE netuid = ? AND hotkey = ?", arguments: [netuid, hotkey])
            try db.execute(
                sql: "DELETE FROM kv WHERE netuid = ? AND key >= ? AND key < ?",
                arguments: [netuid, prefix, Ledger.end(ofPrefix: prefix)])
        }
        for table in ["neurons", "weight_rows", "bond_rows"] {
            try db.execute(sql: "DELETE FROM \(table) WHERE netuid = ? AND uid = ?", arguments: [netuid, uid])
        }
        try Ledger.log(db, netuid: netuid, kind: "neuron.replaced", detail: "uid \(uid)")
    }

    /// Stores a UID's weight row (sorted by target, already in the stored scale) and marks
    /// it updated at `block`.
    public func storeWeights(netuid: Int, uid: Int, _ entries: [SparseEntry], block: UInt64) throws {
        try db.execute(
            sql: "INSERT OR REPLACE INTO weight_rows (netuid, uid, entries) VALUES (?, ?, ?)",
            arguments: [netuid, uid, PackedRow.pack(entries)])
        try db.execute(
            sql: "UPDATE neurons SET last_update = ? WHERE netuid = ? AND uid = ?",
            arguments: [Int64(block), netuid, uid])
    }

    /// Keeps a validator's weight commitment.
    public func insertCommit(netuid: Int, _ commit: WeightCommit) throws {
        try db.execute(
            sql: "INSERT INTO weight_commits (netuid, hotkey, hash, block, epoch) VALUES (?, ?, ?, ?, ?)",
            arguments: [netuid, commit.hotkey, Data(commit.hash), Int64(commit.block), commit.epoch])
    }

    /// A hotkey's commitments not yet revealed, oldest first.
    public func commits(netuid: Int, hotkey: String) throws -> [WeightCommit] {
        try Ledger.commits(db, netuid: netuid, hotkey: hotkey)
    }

    /// Forgets one commitment (revealed, or expired).
    public func deleteCommit(netuid: Int, hotkey: String, hash: [UInt8]) throws {
        try db.execute(
            sql: "DELETE FROM weight_commits WHERE netuid = ? AND hotkey = ? AND hash = ?",
            arguments: [netuid, hotkey, Data(hash)])
    }

    /// Forgets every commitment made in an epoch before `epoch` (they can no longer be revealed).
    public func deleteCommits(netuid: Int, madeBefore epoch: Int) throws {
        try db.execute(sql: "DELETE FROM weight_commits WHERE netuid = ? AND epoch < ?", arguments: [netuid, epoch])
    }

    /// The subnet's weight rows, one per UID (empty for a UID that has set none); entries
    /// for UIDs past the end are dropped.
    public func weightRows(netuid: Int, count: Int) throws -> [[SparseEntry]] {
        try Ledger.sparseRows(db, table: "weight_rows", netuid: netuid, count: count)
    }

    /// The subnet's bond rows, one per UID.
    public func bondRows(netuid: Int, count: Int) throws -> [[SparseEntry]] {
        try Ledger.sparseRows(db, table: "bond_rows", netuid: netuid, count: count)
    }

    /// Records a settled epoch: each neuron's emission and permit and each changed bond row,
    /// every credit and the owner's cut paid to balances, the epoch's input and output, the
    /// subnet's last epoch block. Only what changed is written.
    public func recordEpoch(netuid: Int, block: UInt64, _ settled: Settlement) throws -> EpochRecord {
        let changesBefore = db.totalChangesCount
        let subnet = try Ledger.subnet(db, netuid)
        let neurons = try Row.fetchAll(
            db, sql: "SELECT hotkey, emission, validator_permit FROM neurons WHERE netuid = ? ORDER BY uid",
            arguments: [netuid])
        guard neurons.count == settled.credits.count else {
            throw LedgerError(
                .conflict,
                "subnet \(netuid) has \(neurons.count) UIDs but the epoch settled \(settled.credits.count); settle again"
            )
        }
        let output = settled.output
        let updateNeuron = try db.cachedStatement(
            sql: "UPDATE neurons SET emission = ?, validator_permit = ? WHERE netuid = ? AND uid = ?")
        for (uid, neuron) in neurons.enumerated() {
            if settled.credits[uid] > 0 { try Ledger.credit(db, neuron["hotkey"], settled.credits[uid]) }
            let emission = Int64(output.emission[uid])
            let permit = output.validatorPermit[uid]
            if neuron["emission"] != emission || neuron["validator_permit"] != permit {
                try updateNeuron.execute(arguments: [emission, permit, netuid, uid])
            }
            if output.bonds[uid] != settled.input.bonds[uid] {
                try Ledger.storeRow(db, table: "bond_rows", netuid: netuid, uid: uid, output.bonds[uid])
            }
        }
        if settled.ownerCut > 0 { try Ledger.credit(db, subnet.owner, settled.ownerCut) }
        try db.execute(
            sql: """
                INSERT INTO epochs (netuid, block, input, output, emission, owner_cut, credited, dust)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                """,
            arguments: [
                netuid, Int64(block), EpochJSON.json(settled.input), EpochJSON.output(output),
                Int64(settled.emission), Int64(settled.ownerCut), Int64(settled.credited), Int64(settled.dust),
            ])
        try db.execute(
            sql: "UPDATE subnets SET last_epoch_block = ?, epoch_count = epoch_count + 1 WHERE netuid = ?",
            arguments: [Int64(block), netuid])
        try Ledger.log(
            db, netuid: netuid, kind: "epoch",
            detail: "block \(block) emission \(settled.emission) dust \(settled.dust)")
        return EpochRecord(
            netuid: netuid, block: block, emission: settled.emission, ownerCut: settled.ownerCut,
            credited: settled.credited, dust: settled.dust, rowsWritten: db.totalChangesCount - changesBefore,
            output: output)
    }
}

extension Ledger {
    /// Runs `body` in one write transaction: everything it stores commits together, or
    /// nothing does when it throws.
    public func write<T>(_ body: (borrowing LedgerWriter) throws -> T) throws -> T {
        try pool.write { db in try body(LedgerWriter(db: db)) }
    }
}
