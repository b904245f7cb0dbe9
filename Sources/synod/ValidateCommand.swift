import ArgumentParser
import ChainAPI
import Foundation
import SubnetHost
import SynodChain
import Wire

/// `synod validate`: one validator, on its own machine, against a remote chain.
struct ValidateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "validate",
        abstract: "Validate a subnet of a remote Synod chain with its released plugin.",
        discussion: """
            Follows the chain's blocks, runs the subnet's plugin as its owner released it \
            (fetched from the chain, its hash and the owner's signature checked, self-checked \
            in the sandbox, switched at the release's block), queries the subnet's miners \
            wherever they serve, and sets weights on the chain. The plugin's store, weights \
            waiting to be revealed and round records live in --data, so a restart or a crash \
            loses nothing. A release that fails here is refused, the running version stays, \
            and the chain hears why.

            The hotkey must be registered with a validator permit: --register registers it; \
            the chain's operator stakes it (synod stake).

            Exit status: 0 after --blocks; 1 the chain refused (the message says why); 2 bad usage.
            """
    )

    @OptionGroup var chain: ChainOptions
    @OptionGroup var key: KeysCommand.Location

    @Option(help: "The validator's data folder (its ledger and secret).")
    var data = ".synod-validator"

    @Option(help: "Stop after this many blocks (default: run until Ctrl-C).")
    var blocks: UInt64?

    @Option(help: "The version key sent with weights (default: the subnet's weights_version).")
    var versionKey: UInt64?

    @Flag(help: "Register the hotkey on the subnet first when it is not (its coldkey: the hotkey).")
    var register = false

    func validate() throws { try chain.check() }

    func run() async throws {
        let hotkey = try key.load()
        let validator = try RemoteValidator(
            .init(
                chainURL: chain.chain, chainHotkey: try chain.chainAddress, netuid: chain.netuid, dataDirectory: data,
                blocks: blocks, versionKey: versionKey),
            signer: hotkey, log: printLine)
        do {
            if register, try await validator.chain.neuron(netuid: chain.netuid, hotkey: hotkey.address.string) == nil {
                let uid = try await validator.chain.register(
                    netuid: chain.netuid, hotkey: hotkey.address.string, coldkey: hotkey.address.string)
                printLine("registered \(hotkey.address.string) as uid \(uid) on subnet \(chain.netuid)")
            }
            let summary = try await withSignalCancellation(log: printLine) { try await validator.run() }
            printLine(
                "stopped after \(summary.blocks) block(s): \(summary.rounds) round(s), weights set \(summary.weightsSet) time(s)"
            )
        } catch let error as ChainError {
            FileHandle.standardError.write(Data("Error: \(error.message)\n".utf8))
            throw ExitCode(1)
        }
    }
}

/// One line to standard output, flushed (logs reach a pipe or a file as they happen).
func printLine(_ line: String) {
    FileHandle.standardOutput.write(Data((line + "\n").utf8))
}
