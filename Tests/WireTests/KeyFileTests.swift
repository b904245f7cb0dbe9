import Foundation
import Testing

@testable import Wire

@Suite struct KeyFileTests {
    /// What bittensor 11.3.0 writes for the golden sender (`serialized_keypair_to_keyfile_data`).
    static let sdkJSON =
        #"{"accountId":"0x03a107bff3ce10be1d70dd18e74bc09967e4d6309ba50d5f1ddc8664125531b8","publicKey":"0x03a107bff3ce10be1d70dd18e74bc09967e4d6309ba50d5f1ddc8664125531b8","secretSeed":"0x000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f","ss58Address":"5C9TqVEs5Q51zUdjvp6tSsjHAfLseJKq1Dq6ULcuSLqEuRSf","privateKey":"0x000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f","cryptoType":0}"#

    @Test func writesTheSDKsJSONByteForByte() {
        #expect(KeyFile.json(for: Golden.sender) == Self.sdkJSON)
    }

    @Test func writeThenReadWithOwnerOnlyModes() throws {
        let root = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let path = KeyFile.path(wallet: "validator", hotkey: "default", walletsDirectory: root)
        #expect(path == root + "/validator/hotkeys/default")
        try KeyFile.write(Golden.sender, to: path)
        let attributes = try FileManager.default.attributesOfItem(atPath: path)
        #expect((attributes[.posixPermissions] as? Int) == 0o600)
        let directory = try FileManager.default.attributesOfItem(atPath: root + "/validator/hotkeys")
        #expect((directory[.posixPermissions] as? Int) == 0o700)
        let read = try KeyFile.read(at: path)
        #expect(read.address == Golden.sender.address)
        #expect(read.seed == Golden.senderSeed)
        #expect(KeyFile.list(walletsDirectory: root).map(\.hotkey) == ["default"])
        // Existing keys are not overwritten unless asked.
        #expect(throws: WireError.self) { try KeyFile.write(Golden.receiver, to: path) }
        try KeyFile.write(Golden.receiver, to: path, overwrite: true)
        #expect(try KeyFile.read(at: path).address == Golden.receiver.address)
    }

    @Test func aKeyOthersCanReadIsRefusedWithTheFix() throws {
        let root = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let path = root + "/w/hotkeys/h"
        try KeyFile.write(Golden.sender, to: path)
        chmod(path, 0o644)
        #expect {
            try KeyFile.read(at: path)
        } throws: { error in
            let text = String(describing: error)
            return text.contains("readable by other users (mode 644)") && text.contains("chmod 600 \(path)")
        }
    }

    @Test(arguments: [
        ("$NACL....", "encrypted"),
        ("not json", "not valid JSON"),
        ("[1]", "not a JSON object"),
        (#"{"cryptoType":1,"secretSeed":"0x00"}"#, "not 32 bytes"),
        (#"{"cryptoType":7}"#, "unknown cryptoType 7"),
        (#"{"cryptoType":1,"privateKey":"0x00"}"#, "regenerate it from its mnemonic"),
        (#"{"cryptoType":0}"#, "no \"secretSeed\""),
        (#"{"cryptoType":0,"secretSeed":"0x0102"}"#, "not 32 bytes"),
        (
            #"{"cryptoType":0,"secretSeed":"0x000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f","ss58Address":"5HMuAqymF33H73ZiBpmZ3TigFzHCopV9doyb9UfQdyDgZMUp"}"#,
            "does not belong"
        ),
    ])
    func badKeyFilesAreRefusedWithTheReason(content: String, reason: String) {
        #expect {
            try KeyFile.parse(Array(content.utf8), path: "/k")
        } throws: { error in
            String(describing: error).contains(reason) && String(describing: error).hasPrefix("key file /k:")
        }
    }

    @Test func aMissingFileSaysHowToMakeOne() {
        #expect {
            try KeyFile.read(at: "/nonexistent/synod/key")
        } throws: { error in
            String(describing: error).contains("synod keys new")
        }
    }

    /// A stock sr25519 hotkey file (SR25519.md's development key, as the SDK writes it):
    /// read with its scheme; a file without `cryptoType` is sr25519 too; a privateKey that
    /// does not belong to the seed is refused; Synod writes the same JSON back.
    @Test func sr25519KeyFilesReadAndWrite() throws {
        let mini = "0xfac7959dbfe72f052e5a0c3c8d6530f202b02fd8f9f5ca3580ec8deb7797479e"
        let expanded =
            "0x05d65584630d16cd4af6d0bec10f34bb504a5dcb62dba2122d49f5a663763d0afd190cce74df356432b410bd64682309d6dedb27c76845daf388557cbac3ca34"
        let publicKey = "0x46ebddef8cd9bb167dc30878d7113b7e168e6f0646beffd77d69d39bad76b47a"
        let address = "5DfhGyQdFobKM8NsWvEeAKk5EQQgYe9AydgJ7rMB6E1EqRzV"
        let file =
            #"{"accountId":"\#(publicKey)","publicKey":"\#(publicKey)","secretSeed":"\#(mini)","#
            + #""ss58Address":"\#(address)","privateKey":"\#(expanded)","cryptoType":1}"#
        let key = try KeyFile.parse(Array(file.utf8), path: "/k")
        #expect(key.scheme == .sr25519 && key.address.string == address)
        #expect(KeyFile.json(for: key) == file)
        let untyped = try KeyFile.parse(Array(#"{"secretSeed":"\#(mini)"}"#.utf8), path: "/k")
        #expect(untyped.scheme == .sr25519 && untyped.address.string == address)
        let damaged = file.replacingOccurrences(of: "0x05d6", with: "0x06d6")
        #expect {
            try KeyFile.parse(Array(damaged.utf8), path: "/k")
        } throws: { error in
            String(describing: error).contains("\"privateKey\" does not belong to the seed")
        }
        let root = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let made = try Hotkey.generate(scheme: .sr25519)
        try KeyFile.write(made, to: root + "/w/hotkeys/h")
        let back = try KeyFile.read(at: root + "/w/hotkeys/h")
        #expect(back.scheme == .sr25519 && back.address == made.address && back.seed == made.seed)
        let pub = try String(contentsOfFile: root + "/w/hotkeys/hpub.txt", encoding: .utf8)
        #expect(pub.contains(#""cryptoType":1"#))
    }
}
