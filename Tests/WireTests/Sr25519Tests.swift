import CKeccak
import CLibCrypto
import CRistretto
import CSodium
import Foundation
import Testing

@testable import Wire

/// sr25519 from the bottom up: Keccak-f against OpenSSL's SHA3-256, Merlin against its
/// published vectors, keys and a signature against the SDK's (SR25519.md's vectors).
@Suite struct Sr25519Tests {
    static func hex(_ text: String) -> [UInt8] { Hex.decode(text)! }

    /// SHA3-256 of a message shorter than one block, through our permutation.
    static func sha3(_ message: [UInt8]) -> [UInt8] {
        var state = [UInt8](repeating: 0, count: 200)
        for (i, byte) in message.enumerated() { state[i] ^= byte }
        state[message.count] ^= 0x06
        state[135] ^= 0x80
        state.withUnsafeMutableBufferPointer { synod_keccak_f1600($0.baseAddress!) }
        return Array(state[0..<32])
    }

    @Test(arguments: ["", "abc", String(repeating: "x", count: 100), String(repeating: "é", count: 60)])
    func keccakMatchesOpenSSLsSHA3(message: String) {
        let bytes = Array(message.utf8)
        var digest = [UInt8](repeating: 0, count: 32)
        var length: UInt32 = 32
        #expect(EVP_Digest(bytes, bytes.count, &digest, &length, EVP_sha3_256(), nil) == 1)
        #expect(Self.sha3(bytes) == digest)
    }

    @Test func merlinMatchesItsPublishedVectors() {
        var simple = MerlinTranscript(label: Array("test protocol".utf8))
        simple.append(label: Array("some label".utf8), message: Array("some data".utf8))
        #expect(
            Hex.encode(simple.challengeBytes(label: Array("challenge".utf8), count: 32))
                == "d5a21972d0d5fe320c0d263fac7fffb8145aa640af6e9bca177c03c7efcf0615")

