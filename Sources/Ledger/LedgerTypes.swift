public import Consensus

/// A subnet's settings, in the chain's units. Defaults as YUMA.md.
public struct SubnetConfig: Sendable, Hashable {
    public var tempo = 360
    public var maxAllowedUIDs = 256
    public var immunityPeriod = 5000
    /// Registration never replaces a non-immune UID when that would leave this many or
    /// fewer; it replaces an immune one instead (the chain's `MinNonImmuneUids`).
    public var minNonImmuneUIDs = 10
    public var minAllowedWeights = 1
    public var weightsRateLimit = 100
    /// The owner's cut, in millionths of each epoch's emission (18%).
    public var ownerCutPerMillion = 180_000
    public var parameters = EpochParameters()
    public init() {}
}

/// What one epoch did.
public struct EpochRecord: Sendable, Hashable {
    public var netuid: Int
    public var block: UInt64
    public var emission: UInt64
    public var ownerCut: UInt64
    /// Rao credited to UIDs (server plus validator emission).
    public var credited: UInt64
    /// Rao lost to flooring: `emission − ownerCut − credited`.
    public var dust: UInt64
    /// Rows the epoch's transaction inserted, updated or deleted (SQLite's change count):
    /// the epoch record, changed neurons, changed bond rows, balances, the event.
    public var rowsWritten: Int
    public var output: EpochOutput
}

/// Sums over the whole ledger, for audits.
public struct LedgerTotals: Sendable, Hashable {
    public var epochs: Int
    public var emitted: UInt64
    /// Owner cuts plus UID credits.
    public var credited: UInt64
    public var dust: UInt64
    public var balances: UInt64
}

/// A ledger operation was refused. `code` is for programs, `message` for people.
public struct LedgerError: Error, Sendable, Hashable, CustomStringConvertible {
    public enum Code: String, Sendable {
        case notFound = "not found"
        case conflict
        case invalid
        case refused
    }

    public var code: Code
    public var message: String
    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }
    public var description: String { message }
}
