import Foundation
public import Ledger

/// A host's subnets at a glance, from its ledger: what `synod status` prints (or writes as
/// JSON, schema `synod.status/1`) and what the dashboard shows.
public struct StatusReport: Sendable, Hashable, Codable {
    public var schema = "synod.status/1"
    /// The chain head the ledger keeps.
    public var head: UInt64
    public var subnets: [Subnet]

    public struct Subnet: Sendable, Hashable, Codable {
        public var netuid: Int
        public var name: String
        /// The plugin file, when one serves it.
        public var plugin: String?
        public var uids: Int
        /// UIDs that serve an endpoint.
        public var serving: Int
        public var tempo: Int
        public var lastEpochBlock: UInt64
        public var epochs: Int
        public var emittedRao: UInt64
        /// The running version: the newest loaded, reloaded or restored.
        public var running: Version?
        /// Every version met, oldest first, with what happened (the newest 50).
        public var versions: [Version]
        /// What an operator should know: rejections, rollbacks, quarantine, releases.
        public var notes: [String]
        /// What the plugin cost, over the newest ``StatusReport/costEpochs`` epochs the host
        /// kept a cost record for (what it costs now; a long history is not read whole).
        public var cost: CostSummary
    }

    public struct Version: Sendable, Hashable, Codable {
        public var sha256: String
        /// `loaded`, `reloaded`, `restored`, `rejected`, `rolled-back` or `suspect`.
        public var outcome: String
        /// Why, for a rejection (`file:line: …`), a rollback or a quarantine.
        public var message: String
        /// ISO 8601, UTC.
        public var at: String
    }

    /// How many of the newest epochs' cost records the report sums.
    public static let costEpochs = 100

    /// Outcomes after which a version runs.
    static let running: Set<String> = ["loaded", "reloaded", "restored"]

    /// Reads the report from `ledger` (readers never wait for a running host): every subnet,
    /// or those in `netuids`.
    public init(ledger: Ledger, netuids: Set<Int>? = nil) throws {
        let head = try ledger.chainHead()
        self.head = head
        subnets = try ledger.subnets().filter { netuids?.contains($0.netuid) ?? true }.map {
            try Self.subnet($0, ledger: ledger, head: head)
        }
    }

    private static func subnet(_ subnet: SubnetInfo, ledger: Ledger, head: UInt64) throws -> Subnet {
        let netuid = subnet.netuid
        let neurons = try ledger.neurons(netuid: netuid)
        let (epochs, emitted) = try ledger.emitted(netuid: netuid)
        let records = try ledger.pluginVersionRecords(netuid: netuid)
        let versions = records.map {
            Version(sha256: $0.sha256, outcome: $0.outcome, message: $0.message, at: ReportJSON.time($0.recordedAt))
        }
        let running = versions.last { Self.running.contains($0.outcome) }
        var notes: [String] = []
        if let last = versions.last, last.outcome == "rejected" {
            notes.append("version \(last.sha256.prefix(12)) was rejected at \(last.at): \(last.message)")
        }
        if let rolled = versions.last(where: { $0.outcome == "rolled-back" }), let running,
            running.outcome == "restored", rolled.at <= running.at
        {
            notes.append("version \(rolled.sha256.prefix(12)) was rolled back at \(rolled.at): \(rolled.message)")
        }
        // Releases the chain serves, and what each remote validator said it runs.
        let releases = try ledger.releases(netuid: netuid)
        if let inForce = PluginRelease.inForce(at: head, among: releases) {
            let next = releases.filter { $0.atBlock > head }.map { "\($0.sha256.prefix(12)) from block \($0.atBlock)" }
            notes.append(
                "release \(inForce.sha256.prefix(12)) in force since block \(inForce.atBlock)"
                    + (next.isEmpty ? "" : "; next \(next.joined(separator: ", "))"))
        }
        for version in try ledger.validatorVersions(netuid: netuid) {
            notes.append(
                "validator \(version.hotkey) runs \(version.sha256.prefix(12)) since block \(version.block)"
                    + (version.refused.isEmpty
                        ? "" : "; refused \(version.refused.prefix(12)): \(version.refusedMessage)"))
        }
        if let last = versions.last, last.outcome == "suspect" {
            notes.append("version \(last.sha256.prefix(12)) is quarantined since \(last.at): \(last.message)")
        }
        return Subnet(
            netuid: netuid, name: subnet.name, plugin: subnet.plugin, uids: neurons.count,
            serving: neurons.filter { $0.endpoint != nil }.count, tempo: subnet.config.tempo,
            lastEpochBlock: subnet.lastEpochBlock, epochs: epochs, emittedRao: emitted, running: running,
            versions: Array(versions.suffix(50)), notes: notes,
            cost: CostSummary(try ledger.costs(netuid: netuid, limit: costEpochs)))
    }
}
