import Foundation
import Testing

@testable import Wire

/// Mnemonic phrases as substrate, btcli and the SDK read them (SR25519.md's vectors).
@Suite struct MnemonicTests {
    static let phrase = "bottom drive obey lake curtain smoke basket hold race lonely fit walk"

    @Test func theEmbeddedWordlistIsTheStandardOne() {
        #expect(Mnemonic.english.count == 2048)
        // SHA-256 of BIP-39's english.txt (one word per line, newline-terminated).
        let file = Mnemonic.english.map { $0 + "\n" }.joined()
        #expect(SHA256.hex(Array(file.utf8)) == "2f5eed53a4727b4bf8880d8f3f199efc90e58503646d9ff8eff3a2ed3b24dbda")
    }

    @Test func substratesDevelopmentPhraseGivesItsKey() throws {
        #expect(Hex.encode(try Mnemonic.entropy(of: Self.phrase)) == "1a486a5fbe53639984cb64b070755f7b")
        let mini = try Mnemonic.miniSecret(of: Self.phrase)
        #expect(Hex.encode(mini) == "fac7959dbfe72f052e5a0c3c8d6530f202b02fd8f9f5ca3580ec8deb7797479e")
        let key = try Hotkey(seed: mini, scheme: .sr25519)
        #expect(key.address.string == "5DfhGyQdFobKM8NsWvEeAKk5EQQgYe9AydgJ7rMB6E1EqRzV")
        // Extra whitespace and capitals are the same phrase; a passphrase is another key.
        #expect(
            try Mnemonic.miniSecret(of: "  BOTTOM drive obey lake curtain smoke basket hold race lonely fit walk\n")
                == mini)
        #expect(try Mnemonic.miniSecret(of: Self.phrase, passphrase: "x") != mini)
    }

    @Test(arguments: [
        ("bottom drive obey lake curtain smoke basket hold race lonely fit", "12, 15, 18, 21 or 24 words"),
        ("bottom drive obey lake curtain smoke basket hold race lonely fit synod", "word 12"),
        ("drive bottom obey lake curtain smoke basket hold race lonely fit walk", "checksum"),
    ])
    func badPhrasesAreRefusedWithTheReason(phrase: String, reason: String) {
        #expect {
            try Mnemonic.entropy(of: phrase)
        } throws: { error in
            String(describing: error).contains(reason)
        }
    }
}
