import ArgumentParser
import Foundation
import Ledger

/// `synod stake`: the operator sets a registered hotkey's stake on a host's chain.
struct StakeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stake",
        abstract: "Set a registered hotkey's stake on a subnet of a host's chain.",
        discussion: """
            Stake decides validator permits (the top stakes get one at the next epoch) and \
            how dividends split. A hotkey that joined over the chain's API starts with none; \
            the operator stakes it here (the host may be running). Prints the stake before \
            and after.

            Exit status: 0 set; 2 bad usage (no such data folder, subnet or hotkey).
            """
    )

    @Option(help: "The data folder of `synod up`.")
    var data = ".synod"

    @Option(help: "The subnet.")
    var netuid: Int

    @Option(help: "The hotkey (ss58), registered on the subnet.")
    var hotkey: String

    @Option(help: "The stake to set, in TAO.")
    var tao: Double

    func validate() throws {
        guard tao.isFinite, tao >= 0, tao <= 9e9 else { throw ValidationError("--tao must be from 0 to 9e9.") }
    }

    func run() throws {
        let (ledger, _) = try LedgerFile.open(dataDirectory: data)
        let neuron: NeuronInfo
        do {
            guard let found = try ledger.neurons(netuid: netuid).first(where: { $0.hotkey == hotkey }) else {
                throw ValidationError("\(hotkey) is not registered on subnet \(netuid); register it first.")
            }
            neuron = found
        } catch let error as LedgerError {
            throw ValidationError(error.message + ".")
        }
        let target = UInt64((tao * 1e9).rounded())
        if target > neuron.stake {
            try ledger.addStake(netuid: netuid, hotkey: hotkey, amount: target - neuron.stake)
        } else if target < neuron.stake {
            try ledger.removeStake(netuid: netuid, hotkey: hotkey, amount: neuron.stake - target)
        }
        print(
            "subnet \(netuid) · uid \(neuron.uid) \(hotkey): stake \(Double(neuron.stake) / 1e9) → \(Double(target) / 1e9) TAO"
        )
    }
}
