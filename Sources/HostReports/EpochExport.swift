import Consensus
import Foundation
public import Ledger

/// One line per epoch and UID: the strategy-free facts of a subnet's recorded epochs, for
/// analysis outside Synod (`synod export`, schema `synod.export/1`). Each epoch is
/// recomputed from its recorded input, so the figures are the ones that paid.
public struct ExportRow: Sendable, Hashable, Codable {
    public var netuid: Int
    /// The epoch's block.
    public var block: UInt64
    public var uid: Int
    /// The UID's hotkey now ("" when it is no longer registered; a UID may change hands).
    public var hotkey: String
    /// Stake in rao, as the epoch saw it.
    public var stake: UInt64
    /// The stake share that counted (permit and recent weights), a fraction of 1.
    public var activeStake: Double
    public var validatorPermit: Bool
    /// Weights it set that the epoch counted (after the masks), and how many validators
    /// weighted it.
    public var weightsSet: Int
    public var weightsReceived: Int
    /// The stake-weighted median of the weights it received (kappa).
    public var consensus: Double
    /// Its rank over its prerank: the share of the weights it received that survived clipping.
    public var trust: Double
    /// The share of its own weights that survived clipping (validators).
    public var validatorTrust: Double
    public var incentive: Double
    public var dividends: Double
    /// Rao earned: serving + validating.
    public var emission: UInt64
    public var serverEmission: UInt64
    public var validatorEmission: UInt64

    /// The CSV columns, in order (the JSON Lines keys are the same).
    public static let columns = [
        "netuid", "block", "uid", "hotkey", "stake", "active_stake", "validator_permit", "weights_set",
        "weights_received", "consensus", "trust", "validator_trust", "incentive", "dividends", "emission",
        "server_emission", "validator_emission",
    ]

    /// The row as CSV, in ``columns`` order (a hotkey holding a comma or a quote is quoted).
    public var csv: String {
        let fields: [String] = [
            String(netuid), String(block), String(uid), Self.quoted(hotkey), String(stake), Self.number(activeStake),
            validatorPermit ? "1" : "0", String(weightsSet), String(weightsReceived), Self.number(consensus),
            Self.number(trust), Self.number(validatorTrust), Self.number(incentive), Self.number(dividends),
            String(emission), String(serverEmission), String(validatorEmission),
        ]
        return fields.joined(separator: ",")
    }

    private static func number(_ x: Double) -> String { "\(x)" }
    private static func quoted(_ text: String) -> String {
        guard text.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" }) else { return text }
        return "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    /// The rows of subnet `netuid`'s epochs with `from ≤ block ≤ to`, oldest first, handed
    /// to `emit` one epoch at a time (a long history is never held whole).
    public static func rows(
        ledger: Ledger, netuid: Int, from: UInt64 = 0, to: UInt64 = .max, emit: ([ExportRow]) throws -> Void
    ) throws {
        do {
            _ = try ledger.subnet(netuid: netuid)
        } catch let error as LedgerError {
            throw ReportError(error.message)
        }
        let hotkeys = Dictionary(
            try ledger.neurons(netuid: netuid).map { ($0.uid, $0.hotkey) }, uniquingKeysWith: { first, _ in first })
        for block in try ledger.epochBlocks(netuid: netuid) where block >= from && block <= to {
            guard let record = try ledger.epoch(netuid: netuid, block: block) else { continue }
            let (input, output, trace) = try record.recomputed(netuid: netuid)
            try emit(Self.rows(netuid: netuid, block: block, input, output, trace, hotkeys: hotkeys))
        }
    }

    static func rows(
        netuid: Int, block: UInt64, _ input: EpochInput, _ output: EpochOutput, _ trace: EpochTrace,
        hotkeys: [Int: String]
    ) -> [ExportRow] {
        let n = input.stake.count
        var received = [Int](repeating: 0, count: n)
        var prerank = [Double](repeating: 0, count: n)
        for (i, row) in trace.weights.enumerated() {
            for entry in row where entry.value > .zero && entry.uid < n {
                received[entry.uid] += 1
                prerank[entry.uid] += (output.activeStake[i] * entry.value).double
            }
        }
        return (0..<n).map { uid in
            ExportRow(
                netuid: netuid, block: block, uid: uid, hotkey: hotkeys[uid] ?? "", stake: input.stake[uid],
                activeStake: output.activeStake[uid].double, validatorPermit: output.validatorPermit[uid],
                weightsSet: trace.weights[uid].filter { $0.value > .zero }.count, weightsReceived: received[uid],
                consensus: output.consensus[uid].double,
                trust: prerank[uid] > 0 ? trace.ranks[uid].double / prerank[uid] : 0,
                validatorTrust: output.validatorTrust[uid].double, incentive: output.incentive[uid].double,
                dividends: output.dividends[uid].double,
                emission: output.serverEmission[uid] + output.validatorEmission[uid],
                serverEmission: output.serverEmission[uid], validatorEmission: output.validatorEmission[uid])
        }
    }
}
