import Testing

@testable import Wire

@Suite struct SS58AddressTests {
    @Test func goldenKeysGiveTheGoldenAddresses() throws {
        #expect(Hex.encode(Golden.sender.publicKeyBytes) == Golden.senderPublicKey)
        #expect(Golden.sender.address.string == Golden.senderAddress)
        #expect(Golden.receiver.address.string == Golden.receiverAddress)
    }

    @Test func parsingRoundTrips() throws {
        let parsed = try SS58Address(Golden.senderAddress)
        #expect(Hex.encode(parsed.publicKey) == Golden.senderPublicKey)
        #expect(parsed == Golden.sender.address)
        #expect(SS58Address(publicKey: parsed.publicKey).string == Golden.senderAddress)
    }

    @Test(arguments: [
        ("", "empty"),
        ("5C9TqVEs5Q51zUdjvp6tSsjHAfLseJKq1Dq6ULcuSLqEuRS0", "not base58"),
        ("5C9TqVEs5Q51zUdjvp6tSsjHAfLseJKq1Dq6ULcuSLqEuRSg", "checksum"),
        ("5C9TqVEs5Q51zUdjvp6tSsjHAfLse", "decodes to"),
        // The golden key under Polkadot's prefix 0.
        ("15kypVvwBLVS1eFtT9tb2ZS2HLXLbsy5iZaddcFzRrm5izi", "prefix"),
    ])
    func invalidAddressesAreRefusedWithTheReason(text: String, reason: String) {
        #expect {
            try SS58Address(text)
        } throws: { error in
            String(describing: error).contains(reason)
        }
    }

    @Test func hexDecodesBothCasesAndThePrefix() {
        #expect(Hex.decode("0xABcd") == [0xab, 0xcd])
        #expect(Hex.decode("abc") == nil)
        #expect(Hex.decode("zz") == nil)
        #expect(Hex.encode([0, 255, 16]) == "00ff10")
    }

    @Test func ed25519SignaturesVerifyAndTamperingFails() throws {
        let key = try Ed25519PrivateKey.generate()
        let message = Array("hello".utf8)
        let signature = key.sign(message)
        #expect(signature.count == 64)
        #expect(key.publicKey.verify(signature: signature, of: message))
        #expect(!key.publicKey.verify(signature: signature, of: Array("hellp".utf8)))
        var flipped = signature
        flipped[10] ^= 1
        #expect(!key.publicKey.verify(signature: flipped, of: message))
        #expect(!key.publicKey.verify(signature: Array(signature.prefix(63)), of: message))
        // libsodium and libcrypto agree, on good and bad signatures alike.
        #expect(key.publicKey.verifyWithOpenSSL(signature: signature, of: message))
        #expect(!key.publicKey.verifyWithOpenSSL(signature: flipped, of: message))
        for length in [0, 1, 255, 4096] {
            let bytes = (0..<length).map { UInt8(truncatingIfNeeded: $0 &* 31) }
            let signed = key.sign(bytes)
            #expect(key.publicKey.verify(signature: signed, of: bytes))
            #expect(key.publicKey.verifyWithOpenSSL(signature: signed, of: bytes))
        }
        #expect(throws: WireError.self) { try Ed25519PrivateKey(seed: [1, 2, 3]) }
    }
}
