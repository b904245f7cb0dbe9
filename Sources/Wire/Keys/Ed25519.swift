internal import CLibCrypto
internal import CSodium

/// An Ed25519 signing key (RFC 8032) held by the system libcrypto.
///
/// Created from a 32-byte seed, which is all a bittensor key file stores. Signing is
/// deterministic: the same seed and message always give the same 64 bytes.
public final class Ed25519PrivateKey: @unchecked Sendable {
    // An EVP_PKEY is immutable once made and safe to use from several threads at once.
    private let key: OpaquePointer
    /// The seed's own 32 bytes, wiped when the key is freed (an array could be copied
    /// anywhere; this buffer is never moved).
    private let seedBytes: UnsafeMutableBufferPointer<UInt8>
    /// The 32-byte seed (the key file's `secretSeed`): a copy, for writing key files.
    public var seed: [UInt8] { Array(seedBytes) }
    /// The matching public key.
    public let publicKey: Ed25519PublicKey

    /// A key from a 32-byte seed.
    public init(seed: [UInt8]) throws(WireError) {
        guard seed.count == 32 else {
            throw .invalidKey("an Ed25519 seed is 32 bytes, got \(seed.count)")
        }
        guard let key = EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, nil, seed, 32) else {
            throw .invalidKey("libcrypto refused the seed: \(OpenSSLError.lastMessage())")
        }
        var raw = [UInt8](repeating: 0, count: 32)
        var length = 32
        guard EVP_PKEY_get_raw_public_key(key, &raw, &length) == 1, length == 32 else {
            EVP_PKEY_free(key)
            throw .invalidKey("libcrypto could not derive the public key: \(OpenSSLError.lastMessage())")
        }
        self.key = key
        seedBytes = .allocate(capacity: 32)
        _ = seedBytes.initialize(from: seed)
        self.publicKey = try Ed25519PublicKey(raw)
    }

    /// A fresh key from the system's cryptographic random source.
    public static func generate() throws(WireError) -> Ed25519PrivateKey {
        var seed = [UInt8](repeating: 0, count: 32)
        guard RAND_bytes(&seed, 32) == 1 else {
            throw .invalidKey("the system random source failed: \(OpenSSLError.lastMessage())")
        }
        return try Ed25519PrivateKey(seed: seed)
    }

    deinit {
        // libcrypto cleanses its copy when the key is freed; this one is wiped here.
        OPENSSL_cleanse(seedBytes.baseAddress, 32)
        seedBytes.deallocate()
        EVP_PKEY_free(key)
    }

    /// The 64-byte signature of `message`.
    public func sign(_ message: [UInt8]) -> [UInt8] {
        guard let context = EVP_MD_CTX_new() else { fatalError("libcrypto is out of memory") }
        defer { EVP_MD_CTX_free(context) }
        var signature = [UInt8](repeating: 0, count: 64)
        var length = 64
        let ok = message.withUnsafeBytes { bytes in
            EVP_DigestSignInit(context, nil, nil, nil, key) == 1
                && EVP_DigestSign(
                    context, &signature, &length,
                    bytes.baseAddress?.assumingMemoryBound(to: UInt8.self), bytes.count) == 1
        }
        // Ed25519 signing over memory with a valid key has no failure mode but exhaustion.
        precondition(ok && length == 64, "Ed25519 signing failed: \(OpenSSLError.lastMessage())")
        return signature
    }
}

/// An Ed25519 public key (32 bytes) that verifies signatures.
///
/// Verification goes through libsodium (`crypto_sign_verify_detached`), which this machine
/// verifies about 2× faster than libcrypto's EVP interface (`make bench-wire` prints both);
/// it also refuses small-order public keys and non-canonical signatures, which no honest
/// hotkey produces. ``verifyWithOpenSSL(signature:of:)`` keeps the libcrypto path for
/// comparison and cross-checks.
public struct Ed25519PublicKey: Sendable, Hashable {
    /// The 32 raw bytes.
    public let bytes: [UInt8]

    /// Wraps 32 raw bytes. Whether they are a valid curve point is found out on the first
    /// verification (which then fails), as with every Ed25519 library.
    public init(_ bytes: [UInt8]) throws(WireError) {
        guard bytes.count == 32 else {
            throw .invalidKey("an Ed25519 public key is 32 bytes, got \(bytes.count)")
        }
        _ = Sodium.ready
        self.bytes = bytes
    }

    /// The ss58 address of this key.
    public var address: SS58Address { SS58Address(publicKey: bytes) }

    /// Whether `signature` is this key's signature of `message`.
    public func verify(signature: [UInt8], of message: [UInt8]) -> Bool {
        guard signature.count == 64 else { return false }
        return crypto_sign_verify_detached(signature, message, UInt64(message.count), bytes) == 0
    }

    /// ``verify(signature:of:)`` through libcrypto's EVP interface (not on the request path:
    /// the key is set up on each call).
    public func verifyWithOpenSSL(signature: [UInt8], of message: [UInt8]) -> Bool {
        guard signature.count == 64, let key = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, nil, bytes, 32),
            let context = EVP_MD_CTX_new()
        else {
            ERR_clear_error()
            return false
        }
        defer {
            EVP_MD_CTX_free(context)
            EVP_PKEY_free(key)
        }
        let valid =
            EVP_DigestVerifyInit(context, nil, nil, nil, key) == 1
            && EVP_DigestVerify(context, signature, 64, message, message.count) == 1
        if !valid { ERR_clear_error() }
        return valid
    }
}

/// libsodium's one-time initialisation (thread-safe, idempotent).
enum Sodium {
    static let ready: Bool = {
        guard sodium_init() >= 0 else { fatalError("libsodium could not initialise (sodium_init failed)") }
        return true
    }()
}
