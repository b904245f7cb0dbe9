internal import CLibCrypto
internal import CSodium

/// An Ed25519 signing key (RFC 8032), signing through libsodium.
///
/// Created from a 32-byte seed, which is all a bittensor key file stores. Signing is
/// deterministic: the same seed and message always give the same 64 bytes (libcrypto's and
/// libsodium's signatures are the same bytes; libsodium's take about half the time here,
/// which a validator's dendrite pays once per request).
public final class Ed25519PrivateKey: @unchecked Sendable {
    // @unchecked: `secretKey` is written once, in `init`, and only read until `deinit`.
    /// libsodium's secret key (the seed, then the public key), in a buffer that is never
    /// moved and is wiped when the key is freed (an array could be copied anywhere).
    private let secretKey: UnsafeMutableBufferPointer<UInt8>
    /// The 32-byte seed (the key file's `secretSeed`): a copy, for writing key files.
    public var seed: [UInt8] { Array(secretKey[0..<32]) }
    /// The matching public key.
    public let publicKey: Ed25519PublicKey

    /// A key from a 32-byte seed.
    public init(seed: [UInt8]) throws(WireError) {
        _ = Sodium.ready
        guard seed.count == 32 else {
            throw .invalidKey("an Ed25519 seed is 32 bytes, got \(seed.count)")
        }
        let secretKey = UnsafeMutableBufferPointer<UInt8>.allocate(capacity: Int(crypto_sign_secretkeybytes()))
        var raw = [UInt8](repeating: 0, count: Int(crypto_sign_publickeybytes()))
        guard crypto_sign_seed_keypair(&raw, secretKey.baseAddress!, seed) == 0 else {
            secretKey.deallocate()
            throw .invalidKey("libsodium could not derive the key pair from the seed")
        }
        do {
            self.publicKey = try Ed25519PublicKey(raw)
        } catch {
            sodium_memzero(secretKey.baseAddress, secretKey.count)
            secretKey.deallocate()
            throw error
        }
        self.secretKey = secretKey
    }

    /// A fresh key from the system's cryptographic random source.
    public static func generate() throws(WireError) -> Ed25519PrivateKey {
        var seed = [UInt8](repeating: 0, count: 32)
        guard RAND_bytes(&seed, 32) == 1 else {
            throw .invalidKey("the system random source failed: \(OpenSSLError.lastMessage())")
        }
        defer { OPENSSL_cleanse(&seed, 32) }
        return try Ed25519PrivateKey(seed: seed)
    }

    deinit {
        sodium_memzero(secretKey.baseAddress, secretKey.count)
        secretKey.deallocate()
    }

    /// The 64-byte signature of `message`.
    public func sign(_ message: [UInt8]) -> [UInt8] {
        var signature = [UInt8](repeating: 0, count: Int(crypto_sign_bytes()))
        // Ed25519 signing over memory with a valid key cannot fail.
        let status = crypto_sign_detached(&signature, nil, message, UInt64(message.count), secretKey.baseAddress!)
        precondition(status == 0, "Ed25519 signing failed in libsodium")
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
