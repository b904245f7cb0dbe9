import ArgumentParser
import Foundation
import Wire

/// `synod keys`: hotkeys in the bittensor wallet layout.
struct KeysCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keys",
        abstract: "Create, show and list hotkeys, sr25519 or ed25519 (bittensor wallet layout).",
        discussion: """
            Keys live at <wallets-dir>/<wallet>/hotkeys/<hotkey> in the bittensor SDK's JSON, so \
            the SDK and btcli read Synod's keys and Synod reads theirs (sr25519 or ed25519, \
            unencrypted). New keys are sr25519, as the SDK makes them. Key files are written \
            with mode 0600; one that other users can read is refused.
            """,
        subcommands: [New.self, Regen.self, Show.self, List.self]
    )

    struct Location: ParsableArguments {
        @Option(help: "The wallet (the coldkey's folder).")
        var wallet = "default"

        @Option(help: "The hotkey's name in the wallet.")
        var hotkey = "default"

        @Option(
            name: .customLong("wallets-dir"),
            help: "The wallets folder (default: $SYNOD_WALLETS_DIR, else ~/.bittensor/wallets).")
        var walletsDirectory: String?

        var path: String {
            KeyFile.path(wallet: wallet, hotkey: hotkey, walletsDirectory: walletsDirectory ?? defaultWallets)
        }
    }

    struct New: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create a new random hotkey (sr25519 unless --crypto ed25519) and print its address.")

        @OptionGroup var location: Location

        @Option(help: "The signature scheme: sr25519 (the SDK's default) or ed25519.")
        var crypto: Crypto = .sr25519

        @Flag(help: "Replace an existing key file (the old key is lost).")
        var force = false

        func run() throws {
            let path = location.path
            let hotkey = try Hotkey.generate(scheme: crypto.scheme)
            try KeysCommand.fail { () throws(WireError) in try KeyFile.write(hotkey, to: path, overwrite: force) }
            print(hotkey.address.string)
            FileHandle.standardError.write(Data("wrote \(path) (mode 0600)\n".utf8))
        }
    }

    struct Regen: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Recreate a hotkey from its mnemonic phrase, read from standard input.",
            discussion: """
                The phrase (12 to 24 BIP-39 English words) is read from standard input, never \
                from an argument (arguments show in `ps` and in shell history). A second line, if \
                given, is the passphrase. The key is derived as substrate, btcli and the SDK do, \
                so the same phrase gives the same address here and there.
                """)

        @OptionGroup var location: Location

        @Flag(help: "Read a mnemonic phrase from standard input (the only source supported).")
        var mnemonic = false

        @Option(help: "The signature scheme: sr25519 (the SDK's default) or ed25519.")
        var crypto: Crypto = .sr25519

        @Flag(help: "Replace an existing key file (the old key is lost).")
        var force = false

        func run() throws {
            guard mnemonic else {
                throw ValidationError("say where the key comes from: --mnemonic (read from standard input)")
            }
            let input = String(decoding: FileHandle.standardInput.readDataToEndOfFile(), as: UTF8.self)
            let lines = input.split(separator: "\n", omittingEmptySubsequences: false)
            let phrase = lines.first.map(String.init) ?? ""
            let passphrase = lines.count > 1 ? String(lines[1]) : ""
            let path = location.path
            let hotkey = try KeysCommand.fail { () throws(WireError) in
                try Hotkey(seed: Mnemonic.miniSecret(of: phrase, passphrase: passphrase), scheme: crypto.scheme)
            }
            try KeysCommand.fail { () throws(WireError) in try KeyFile.write(hotkey, to: path, overwrite: force) }
            print(hotkey.address.string)
            FileHandle.standardError.write(Data("wrote \(path) (mode 0600)\n".utf8))
        }
    }

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print a hotkey's address and public key (the secret seed only with --seed).")

        @OptionGroup var location: Location

        @Flag(help: "Also print the secret seed. Anyone with it can sign as this hotkey.")
        var seed = false

        @Flag(help: "Print JSON.")
        var json = false

        func run() throws {
            let path = location.path
            let hotkey = try KeysCommand.fail { () throws(WireError) in try KeyFile.read(at: path) }
            let publicKey = "0x" + Hex.encode(hotkey.publicKeyBytes)
            let secret = seed ? "0x" + Hex.encode(hotkey.seed) : nil
            if json {
                var fields = [
                    "address": hotkey.address.string, "publicKey": publicKey, "cryptoType": hotkey.scheme.rawValue,
                    "path": path,
                ]
                fields["secretSeed"] = secret
                let data = try JSONSerialization.data(
                    withJSONObject: fields, options: [.sortedKeys, .withoutEscapingSlashes])
                print(String(decoding: data, as: UTF8.self))
            } else {
                print("address     \(hotkey.address.string)")
                print("public key  \(publicKey)")
                print("crypto      \(hotkey.scheme.rawValue)")
                print("file        \(path)")
                if let secret { print("secret seed \(secret)") }
            }
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List every hotkey under the wallets folder with its address.")

        @Option(name: .customLong("wallets-dir"), help: "The wallets folder (default as for `new`).")
        var walletsDirectory: String?

        func run() throws {
            let root = walletsDirectory ?? defaultWallets
            let keys = KeyFile.list(walletsDirectory: root)
            if keys.isEmpty {
                FileHandle.standardError.write(
                    Data("no hotkeys under \(root); create one with `synod keys new`\n".utf8))
                return
            }
            for key in keys {
                let name = "\(key.wallet)/\(key.hotkey)"
                do {
                    let hotkey = try KeyFile.read(at: key.path)
                    print("\(name)  \(hotkey.address.string)  \(hotkey.scheme.rawValue)")
                } catch {
                    // One unreadable key must not hide the others.
                    print("\(name)  (unusable: \(error))")
                }
            }
        }
    }

    /// Turns a ``WireError`` into Synod's one-line error and exit status 1.
    static func fail<T>(_ body: () throws(WireError) -> T) throws -> T {
        do {
            return try body()
        } catch {
            FileHandle.standardError.write(Data("Error: \(error)\n".utf8))
            throw ExitCode(1)
        }
    }
}

/// The `--crypto` values.
enum Crypto: String, ExpressibleByArgument, CaseIterable {
    case sr25519, ed25519

    var scheme: BTAuth.Scheme { self == .sr25519 ? .sr25519 : .ed25519 }
}

private var defaultWallets: String {
    ProcessInfo.processInfo.environment["SYNOD_WALLETS_DIR"] ?? KeyFile.defaultWalletsDirectory
}
