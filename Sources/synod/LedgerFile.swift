import ArgumentParser
import Foundation
import Ledger
import SubnetHost

/// Opening an existing ledger for a command: a missing file is a usage error (exit 2) that
/// says where the command looked, never a new empty ledger.
enum LedgerFile {
    /// The ledger at `path`.
    static func open(_ path: String) throws -> Ledger {
        guard FileManager.default.fileExists(atPath: path) else { throw ValidationError("no ledger at '\(path)'.") }
        return try Ledger(path: path)
    }

    /// The ledger of a `synod up` data folder, and its path.
    static func open(dataDirectory data: String) throws -> (ledger: Ledger, path: String) {
        let path = LocalNet.ledgerPath(dataDirectory: data)
        guard FileManager.default.fileExists(atPath: path) else {
            throw ValidationError("no ledger at '\(path)'; start one with `synod up --data \(data)`.")
        }
        return (try Ledger(path: path), path)
    }
}

/// Rows of cells as aligned columns, two spaces apart, without trailing spaces.
enum TextTable {
    static func lines(_ rows: [[String]]) -> [String] {
        guard let first = rows.first else { return [] }
        let widths = first.indices.map { c in rows.map { $0[c].count }.max() ?? 0 }
        return rows.map { row in
            zip(row, widths).map { $0.padding(toLength: $1, withPad: " ", startingAt: 0) }.joined(separator: "  ")
                .trimmingCharacters(in: .whitespaces)
        }
    }
}
