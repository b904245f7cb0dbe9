import Foundation
import GRDB

extension Ledger {
    /// Every subnet, by netuid.
    public func subnets() throws -> [SubnetInfo] {
        try pool.read { db in
            try Int.fetchAll(db, sql: "SELECT netuid FROM subnets ORDER BY netuid").map { try Self.info(db, $0) }
        }
    }

    /// One subnet; refuses a netuid that does not exist.
    public func subnet(netuid: Int) throws -> SubnetInfo {
        try pool.read { db in try Self.info(db, netuid) }
    }

    /// The subnet's UIDs in order (its metagraph).
    public func neurons(netuid: Int) throws -> [NeuronInfo] {
        try pool.read { db in
            _ = try Self.subnet(db, netuid)
            return try Row.fetchAll(
                db, sql: Ledger.neuronSelect + " WHERE n.netuid = ? ORDER BY n.uid", arguments: [netuid]
            ).map(Self.neuron)
        }
    }

    /// The UID `hotkey` holds on the subnet, or nil: one indexed lookup (an axon asks this
    /// on every request).
    public func neuron(netuid: Int, hotkey: String) throws -> NeuronInfo? {
        try pool.read { db in
            try Row.fetchOne(
                db, sql: Ledger.neuronSelect + " WHERE n.netuid = ? AND n.hotkey = ?", arguments: [netuid, hotkey]
            ).map(Self.neuron)
        }
    }

    /// Every column of a neuron, and whether it has a weight row.
    static let neuronSelect = """
        SELECT n.*, EXISTS (SELECT 1 FROM weight_rows w WHERE w.netuid = n.netuid AND w.uid = n.uid) AS has_weights
        FROM neurons n
        """

    static func neuron(_ row: Row) -> NeuronInfo {
        NeuronInfo(
            uid: row["uid"], hotkey: row["hotkey"], coldkey: row["coldkey"],
            registeredAt: UInt64(row["registered_at"] as Int64), lastUpdate: UInt64(row["last_update"] as Int64),
            stake: UInt64(row["stake"] as Int64), endpoint: row["endpoint"],
            validatorPermit: row["validator_permit"], emission: UInt64(row["emission"] as Int64),
            hasWeights: row["has_weights"])
    }

    /// The local chain's head block as `synod up` last recorded it (0 before it ran).
    public func chainHead() throws -> UInt64 {
        try value(forKey: Self.chainHeadKey, netuid: 0).flatMap { UInt64(String(decoding: $0, as: UTF8.self)) } ?? 0
    }

    /// Records the local chain's head block.
    public func setChainHead(_ block: UInt64) throws {
        try setValue(Data(String(block).utf8), forKey: Self.chainHeadKey, netuid: 0)
    }

    /// Kept under netuid 0, which no plugin subnet uses.
    static let chainHeadKey = "chain.head"

    /// Records where a registered hotkey's axon answers (the chain checks the address).
    public func setEndpoint(netuid: Int, hotkey: String, endpoint: String) throws {
        try pool.write { db in
            let uid = try Self.uid(db, netuid, hotkey)
            try db.execute(
                sql: "UPDATE neurons SET endpoint = ? WHERE netuid = ? AND uid = ?",
                arguments: [endpoint, netuid, uid])
            try Self.log(db, netuid: netuid, kind: "neuron.served", detail: "uid \(uid) \(endpoint)")
        }
    }

    /// Every subnet's tempo and newest epoch block, in one read: what a chain checks each
    /// block to find the epochs due.
    public func epochSchedule() throws -> [(netuid: Int, tempo: Int, lastEpochBlock: UInt64)] {
        try pool.read { db in
            try Row.fetchAll(db, sql: "SELECT netuid, tempo, last_epoch_block FROM subnets ORDER BY netuid").map {
                ($0["netuid"], $0["tempo"], UInt64($0["last_epoch_block"] as Int64))
            }
        }
    }

    /// Attaches the plugin file that serves the subnet (or detaches it with `nil`).
    public func setPlugin(netuid: Int, plugin: String?) throws {
        try pool.write { db in
            _ = try Self.subnet(db, netuid)
            try db.execute(sql: "UPDATE subnets SET plugin = ? WHERE netuid = ?", arguments: [plugin, netuid])
            try Self.log(db, netuid: netuid, kind: "subnet.plugin", detail: plugin ?? "(none)")
        }
    }

    /// Replaces the subnet's settings (a plugin's new hyperparameters, say). Refuses settings
    /// ``SubnetConfig/problem`` names, and `maxAllowedUIDs` below the UIDs registered.
    public func updateConfig(netuid: Int, _ config: SubnetConfig) throws {
        if let problem = config.problem { throw LedgerError(.invalid, "subnet \(netuid): \(problem)") }
        try pool.write { db in
            _ = try Self.subnet(db, netuid)
            let count =
                try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM neurons WHERE netuid = ?", arguments: [netuid]) ?? 0
            guard config.maxAllowedUIDs >= count else {
                throw LedgerError(
                    .invalid,
                    "subnet \(netuid): max_allowed_uids \(config.maxAllowedUIDs) is below the \(count) UIDs registered")
            }
            try db.execute(
                sql: """
                    UPDATE subnets SET tempo = ?, max_allowed_uids = ?, immunity_period = ?, min_non_immune_uids = ?,
                      min_allowed_weights = ?, weights_rate_limit = ?, owner_cut_ppm = ?, hyperparameters = ?,
                      weights_version = ?, commit_reveal = ?, commit_reveal_period = ?
                    WHERE netuid = ?
                    """,
                arguments: [
                    config.tempo, config.maxAllowedUIDs, config.immunityPeriod, config.minNonImmuneUIDs,
                    config.minAllowedWeights, config.weightsRateLimit, config.ownerCutPerMillion,
                    Self.encode(config.parameters), Int64(config.weightsVersion), config.commitReveal,
                    config.commitRevealPeriod, netuid,
                ])
            try Self.log(db, netuid: netuid, kind: "subnet.config", detail: Self.encode(config.parameters))
        }
    }

