import Consensus
public import Ledger
import Synchronization

/// A chain in memory, with the same rules as ``LocalChain`` (``ChainRules``,
/// ``Settlement``): what `synod sim` and a plugin's self-check run on. Nothing is written
/// anywhere; dropping it forgets everything.
///
/// ```swift
/// let chain = MemoryChain(emissionPerEpoch: 1_000_000_000)
/// let netuid = chain.createSubnet(name: "echo-sum", owner: "owner", config: config)
/// try chain.join(netuid: netuid, hotkey: "v0", coldkey: "v0", stake: 1_000, validatorPermit: true)
/// let block = try chain.produceBlock()
/// ```
public final class MemoryChain: Chain {
    struct SubnetState {
        var info: SubnetInfo
        var neurons: [NeuronInfo] = []
        var weights: [[SparseEntry]] = []
        var bonds: [[SparseEntry]] = []
        /// Commitments waiting to be revealed, by hotkey.
        var commits: [String: [WeightCommit]] = [:]
    }

    struct State {
        var head: UInt64 = 0
        var subnets: [Int: SubnetState] = [:]
        var balances: [String: UInt64] = [:]
    }

    public let emissionPerEpoch: UInt64
    private let state: Mutex<State>
    private let broadcast = BlockBroadcast()

    /// A chain whose head is `head`.
    public init(emissionPerEpoch: UInt64 = 1_000_000_000, head: UInt64 = 0) {
        self.emissionPerEpoch = emissionPerEpoch
        state = Mutex(State(head: head))
    }

    deinit { broadcast.finish() }

    // MARK: Reading

    public func head() -> UInt64 { state.withLock { $0.head } }

    public func subnets() -> [SubnetInfo] {
        state.withLock { state in state.subnets.keys.sorted().map { state.subnets[$0]!.info } }
    }

    public func metagraph(netuid: Int) throws(ChainError) -> Metagraph {
        try state.withLock { state throws(ChainError) in
            let subnet = try Self.subnet(state, netuid)
            return Metagraph(block: state.head, subnet: subnet.info, neurons: subnet.neurons)
        }
    }

    public func neuron(netuid: Int, hotkey: String) -> NeuronInfo? {
        state.withLock { $0.subnets[netuid]?.neurons.first { $0.hotkey == hotkey } }
    }

    public func commits(netuid: Int, hotkey: String) -> [WeightCommit] {
        state.withLock { $0.subnets[netuid]?.commits[hotkey] ?? [] }
    }

    /// Rao credited to `hotkey` so far.
    public func balance(of hotkey: String) -> UInt64 { state.withLock { $0.balances[hotkey] ?? 0 } }

    // MARK: Writing

    /// Creates a subnet at the next free netuid (from 1), or at `netuid`.
    @discardableResult
    public func createSubnet(name: String, owner: String, config: SubnetConfig, netuid: Int? = nil) throws(ChainError)
        -> Int
    {
        if let problem = config.problem { throw ChainError(.invalid, "subnet \(name): \(problem)") }
        return try state.withLock { state throws(ChainError) in
            let id = netuid ?? ((state.subnets.keys.max() ?? 0) + 1)
            guard state.subnets[id] == nil else { throw ChainError(.conflict, "subnet \(id) already exists") }
            state.subnets[id] = SubnetState(info: SubnetInfo(netuid: id, name: name, owner: owner, config: config))
            return id
        }
    }

    public func register(netuid: Int, hotkey: String, coldkey: String) throws(ChainError) -> Int {
        let (uid, registered) = try join(netuid: netuid, hotkey: hotkey, coldkey: coldkey)
        guard registered else { throw ChainRules.alreadyRegistered(hotkey, netuid: netuid, uid: uid) }
        return uid
    }

    /// Registers `hotkey` unless it already is (see ``LocalChain/join(netuid:hotkey:coldkey:stake:validatorPermit:)``).
    @discardableResult
    public func join(
        netuid: Int, hotkey: String, coldkey: String, stake: UInt64 = 0, validatorPermit: Bool = false
    ) throws(ChainError) -> (uid: Int, registered: Bool) {
        try state.withLock { state throws(ChainError) in
            var subnet = try Self.subnet(state, netuid)
            if let i = subnet.neurons.firstIndex(where: { $0.hotkey == hotkey }) {
                subnet.neurons[i].stake = max(subnet.neurons[i].stake, stake)
                subnet.neurons[i].validatorPermit = subnet.neurons[i].validatorPermit || validatorPermit
                state.subnets[netuid] = subnet
                return (i, false)
            }
            let block = state.head
            let slot = try ChainRules.registrationSlot(
                netuid: netuid, config: subnet.info.config, neurons: subnet.neurons, block: block)
            let neuron = NeuronInfo(
                uid: slot.uid, hotkey: hotkey, coldkey: coldkey, registeredAt: block, lastUpdate: block, stake: stake,
                validatorPermit: validatorPermit)
            if slot.replaces {
                subnet.commits[subnet.neurons[slot.uid].hotkey] = nil
                subnet.neurons[slot.uid] = neuron
                subnet.weights[slot.uid] = []
                subnet.bonds[slot.uid] = []
            } else {
                subnet.neurons.append(neuron)
                subnet.weights.append([])
                subnet.bonds.append([])
            }
            subnet.info.neuronCount = subnet.neurons.count
            state.subnets[netuid] = subnet
            return (slot.uid, true)
        }
    }

    public func serve(netuid: Int, hotkey: String, endpoint: String) throws(ChainError) {
        let normalized = try ChainRules.endpoint(endpoint)
        try update(netuid: netuid, hotkey: hotkey) { _, subnet, uid in subnet.neurons[uid].endpoint = normalized }
    }

