/// A plugin version the subnet's owner released to the chain: validators switch to it at
/// `atBlock`. The source is kept beside it (served by its SHA-256); the signature is the
/// owner's over the release statement (`ChainRules.releaseStatement`), so a validator
/// checks it came from the owner whatever chain served it.
public struct PluginRelease: Sendable, Hashable {
    public var netuid: Int
    /// Lowercase hex SHA-256 of the source.
    public var sha256: String
    /// The first block scored with it.
    public var atBlock: UInt64
    /// The owner's hotkey (ss58) that signed it.
    public var owner: String
    /// The signature scheme, `ed25519` or `sr25519`.
    public var scheme: String
    /// Nanoseconds since the Unix epoch when it was signed (the statement's nonce).
    public var nonce: Int64
    /// 64 bytes.
    public var signature: [UInt8]
    /// The head block when the chain took it.
    public var publishedBlock: UInt64
    /// Bytes of source.
    public var size: Int

    public init(
        netuid: Int, sha256: String, atBlock: UInt64, owner: String, scheme: String, nonce: Int64,
        signature: [UInt8], publishedBlock: UInt64 = 0, size: Int = 0
    ) {
        self.netuid = netuid
        self.sha256 = sha256
        self.atBlock = atBlock
        self.owner = owner
        self.scheme = scheme
        self.nonce = nonce
        self.signature = signature
        self.publishedBlock = publishedBlock
        self.size = size
    }

    /// The release in force at `block` among `releases`: the one with the latest `atBlock`
    /// not after it (nil before the first).
    public static func inForce(at block: UInt64, among releases: [PluginRelease]) -> PluginRelease? {
        releases.filter { $0.atBlock <= block }.max { $0.atBlock < $1.atBlock }
    }
}

/// What a validator told the chain it scores with: the version it runs since `block`, and
/// the last release it could not load (and why), if any.
public struct ValidatorVersion: Sendable, Hashable {
    public var hotkey: String
    public var sha256: String
    public var block: UInt64
    /// The SHA-256 of a release it refused, or empty.
    public var refused: String
    /// Why it refused it.
    public var refusedMessage: String

    public init(hotkey: String, sha256: String, block: UInt64, refused: String = "", refusedMessage: String = "") {
        self.hotkey = hotkey
        self.sha256 = sha256
        self.block = block
        self.refused = refused
        self.refusedMessage = refusedMessage
    }
}
