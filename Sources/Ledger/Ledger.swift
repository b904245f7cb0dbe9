import Consensus
public import Foundation
import GRDB

/// Where Synod's state lives: subnets, neurons, stakes, weights, bonds, every epoch's input
/// and output, balances, plugin versions, plugin key-value state and an event log, in one
/// SQLite file (GRDB, WAL mode: one writer, readers never block it).
///
/// Every operation is one transaction. An epoch reads the subnet, computes Yuma consensus,
/// writes the results and credits balances atomically: a process killed at any instant
/// leaves the file before or after the epoch, never between.
///
/// ```swift
/// let ledger = try Ledger(path: "synod.sqlite")
/// try ledger.createSubnet(netuid: 1, name: "echo-sum", owner: "5F…")
/// let uid = try ledger.register(netuid: 1, hotkey: "5G…", coldkey: "5H…", block: 10)
/// let record = try ledger.runEpoch(netuid: 1, block: 360, emission: 1_000_000_000)
/// ```
public final class Ledger: Sendable {
    let pool: DatabasePool

    /// Opens (creating if needed) the ledger at `path` and applies pending migrations.
    public init(path: String) throws {
        var configuration = Configuration()
        configuration.busyMode = .timeout(10)
        pool = try DatabasePool(path: path, configuration: configuration)
        try Self.migrator.migrate(pool)
    }

    // MARK: - Subnets

    /// Creates a subnet, served by the plugin file `plugin` when one is given. Refuses a
    /// netuid that exists. One transaction: a process killed during it leaves no subnet
    /// without its plugin.
    public func createSubnet(
        netuid: Int, name: String, owner: String, config: SubnetConfig = SubnetConfig(), plugin: String? = nil
    ) throws {
        if let problem = config.problem { throw LedgerError(.invalid, "subnet \(netuid): \(problem)") }
        guard (0...65535).contains(netuid) else {
            throw LedgerError(.invalid, "netuid must be from 0 to 65535 (got \(netuid))")
        }
        try pool.write { db in
            if try Int.fetchOne(db, sql: "SELECT 1 FROM subnets WHERE netuid = ?", arguments: [netuid]) != nil {
                throw LedgerError(.conflict, "subnet \(netuid) already exists")
            }
            try db.execute(
                sql: """
                    INSERT INTO subnets (netuid, name, owner, tempo, max_allowed_uids, immunity_period,
                      min_allowed_weights, weights_rate_limit, owner_cut_ppm, hyperparameters, last_epoch_block,
                      min_non_immune_uids, plugin)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, ?, ?)
                    """,
                arguments: [
                    netuid, name, owner, config.tempo, config.maxAllowedUIDs, config.immunityPeriod,
                    config.minAllowedWeights, config.weightsRateLimit, config.ownerCutPerMillion,
                    Self.encode(config.parameters), config.minNonImmuneUIDs, plugin,
                ])
            try Self.log(db, netuid: netuid, kind: "subnet.created", detail: name)
            if let plugin { try Self.log(db, netuid: netuid, kind: "subnet.plugin", detail: plugin) }
        }
    }

    // MARK: - Neurons

