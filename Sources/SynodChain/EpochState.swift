public import Consensus
public import Ledger

extension EpochInput {
    /// What an epoch at `block` reads from a subnet: every UID's stake, permit, last update
    /// and registration block, the weight and bond rows, and the block of the last epoch.
    /// `emission` is the subnet's whole emission (``Settlement`` takes the owner's cut).
    public init(
        subnet: SubnetInfo, neurons: [NeuronInfo], weights: [[SparseEntry]], bonds: [[SparseEntry]], block: UInt64,
        emission: UInt64
    ) {
        self.init(
            currentBlock: block, emission: emission, stake: neurons.map(\.stake), weights: weights, bonds: bonds,
            validatorPermit: neurons.map(\.validatorPermit), lastUpdate: neurons.map(\.lastUpdate),
            blockAtRegistration: neurons.map(\.registeredAt), lastTempoBlock: subnet.lastEpochBlock,
            parameters: subnet.config.parameters)
    }
}
