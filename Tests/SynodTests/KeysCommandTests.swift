import Foundation
import Testing

@Suite("synod keys")
struct KeysCommandTests {
    func wallets() throws -> String {
        let path = NSTemporaryDirectory() + "synod-keys-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    @Test func newShowListRoundTrip() throws {
        let root = try wallets()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let made = try synod(["keys", "new", "--wallet", "validator", "--hotkey", "hk", "--wallets-dir", root])
        #expect(made.status == 0)
        let address = made.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(address.hasPrefix("5") && address.count == 48)
        #expect(made.stderr.contains("mode 0600"))

        let shown = try synod([
            "keys", "show", "--wallet", "validator", "--hotkey", "hk", "--wallets-dir", root, "--json",
        ])
        let object = try JSONSerialization.jsonObject(with: Data(shown.stdout.utf8)) as? [String: Any]
        #expect(object?["address"] as? String == address)
        #expect(object?["cryptoType"] as? String == "sr25519")  // the SDK's default
        #expect(object?["secretSeed"] == nil)  // never the seed unless asked
        let withSeed = try synod([
            "keys", "show", "--wallet", "validator", "--hotkey", "hk", "--wallets-dir", root, "--seed",
        ])
        #expect(withSeed.stdout.contains("secret seed 0x"))

        let ed = try synod([
            "keys", "new", "--wallet", "validator", "--hotkey", "ed", "--wallets-dir", root, "--crypto", "ed25519",
        ])
        let edAddress = ed.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let listed = try synod(["keys", "list", "--wallets-dir", root])
        #expect(listed.stdout == "validator/ed  \(edAddress)  ed25519\nvalidator/hk  \(address)  sr25519\n")

        // A second `new` does not destroy the key.
        let again = try synod(["keys", "new", "--wallet", "validator", "--hotkey", "hk", "--wallets-dir", root])
        #expect(again.status == 1)
        #expect(again.stderr.contains("already exists; refusing to overwrite a key (pass --force to replace it)"))
    }

    @Test func aWorldReadableKeyIsRefused() throws {
        let root = try wallets()
        defer { try? FileManager.default.removeItem(atPath: root) }
        _ = try synod(["keys", "new", "--wallets-dir", root])
        let path = root + "/default/hotkeys/default"
        chmod(path, 0o644)
        let shown = try synod(["keys", "show", "--wallets-dir", root])
        #expect(shown.status == 1)
        #expect(
            shown.stderr
                == "Error: key file \(path): is readable by other users (mode 644); a private key must be private: run `chmod 600 \(path)`\n"
        )
        let missing = try synod(["keys", "show", "--wallet", "nobody", "--wallets-dir", root])
        #expect(missing.status == 1)
        #expect(missing.stderr.contains("no such file; create one with `synod keys new`"))
    }

    /// The phrase comes from standard input and gives the key btcli would.
    @Test func regenFromAMnemonicOnStandardInput() throws {
        let root = try wallets()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let phrase = "bottom drive obey lake curtain smoke basket hold race lonely fit walk\n"
        let made = try synod(["keys", "regen", "--mnemonic", "--wallets-dir", root], stdin: phrase)
        #expect(made.status == 0, "\(made.stderr)")
        #expect(made.stdout == "5DfhGyQdFobKM8NsWvEeAKk5EQQgYe9AydgJ7rMB6E1EqRzV\n")
        let bad = try synod(
            ["keys", "regen", "--mnemonic", "--wallets-dir", root, "--hotkey", "x"],
            stdin: "drive bottom obey lake curtain smoke basket hold race lonely fit walk\n")
        #expect(bad.status == 1)
        #expect(bad.stderr.contains("checksum does not match"))
        let noSource = try synod(["keys", "regen", "--wallets-dir", root, "--hotkey", "y"])
        #expect(noSource.status == 2)
    }
}