    /// Registers `hotkey` on the subnet and returns its UID: appended while the subnet has
    /// room, otherwise replacing the non-immune UID with the lowest emission (ties: earliest
    /// registration, then lowest UID) while more than `minNonImmuneUIDs` are non-immune, and
    /// the lowest-emission immune UID otherwise (see ``SubnetConfig/minNonImmuneUIDs``).
    ///
    /// `stake` and `validatorPermit` give the new neuron its starting stake and permit in
    /// the same transaction (a host bootstrapping its own validators), so a process killed
    /// during registration never leaves a validator without its permit.
    @discardableResult
    public func register(
        netuid: Int, hotkey: String, coldkey: String, block: UInt64, stake: UInt64 = 0, validatorPermit: Bool = false
    ) throws -> Int {
        guard stake <= UInt64(Int64.max) else {
            throw LedgerError(.refused, "stake of \(hotkey) would exceed 2^63 - 1")
        }
        return try pool.write { db in
            let subnet = try Self.subnet(db, netuid)
            if let uid = try Int.fetchOne(
                db, sql: "SELECT uid FROM neurons WHERE netuid = ? AND hotkey = ?", arguments: [netuid, hotkey])
            {
                throw LedgerError(.conflict, "hotkey \(hotkey) is already registered on subnet \(netuid) as uid \(uid)")
            }
            let count =
                try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM neurons WHERE netuid = ?", arguments: [netuid]) ?? 0
            var uid = count
            if count >= subnet.maxAllowedUIDs {
                guard let victim = try Self.uidToReplace(db, subnet: subnet, block: block) else {
                    throw LedgerError(
                        .refused,
                        "subnet \(netuid) is full (\(count) UIDs) and no UID can be replaced: only "
                            + "\(subnet.minNonImmuneUIDs) or fewer are past their immunity period "
                            + "(\(subnet.immunityPeriod) blocks) and none is immune; raise max_allowed_uids")
                }
                uid = victim
                try db.execute(sql: "DELETE FROM neurons WHERE netuid = ? AND uid = ?", arguments: [netuid, uid])
                try db.execute(sql: "DELETE FROM weight_rows WHERE netuid = ? AND uid = ?", arguments: [netuid, uid])
                try db.execute(sql: "DELETE FROM bond_rows WHERE netuid = ? AND uid = ?", arguments: [netuid, uid])
                try Self.log(db, netuid: netuid, kind: "neuron.replaced", detail: "uid \(uid)")
            }
            try db.execute(
                sql: """
                    INSERT INTO neurons (netuid, uid, hotkey, coldkey, registered_at, last_update, stake, emission,
                      validator_permit) VALUES (?, ?, ?, ?, ?, ?, ?, 0, ?)
                    """,
                arguments: [netuid, uid, hotkey, coldkey, Int64(block), Int64(block), Int64(stake), validatorPermit])
            try Self.log(db, netuid: netuid, kind: "neuron.registered", detail: "uid \(uid) hotkey \(hotkey)")
            if stake > 0 { try Self.log(db, netuid: netuid, kind: "stake.added", detail: "uid \(uid) +\(stake)") }
            return uid
        }
    }

    /// The UID a registration into a full subnet replaces, by the chain's rule: the
    /// non-immune UID with the lowest emission (ties: earliest registration, then lowest
    /// UID), unless only `minNonImmuneUIDs` or fewer are non-immune; then the immune UID
    /// chosen the same way. A UID is immune while `block − registered_at < immunity_period`.
    static func uidToReplace(_ db: Database, subnet: Subnet, block: UInt64) throws -> Int? {
        let lastNonImmune = Int64(block) - Int64(subnet.immunityPeriod)
        let nonImmune =
            try Int.fetchOne(
                db, sql: "SELECT COUNT(*) FROM neurons WHERE netuid = ? AND registered_at <= ?",
                arguments: [subnet.netuid, lastNonImmune]) ?? 0
        let condition = nonImmune > subnet.minNonImmuneUIDs ? "registered_at <= ?" : "registered_at > ?"
        return try Int.fetchOne(
            db,
            sql: """
                SELECT uid FROM neurons WHERE netuid = ? AND \(condition)
                ORDER BY emission ASC, registered_at ASC, uid ASC LIMIT 1
                """,
            arguments: [subnet.netuid, lastNonImmune])
    }

    /// Adds `amount` raw units of stake to a registered hotkey.
    public func addStake(netuid: Int, hotkey: String, amount: UInt64) throws {
        try pool.write { db in
            let uid = try Self.uid(db, netuid, hotkey)
            let stake = try Self.stake(db, netuid, uid)
            let (sum, overflow) = stake.addingReportingOverflow(Int64(clamping: amount))
            if overflow || amount > UInt64(Int64.max) {
                throw LedgerError(.refused, "stake of \(hotkey) would exceed 2^63 - 1")
            }
            try db.execute(
                sql: "UPDATE neurons SET stake = ? WHERE netuid = ? AND uid = ?", arguments: [sum, netuid, uid])
            try Self.log(db, netuid: netuid, kind: "stake.added", detail: "uid \(uid) +\(amount)")
        }
    }

