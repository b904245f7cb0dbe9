import Foundation
import GRDB

extension Ledger {
    /// The subnet's plugin releases, by `atBlock`.
    public func releases(netuid: Int) throws -> [PluginRelease] {
        try pool.read { db in try Self.releases(db, netuid: netuid) }
    }

    static func releases(_ db: Database, netuid: Int) throws -> [PluginRelease] {
        try Row.fetchAll(
            db,
            sql: """
                SELECT netuid, at_block, sha256, owner, scheme, nonce, signature, published_block, length(source) AS size
                FROM plugin_releases WHERE netuid = ? ORDER BY at_block
                """, arguments: [netuid]
        ).map { row in
            PluginRelease(
                netuid: row["netuid"], sha256: row["sha256"], atBlock: UInt64(row["at_block"] as Int64),
                owner: row["owner"], scheme: row["scheme"], nonce: row["nonce"],
                signature: [UInt8](row["signature"] as Data), publishedBlock: UInt64(row["published_block"] as Int64),
                size: row["size"])
        }
    }

    /// The source of one of the subnet's releases, by SHA-256, or nil.
    public func releaseSource(netuid: Int, sha256: String) throws -> [UInt8]? {
        try pool.read { db in
            try Data.fetchOne(
                db, sql: "SELECT source FROM plugin_releases WHERE netuid = ? AND sha256 = ? LIMIT 1",
                arguments: [netuid, sha256]
            ).map { [UInt8]($0) }
        }
    }

    /// Records what a validator scores the subnet with (one row per validator, replaced).
    public func recordValidatorVersion(netuid: Int, _ version: ValidatorVersion) throws {
        try pool.write { db in
            try db.execute(
                sql: """
                    INSERT OR REPLACE INTO validator_versions (netuid, hotkey, sha256, block, refused, refused_message)
                    VALUES (?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    netuid, version.hotkey, version.sha256, Int64(version.block), version.refused,
                    version.refusedMessage,
                ])
        }
    }

    /// What each validator last said it scores the subnet with, by hotkey.
    public func validatorVersions(netuid: Int) throws -> [ValidatorVersion] {
        try pool.read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT hotkey, sha256, block, refused, refused_message FROM validator_versions
                    WHERE netuid = ? ORDER BY hotkey
                    """, arguments: [netuid]
            ).map {
                ValidatorVersion(
                    hotkey: $0["hotkey"], sha256: $0["sha256"], block: UInt64($0["block"] as Int64),
                    refused: $0["refused"], refusedMessage: $0["refused_message"])
            }
        }
    }
}

extension LedgerWriter {
    /// The subnet's plugin releases, by `atBlock`.
    public func releases(netuid: Int) throws -> [PluginRelease] { try Ledger.releases(db, netuid: netuid) }

    /// Keeps a release and its source.
    public func insertRelease(_ release: PluginRelease, source: [UInt8]) throws {
        try db.execute(
            sql: """
                INSERT INTO plugin_releases
                  (netuid, at_block, sha256, source, owner, scheme, nonce, signature, published_block)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                """,
            arguments: [
                release.netuid, Int64(release.atBlock), release.sha256, Data(source), release.owner, release.scheme,
                release.nonce, Data(release.signature), Int64(release.publishedBlock),
            ])
    }
}
