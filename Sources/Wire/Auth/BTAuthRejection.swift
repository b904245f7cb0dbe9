/// Why a signed request was refused. The message is safe to send back to an
/// unauthenticated caller: it never echoes the signature or the payload.
public struct BTAuthRejection: Error, Sendable, Equatable, CustomStringConvertible {
    /// The check that failed, in the order btauth/1 checks them.
    public enum Reason: String, Sendable, Equatable {
        /// A header is missing or unparseable (step 1), or the hotkey or signature
        /// does not decode (step 4).
        case malformed
        /// The request is not bound to this server's hotkey (step 2).
        case wrongReceiver = "wrong_receiver"
        /// The nonce is outside the freshness window (step 3).
        case stale
        /// The request declares a scheme this server does not verify (sr25519).
        case unsupportedScheme = "unsupported_scheme"
        /// The signature does not verify against the claimed hotkey (step 4).
        case badSignature = "bad_signature"
        /// This (hotkey, nonce) pair was already accepted inside the window (step 5).
        case replayed
        /// The replay memory is full of unexpired entries; the request could not be
        /// checked safely, so it is refused (HTTP 503, try again).
        case overloaded
    }

    public let reason: Reason
    public let message: String

    public init(_ reason: Reason, _ message: String) {
        self.reason = reason
        self.message = message
    }

    public var description: String { "\(reason.rawValue): \(message)" }
}