    /// Removes `amount` raw units of stake; refuses more than the hotkey has.
    public func removeStake(netuid: Int, hotkey: String, amount: UInt64) throws {
        try pool.write { db in
            let uid = try Self.uid(db, netuid, hotkey)
            let stake = try Self.stake(db, netuid, uid)
            guard amount <= UInt64(stake) else {
                throw LedgerError(.refused, "\(hotkey) has \(stake) staked; cannot remove \(amount)")
            }
            try db.execute(
                sql: "UPDATE neurons SET stake = stake - ? WHERE netuid = ? AND uid = ?",
                arguments: [Int64(amount), netuid, uid])
            try Self.log(db, netuid: netuid, kind: "stake.removed", detail: "uid \(uid) -\(amount)")
        }
    }

    /// Sets the weights of validator `hotkey`, with the chain's checks: equal lengths, a
    /// registered hotkey holding a validator permit, valid and distinct UIDs, at least the
    /// minimum count, and the rate limit. Stored max-upscaled to u16 (rounded).
    public func setWeights(netuid: Int, hotkey: String, uids: [Int], values: [UInt16], block: UInt64) throws {
        try pool.write { db in
            let subnet = try Self.subnet(db, netuid)
            guard uids.count == values.count else {
                throw LedgerError(
                    .invalid, "uids has \(uids.count) entries but values has \(values.count); pass one value per uid")
            }
            let uid = try Self.uid(db, netuid, hotkey)
            guard
                let row = try Row.fetchOne(
                    db, sql: "SELECT validator_permit, last_update FROM neurons WHERE netuid = ? AND uid = ?",
                    arguments: [netuid, uid])
            else { throw LedgerError(.notFound, "uid \(uid) vanished") }
            let permitted: Bool = row["validator_permit"]
            guard permitted else {
                throw LedgerError(.refused, "\(hotkey) (uid \(uid)) has no validator permit on subnet \(netuid)")
            }
            let count =
                try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM neurons WHERE netuid = ?", arguments: [netuid]) ?? 0
            var seen = Set<Int>()
            for (k, target) in uids.enumerated() {
                guard target >= 0, target < count else {
                    throw LedgerError(
                        .invalid, "uids[\(k)]: uid \(target) is not registered on subnet \(netuid) (0..<\(count))")
                }
                guard seen.insert(target).inserted else {
                    throw LedgerError(.invalid, "uids[\(k)]: uid \(target) appears twice")
                }
            }
            guard uids.count >= subnet.minAllowedWeights else {
                throw LedgerError(
                    .invalid, "at least \(subnet.minAllowedWeights) weights are required, got \(uids.count)")
            }
            let lastUpdate: Int64 = row["last_update"]
            let hasSetBefore =
                try Int.fetchOne(
                    db, sql: "SELECT 1 FROM weight_rows WHERE netuid = ? AND uid = ?", arguments: [netuid, uid])
                != nil
            if hasSetBefore, Int64(block) - lastUpdate < Int64(subnet.weightsRateLimit) {
                throw LedgerError(
                    .refused,
                    "weights of uid \(uid) were set at block \(lastUpdate); wait until block \(lastUpdate + Int64(subnet.weightsRateLimit)) (rate limit \(subnet.weightsRateLimit) blocks)"
                )
            }
            let stored = Yuma.maxUpscaleToU16(values)
            // Kept sorted by target, as the epoch reads rows.
            let entries = zip(uids, stored).map { SparseEntry(uid: $0, value: $1) }.sorted { $0.uid < $1.uid }
            try db.execute(
                sql: "INSERT OR REPLACE INTO weight_rows (netuid, uid, entries) VALUES (?, ?, ?)",
                arguments: [netuid, uid, PackedRow.pack(entries)])
            try db.execute(
                sql: "UPDATE neurons SET last_update = ? WHERE netuid = ? AND uid = ?",
                arguments: [Int64(block), netuid, uid])
        }
    }

    /// Gives validator permits directly (for a subnet's first epoch, before any has run).
    public func setValidatorPermit(netuid: Int, uid: Int, _ permit: Bool) throws {
        try pool.write { db in
            try db.execute(
                sql: "UPDATE neurons SET validator_permit = ? WHERE netuid = ? AND uid = ?",
                arguments: [permit, netuid, uid])
        }
    }

