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
