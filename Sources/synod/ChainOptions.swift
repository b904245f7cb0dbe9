import ArgumentParser
import Foundation
import Wire

/// How a command reaches a remote chain: its API, its hotkey, the subnet.
struct ChainOptions: ParsableArguments {
    @Option(help: "The chain's API, as synod up logs it: http://HOST:PORT.")
    var chain = "http://127.0.0.1:9464"

    @Option(
        name: .customLong("chain-hotkey"),
        help: "The chain's hotkey (ss58), as synod up logs it: 'chain API on … (chain hotkey 5…)'.")
    var chainHotkey: String

    @Option(help: "The subnet.")
    var netuid: Int

    var chainAddress: SS58Address {
        get throws {
            do {
                return try SS58Address(chainHotkey)
            } catch {
                throw ValidationError("--chain-hotkey '\(chainHotkey)' is not an ss58 address: \(error)")
            }
        }
    }

    func check() throws {
        _ = try chainAddress
        guard let url = URL(string: chain), ["http", "https"].contains(url.scheme ?? ""), url.host != nil else {
            throw ValidationError("--chain '\(chain)' is not http://HOST:PORT.")
        }
        guard (0...65535).contains(netuid) else { throw ValidationError("--netuid must be from 0 to 65535.") }
    }
}

extension KeysCommand.Location {
    /// The hotkey this location names, read from its key file (a clear error when it cannot be).
    func load() throws -> Hotkey {
        do {
            return try KeyFile.read(at: path)
        } catch {
            throw ValidationError(
                "cannot read the hotkey at \(path): \(error); create one with `synod keys new --wallet \(wallet) "
                    + "--hotkey \(hotkey)` or pass --wallets-dir")
        }
    }
}
