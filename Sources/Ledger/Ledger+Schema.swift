import Consensus
import Foundation
import GRDB

extension Ledger {
    /// The schema, one migration per shipped change: never edit a migration after it ships.
    static let migrator: DatabaseMigrator = {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1-initial") { db in
            try db.execute(
                sql: """
                    CREATE TABLE subnets (
                      netuid INTEGER PRIMARY KEY, name TEXT NOT NULL, plugin TEXT, owner TEXT NOT NULL,
                      tempo INTEGER NOT NULL, max_allowed_uids INTEGER NOT NULL, immunity_period INTEGER NOT NULL,
                      min_allowed_weights INTEGER NOT NULL, weights_rate_limit INTEGER NOT NULL,
                      owner_cut_ppm INTEGER NOT NULL, hyperparameters TEXT NOT NULL, last_epoch_block INTEGER NOT NULL);
                    CREATE TABLE neurons (
                      netuid INTEGER NOT NULL REFERENCES subnets(netuid), uid INTEGER NOT NULL,
                      hotkey TEXT NOT NULL, coldkey TEXT NOT NULL, registered_at INTEGER NOT NULL,
                      last_update INTEGER NOT NULL, stake INTEGER NOT NULL CHECK (stake >= 0),
                      endpoint TEXT, validator_permit INTEGER NOT NULL, emission INTEGER NOT NULL,
                      PRIMARY KEY (netuid, uid), UNIQUE (netuid, hotkey));
                    CREATE TABLE weights (
                      netuid INTEGER NOT NULL, uid INTEGER NOT NULL, target INTEGER NOT NULL,
                      value INTEGER NOT NULL CHECK (value BETWEEN 0 AND 65535), PRIMARY KEY (netuid, uid, target));
                    CREATE TABLE bonds (
                      netuid INTEGER NOT NULL, uid INTEGER NOT NULL, target INTEGER NOT NULL,
                      value INTEGER NOT NULL CHECK (value BETWEEN 0 AND 65535), PRIMARY KEY (netuid, uid, target));
                    CREATE TABLE epochs (
                      netuid INTEGER NOT NULL, block INTEGER NOT NULL, input TEXT NOT NULL, output TEXT NOT NULL,
                      emission INTEGER NOT NULL, owner_cut INTEGER NOT NULL, credited INTEGER NOT NULL,
                      dust INTEGER NOT NULL CHECK (dust >= 0), PRIMARY KEY (netuid, block));
                    CREATE TABLE balances (hotkey TEXT PRIMARY KEY, rao INTEGER NOT NULL CHECK (rao >= 0));
                    CREATE TABLE plugin_versions (
                      id INTEGER PRIMARY KEY AUTOINCREMENT, netuid INTEGER NOT NULL, sha256 TEXT NOT NULL,
                      recorded_at REAL NOT NULL, outcome TEXT NOT NULL, message TEXT NOT NULL);
                    CREATE TABLE kv (
                      netuid INTEGER NOT NULL, key TEXT NOT NULL, value BLOB NOT NULL, PRIMARY KEY (netuid, key));
                    CREATE TABLE events (
                      id INTEGER PRIMARY KEY AUTOINCREMENT, at REAL NOT NULL, netuid INTEGER NOT NULL,
                      kind TEXT NOT NULL, detail TEXT NOT NULL);
                    """)
        }
        migrator.registerMigration("v2-min-non-immune-uids") { db in
            try db.execute(sql: "ALTER TABLE subnets ADD COLUMN min_non_immune_uids INTEGER NOT NULL DEFAULT 10")
        }
        migrator.registerMigration("v3-packed-sparse-rows") { db in
            // Weights and bonds move from one row per entry to one packed row per UID.
            for (old, new) in [("weights", "weight_rows"), ("bonds", "bond_rows")] {
                try db.execute(
                    sql: """
                        CREATE TABLE \(new) (
                          netuid INTEGER NOT NULL, uid INTEGER NOT NULL,
                          entries BLOB NOT NULL CHECK (length(entries) % 4 = 0), PRIMARY KEY (netuid, uid))
                        """)
                var rows: [[Int]: [SparseEntry]] = [:]
                for row in try Row.fetchAll(
                    db, sql: "SELECT netuid, uid, target, value FROM \(old) ORDER BY netuid, uid, target")
                {
                    rows[[row["netuid"], row["uid"]], default: []].append(
                        SparseEntry(uid: row["target"], value: UInt16(row["value"] as Int)))
                }
                let insert = try db.makeStatement(sql: "INSERT INTO \(new) (netuid, uid, entries) VALUES (?, ?, ?)")
                for (key, entries) in rows { try insert.execute(arguments: [key[0], key[1], PackedRow.pack(entries)]) }
                try db.execute(sql: "DROP TABLE \(old)")
            }
        }
        migrator.registerMigration("v4-weights-version") { db in
            try db.execute(sql: "ALTER TABLE subnets ADD COLUMN weights_version INTEGER NOT NULL DEFAULT 0")
        }
        migrator.registerMigration("v5-commit-reveal-and-rounds") { db in
            try db.execute(
                sql: """
                    ALTER TABLE subnets ADD COLUMN commit_reveal INTEGER NOT NULL DEFAULT 0;
                    ALTER TABLE subnets ADD COLUMN commit_reveal_period INTEGER NOT NULL DEFAULT 1;
                    ALTER TABLE subnets ADD COLUMN epoch_count INTEGER NOT NULL DEFAULT 0;
                    UPDATE subnets SET epoch_count = (SELECT COUNT(*) FROM epochs WHERE epochs.netuid = subnets.netuid);
                    CREATE TABLE weight_commits (
                      netuid INTEGER NOT NULL, hotkey TEXT NOT NULL, hash BLOB NOT NULL CHECK (length(hash) = 32),
                      block INTEGER NOT NULL, epoch INTEGER NOT NULL, PRIMARY KEY (netuid, hotkey, hash));
                    CREATE TABLE rounds (
                      id INTEGER PRIMARY KEY AUTOINCREMENT, netuid INTEGER NOT NULL, validator TEXT NOT NULL,
                      block INTEGER NOT NULL, plugin TEXT NOT NULL, task_digest TEXT NOT NULL,
                      outcome TEXT NOT NULL, miners TEXT NOT NULL);
                    CREATE INDEX rounds_by_subnet ON rounds (netuid, block);
                    """)
        }
        migrator.registerMigration("v6-plugin-releases") { db in
            try db.execute(
                sql: """
                    CREATE TABLE plugin_releases (
                      netuid INTEGER NOT NULL, at_block INTEGER NOT NULL, sha256 TEXT NOT NULL,
                      source BLOB NOT NULL, owner TEXT NOT NULL, scheme TEXT NOT NULL, nonce INTEGER NOT NULL,
                      signature BLOB NOT NULL CHECK (length(signature) = 64), published_block INTEGER NOT NULL,
                      PRIMARY KEY (netuid, at_block));
                    CREATE TABLE validator_versions (
                      netuid INTEGER NOT NULL, hotkey TEXT NOT NULL, sha256 TEXT NOT NULL, block INTEGER NOT NULL,
                      refused TEXT NOT NULL DEFAULT '', refused_message TEXT NOT NULL DEFAULT '',
                      PRIMARY KEY (netuid, hotkey));
                    """)
        }
        migrator.registerMigration("v7-costs") { db in
            // One row per subnet and epoch: what its plugin and its miners' answers cost the
            // host since the epoch before (CostRecord's hooks and answers, as JSON).
            try db.execute(
                sql: """
                    CREATE TABLE costs (
                      netuid INTEGER NOT NULL, block INTEGER NOT NULL, hooks TEXT NOT NULL, answers TEXT NOT NULL,
                      watts_per_core REAL NOT NULL, PRIMARY KEY (netuid, block));
                    """)
        }
        return migrator
    }()

    struct Subnet {
        var netuid: Int
        var owner: String
        var tempo: Int
        var maxAllowedUIDs: Int
        var immunityPeriod: Int
        var minNonImmuneUIDs: Int
        var minAllowedWeights: Int
        var weightsRateLimit: Int
        var weightsVersion: UInt64
        var commitReveal: Bool
        var commitRevealPeriod: Int
        var ownerCutPerMillion: Int
        var parameters: EpochParameters
        var lastEpochBlock: UInt64
        /// Epochs settled (kept with the subnet: a metagraph read does not count them).
        var epochs: Int
    }

    static func subnet(_ db: Database, _ netuid: Int) throws -> Subnet {
        guard let row = try Row.fetchOne(db, sql: "SELECT * FROM subnets WHERE netuid = ?", arguments: [netuid]) else {
            throw LedgerError(.notFound, "subnet \(netuid) does not exist; create it first")
        }
        return Subnet(
            netuid: netuid, owner: row["owner"], tempo: row["tempo"], maxAllowedUIDs: row["max_allowed_uids"],
            immunityPeriod: row["immunity_period"], minNonImmuneUIDs: row["min_non_immune_uids"],
            minAllowedWeights: row["min_allowed_weights"],
            weightsRateLimit: row["weights_rate_limit"],
            weightsVersion: UInt64(row["weights_version"] as Int64), commitReveal: row["commit_reveal"],
            commitRevealPeriod: row["commit_reveal_period"], ownerCutPerMillion: row["owner_cut_ppm"],
            parameters: try decode(row["hyperparameters"]), lastEpochBlock: UInt64(row["last_epoch_block"] as Int64),
            epochs: row["epoch_count"])
    }

    static func uid(_ db: Database, _ netuid: Int, _ hotkey: String) throws -> Int {
        guard
            let uid = try Int.fetchOne(
                db, sql: "SELECT uid FROM neurons WHERE netuid = ? AND hotkey = ?", arguments: [netuid, hotkey])
        else { throw LedgerError(.notFound, "hotkey \(hotkey) is not registered on subnet \(netuid)") }
        return uid
    }

    static func stake(_ db: Database, _ netuid: Int, _ uid: Int) throws -> Int64 {
        try Int64.fetchOne(db, sql: "SELECT stake FROM neurons WHERE netuid = ? AND uid = ?", arguments: [netuid, uid])
            ?? 0
    }

    static func credit(_ db: Database, _ hotkey: String, _ amount: UInt64) throws {
        try db.execute(
            sql:
                "INSERT INTO balances (hotkey, rao) VALUES (?, ?) ON CONFLICT(hotkey) DO UPDATE SET rao = rao + excluded.rao",
            arguments: [hotkey, Int64(amount)])
    }

    static func log(_ db: Database, netuid: Int, kind: String, detail: String) throws {
        try db.execute(
            sql: "INSERT INTO events (at, netuid, kind, detail) VALUES (?, ?, ?, ?)",
            arguments: [Date().timeIntervalSince1970, netuid, kind, detail])
    }

    /// The packed rows of `weight_rows` or `bond_rows` for one subnet, one per UID.
    static func sparseRows(_ db: Database, table: String, netuid: Int, count n: Int) throws -> [[SparseEntry]] {
        var rows = [[SparseEntry]](repeating: [], count: n)
        for row in try Row.fetchAll(db, sql: "SELECT uid, entries FROM \(table) WHERE netuid = ?", arguments: [netuid])
        {
            let uid: Int = row["uid"]
            guard let entries = PackedRow.unpack(row["entries"]) else {
                throw LedgerError(
                    .invalid, "\(table) of uid \(uid) on subnet \(netuid) is corrupt (length not a multiple of 4)")
            }
            if uid < n { rows[uid] = entries.filter { $0.uid < n } }
        }
        return rows
    }

    /// Stores (or, when empty, removes) one UID's packed row.
    static func storeRow(_ db: Database, table: String, netuid: Int, uid: Int, _ entries: [SparseEntry]) throws {
        if entries.isEmpty {
            try db.execute(sql: "DELETE FROM \(table) WHERE netuid = ? AND uid = ?", arguments: [netuid, uid])
        } else {
            try db.cachedStatement(
                sql: "INSERT OR REPLACE INTO \(table) (netuid, uid, entries) VALUES (?, ?, ?)"
            ).execute(arguments: [netuid, uid, PackedRow.pack(entries)])
        }
    }

    static func encode(_ p: EpochParameters) -> String { EpochJSON.json(p) }

    static func decode(_ text: String) throws -> EpochParameters {
        // The same parser as epoch inputs, wrapped in a minimal input.
        let wrapped = #"{"current_block":0,"emission":0,"stake":[],"weights":[],"params":"# + text + "}"
        return try EpochJSON.input(from: Data(wrapped.utf8)).parameters
    }
}
