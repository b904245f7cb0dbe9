import Foundation
import GRDB

extension Ledger {
    /// Rounds kept per subnet by default: the newest, older ones are dropped as new ones come.
    public static let defaultRoundRetention = 2_000

    /// Records validator rounds in one transaction and keeps only the newest `retention`
    /// of each subnet they belong to.
    public func recordRounds(_ rounds: [RoundRecord], retention: Int = Ledger.defaultRoundRetention) throws {
        guard !rounds.isEmpty else { return }
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        try pool.write { db in
            let insert = try db.makeStatement(
                sql: """
                    INSERT INTO rounds (netuid, validator, block, plugin, task_digest, outcome, miners)
                    VALUES (?, ?, ?, ?, ?, ?, ?)
                    """)
            for round in rounds {
                let miners = String(decoding: try encoder.encode(round.miners), as: UTF8.self)
                try insert.execute(arguments: [
                    round.netuid, round.validator, Int64(round.block), round.plugin, round.taskDigest, round.outcome,
                    miners,
                ])
            }
            for netuid in Set(rounds.map(\.netuid)) {
                try db.execute(
                    sql: """
                        DELETE FROM rounds WHERE netuid = ? AND id <= (
                          SELECT id FROM rounds WHERE netuid = ? ORDER BY id DESC LIMIT 1 OFFSET ?)
                        """, arguments: [netuid, netuid, max(retention, 1)])
            }
        }
    }

    /// A subnet's recorded rounds, newest first: at `block` only when given, by one
    /// validator when given, at most `limit`.
    public func rounds(netuid: Int, block: UInt64? = nil, validator: String? = nil, limit: Int = 20) throws
        -> [RoundRecord]
    {
        var sql = "SELECT * FROM rounds WHERE netuid = ?"
        var arguments: StatementArguments = [netuid]
        if let block {
            sql += " AND block = ?"
            _ = arguments.append(contentsOf: [Int64(block)])
        }
        if let validator {
            sql += " AND validator = ?"
            _ = arguments.append(contentsOf: [validator])
        }
        sql += " ORDER BY id DESC LIMIT ?"
        _ = arguments.append(contentsOf: [max(limit, 0)])
        let decoder = JSONDecoder()
        return try pool.read { db in
            try Row.fetchAll(db, sql: sql, arguments: arguments).map { row in
                RoundRecord(
                    netuid: row["netuid"], validator: row["validator"], block: UInt64(row["block"] as Int64),
                    plugin: row["plugin"], taskDigest: row["task_digest"], outcome: row["outcome"],
                    miners: try decoder.decode([RoundRecord.Miner].self, from: Data((row["miners"] as String).utf8)))
            }
        }
    }
}
