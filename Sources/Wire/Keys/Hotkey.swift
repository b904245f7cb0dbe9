/// A hotkey: the key a neuron signs its requests with, and its ss58 address. Either scheme
/// the `bittensor` SDK makes: sr25519 (its default) or ed25519.
public struct Hotkey: Sendable {
    /// The signing key, by scheme.
    public enum Secret: Sendable {
        case ed25519(Ed25519PrivateKey)
        case sr25519(Sr25519PrivateKey)
    }

    public let secret: Secret
    /// The address other neurons know this hotkey by.
    public let address: SS58Address

    /// The hotkey of a 32-byte seed: an ed25519 seed, or an sr25519 mini-secret (what a key
    /// file stores as `secretSeed`).
    public init(seed: [UInt8], scheme: BTAuth.Scheme = .ed25519) throws(WireError) {
        switch scheme {
        case .ed25519: self.init(privateKey: try Ed25519PrivateKey(seed: seed))
        case .sr25519: self.init(sr25519: try Sr25519PrivateKey(miniSecret: seed))
        }
    }

    /// The hotkey of an existing ed25519 key.
    public init(privateKey: Ed25519PrivateKey) {
        secret = .ed25519(privateKey)
        address = privateKey.publicKey.address
    }

    /// The hotkey of an existing sr25519 key.
    public init(sr25519 key: Sr25519PrivateKey) {
        secret = .sr25519(key)
        address = key.publicKey.address
    }

    /// A new random hotkey.
    public static func generate(scheme: BTAuth.Scheme = .ed25519) throws(WireError) -> Hotkey {
        switch scheme {
        case .ed25519: Hotkey(privateKey: try Ed25519PrivateKey.generate())
        case .sr25519: Hotkey(sr25519: try Sr25519PrivateKey.generate())
        }
    }

    /// The signature scheme.
    public var scheme: BTAuth.Scheme {
        switch secret {
        case .ed25519: .ed25519
        case .sr25519: .sr25519
        }
    }

    /// The 32 secret bytes a key file stores as `secretSeed` (a copy).
    public var seed: [UInt8] {
        switch secret {
        case .ed25519(let key): key.seed
        case .sr25519(let key): key.miniSecret
        }
    }

    /// The 32-byte public key (the ss58 address's payload).
    public var publicKeyBytes: [UInt8] { address.publicKey }

    /// Signs `message`: ed25519 (deterministic) or sr25519 (randomised), 64 bytes.
    public func sign(_ message: [UInt8]) -> [UInt8] {
        switch secret {
        case .ed25519(let key): key.sign(message)
        case .sr25519(let key): key.sign(message)
        }
    }
}
