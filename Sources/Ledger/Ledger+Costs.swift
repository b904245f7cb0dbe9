import Foundation
import GRDB

extension Ledger {
    /// Keeps what a subnet's plugin cost since its last epoch (replacing a record of the
    /// same epoch).
    public func recordCost(_ cost: CostRecord) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        let hooks = String(decoding: try encoder.encode(cost.hooks), as: UTF8.self)
        let answers = String(decoding: try encoder.encode(cost.answers), as: UTF8.self)
        try pool.write { db in
            try db.execute(
                sql: """
                    INSERT OR REPLACE INTO costs (netuid, block, hooks, answers, watts_per_core)
                    VALUES (?, ?, ?, ?, ?)
                    """, arguments: [cost.netuid, Int64(cost.block), hooks, answers, cost.wattsPerCore])
        }
    }

    /// A subnet's cost records with `from ≤ block ≤ to`, oldest first; the newest `limit`
    /// when given.
    public func costs(netuid: Int, from: UInt64 = 0, to: UInt64 = .max, limit: Int? = nil) throws -> [CostRecord] {
        var sql = "SELECT * FROM costs WHERE netuid = ? AND block >= ? AND block <= ? ORDER BY block DESC"
        var arguments: StatementArguments = [netuid, Int64(clamping: from), Int64(clamping: to)]
        if let limit {
            sql += " LIMIT ?"
            _ = arguments.append(contentsOf: [max(limit, 0)])
        }
        let decoder = JSONDecoder()
        return try pool.read { db in
            try Row.fetchAll(db, sql: sql, arguments: arguments).map { row in
                CostRecord(
                    netuid: row["netuid"], block: UInt64(row["block"] as Int64),
                    hooks: try decoder.decode([String: HookCost].self, from: Data((row["hooks"] as String).utf8)),
                    answers: try decoder.decode(AnswerCost.self, from: Data((row["answers"] as String).utf8)),
                    wattsPerCore: row["watts_per_core"])
            }
        }.reversed()
    }

    /// The cost record of the epoch at `block`, if the host kept one.
    public func cost(netuid: Int, block: UInt64) throws -> CostRecord? {
        try costs(netuid: netuid, from: block, to: block).first
    }
}
