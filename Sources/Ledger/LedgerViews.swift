public import Foundation

/// One subnet as the ledger holds it (what `synod status` lists).
public struct SubnetInfo: Sendable, Hashable {
    public var netuid: Int
    public var name: String
    /// The plugin file that serves the subnet, once one is attached.
    public var plugin: String?
    public var owner: String
    public var config: SubnetConfig
    /// Block of the newest epoch (0 before the first).
    public var lastEpochBlock: UInt64
    public var neuronCount: Int
    /// Epochs settled so far: the epoch a block falls in (commit–reveal counts by it).
    public var epochs: Int

    public init(
        netuid: Int, name: String, plugin: String? = nil, owner: String, config: SubnetConfig,
        lastEpochBlock: UInt64 = 0, neuronCount: Int = 0, epochs: Int = 0
    ) {
        self.epochs = epochs
        self.netuid = netuid
        self.name = name
        self.plugin = plugin
        self.owner = owner
        self.config = config
        self.lastEpochBlock = lastEpochBlock
        self.neuronCount = neuronCount
    }
}

/// One UID of a subnet: the metagraph row a validator loop and an operator read.
public struct NeuronInfo: Sendable, Hashable {
    public var uid: Int
    public var hotkey: String
    public var coldkey: String
    public var registeredAt: UInt64
    /// Block of the UID's latest weights.
    public var lastUpdate: UInt64
    public var stake: UInt64
    /// Where the UID's axon answers (`http://host:port` or `https://…`), once served.
    public var endpoint: String?
    public var validatorPermit: Bool
    /// Rao of the newest epoch's normalised combined emission (the chain's `Emission`).
    public var emission: UInt64
    /// Whether the UID has set weights since it registered (the rate limit starts then).
    public var hasWeights: Bool

    public init(
        uid: Int, hotkey: String, coldkey: String, registeredAt: UInt64, lastUpdate: UInt64, stake: UInt64,
        endpoint: String? = nil, validatorPermit: Bool, emission: UInt64 = 0, hasWeights: Bool = false
    ) {
        self.uid = uid
        self.hotkey = hotkey
        self.coldkey = coldkey
        self.registeredAt = registeredAt
        self.lastUpdate = lastUpdate
        self.stake = stake
        self.endpoint = endpoint
        self.validatorPermit = validatorPermit
        self.emission = emission
        self.hasWeights = hasWeights
    }
}

/// An epoch as recorded: what went in and what came out, as the JSON of `synod consensus`.
public struct EpochJSONRecord: Sendable, Hashable {
    public var block: UInt64
    public var input: String
    public var output: String
    public var emission: UInt64
    public var ownerCut: UInt64
    public var credited: UInt64
    public var dust: UInt64
}

/// One attempt to load a plugin version, as recorded.
public struct PluginVersionRecord: Sendable, Hashable {
    public var sha256: String
    /// `loaded`, `reloaded` or `rejected`.
    public var outcome: String
    /// Why, for a rejection.
    public var message: String
    public var recordedAt: Date
}

/// A validator's commitment to weights it will reveal later (commit–reveal): the hash, the
/// block it was made at and the epoch it was made in.
public struct WeightCommit: Sendable, Hashable {
    public var hotkey: String
    /// 32 bytes (``SynodChain``'s `ChainRules.commitHash`).
    public var hash: [UInt8]
    public var block: UInt64
    /// The subnet's ``SubnetInfo/epochs`` when it was made.
    public var epoch: Int

    public init(hotkey: String, hash: [UInt8], block: UInt64, epoch: Int) {
        self.hotkey = hotkey
        self.hash = hash
        self.block = block
        self.epoch = epoch
    }
}
