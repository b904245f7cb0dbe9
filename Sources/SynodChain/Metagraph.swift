public import Ledger

/// A subnet as a validator reads it at one block: its settings and every UID (hotkey,
/// stake, permit, endpoint, last update).
public struct Metagraph: Sendable, Hashable {
    /// The head block when it was read.
    public var block: UInt64
    public var subnet: SubnetInfo
    /// By UID.
    public var neurons: [NeuronInfo]

    public init(block: UInt64, subnet: SubnetInfo, neurons: [NeuronInfo]) {
        self.block = block
        self.subnet = subnet
        self.neurons = neurons
    }

    public var netuid: Int { subnet.netuid }

    /// The UID `hotkey` holds, or nil.
    public func neuron(hotkey: String) -> NeuronInfo? { neurons.first { $0.hotkey == hotkey } }

    /// The first block at which `hotkey` may set weights (nil: not registered).
    public func firstWeightsBlock(hotkey: String) -> UInt64? {
        neuron(hotkey: hotkey).map { ChainRules.firstWeightsBlock($0, config: subnet.config) }
    }

    /// Whether `hotkey` may set weights at `block` (registered, and past the rate limit).
    public func weightsDue(hotkey: String, block: UInt64) -> Bool {
        guard let neuron = neuron(hotkey: hotkey) else { return false }
        return ChainRules.weightsDue(neuron, block: block, config: subnet.config)
    }
}