    public func setWeights(netuid: Int, hotkey: String, uids: [Int], values: [UInt16], versionKey: UInt64 = 0)
        throws(ChainError)
    {
        try update(netuid: netuid, hotkey: hotkey) { block, subnet, uid throws(ChainError) in
            if subnet.info.config.commitReveal { throw ChainRules.weightsHidden(netuid: netuid) }
            let row = try ChainRules.checkedWeights(
                netuid: netuid, config: subnet.info.config, caller: subnet.neurons[uid],
                registered: subnet.neurons.count, uids: uids, values: values, versionKey: versionKey, block: block)
            subnet.weights[uid] = row
            subnet.neurons[uid].lastUpdate = block
            subnet.neurons[uid].hasWeights = true
        }
    }

    public func commitWeights(netuid: Int, hotkey: String, hash: [UInt8]) throws(ChainError) {
        try update(netuid: netuid, hotkey: hotkey) { block, subnet, uid throws(ChainError) in
            let commit = try ChainRules.checkedCommit(
                netuid: netuid, subnet: subnet.info, caller: subnet.neurons[uid],
                waiting: subnet.commits[hotkey] ?? [], hash: hash, block: block)
            subnet.commits[hotkey, default: []].append(commit)
        }
    }

    public func revealWeights(
        netuid: Int, hotkey: String, uids: [Int], values: [UInt16], salt: [UInt8], versionKey: UInt64 = 0
    ) throws(ChainError) {
        try update(netuid: netuid, hotkey: hotkey) { block, subnet, uid throws(ChainError) in
            let (commit, row) = try ChainRules.checkedReveal(
                netuid: netuid, subnet: subnet.info, caller: subnet.neurons[uid],
                waiting: subnet.commits[hotkey] ?? [], uids: uids, values: values, salt: salt, versionKey: versionKey,
                block: block)
            subnet.commits[hotkey]?.removeAll { $0.hash == commit.hash }
            subnet.weights[uid] = row
            subnet.neurons[uid].lastUpdate = block
            subnet.neurons[uid].hasWeights = true
        }
    }

    // MARK: Blocks

    public func blocks() -> AsyncStream<ChainBlock> { broadcast.subscribe() }

    /// Makes the next block and settles every epoch due at it (see ``LocalChain/produceBlock()``).
    @discardableResult
    public func produceBlock() throws(ChainError) -> ChainBlock {
        let block = try state.withLock { state throws(ChainError) in
            state.head += 1
            var block = ChainBlock(number: state.head)
            for netuid in state.subnets.keys.sorted() {
                let info = state.subnets[netuid]!.info
                guard
                    ChainRules.epochDue(
                        tempo: info.config.tempo, lastEpochBlock: info.lastEpochBlock, block: state.head)
                else { continue }
                block.epochs.append(try Self.settle(&state, netuid: netuid, emission: emissionPerEpoch))
            }
            return block
        }
        broadcast.publish(block)
        return block
    }

    private static func settle(_ state: inout State, netuid: Int, emission: UInt64) throws(ChainError) -> EpochRecord {
        var subnet = state.subnets[netuid]!
        let block = state.head
        let input = EpochInput(
            subnet: subnet.info, neurons: subnet.neurons, weights: subnet.weights, bonds: subnet.bonds, block: block,
            emission: emission)
        let settled: Settlement
        do {
            settled = try Settlement(input, ownerCutPerMillion: subnet.info.config.ownerCutPerMillion)
        } catch {
            throw ChainError(.invalid, "subnet \(netuid): the epoch at block \(block) failed: \(error.message)")
        }
        let output = settled.output
        for uid in subnet.neurons.indices {
            subnet.neurons[uid].emission = output.emission[uid]
            subnet.neurons[uid].validatorPermit = output.validatorPermit[uid]
            state.balances[subnet.neurons[uid].hotkey, default: 0] += settled.credits[uid]
        }
        state.balances[subnet.info.owner, default: 0] += settled.ownerCut
        subnet.bonds = output.bonds
        subnet.info.lastEpochBlock = block
        subnet.info.epochs += 1
        // Commitments whose reveal epoch has passed can no longer be revealed.
        let oldest = subnet.info.epochs - subnet.info.config.commitRevealPeriod
        for hotkey in subnet.commits.keys { subnet.commits[hotkey]!.removeAll { $0.epoch < oldest } }
        state.subnets[netuid] = subnet
        return EpochRecord(
            netuid: netuid, block: block, emission: settled.emission, ownerCut: settled.ownerCut,
            credited: settled.credited, dust: settled.dust, rowsWritten: 0, output: output)
    }

    private func update(
        netuid: Int, hotkey: String, _ body: (UInt64, inout SubnetState, Int) throws(ChainError) -> Void
    ) throws(ChainError) {
        try state.withLock { state throws(ChainError) in
            var subnet = try Self.subnet(state, netuid)
            guard let uid = subnet.neurons.firstIndex(where: { $0.hotkey == hotkey }) else {
                throw ChainError(.notFound, "hotkey \(hotkey) is not registered on subnet \(netuid)")
            }
            try body(state.head, &subnet, uid)
            state.subnets[netuid] = subnet
        }
    }

    private static func subnet(_ state: State, _ netuid: Int) throws(ChainError) -> SubnetState {
        guard let subnet = state.subnets[netuid] else {
            throw ChainError(.notFound, "subnet \(netuid) does not exist; create it first")
        }
        return subnet
    }
}
