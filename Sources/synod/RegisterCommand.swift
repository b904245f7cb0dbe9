import ArgumentParser
import Foundation
import Ledger
import SynodChain
import Wire

/// `synod register`: an outside miner joins a subnet of a `synod up` host.
struct RegisterCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "register",
        abstract: "Register a miner (any language, btauth/1) on a subnet of a synod up host.",
        discussion: """
            Adds the hotkey to the subnet at the host's head block (or replaces the UID the \
            chain's pruning rule picks when the subnet is full) and records its axon \
            endpoint; from the next validator round the host's validators send it tasks. \
            Registering a hotkey that is already there only updates its endpoint. The host \
            may be running: the ledger takes one writer at a time.

            Exit status: 0 registered; 1 refused (the message says why); 2 bad usage.
            """
    )

    @Option(help: "The data folder of `synod up`.")
    var data = ".synod"

    @Option(help: "The subnet.")
    var netuid: Int

    @Option(help: "The miner's hotkey address (ss58).")
    var hotkey: String

    @Option(help: "Where the miner's axon answers: http://HOST:PORT or https://HOST:PORT.")
    var endpoint: String

    @Option(help: "The owner's coldkey address (default: the hotkey).")
    var coldkey: String?

    func validate() throws {
        do {
            _ = try SS58Address(hotkey)
        } catch {
            throw ValidationError("--hotkey '\(hotkey)' is not an ss58 address: \(error)")
        }
        // Checked before anything is written: a bad endpoint registers nothing.
        do {
            _ = try ChainRules.endpoint(endpoint)
        } catch {
            throw ValidationError("--endpoint: \(error.message)")
        }
    }

    func run() throws {
        let (ledger, _) = try LedgerFile.open(dataDirectory: data)
        let chain = LocalChain(ledger: ledger)
        do {
            let head = try chain.head()
            let (uid, registered) = try chain.join(netuid: netuid, hotkey: hotkey, coldkey: coldkey ?? hotkey)
            try chain.serve(netuid: netuid, hotkey: hotkey, endpoint: endpoint)
            print(
                "\(registered ? "registered" : "updated") uid \(uid) on subnet \(netuid) at block \(head): \(hotkey) at \(endpoint)"
            )
        } catch let error as ChainError {
            FileHandle.standardError.write(Data("Error: \(error.message)\n".utf8))
            throw ExitCode(error.code == .notFound ? 2 : 1)
        }
    }
}
