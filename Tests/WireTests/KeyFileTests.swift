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
        #expect(read.privateKey.seed == Golden.senderSeed)
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
        (#"{"cryptoType":1,"secretSeed":"0x00"}"#, "sr25519"),
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
}
