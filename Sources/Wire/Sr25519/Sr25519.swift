internal import CRistretto
internal import CSodium

/// An sr25519 (schnorrkel) signing key, as every `btcli` / `bittensor` wallet makes them:
/// Schnorr signatures on ristretto255 (libsodium) with Merlin transcripts, in substrate's
/// signing context.
///
/// Made from the 32-byte mini-secret a key file stores as `secretSeed`, expanded the way
/// substrate does ("ed25519 mode": SHA-512, clamp, divide by the cofactor; the upper half
/// is the signing nonce). Signatures are randomised: the same message signs differently
/// each time, and every one of them verifies.
public final class Sr25519PrivateKey: @unchecked Sendable {
    // @unchecked: immutable after init; the buffer is read by `sign` and wiped in deinit.
    /// key (32, a canonical scalar) ‖ nonce (32), in a buffer wiped when the key is freed.
    private let secret: UnsafeMutableBufferPointer<UInt8>
    /// The mini-secret, kept for key files (wiped with the rest).
    private let mini: UnsafeMutableBufferPointer<UInt8>
    public let publicKey: Sr25519PublicKey

    /// A key from a 32-byte mini-secret (a key file's `secretSeed`).
    public init(miniSecret: [UInt8]) throws(WireError) {
        _ = Sodium.ready
        guard miniSecret.count == 32 else {
            throw .invalidKey("an sr25519 mini-secret is 32 bytes, got \(miniSecret.count)")
        }
        var hash = [UInt8](repeating: 0, count: 64)
        crypto_hash_sha512(&hash, miniSecret, 32)
        defer { hash.withUnsafeMutableBytes { PrivateFiles.wipe($0) } }
        hash[0] &= 248
        hash[31] &= 63
        hash[31] |= 64
        // Divide the 256-bit little-endian number by 8 (the cofactor), high byte first.
        var carry: UInt8 = 0
        for i in stride(from: 31, through: 0, by: -1) {
            let low = hash[i] & 0b111
            hash[i] = (hash[i] >> 3) | carry
            carry = low << 5
        }
        secret = .allocate(capacity: 64)
        _ = secret.initialize(from: hash)
        mini = .allocate(capacity: 32)
        _ = mini.initialize(from: miniSecret)
        var point = [UInt8](repeating: 0, count: 32)
        guard crypto_scalarmult_ristretto255_base(&point, secret.baseAddress!) == 0 else {
            secret.deallocate()
            mini.deallocate()
            throw .invalidKey("the mini-secret gives the identity point")
        }
        publicKey = Sr25519PublicKey(point)
    }

    deinit {
        PrivateFiles.wipe(UnsafeMutableRawBufferPointer(secret))
        PrivateFiles.wipe(UnsafeMutableRawBufferPointer(mini))
        secret.deallocate()
        mini.deallocate()
    }

    /// A new key from the system's random source.
    public static func generate() throws(WireError) -> Sr25519PrivateKey {
        _ = Sodium.ready
        var mini = [UInt8](repeating: 0, count: 32)
        randombytes_buf(&mini, 32)
        defer { mini.withUnsafeMutableBytes { PrivateFiles.wipe($0) } }
        return try Sr25519PrivateKey(miniSecret: mini)
    }

    /// The mini-secret (a key file's `secretSeed`): a copy.
    public var miniSecret: [UInt8] { Array(mini) }

    /// The SDK's 64-byte `privateKey`: the expanded key ‖ nonce (a copy).
    public var expanded: [UInt8] { Array(secret) }

