import ArgumentParser
import Foundation
import HostReports
import Ledger

/// `synod status`: what a host's ledger says about its subnets, at a glance.
struct StatusCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Show the subnets of a host's data folder: plugins, versions, epochs, UIDs, cost.",
        discussion: """
            Reads the ledger in the data folder of `synod up` (it may be running: readers \
            never wait for it). Per subnet: UIDs and serving miners, tempo, last epoch, epochs \
            and rao emitted, the plugin and its running version; a version rejected since \
            then is shown with its reason, and a version quarantined (the host died while it \
            ran) with the signal; what the plugin cost (CPU seconds and the energy estimate \
            per epoch, CPU per miner answer).

            With --json, the same as one JSON document (schema synod.status/1, in \
            docs/reports.md).

            Exit status: 0 shown; 2 no ledger there.
            """
    )

    @Option(help: "The data folder of `synod up`.")
    var data = ".synod"

    @Flag(help: "Write JSON (schema synod.status/1) instead of a table.")
    var json = false

    func run() throws {
        let (ledger, path) = try LedgerFile.open(dataDirectory: data)
        let report = try StatusReport(ledger: ledger)
        if json {
            print(try ReportJSON.encode(report))
            return
        }
        print("ledger \(path) · head block \(report.head)")
        guard !report.subnets.isEmpty else {
            print("no subnets yet")
            return
        }
        var rows: [[String]] = [
            [
                "netuid", "name", "uids", "serving", "tempo", "last epoch", "epochs", "emitted (rao)", "plugin",
                "version", "CPU s/epoch", "J/epoch",
            ]
        ]
        var notes: [String] = []
        for subnet in report.subnets {
            rows.append([
                String(subnet.netuid), subnet.name, String(subnet.uids), String(subnet.serving), String(subnet.tempo),
                String(subnet.lastEpochBlock), String(subnet.epochs), String(subnet.emittedRao), subnet.plugin ?? "-",
                subnet.running.map { "\($0.sha256.prefix(12)) (\($0.outcome) \($0.at))" } ?? "-",
                subnet.cost.cpuSecondsPerEpoch.map { String(format: "%.4f", $0) } ?? "-",
                subnet.cost.joulesPerEpoch.map { String(format: "%.3f", $0) } ?? "-",
            ])
            notes += subnet.notes.map { "subnet \(subnet.netuid): \($0)" }
            if subnet.cost.epochs > 0 { notes.append("subnet \(subnet.netuid) cost: \(subnet.cost.line)") }
        }
        for line in TextTable.lines(rows) { print(line) }
        for note in notes { print(note) }
    }
}
