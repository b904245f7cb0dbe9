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
    /// The lowest version key a validator's weights may carry (the chain's
    /// `WeightsVersionKey`): raising it refuses validators running an older release.
    public var weightsVersion: UInt64 = 0
    /// The owner's cut, in millionths of each epoch's emission (18%).
    public var ownerCutPerMillion = 180_000
    /// Whether validators commit a hash of their weights and reveal them later (the chain's
    /// `CommitRevealWeightsEnabled`): weights stay hidden until they are stale.
    public var commitReveal = false
    /// Epochs from a commit to its reveal (the chain's `RevealPeriodEpochs`): a commit made in
    /// epoch E is revealed during epoch E + period, and expires after it.
    public var commitRevealPeriod = 1
    public var parameters = EpochParameters()
    public init() {}

    /// What is wrong with these settings, as a sentence, or nil when they can be used.
    public var problem: String? {
        if tempo < 1 { return "tempo must be at least 1 block (got \(tempo))" }
        if !(1...65536).contains(maxAllowedUIDs) {
            return "max_allowed_uids must be from 1 to 65536 (got \(maxAllowedUIDs))"
        }
        if immunityPeriod < 0 { return "immunity_period must not be negative (got \(immunityPeriod))" }
        if minNonImmuneUIDs < 0 { return "min_non_immune_uids must not be negative (got \(minNonImmuneUIDs))" }
        if minAllowedWeights < 0 { return "min_allowed_weights must not be negative (got \(minAllowedWeights))" }
        if weightsVersion > UInt64(Int64.max) {
            return "weights_version must be below 2^63 (got \(weightsVersion))"
        }
        if !(1...100).contains(commitRevealPeriod) {
            return "commit_reveal_period must be from 1 to 100 epochs (got \(commitRevealPeriod))"
        }
        if weightsRateLimit < 0 { return "weights_rate_limit must not be negative (got \(weightsRateLimit))" }
        if !(0...1_000_000).contains(ownerCutPerMillion) {
            return "the owner cut must be from 0 to 1000000 millionths (got \(ownerCutPerMillion))"
        }
        if parameters.bondsMovingAverage > 1_000_000 {
            return "bonds_moving_average must be at most 1000000 (got \(parameters.bondsMovingAverage))"
        }
        if parameters.maxAllowedValidators < 0 {
            return "max_allowed_validators must not be negative (got \(parameters.maxAllowedValidators))"
        }
        return nil
    }
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

    public init(
        netuid: Int, block: UInt64, emission: UInt64, ownerCut: UInt64, credited: UInt64, dust: UInt64,
        rowsWritten: Int, output: EpochOutput
    ) {
        self.netuid = netuid
        self.block = block
        self.emission = emission
        self.ownerCut = ownerCut
        self.credited = credited
        self.dust = dust
        self.rowsWritten = rowsWritten
        self.output = output
    }
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
