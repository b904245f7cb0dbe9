public import Foundation
public import Ledger

/// Everything the dashboard draws, in one document (`GET /api/dashboard`, schema
/// `synod.dashboard/1`): the status report of every subnet, with its recent epochs' shares
/// per UID and its validators' recent rounds.
public struct DashboardSnapshot: Sendable, Hashable, Codable {
    public var schema = "synod.dashboard/1"
    public var head: UInt64
    /// ISO 8601, UTC.
    public var generatedAt: String
    public var subnets: [Subnet]

    public struct Subnet: Sendable, Hashable, Codable {
        public var status: StatusReport.Subnet
        /// The newest epochs, oldest first.
        public var epochs: [EpochShares]
        public var activity: RoundActivity
    }

    /// Reads the snapshot from `ledger`: `epochs` epochs and `rounds` rounds per subnet, of
    /// every subnet or those in `netuids` (a host of many subnets is looked at a few at a time).
    public init(
        ledger: Ledger, netuids: Set<Int>? = nil, epochs: Int = 30, rounds: Int = 64, now: Date = Date()
    ) throws {
        let status = try StatusReport(ledger: ledger, netuids: netuids)
        head = status.head
        generatedAt = ReportJSON.time(now)
        subnets = try status.subnets.map { subnet in
            Subnet(
                status: subnet, epochs: try EpochShares.recent(ledger: ledger, netuid: subnet.netuid, limit: epochs),
                activity: try RoundActivity(ledger: ledger, netuid: subnet.netuid, rounds: rounds))
        }
    }
}
