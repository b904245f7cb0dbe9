import Consensus
import Foundation
public import Ledger

/// What one recorded epoch paid each UID: incentive, dividends and emission, read from the
/// output the chain stored when it settled the epoch (no recomputation: the dashboard polls
/// it). Fractions of 1, amounts rao.
public struct EpochShares: Sendable, Hashable, Codable {
    public var block: UInt64
    /// Rao the epoch paid the UIDs (the owner's cut aside).
    public var emission: UInt64
    /// Indexed by UID.
    public var incentive: [Double]
    public var dividends: [Double]
    public var emitted: [UInt64]

    /// The newest `limit` epochs of subnet `netuid`, oldest first. An epoch whose stored output
    /// cannot be read (a ledger edited by hand) is left out, not guessed.
    public static func recent(ledger: Ledger, netuid: Int, limit: Int) throws -> [EpochShares] {
        try ledger.epochBlocks(netuid: netuid).suffix(max(limit, 0)).compactMap { block in
            guard let record = try ledger.epoch(netuid: netuid, block: block),
                let output = try? EpochJSON.output(from: Data(record.output.utf8))
            else { return nil }
            return EpochShares(
                block: block, emission: output.emission.reduce(0, +), incentive: output.incentive.map(\.double),
                dividends: output.dividends.map(\.double), emitted: output.emission)
        }
    }
}
