/// A hotkey: the Ed25519 key a neuron signs its requests with, and its ss58 address.
public struct Hotkey: Sendable {
    /// The signing key.
    public let privateKey: Ed25519PrivateKey
    /// The address other neurons know this hotkey by.
    public let address: SS58Address

    /// The hotkey of a 32-byte seed.
    public init(seed: [UInt8]) throws(WireError) {
        self.init(privateKey: try Ed25519PrivateKey(seed: seed))
    }

    /// The hotkey of an existing private key.
    public init(privateKey: Ed25519PrivateKey) {
        self.privateKey = privateKey
        self.address = privateKey.publicKey.address
    }

    /// A new random hotkey.
    public static func generate() throws(WireError) -> Hotkey {
        Hotkey(privateKey: try Ed25519PrivateKey.generate())
    }

    /// The public half.
    public var publicKey: Ed25519PublicKey { privateKey.publicKey }

    /// Signs `message` (64 bytes, deterministic).
    public func sign(_ message: [UInt8]) -> [UInt8] { privateKey.sign(message) }
}
