import ArgumentParser
import Foundation
import Ledger

/// `synod status`: what a host's ledger says about its subnets, at a glance.
struct StatusCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Show the subnets of a host's data folder: plugins, versions, epochs, UIDs.",
        discussion: """
            Reads the ledger in the data folder of `synod up` (it may be running: readers \
            never wait for it). Per subnet: UIDs and serving miners, tempo, last epoch, epochs \
            and rao emitted, the plugin and its running version; a version rejected since \
            then is shown with its reason, and a version quarantined (the host died while it \
            ran) with the signal.

            Exit status: 0 shown; 2 no ledger there.
            """
    )

    @Option(help: "The data folder of `synod up`.")
    var data = ".synod"

    func run() throws {
        let (ledger, path) = try LedgerFile.open(dataDirectory: data)
        let head = try ledger.chainHead()
        print("ledger \(path) · head block \(head)")
        let subnets = try ledger.subnets()
        guard !subnets.isEmpty else {
            print("no subnets yet")
            return
        }
        let time = DateFormatter()
        time.dateFormat = "yyyy-MM-dd HH:mm:ss"
        time.timeZone = TimeZone(identifier: "UTC")
        var rows: [[String]] = [
            [
                "netuid", "name", "uids", "serving", "tempo", "last epoch", "epochs", "emitted (rao)", "plugin",
                "version",
            ]
        ]
        var notes: [String] = []
        for subnet in subnets {
            let neurons = try ledger.neurons(netuid: subnet.netuid)
            let (epochs, emitted) = try ledger.emitted(netuid: subnet.netuid)
            let versions = try ledger.pluginVersionRecords(netuid: subnet.netuid)
            let running = versions.last { ["loaded", "reloaded", "restored"].contains($0.outcome) }
            rows.append([
                String(subnet.netuid), subnet.name, String(neurons.count),
                String(neurons.filter { $0.endpoint != nil }.count), String(subnet.config.tempo),
                String(subnet.lastEpochBlock), String(epochs), String(emitted), subnet.plugin ?? "-",
                running.map { "\($0.sha256.prefix(12)) (\($0.outcome) \(time.string(from: $0.recordedAt)) UTC)" }
                    ?? "-",
            ])
            if let last = versions.last, last.outcome == "rejected" {
                notes.append(
                    "subnet \(subnet.netuid): version \(last.sha256.prefix(12)) was rejected at \(time.string(from: last.recordedAt)) UTC: \(last.message)"
                )
            }
            if let rolled = versions.last(where: { $0.outcome == "rolled-back" }),
                let running, running.outcome == "restored", rolled.recordedAt <= running.recordedAt
            {
                notes.append(
                    "subnet \(subnet.netuid): version \(rolled.sha256.prefix(12)) was rolled back at \(time.string(from: rolled.recordedAt)) UTC: \(rolled.message)"
                )
            }
            // Releases the chain serves, and what each remote validator said it runs.
            let releases = try ledger.releases(netuid: subnet.netuid)
            if let inForce = PluginRelease.inForce(at: head, among: releases) {
                let next = releases.filter { $0.atBlock > head }.map {
                    "\($0.sha256.prefix(12)) from block \($0.atBlock)"
                }
                notes.append(
                    "subnet \(subnet.netuid): release \(inForce.sha256.prefix(12)) in force since block \(inForce.atBlock)"
                        + (next.isEmpty ? "" : "; next \(next.joined(separator: ", "))"))
            }
            for version in try ledger.validatorVersions(netuid: subnet.netuid) {
                notes.append(
                    "subnet \(subnet.netuid): validator \(version.hotkey) runs \(version.sha256.prefix(12)) since block \(version.block)"
                        + (version.refused.isEmpty
                            ? "" : "; refused \(version.refused.prefix(12)): \(version.refusedMessage)"))
            }
            if let last = versions.last, last.outcome == "suspect" {
                notes.append(
                    "subnet \(subnet.netuid): version \(last.sha256.prefix(12)) is quarantined since \(time.string(from: last.recordedAt)) UTC: \(last.message)"
                )
            }
        }
        for line in TextTable.lines(rows) { print(line) }
        for note in notes { print(note) }
    }
}
