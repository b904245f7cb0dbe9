/// Errors from keys, addresses and key files, each with a message meant for the person
/// running Synod: what went wrong, where, and what to do.
public enum WireError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Text that is not a Bittensor ss58 address.
    case invalidAddress(String, reason: String)
    /// Key bytes of the wrong size or refused by libcrypto.
    case invalidKey(String)
    /// A key file that cannot be read, parsed or trusted.
    case keyFile(path: String, reason: String)
    /// A file or folder that could not be made or written privately.
    case file(path: String, reason: String)
    /// An axon that could not start or a dendrite that could not be set up.
    case transport(String)

    public var description: String {
        switch self {
        case .invalidAddress(let text, let reason):
            "'\(text.prefix(80))' is not a valid ss58 address: \(reason)"
        case .invalidKey(let reason):
            "invalid key: \(reason)"
        case .keyFile(let path, let reason):
            "key file \(path): \(reason)"
        case .file(let path, let reason):
            "\(path): \(reason)"
        case .transport(let reason):
            reason
        }
    }
}