    /// Blocks of the subnet's recorded epochs, oldest first.
    public func epochBlocks(netuid: Int) throws -> [UInt64] {
        try pool.read { db in
            try Int64.fetchAll(db, sql: "SELECT block FROM epochs WHERE netuid = ? ORDER BY block", arguments: [netuid])
                .map { UInt64($0) }
        }
    }

    /// The recorded epoch at `block` (the newest when `block` is nil), or nil if none.
    public func epoch(netuid: Int, block: UInt64? = nil) throws -> EpochJSONRecord? {
        try pool.read { db in
            let row: Row?
            if let block {
                row = try Row.fetchOne(
                    db, sql: "SELECT * FROM epochs WHERE netuid = ? AND block = ?", arguments: [netuid, Int64(block)])
            } else {
                row = try Row.fetchOne(
                    db, sql: "SELECT * FROM epochs WHERE netuid = ? ORDER BY block DESC LIMIT 1", arguments: [netuid])
            }
            return row.map {
                EpochJSONRecord(
                    block: UInt64($0["block"] as Int64), input: $0["input"], output: $0["output"],
                    emission: UInt64($0["emission"] as Int64), ownerCut: UInt64($0["owner_cut"] as Int64),
                    credited: UInt64($0["credited"] as Int64), dust: UInt64($0["dust"] as Int64))
            }
        }
    }

    /// Every plugin version recorded for the subnet, oldest first: its digest, what
    /// happened when it was loaded (`loaded`, `reloaded`, `rejected`) and why.
    public func pluginVersions(netuid: Int) throws -> [(sha256: String, outcome: String, message: String)] {
        try pluginVersionRecords(netuid: netuid).map { ($0.sha256, $0.outcome, $0.message) }
    }

    /// ``pluginVersions(netuid:)`` with when each was recorded.
    public func pluginVersionRecords(netuid: Int) throws -> [PluginVersionRecord] {
        try pool.read { db in
            try Row.fetchAll(
                db,
                sql: "SELECT sha256, outcome, message, recorded_at FROM plugin_versions WHERE netuid = ? ORDER BY id",
                arguments: [netuid]
            ).map {
                PluginVersionRecord(
                    sha256: $0["sha256"], outcome: $0["outcome"], message: $0["message"],
                    recordedAt: Date(timeIntervalSince1970: $0["recorded_at"]))
            }
        }
    }

    /// Rao the subnet's recorded epochs emitted, and how many there are.
    public func emitted(netuid: Int) throws -> (epochs: Int, rao: UInt64) {
        try pool.read { db in
            let row = try Row.fetchOne(
                db, sql: "SELECT COUNT(*) AS n, COALESCE(SUM(emission), 0) AS total FROM epochs WHERE netuid = ?",
                arguments: [netuid])
            return (row?["n"] ?? 0, UInt64(row?["total"] as Int64? ?? 0))
        }
    }

    static func info(_ db: Database, _ netuid: Int) throws -> SubnetInfo {
        let subnet = try Self.subnet(db, netuid)
        let row = try Row.fetchOne(db, sql: "SELECT name, plugin FROM subnets WHERE netuid = ?", arguments: [netuid])
        var config = SubnetConfig()
        config.tempo = subnet.tempo
        config.maxAllowedUIDs = subnet.maxAllowedUIDs
        config.immunityPeriod = subnet.immunityPeriod
        config.minNonImmuneUIDs = subnet.minNonImmuneUIDs
        config.minAllowedWeights = subnet.minAllowedWeights
        config.weightsRateLimit = subnet.weightsRateLimit
        config.weightsVersion = subnet.weightsVersion
        config.commitReveal = subnet.commitReveal
        config.commitRevealPeriod = subnet.commitRevealPeriod
        config.ownerCutPerMillion = subnet.ownerCutPerMillion
        config.parameters = subnet.parameters
        let count = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM neurons WHERE netuid = ?", arguments: [netuid]) ?? 0
        return SubnetInfo(
            netuid: netuid, name: row?["name"] ?? "", plugin: row?["plugin"], owner: subnet.owner, config: config,
            lastEpochBlock: subnet.lastEpochBlock, neuronCount: count, epochs: subnet.epochs)
    }

    /// A hotkey's weight commitments not yet revealed, oldest first (commit–reveal).
    public func commits(netuid: Int, hotkey: String) throws -> [WeightCommit] {
        try pool.read { db in try Self.commits(db, netuid: netuid, hotkey: hotkey) }
    }

    static func commits(_ db: Database, netuid: Int, hotkey: String) throws -> [WeightCommit] {
        try Row.fetchAll(
            db, sql: "SELECT hash, block, epoch FROM weight_commits WHERE netuid = ? AND hotkey = ? ORDER BY block",
            arguments: [netuid, hotkey]
        ).map { row in
            WeightCommit(
                hotkey: hotkey, hash: Array(row["hash"] as Data), block: UInt64(row["block"] as Int64),
                epoch: row["epoch"])
        }
    }
}