        // Messages that wrap the sponge, many rounds.
        var complex = MerlinTranscript(label: Array("test protocol".utf8))
        complex.append(label: Array("step1".utf8), message: Array("some data".utf8))
        let data = [UInt8](repeating: 99, count: 1024)
        var challenge: [UInt8] = []
        for _ in 0..<32 {
            challenge = complex.challengeBytes(label: Array("challenge".utf8), count: 32)
            complex.append(label: Array("bigdata".utf8), message: data)
            complex.append(label: Array("challengedata".utf8), message: challenge)
        }
        #expect(Hex.encode(challenge) == "a8c933f54fae76e3f9bea93648c1308e7dfa2152dd51674ff3ca438351cf003c")
    }

    static let mini = "fac7959dbfe72f052e5a0c3c8d6530f202b02fd8f9f5ca3580ec8deb7797479e"

    @Test func aMiniSecretExpandsAsSubstrateDoes() throws {
        let key = try Sr25519PrivateKey(miniSecret: Self.hex(Self.mini))
        #expect(
            Hex.encode(key.expanded)
                == "05d65584630d16cd4af6d0bec10f34bb504a5dcb62dba2122d49f5a663763d0afd190cce74df356432b410bd64682309d6dedb27c76845daf388557cbac3ca34"
        )
        #expect(Hex.encode(key.publicKey.bytes) == "46ebddef8cd9bb167dc30878d7113b7e168e6f0646beffd77d69d39bad76b47a")
        #expect(key.publicKey.address.string == "5DfhGyQdFobKM8NsWvEeAKk5EQQgYe9AydgJ7rMB6E1EqRzV")
        #expect(key.miniSecret == Self.hex(Self.mini))
    }

    /// A signature `bittensor_core` made: it verifies, and no single flipped bit does.
    @Test func theSDKsSignatureVerifiesAndNoBitFlipDoes() throws {
        let key = try Sr25519PrivateKey(miniSecret: Self.hex(Self.mini)).publicKey
        let message = Array("synod sr25519 test vector".utf8)
        let signature = Self.hex(
            "a0dda8f494f05542f32d5f3d7d0d762ec6613116a8e8a384bcefbdf96a9df34f021b02cd0f990bb8c5ced797525d36c9e0cd947d6eb14fcf8e67aaf403332b82"
        )
        #expect(key.verify(signature: signature, of: message))
        for bit in 0..<512 {
            var flipped = signature
            flipped[bit / 8] ^= UInt8(1 << (bit % 8))
            #expect(!key.verify(signature: flipped, of: message), "bit \(bit)")
        }
        var other = message
        other[0] ^= 1
        #expect(!key.verify(signature: signature, of: other))
    }

    @Test func signaturesAreRandomisedAndVerify() throws {
        let key = try Sr25519PrivateKey.generate()
        let message = Array("btauth/1\nsr25519\nPOST\n/\n00\n1\n5F\n-".utf8)
        let a = key.sign(message)
        let b = key.sign(message)
        #expect(a != b)
        #expect(key.publicKey.verify(signature: a, of: message) && key.publicKey.verify(signature: b, of: message))
        #expect(a[63] & 0x80 != 0)
        // Without the marker (an ed25519-style signature) it is refused.
        var unmarked = a
        unmarked[63] &= 0x7f
        #expect(!key.publicKey.verify(signature: unmarked, of: message))
        // s + ℓ (same value mod ℓ, not canonical) is refused.
        var s = Array(a[32..<64])
        s[31] &= 0x7f
        var carry = 0
        for i in 0..<32 {
            let sum = Int(s[i]) + Int(Sr25519.order[i]) + carry
            s[i] = UInt8(sum & 0xff)
            carry = sum >> 8
        }
        if s[31] & 0x80 == 0 {
            s[31] |= 0x80
            #expect(!key.publicKey.verify(signature: Array(a[0..<32]) + s, of: message))
        }
        // Another key's signature does not verify.
        #expect(!(try Sr25519PrivateKey.generate()).publicKey.verify(signature: a, of: message))
    }

    /// btauth/1 with sr25519 both ways in process: a dendrite signing with an sr25519 key is
    /// answered by an axon; the headers are the SDK's (no X-Bittensor-Crypto).
    @Test func anSr25519DendriteIsAnsweredByTheAxon() async throws {
        let key = try Sr25519PrivateKey.generate()
        let headers = try await BTAuthSigner.headers(
            method: "POST", target: Golden.path, body: Golden.body, receiver: Golden.receiver.address, signer: key)
        #expect(!headers.contains { $0.name == BTAuth.Header.crypto })
        let caller = try BTAuthVerifier(receiver: Golden.receiver.address).verify(
            method: "POST", target: Golden.path, header: lookup(headers), body: Golden.body)
        #expect(caller.hotkey == key.address)
        try await withAxon(service: SumService(validators: [key.address])) { port in
            let dendrite = Dendrite(signer: key)
            let outcome = await dendrite.forward(
                Golden.body, to: MinerEndpoint(hotkey: Golden.receiver.address, url: "http://127.0.0.1:\(port)"),
                netuid: 1)
            #expect(outcome.status == 200)
            try await dendrite.shutdown()
        }
    }

    /// A signature over `<Bytes>`payload`</Bytes>` (how browser wallets sign raw bytes) is
    /// accepted for sr25519, as the SDK's verifier accepts it.
    @Test func aBytesWrappedSr25519SignatureIsAccepted() throws {
        let key = try Sr25519PrivateKey.generate()
        let nonce = BTAuth.now()
        let payload = BTAuth.payload(
            scheme: .sr25519, method: "POST", target: Golden.path, bodySHA256Hex: Digest.sha256Hex(Golden.body),
            nonce: nonce, sender: key.address.string, receiver: Golden.receiver.address.string)
        let headers: [(name: String, value: String)] = [
            (BTAuth.Header.version, "1"), (BTAuth.Header.hotkey, key.address.string),
            (BTAuth.Header.nonce, String(nonce)),
            (BTAuth.Header.signature, "0x" + Hex.encode(key.sign(BTAuth.bytesWrapped(payload)))),
            (BTAuth.Header.receiver, Golden.receiver.address.string),
        ]
        let caller = try BTAuthVerifier(receiver: Golden.receiver.address).verify(
            method: "POST", target: Golden.path, header: lookup(headers), body: Golden.body)
        #expect(caller.hotkey == key.address)
    }

    /// The variable-time joint multiplication agrees with libsodium's constant-time
    /// operations (a·B + b·P) on random inputs, and refuses invalid encodings.
    @Test func theJointMultiplicationAgreesWithLibsodium() {
        _ = sodium_init()
        // Scalars whose digits are extreme: 0, 1, ℓ − 1 (the largest), runs of ones (every
        // window's digit negative, carries through), a lone top bit; then random ones.
        let order = Sr25519.order
        var lMinus1 = order
        lMinus1[0] -= 1
        var ones = [UInt8](repeating: 0xff, count: 32)
        ones[31] = 0x0f
        var topBit = [UInt8](repeating: 0, count: 32)
        topBit[31] = 0x10
        var alternating = [UInt8](repeating: 0x55, count: 32)
        alternating[31] = 0x05
        let zero = [UInt8](repeating: 0, count: 32)
        let special = [zero, [1] + [UInt8](repeating: 0, count: 31), lMinus1, ones, topBit, alternating]
        for trial in 0..<(special.count * special.count + 256) {
            var a = [UInt8](repeating: 0, count: 32)
            var b = a
            var p = a
            crypto_core_ristretto255_scalar_random(&a)
            crypto_core_ristretto255_scalar_random(&b)
            crypto_core_ristretto255_random(&p)
            if trial < special.count * special.count {
                a = special[trial / special.count]
                b = special[trial % special.count]
            }
            var aB = [UInt8](repeating: 0, count: 32)
            var bP = aB
            var sum = aB
            var joint = aB
            // libsodium refuses a product that is the identity (encoded as 32 zero bytes).
            #expect((crypto_scalarmult_ristretto255_base(&aB, a) == 0) == (a != zero))
            #expect((crypto_scalarmult_ristretto255(&bP, b, p) == 0) == (b != zero))
            if a == zero { aB = zero }
            if b == zero { bP = zero }
            #expect(crypto_core_ristretto255_add(&sum, aB, bP) == 0)
            #expect(synod_ristretto255_double_scalarmult_vartime(&joint, a, p, b) == 0)
            #expect(joint == sum)
        }
        var out = [UInt8](repeating: 0, count: 32)
        // Not canonical (p itself), negative (odd), and the top bit set: all refused.
        var p = [UInt8](repeating: 0xff, count: 32)
        p[0] = 0xed
        p[31] = 0x7f
        #expect(synod_ristretto255_double_scalarmult_vartime(&out, zero, p, zero) == -1)
        var odd = [UInt8](repeating: 0, count: 32)
        odd[0] = 1
        #expect(synod_ristretto255_double_scalarmult_vartime(&out, zero, odd, zero) == -1)
        var top = [UInt8](repeating: 0, count: 32)
        top[31] = 0x80
        #expect(synod_ristretto255_double_scalarmult_vartime(&out, zero, top, zero) == -1)
    }
}