    /// The 64-byte signature of `message` in substrate's signing context.
    public func sign(_ message: [UInt8]) -> [UInt8] {
        var transcript = Sr25519.transcript(message)
        transcript.append(label: Array("proto-name".utf8), message: Array("Schnorr-sig".utf8))
        transcript.append(label: Array("sign:pk".utf8), message: publicKey.bytes)
        var randomness = [UInt8](repeating: 0, count: 32)
        randombytes_buf(&randomness, 32)
        let witness = transcript.witnessBytes(
            label: Array("signing".utf8), witnesses: [Array(secret[32..<64])], randomness: randomness, count: 64)
        var r = [UInt8](repeating: 0, count: 32)
        crypto_core_ristretto255_scalar_reduce(&r, witness)
        var R = [UInt8](repeating: 0, count: 32)
        // r is 0 with probability 2^-252; a retry is the honest answer to it.
        guard crypto_scalarmult_ristretto255_base(&R, r) == 0 else { return sign(message) }
        transcript.append(label: Array("sign:R".utf8), message: R)
        let k = Sr25519.reduce(transcript.challengeBytes(label: Array("sign:c".utf8), count: 64))
        var kx = [UInt8](repeating: 0, count: 32)
        crypto_core_ristretto255_scalar_mul(&kx, k, secret.baseAddress!)
        var s = [UInt8](repeating: 0, count: 32)
        crypto_core_ristretto255_scalar_add(&s, kx, r)
        r.withUnsafeMutableBytes { PrivateFiles.wipe($0) }
        kx.withUnsafeMutableBytes { PrivateFiles.wipe($0) }
        var signature = R + s
        signature[63] |= 0x80  // schnorrkel's marker: not an ed25519 signature
        return signature
    }
}

/// An sr25519 public key: a ristretto255 point's 32-byte encoding.
public struct Sr25519PublicKey: Sendable, Hashable {
    public let bytes: [UInt8]

    public init(_ bytes: [UInt8]) { self.bytes = bytes }

    /// The key's ss58 address.
    public var address: SS58Address { SS58Address(publicKey: bytes) }

    /// Whether `signature` is this key's schnorrkel signature of `message` in substrate's
    /// context. Refuses signatures without schnorrkel's marker bit, with a non-canonical
    /// scalar, or with an invalid point.
    public func verify(signature: [UInt8], of message: [UInt8]) -> Bool {
        _ = Sodium.ready
        guard signature.count == 64, bytes.count == 32, signature[63] & 0x80 != 0 else { return false }
        let R = Array(signature[0..<32])
        var s = Array(signature[32..<64])
        s[31] &= 0x7f
        // R needs no decoding: it must equal the canonical encoding computed below, which an
        // invalid or non-canonical R never does. A is decoded (and refused if invalid) by the
        // scalar multiplication itself.
        guard Sr25519.isCanonical(s) else { return false }
        var transcript = Sr25519.transcript(message)
        transcript.append(label: Array("proto-name".utf8), message: Array("Schnorr-sig".utf8))
        transcript.append(label: Array("sign:pk".utf8), message: bytes)
        transcript.append(label: Array("sign:R".utf8), message: R)
        let k = Sr25519.reduce(transcript.challengeBytes(label: Array("sign:c".utf8), count: 64))
        // R' = s·B − k·A must encode to R: one joint variable-time pass (public data only).
        var negativeK = [UInt8](repeating: 0, count: 32)
        crypto_core_ristretto255_scalar_negate(&negativeK, k)
        var expected = [UInt8](repeating: 0, count: 32)
        guard synod_ristretto255_double_scalarmult_vartime(&expected, s, bytes, negativeK) == 0 else { return false }
        return sodium_memcmp(expected, R, 32) == 0
    }
}

/// sr25519's fixed choices in one place.
enum Sr25519 {
    /// The group order ℓ = 2^252 + 27742317777372353535851937790883648493, little-endian.
    static let order: [UInt8] = [
        0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7, 0xa2, 0xde, 0xf9, 0xde, 0x14,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x10,
    ]

    /// Substrate's signing context: `SigningContext` / `substrate`, then the message.
    static func transcript(_ message: [UInt8]) -> MerlinTranscript {
        var transcript = MerlinTranscript(label: Array("SigningContext".utf8))
        transcript.append(label: [], message: Array("substrate".utf8))
        transcript.append(label: Array("sign-bytes".utf8), message: message)
        return transcript
    }

    /// 64 bytes reduced modulo ℓ.
    static func reduce(_ wide: [UInt8]) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: 32)
        crypto_core_ristretto255_scalar_reduce(&out, wide)
        return out
    }

    /// Whether a 32-byte little-endian scalar is below ℓ.
    static func isCanonical(_ scalar: [UInt8]) -> Bool {
        for i in stride(from: 31, through: 0, by: -1) where scalar[i] != order[i] {
            return scalar[i] < order[i]
        }
        return false
    }
}
