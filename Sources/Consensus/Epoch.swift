/// One entry of a sparse row: `(uid, u16)` as the chain stores weights and bonds.
public struct SparseEntry: Sendable, Hashable {
    public var uid: Int
    public var value: UInt16
    public init(uid: Int, value: UInt16) {
        self.uid = uid
        self.value = value
    }
}

/// Hyperparameters of one epoch, in the chain's stored units. Defaults as YUMA.md.
public struct EpochParameters: Sendable, Hashable {
    public var kappa: UInt16 = 32767
    public var bondsMovingAverage: UInt64 = 900_000
    public var bondsPenalty: UInt16 = 65535
    public var yuma3 = false
    public var liquidAlpha = false
    public var alphaLow: UInt16 = 45875
    public var alphaHigh: UInt16 = 58982
    /// Signed, as the chain stores it (`i16`); negative values invert the sigmoid.
    public var alphaSigmoidSteepness: Int16 = 1000
    public var maxAllowedValidators = 64
    public var activityCutoff: UInt64 = 5000
    public init() {}
}

/// Everything one epoch reads: per-UID vectors (index = UID) and sparse rows.
public struct EpochInput: Sendable, Hashable {
    public var currentBlock: UInt64
    /// Rao to distribute.
    public var emission: UInt64
    /// Raw stake per UID.
    public var stake: [UInt64]
    /// Stored u16 weights, one sparse row per UID (max-upscaled as the chain stores them).
    public var weights: [[SparseEntry]]
    /// Bonds stored by the previous epoch, one sparse row per UID.
    public var bonds: [[SparseEntry]]
    /// Permits stored by the previous epoch.
    public var validatorPermit: [Bool]
    public var lastUpdate: [UInt64]
    public var blockAtRegistration: [UInt64]
    /// Block of the previous epoch: bonds to miners registered after it are dropped.
    public var lastTempoBlock: UInt64
    public var parameters: EpochParameters

    public init(
        currentBlock: UInt64, emission: UInt64, stake: [UInt64], weights: [[SparseEntry]],
        bonds: [[SparseEntry]]? = nil, validatorPermit: [Bool]? = nil, lastUpdate: [UInt64]? = nil,
        blockAtRegistration: [UInt64]? = nil, lastTempoBlock: UInt64? = nil,
        parameters: EpochParameters = EpochParameters()
    ) {
        let n = stake.count
        self.currentBlock = currentBlock
        self.emission = emission
        self.stake = stake
        self.weights = weights
        self.bonds = bonds ?? Array(repeating: [], count: n)
        self.validatorPermit = validatorPermit ?? Array(repeating: true, count: n)
        self.lastUpdate = lastUpdate ?? Array(repeating: currentBlock, count: n)
        self.blockAtRegistration = blockAtRegistration ?? Array(repeating: 0, count: n)
        self.lastTempoBlock = lastTempoBlock ?? (currentBlock > 0 ? currentBlock - 1 : 0)
        self.parameters = parameters
    }
}

/// What one epoch produces, in fixed point (and in the chain's stored forms).
public struct EpochOutput: Sendable, Hashable {
    public var stake: [Fixed]
    public var activeStake: [Fixed]
    public var consensus: [Fixed]
    public var validatorTrust: [Fixed]
    public var incentive: [Fixed]
    public var dividends: [Fixed]
    /// Rao per UID for serving (incentive share) and validating (dividend share).
    public var serverEmission: [UInt64]
    public var validatorEmission: [UInt64]
    /// Rao per UID of the normalised combined emission, as the chain stores it.
    public var emission: [UInt64]
    /// Permits for the next epoch.
    public var validatorPermit: [Bool]
    /// Bonds to store for the next epoch (u16, sparse).
    public var bonds: [[SparseEntry]]
}

/// An epoch input that cannot be computed; the message names the field and index.
public struct ConsensusError: Error, Sendable, Hashable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// One entry of a sparse row in fixed point.
public struct FixedEntry: Sendable, Hashable {
    public var uid: Int
    public var value: Fixed
    public init(uid: Int, value: Fixed) {
        self.uid = uid
        self.value = value
    }
}

/// The intermediate steps of one epoch (YUMA.md), for explaining who earned what and why.
public struct EpochTrace: Sendable, Hashable {
    /// Weights after the masks (permits, self-weight, outdated), each row normalised to 1.
    public var weights: [[FixedEntry]]
    /// The weights clipped at each miner's consensus.
    public var clipped: [[FixedEntry]]
    /// Ranks: `Σ_i active_stake_i · clipped_ij`, before normalising into incentive.
    public var ranks: [Fixed]
    /// The bonds the dividends come from: the EMA, column-normalised (classic Yuma) or
    /// absolute (Yuma3, normalised only inside the dividend sum).
    public var bonds: [[FixedEntry]]
    public var bondsAreNormalized: Bool
}
