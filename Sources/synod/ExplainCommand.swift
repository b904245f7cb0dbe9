import ArgumentParser
import Consensus
import Foundation
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
        let subnet: SubnetInfo
        do {
            subnet = try ledger.subnet(netuid: netuid)
        } catch let error as LedgerError {
            throw ValidationError(error.message + ".")
        }
        guard let record = try ledger.epoch(netuid: netuid, block: block) else {
            throw ValidationError(
                block.map { "subnet \(netuid) has no epoch at block \($0); see `synod ledger show`." }
                    ?? "subnet \(netuid) has run no epoch yet.")
        }
        let input = try EpochJSON.input(from: Data(record.input.utf8))
        let (output, trace) = try Yuma.epochWithTrace(input)
        guard (0..<input.stake.count).contains(uid) else {
            throw ValidationError("uid \(uid) is not in that epoch (0..<\(input.stake.count)).")
        }
        let hotkey = (try? ledger.neurons(netuid: netuid).first { $0.uid == uid }?.hotkey) ?? nil
        print(
            "subnet \(netuid) (\(subnet.name)), epoch at block \(record.block) — uid \(uid)"
                + (hotkey.map { " (now \($0))" } ?? ""))
        print(
            "  \(record.emission) rao emitted: owner \(record.ownerCut), the rest (\(input.emission)) by Yuma\(input.parameters.yuma3 ? "3" : "")"
        )
        explainAsMiner(input, output, trace)
        explainAsValidator(input, output, trace)
        print(
            "  earned \(output.serverEmission[uid] + output.validatorEmission[uid]) rao (serving \(output.serverEmission[uid]), validating \(output.validatorEmission[uid]))"
        )
    }

    private func explainAsMiner(_ input: EpochInput, _ output: EpochOutput, _ trace: EpochTrace) {
        let given = trace.weights.enumerated().compactMap { i, row in row.first { $0.uid == uid }.map { (i, $0.value) }
        }
        guard !given.isEmpty else {
            print("  as a miner: no validator's weights reached it")
            return
        }
        let kappa = Double(input.parameters.kappa) / 65535
        print(
            "  as a miner: consensus \(f(output.consensus[uid])) — the stake-weighted median (kappa \(String(format: "%.2f", kappa))) of the weights validators gave it"
        )
        print("    validator  active stake  weight  clipped  × stake")
        for (i, w) in given {
            let clipped = trace.clipped[i].first { $0.uid == uid }?.value ?? .zero
            let contribution = output.activeStake[i] * clipped
            print(
                "    uid \(pad(i, 6)) \(f(output.activeStake[i]))        \(f(w))  \(f(clipped))   \(f(contribution))")
        }
        let total = trace.ranks.reduce(Fixed.zero, +)
        print(
            "    rank \(f(trace.ranks[uid])) of \(f(total)) → incentive \(f(output.incentive[uid])) → \(output.serverEmission[uid]) rao"
        )
    }

    private func explainAsValidator(_ input: EpochInput, _ output: EpochOutput, _ trace: EpochTrace) {
        guard output.activeStake[uid] > .zero || output.dividends[uid] > .zero else {
            print(
                "  as a validator: no active stake (stake \(input.stake[uid]) raw; a permit and weights newer than the activity cutoff are needed)"
            )
            return
        }
        print(
            "  as a validator: active stake \(f(output.activeStake[uid])), trust \(f(output.validatorTrust[uid])) (its weights that survived clipping)"
        )
        let bonds = trace.bonds[uid]
        if bonds.isEmpty {
            print("    no bonds yet: dividends come from bonds built over epochs")
        } else {
            let kind = trace.bondsAreNormalized ? "share of the miner's bonds" : "bond (absolute)"
            print("    miner      \(kind)  × incentive")
            for entry in bonds where output.incentive[entry.uid] > .zero {
                print(
                    "    uid \(pad(entry.uid, 6)) \(f(entry.value))\(String(repeating: " ", count: max(1, kind.count - 4)))\(f(entry.value * output.incentive[entry.uid]))"
                )
            }
        }
        print("    dividends \(f(output.dividends[uid])) → \(output.validatorEmission[uid]) rao")
    }

    private func f(_ x: Fixed) -> String { String(format: "%.4f", x.double) }
    private func pad(_ n: Int, _ width: Int) -> String {
        String(n).padding(toLength: width, withPad: " ", startingAt: 0)
    }
}
