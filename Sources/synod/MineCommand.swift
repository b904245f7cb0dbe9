import ArgumentParser
import ChainAPI
import Foundation
import SubnetHost
import SynodChain
import Wire

/// `synod mine`: a subnet's reference miner behind an axon, on a remote chain.
struct MineCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mine",
        abstract: "Serve a subnet's reference miner behind an axon and register it on a remote Synod chain.",
        discussion: """
            Registers the hotkey on the subnet when it is not, starts an axon that answers \
            validators with the plugin's miner hook (the release in force, fetched from the \
            chain and checked like a validator checks it), and records the endpoint on the \
            chain. It follows the chain's blocks and switches releases at their block. Miners \
            in other languages do the same with the protocol in docs/miner-protocol.md.

            Validators on other machines must reach --endpoint: listen on --host 0.0.0.0 and \
            pass the address they can reach, e.g. --endpoint http://203.0.113.7:8091.

            Exit status: 0 after --blocks or Ctrl-C; 1 the chain refused (the message says \
            why); 2 bad usage.
            """
    )

    @OptionGroup var chain: ChainOptions
    @OptionGroup var key: KeysCommand.Location

    @Option(help: "The address the axon listens on.")
    var host = "127.0.0.1"

    @Option(help: "The axon's port (0: any free port).")
    var port = 8091

    @Option(help: "What the chain lists for validators to reach (default: http://HOST:PORT as bound).")
    var endpoint: String?

    @Option(help: "The coldkey registered with the hotkey (default: the hotkey).")
    var coldkey: String?

    @Option(help: "The miner's data folder (the reference miner's store).")
    var data = ".synod-miner"

    @Option(help: "Stop after this many blocks (default: run until Ctrl-C).")
    var blocks: UInt64?

    func validate() throws {
        try chain.check()
        guard (0...65535).contains(port) else { throw ValidationError("--port must be from 0 to 65535.") }
        if let endpoint {
            do {
                _ = try ChainRules.endpoint(endpoint)
            } catch {
                throw ValidationError("--endpoint: \(error.message)")
            }
        }
        if let coldkey {
            do {
                _ = try SS58Address(coldkey)
            } catch {
                throw ValidationError("--coldkey '\(coldkey)' is not an ss58 address: \(error)")
            }
        }
    }

    func run() async throws {
        let hotkey = try key.load()
        let miner = try RemoteMiner(
            .init(
                chainURL: chain.chain, chainHotkey: try chain.chainAddress, netuid: chain.netuid, dataDirectory: data,
                host: host, port: port, endpoint: endpoint, coldkey: coldkey, blocks: blocks),
            signer: hotkey, log: printLine)
        do {
            try await miner.run()
        } catch let error as ChainError {
            FileHandle.standardError.write(Data("Error: \(error.message)\n".utf8))
            throw ExitCode(1)
        }
    }
}
