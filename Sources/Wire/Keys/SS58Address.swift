/// An ss58 address: a 32-byte public key under Bittensor's network prefix 42.
///
/// The text form is `base58(0x2a ‖ publicKey ‖ checksum)`, where the 2-byte checksum is the
/// start of `BLAKE2b-512("SS58PRE" ‖ 0x2a ‖ publicKey)`. Parsing checks length, prefix and
/// checksum, so a mistyped address is refused rather than silently naming another key.
public struct SS58Address: Hashable, Sendable, CustomStringConvertible, Codable {
    /// Bittensor's (and generic Substrate's) network prefix.
    public static let networkPrefix: UInt8 = 42

    /// The 32-byte public key (the account id).
    public let publicKey: [UInt8]
    /// The address as text, e.g. `5C9TqVEs5Q51zUdjvp6tSsjHAfLseJKq1Dq6ULcuSLqEuRSf`.
    public let string: String

    /// The address of a 32-byte public key.
    public init(publicKey: [UInt8]) {
        precondition(publicKey.count == 32, "an ss58 account id is 32 bytes, got \(publicKey.count)")
        self.publicKey = publicKey
        var raw = [Self.networkPrefix] + publicKey
        raw += Self.checksum(raw)
        self.string = Base58.encode(raw)
    }

    /// Parses and checks an address.
    ///
    /// - Throws: ``WireError/invalidAddress(_:reason:)`` naming what is wrong.
    public init(_ text: some StringProtocol) throws(WireError) {
        let text = String(text)
        guard !text.isEmpty else { throw .invalidAddress(text, reason: "it is empty") }
        guard text.utf8.count <= 64, let raw = Base58.decode(text) else {
            throw .invalidAddress(text, reason: "it is not base58 (Bitcoin alphabet)")
        }
        guard raw.count == 35 else {
            throw .invalidAddress(
                text, reason: "it decodes to \(raw.count) bytes; a 32-byte account address decodes to 35")
        }
        guard raw[0] == Self.networkPrefix else {
            throw .invalidAddress(
                text, reason: "its network prefix is \(raw[0]); Bittensor addresses use \(Self.networkPrefix)")
        }
        guard Array(raw[33...]) == Self.checksum(Array(raw[..<33])) else {
            throw .invalidAddress(text, reason: "its checksum does not match (a mistyped character?)")
        }
        self.publicKey = Array(raw[1..<33])
        self.string = text
    }

    public var description: String { string }

    public static func == (lhs: Self, rhs: Self) -> Bool { lhs.publicKey == rhs.publicKey }
    public func hash(into hasher: inout Hasher) { hasher.combine(publicKey) }

    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        do { self = try SS58Address(text) } catch {
            throw DecodingError.dataCorrupted(
                .init(codingPath: decoder.codingPath, debugDescription: error.description))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(string)
    }

    private static func checksum(_ prefixAndKey: [UInt8]) -> [UInt8] {
        Array(Digest.blake2b512(Array("SS58PRE".utf8) + prefixAndKey).prefix(2))
    }
}