    // MARK: - Epochs

    /// Runs one epoch in one transaction: Yuma consensus over the stored state, results
    /// written, the owner's cut and every UID's emission credited. The amounts credited
    /// plus the recorded rounding dust always equal `emission`.
    @discardableResult
    public func runEpoch(netuid: Int, block: UInt64, emission: UInt64) throws -> EpochRecord {
        try pool.write { db in
            let changesBefore = db.totalChangesCount
            let subnet = try Self.subnet(db, netuid)
            let input = try Self.epochInput(db, subnet: subnet, block: block, emission: emission)
            let ownerCut = UInt64((UInt128(emission) * UInt128(subnet.ownerCutPerMillion)) / 1_000_000)
            var yumaInput = input
            yumaInput.emission = emission - ownerCut
            let output = try Yuma.epoch(yumaInput)
            let neurons = try Row.fetchAll(
                db, sql: "SELECT hotkey, emission, validator_permit FROM neurons WHERE netuid = ? ORDER BY uid",
                arguments: [netuid])

            // Only what changed is written: a neuron whose emission and permit stay, or a
            // bond row that stays, costs nothing.
            let updateNeuron = try db.cachedStatement(
                sql: "UPDATE neurons SET emission = ?, validator_permit = ? WHERE netuid = ? AND uid = ?")
            var credited: UInt64 = 0
            for (uid, neuron) in neurons.enumerated() {
                let amount = output.serverEmission[uid] + output.validatorEmission[uid]
                credited += amount
                if amount > 0 { try Self.credit(db, neuron["hotkey"], amount) }
                let emission = Int64(output.emission[uid])
                let permit = output.validatorPermit[uid]
                if neuron["emission"] != emission || neuron["validator_permit"] != permit {
                    try updateNeuron.execute(arguments: [emission, permit, netuid, uid])
                }
                if output.bonds[uid] != input.bonds[uid] {
                    try Self.storeRow(db, table: "bond_rows", netuid: netuid, uid: uid, output.bonds[uid])
                }
            }
            if ownerCut > 0 { try Self.credit(db, subnet.owner, ownerCut) }
            let dust = emission - ownerCut - credited
            try db.execute(
                sql: """
                    INSERT INTO epochs (netuid, block, input, output, emission, owner_cut, credited, dust)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    netuid, Int64(block), EpochJSON.json(yumaInput), EpochJSON.output(output), Int64(emission),
                    Int64(ownerCut), Int64(credited), Int64(dust),
                ])
            try db.execute(
                sql: "UPDATE subnets SET last_epoch_block = ? WHERE netuid = ?", arguments: [Int64(block), netuid])
            try Self.log(db, netuid: netuid, kind: "epoch", detail: "block \(block) emission \(emission) dust \(dust)")
            return EpochRecord(
                netuid: netuid, block: block, emission: emission, ownerCut: ownerCut, credited: credited, dust: dust,
                rowsWritten: db.totalChangesCount - changesBefore, output: output)
        }
    }

    // MARK: - Reading

    /// The rao credited to `hotkey` so far.
    public func balance(of hotkey: String) throws -> UInt64 {
        try pool.read { db in
            UInt64(try Int64.fetchOne(db, sql: "SELECT rao FROM balances WHERE hotkey = ?", arguments: [hotkey]) ?? 0)
        }
    }

    /// Totals over every recorded epoch and every balance, for audits: what was emitted,
    /// what was credited (owner cuts included), the rounding dust, and the sum of balances.
    public func totals() throws -> LedgerTotals {
        try pool.read { db in
            let row = try Row.fetchOne(
                db,
                sql: """
                    SELECT COUNT(*) AS epochs, COALESCE(SUM(emission), 0) AS emitted,
                      COALESCE(SUM(owner_cut + credited), 0) AS credited, COALESCE(SUM(dust), 0) AS dust FROM epochs
                    """)!
            let balances = try Int64.fetchOne(db, sql: "SELECT COALESCE(SUM(rao), 0) FROM balances") ?? 0
            return LedgerTotals(
                epochs: row["epochs"], emitted: UInt64(row["emitted"] as Int64),
                credited: UInt64(row["credited"] as Int64), dust: UInt64(row["dust"] as Int64),
                balances: UInt64(balances))
        }
    }

    /// Bytes of the newest epoch record's input and output JSON on the subnet (0 if none).
    public func lastEpochRecordSize(netuid: Int) throws -> Int {
        try pool.read { db in
            try Int.fetchOne(
                db,
                sql: "SELECT length(input) + length(output) FROM epochs WHERE netuid = ? ORDER BY block DESC LIMIT 1",
                arguments: [netuid]) ?? 0
        }
    }

    /// SQLite's `PRAGMA integrity_check` ("ok" when the file is sound).
    public func integrityCheck() throws -> String {
        try pool.read { db in try String.fetchOne(db, sql: "PRAGMA integrity_check") ?? "no answer" }
    }

    // MARK: - Plugin state

    /// Stores a value in the subnet's key-value store (plugin state that survives reloads).
    public func setValue(_ value: Data?, forKey key: String, netuid: Int) throws {
        try pool.write { db in try Self.writeValue(db, value, forKey: key, netuid: netuid) }
    }

    private static func writeValue(_ db: Database, _ value: Data?, forKey key: String, netuid: Int) throws {
        if let value {
            try db.execute(
                sql:
                    "INSERT INTO kv (netuid, key, value) VALUES (?, ?, ?) ON CONFLICT(netuid, key) DO UPDATE SET value = excluded.value",
                arguments: [netuid, key, value])
        } else {
            try db.execute(sql: "DELETE FROM kv WHERE netuid = ? AND key = ?", arguments: [netuid, key])
        }
    }

    /// Stores (or with `nil` removes) a value like ``setValue(_:forKey:netuid:)``, and in the
    /// same transaction asks `admit` whether the keys under `prefix` may grow to the count
    /// and bytes (key plus value) they would have after the write; `admit` throws to refuse,
    /// and nothing is written then.
    public func setValue(
        _ value: Data?, forKey key: String, netuid: Int, prefix: String,
        admit: (_ keys: Int, _ bytes: Int) throws -> Void
    ) throws {
        try pool.write { db in
            let totals = try Row.fetchOne(
                db,
                sql: """
                    SELECT COUNT(*) AS keys, COALESCE(SUM(length(key) + length(value)), 0) AS bytes
                    FROM kv WHERE netuid = ? AND key >= ? AND key < ?
                    """,
                arguments: [netuid, prefix, prefix + "\u{10FFFF}"])!
            let old = try Row.fetchOne(
                db, sql: "SELECT length(key) + length(value) AS bytes FROM kv WHERE netuid = ? AND key = ?",
                arguments: [netuid, key])
            let oldBytes: Int = old?["bytes"] ?? 0
            var keys: Int = totals["keys"]
            var bytes: Int = totals["bytes"]
            if let value {
                keys += old == nil ? 1 : 0
                bytes += key.utf8.count + value.count - oldBytes
                try admit(keys, bytes)
            }
            try Self.writeValue(db, value, forKey: key, netuid: netuid)
        }
    }

    /// Reads a value of the subnet's key-value store.
    public func value(forKey key: String, netuid: Int) throws -> Data? {
        try pool.read { db in
            try Data.fetchOne(db, sql: "SELECT value FROM kv WHERE netuid = ? AND key = ?", arguments: [netuid, key])
        }
    }

    /// Records a plugin version and what happened when it was loaded.
    public func recordPluginVersion(netuid: Int, sha256: String, outcome: String, message: String = "") throws {
        try pool.write { db in
            try db.execute(
                sql:
                    "INSERT INTO plugin_versions (netuid, sha256, recorded_at, outcome, message) VALUES (?, ?, ?, ?, ?)",
                arguments: [netuid, sha256, Date().timeIntervalSince1970, outcome, message])
        }
    }

    /// The event log, oldest first.
    public func events(netuid: Int) throws -> [(kind: String, detail: String)] {
        try pool.read { db in
            try Row.fetchAll(
                db, sql: "SELECT kind, detail FROM events WHERE netuid = ? ORDER BY id", arguments: [netuid]
            )
            .map { ($0["kind"], $0["detail"]) }
        }
    }
}
