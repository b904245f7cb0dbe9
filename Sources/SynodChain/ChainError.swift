public import Ledger

/// The chain refused an operation. `code` is for programs (an HTTP status, an exit code),
/// `message` is for people: what was wrong and what to do.
public struct ChainError: Error, Sendable, Hashable, CustomStringConvertible {
    public enum Code: String, Sendable {
        /// No such subnet or hotkey.
        case notFound = "not found"
        /// The operation clashes with what the chain holds (a hotkey registered twice).
        case conflict
        /// The request itself is malformed (lengths differ, a UID out of range).
        case invalid
        /// Well-formed, but the chain's rules refuse it now (rate limit, no permit, full).
        case refused
    }

    public var code: Code
    public var message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    /// The storage's refusal, as the chain's.
    public init(_ error: LedgerError) {
        let codes: [LedgerError.Code: Code] = [
            .notFound: .notFound, .conflict: .conflict, .invalid: .invalid, .refused: .refused,
        ]
        self.init(codes[error.code] ?? .invalid, error.message)
    }

    public var description: String { message }
}
