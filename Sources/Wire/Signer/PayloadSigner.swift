/// Signs btauth/1 payloads for one hotkey: the key itself, or a ``SignerClient`` that asks
/// the signer process holding it (so the process that runs plugins never holds a seed).
public protocol PayloadSigner: Sendable {
    /// The hotkey's address: the sender of what it signs.
    var address: SS58Address { get }
    /// The signature scheme (it is signed into the payload and declared in the headers).
    var scheme: BTAuth.Scheme { get }
    /// The 64-byte signature of a btauth/1 payload.
    func sign(payload: [UInt8]) async throws -> [UInt8]
}

extension Hotkey: PayloadSigner {
    public func sign(payload: [UInt8]) async throws -> [UInt8] { sign(payload) }
}

extension Sr25519PrivateKey: PayloadSigner {
    public var address: SS58Address { publicKey.address }
    public var scheme: BTAuth.Scheme { .sr25519 }
    public func sign(payload: [UInt8]) async throws -> [UInt8] { sign(payload) }
}
