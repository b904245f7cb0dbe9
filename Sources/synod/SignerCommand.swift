import ArgumentParser
import Foundation
import Wire

/// `synod signer`: the process that holds a host's hotkeys. `synod up` starts it; it is a
/// command so the same executable can be both, not something to run by hand.
struct SignerCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "signer",
        abstract: "Hold hotkeys in a process of their own and sign btauth/1 requests for its parent.",
        discussion: """
            Started by `synod up` (and later `synod validate`): the hotkeys' seeds live only in \
            this process, which runs no plugin code. It listens on a Unix socket (mode 0600, \
            same-user peers only), signs btauth/1 request payloads whose sender is one of its \
            keys and nothing else, is not dumpable, locks its memory when the limit allows, \
            and exits when its standard input closes (its parent is gone).

            Exit status: 0 parent gone; 1 keys or socket unusable.
            """,
        // Started by other commands, not typed: kept out of `synod --help`.
        shouldDisplay: false
    )

    @Option(help: "The wallets folder (the SDK's layout: <wallets>/<wallet>/hotkeys/<name>).")
    var wallets: String

    @Option(help: "The wallet whose hotkeys to hold.")
    var wallet = "synod-local"

    @Option(help: "The Unix socket to listen on.")
    var socket: String

    @Option(help: "Hotkey names to hold, comma-separated; missing ones are made.")
    var create: String

    func run() throws {
        let hardening = SignerKeys.hardenProcess()
        let names = create.split(separator: ",").map(String.init)
        let server: SignerServer
        do {
            let keys = try SignerKeys.load(names: names, wallet: wallet, walletsDirectory: wallets, create: true)
            server = try SignerServer(keys: keys, socketPath: socket)
        } catch {
            print("error: \(error)")
            throw ExitCode(1)
        }
        Thread { server.serve() }.start()
        FileHandle.standardOutput.write(Data("ready: \(names.count) keys on \(socket); \(hardening)\n".utf8))
        // Until the parent closes our standard input (or dies): then no one needs us.
        _ = FileHandle.standardInput.readDataToEndOfFile()
        unlink(socket)
        // Straight out, without exit()'s teardown: connection threads may still be reading
        // as the parent closes their sockets, and tearing the runtime down under them was
        // seen to abort ("double free or corruption"). Nothing is buffered: all output went
        // through write(2).
        _exit(0)
    }
}
