import ArgumentParser
import Foundation
import Ledger
import SubnetHost

/// Where a command finds a host's ledger. Every command names a host's data the same way,
/// `--data DIR` (the folder `synod up` keeps, its ledger inside); `--db FILE`, the older
/// spelling of `explain` and `ledger`, still works and says so once on stderr.
struct LedgerLocation: ParsableArguments {
    @Option(help: "The data folder of `synod up` (its ledger is inside).")
    var data = ".synod"

    @Option(help: ArgumentHelp("Deprecated: the ledger file itself; use --data DIR.", visibility: .hidden))
    var db: String?

    /// The ledger's path: inside `--data`, or the deprecated `--db` file.
    var path: String { db ?? LocalNet.ledgerPath(dataDirectory: data) }

    /// The existing ledger (a missing one is a usage error that says where it looked).
    func open() throws -> Ledger {
        guard let db else { return try LedgerFile.open(dataDirectory: data).ledger }
        noteDeprecatedSpelling()
        return try LedgerFile.open(db)
    }

    /// The ledger, created (with its folder) when missing: `synod ledger demo`.
    func openOrCreate() throws -> Ledger {
        if db != nil { noteDeprecatedSpelling() }
        try FileManager.default.createDirectory(
            at: URL(fileURLWithPath: path).deletingLastPathComponent(), withIntermediateDirectories: true)
        return try Ledger(path: path)
    }

    private func noteDeprecatedSpelling() {
        FileHandle.standardError.write(
            Data(
                "note: --db is deprecated; use --data DIR (the folder holding \(LocalNet.ledgerPath(dataDirectory: "DIR")))\n"
                    .utf8))
    }
}
