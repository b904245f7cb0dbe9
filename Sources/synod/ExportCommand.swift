import ArgumentParser
import Foundation
import HostReports
import Ledger

/// `synod export`: a subnet's recorded epochs, one line per epoch and UID.
struct ExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Write a subnet's epochs as JSON Lines or CSV: one line per epoch and UID.",
        discussion: """
            Each recorded epoch is recomputed from its input (the figures are the ones that \
            paid) and written as one line per UID: block, uid, hotkey, stake, active stake, \
            validator permit, weights set and received, consensus, trust, validator trust, \
            incentive, dividends, emission (rao). Schema synod.export/1, in docs/reports.md; \
            CSV has a header line with the same names.

            Exit status: 0 written; 2 bad usage (no such ledger or subnet).
            """
    )

    enum Format: String, ExpressibleByArgument, CaseIterable {
        case jsonl, csv
    }

    @OptionGroup var ledgerLocation: LedgerLocation

    @Option(help: "The subnet.")
    var netuid: Int

    @Option(help: "The first epoch block to write.")
    var from: UInt64 = 0

    @Option(help: "The last epoch block to write.")
    var to: UInt64 = .max

    @Option(help: "jsonl (one JSON object per line) or csv.")
    var format: Format = .jsonl

    func validate() throws {
        guard from <= to else { throw ValidationError("--from must not be after --to.") }
    }

    func run() throws {
        let ledger = try ledgerLocation.open()
        var out = BufferedOutput()
        if format == .csv { out.write(ExportRow.columns.joined(separator: ",")) }
        do {
            try ExportRow.rows(ledger: ledger, netuid: netuid, from: from, to: to) { rows in
                for row in rows { out.write(format == .csv ? row.csv : try ReportJSON.encode(row, pretty: false)) }
                out.flush()
            }
        } catch let error as ReportError {
            throw ValidationError(error.message + ".")
        }
        out.flush()
    }
}

/// Lines to standard output, written in blocks rather than one `print` each.
struct BufferedOutput {
    private var buffer: [UInt8] = []

    mutating func write(_ line: String) {
        buffer.append(contentsOf: line.utf8)
        buffer.append(0x0A)
        if buffer.count >= 1 << 16 { flush() }
    }

    mutating func flush() {
        guard !buffer.isEmpty else { return }
        FileHandle.standardOutput.write(Data(buffer))
        buffer.removeAll(keepingCapacity: true)
    }
}
