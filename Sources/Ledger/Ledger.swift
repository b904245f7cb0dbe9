import Consensus
public import Foundation
import GRDB

/// Where Synod's state lives: subnets, neurons, stakes, weights, bonds, every epoch's input
/// and output, balances, plugin versions, plugin key-value state and an event log, in one
/// SQLite file (GRDB, WAL mode: one writer, readers never block it).
///
/// The ledger stores; it does not decide. The chain's rules (which UID a registration takes,
/// the weights rate limit, settlement) live in `SynodChain`, which composes the ledger's
/// storage steps into one transaction with ``write(_:)``: a process killed at any instant
/// leaves the file before or after the operation, never between.
///
/// ```swift
/// let ledger = try Ledger(path: "synod.sqlite")
/// try ledger.createSubnet(netuid: 1, name: "echo-sum", owner: "5F…")
/// let record = try ledger.write { tx in try tx.recordEpoch(netuid: 1, block: 360, settled) }
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

    /// Where a neuron's own rows of the key-value store live (`<prefix><hotkey>/<key>`: a
    /// plugin's `store.miner(hotkey)`); they are removed with the neuron.
    public static let minerStatePrefix = "plugin/miner/"

    // MARK: - Subnets

    /// Creates a subnet, served by the plugin file `plugin` when one is given. Refuses a
    /// netuid that exists. One transaction: a process killed during it leaves no subnet
    /// without its plugin.
    public func createSubnet(
        netuid: Int, name: String, owner: String, config: SubnetConfig = SubnetConfig(), plugin: String? = nil
    ) throws {
        try pool.write { db in
            try Self.insertSubnet(db, netuid: netuid, name: name, owner: owner, config: config, plugin: plugin)
        }
    }

    static func insertSubnet(
        _ db: Database, netuid: Int, name: String, owner: String, config: SubnetConfig, plugin: String?
    ) throws {
        if let problem = config.problem { throw LedgerError(.invalid, "subnet \(netuid): \(problem)") }
        guard (0...65535).contains(netuid) else {
            throw LedgerError(.invalid, "netuid must be from 0 to 65535 (got \(netuid))")
        }
        if try Int.fetchOne(db, sql: "SELECT 1 FROM subnets WHERE netuid = ?", arguments: [netuid]) != nil {
            throw LedgerError(.conflict, "subnet \(netuid) already exists")
        }
        try db.execute(
            sql: """
                INSERT INTO subnets (netuid, name, owner, tempo, max_allowed_uids, immunity_period,
                  min_allowed_weights, weights_rate_limit, owner_cut_ppm, hyperparameters, last_epoch_block,
                  min_non_immune_uids, plugin, weights_version, commit_reveal, commit_reveal_period)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, ?, ?, ?, ?, ?)
                """,
            arguments: [
                netuid, name, owner, config.tempo, config.maxAllowedUIDs, config.immunityPeriod,
                config.minAllowedWeights, config.weightsRateLimit, config.ownerCutPerMillion,
                Self.encode(config.parameters), config.minNonImmuneUIDs, plugin, Int64(config.weightsVersion),
                config.commitReveal, config.commitRevealPeriod,
            ])
        try Self.log(db, netuid: netuid, kind: "subnet.created", detail: name)
        if let plugin { try Self.log(db, netuid: netuid, kind: "subnet.plugin", detail: plugin) }
    }

    // MARK: - Neurons

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

    /// Gives validator permits directly (for a subnet's first epoch, before any has run).
    public func setValidatorPermit(netuid: Int, uid: Int, _ permit: Bool) throws {
        try pool.write { db in
            try db.execute(
                sql: "UPDATE neurons SET validator_permit = ? WHERE netuid = ? AND uid = ?",
                arguments: [permit, netuid, uid])
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
        try setValues([(key, value)], netuid: netuid, prefix: prefix, admit: admit)
    }

    /// Stores (or removes) several values in one transaction; `admit` is asked once, with the
    /// count and bytes under `prefix` after every write, and refuses them all by throwing.
    /// Removals alone are never refused.
    public func setValues(
        _ entries: [(key: String, value: Data?)], netuid: Int, prefix: String,
        admit: (_ keys: Int, _ bytes: Int) throws -> Void
    ) throws {
        try pool.write { db in
            for entry in entries { try Self.writeValue(db, entry.value, forKey: entry.key, netuid: netuid) }
            guard entries.contains(where: { $0.value != nil }) else { return }
            let totals = try Row.fetchOne(
                db,
                sql: """
                    SELECT COUNT(*) AS keys, COALESCE(SUM(length(key) + length(value)), 0) AS bytes
                    FROM kv WHERE netuid = ? AND key >= ? AND key < ?
                    """,
                arguments: [netuid, prefix, Self.end(ofPrefix: prefix)])!
            try admit(totals["keys"], totals["bytes"])
        }
    }

    /// The keys of the subnet's key-value store under `prefix`, in order, each with the bytes
    /// of its value (at most `limit`).
    public func keys(netuid: Int, prefix: String, limit: Int = 10_000) throws -> [(key: String, bytes: Int)] {
        try pool.read { db in
            try Row.fetchAll(
                db,
                sql:
                    "SELECT key, length(value) AS bytes FROM kv WHERE netuid = ? AND key >= ? AND key < ? ORDER BY key LIMIT ?",
                arguments: [netuid, prefix, Self.end(ofPrefix: prefix), limit]
            ).map { ($0["key"], $0["bytes"]) }
        }
    }

    /// A key above every key that starts with `prefix`: `key >= prefix AND key < end` selects
    /// the keys under a prefix with the primary key's index.
    static func end(ofPrefix prefix: String) -> String { prefix + "\u{10FFFF}" }

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
