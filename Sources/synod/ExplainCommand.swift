import ArgumentParser
import Consensus
import Foundation
import HostReports
import Ledger

/// `synod explain`: why a UID earned what it earned in a recorded epoch.
struct ExplainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "explain",
        abstract: "Show why a UID earned what it earned in a recorded epoch.",
        discussion: """
            Recomputes the epoch from its record in the ledger (the same input gives the same \
            output, to the unit) and prints, for a miner, each validator's weight on it, the \
            consensus that clipped them, its rank and incentive; for a validator, its active \
            stake, trust, and the bonds its dividends come from. Amounts are rao.

            With --round BLOCK, shows instead what the validators' rounds at that block did \
            (from `synod up`'s round records; --uid for one miner): why the plugin scored a \
            miner as it did, before Yuma saw the weights.

            With --json, the epoch's explanation as one JSON document (schema \
            synod.explain/1, in docs/reports.md), with what the subnet's plugin cost in the \
            rounds before it.

            Exit status: 0 explained; 2 bad usage (no such ledger, subnet, epoch or UID).
            """
    )

    @OptionGroup var ledgerLocation: LedgerLocation

    @Option(help: "The subnet.")
    var netuid: Int

    @Option(name: .customLong("uid"), help: "The UID to explain (with --round: only its line).")
    var chosenUID: Int?

    /// The UID explained (``validate()`` requires it outside --round).
    private var uid: Int { chosenUID ?? -1 }

    @Option(help: "The epoch's block (default: the newest).")
    var block: UInt64?

    @Option(help: "Show the validator rounds at this block instead of an epoch.")
    var round: UInt64?

    @Flag(help: "Write the epoch's explanation as JSON (schema synod.explain/1).")
    var json = false

    func validate() throws {
        if round == nil && chosenUID == nil {
            throw ValidationError("give --uid (the UID to explain), or --round BLOCK.")
        }
    }

    func run() throws {
        let ledger = try ledgerLocation.open()
        if let round {
            let rounds = try ledger.rounds(netuid: netuid, block: round, limit: 1000)
            guard !rounds.isEmpty else {
                throw ValidationError(
                    "subnet \(netuid) has no round recorded at block \(round); `synod rounds` lists recent ones.")
            }
            for (i, record) in rounds.reversed().enumerated() {
                if i > 0 { print("") }
                for line in RoundsCommand.lines(record, uid: chosenUID) { print(line) }
            }
            return
        }
        let explanation: EpochExplanation
        do {
            explanation = try EpochExplanation(ledger: ledger, netuid: netuid, block: block, uid: uid)
        } catch {
            throw ValidationError(error.message + ".")
        }
        if json {
            print(try ReportJSON.encode(explanation))
        } else {
            for line in explanation.lines { print(line) }
        }
    }
}
