import Consensus
public import Ledger
import Synchronization

/// The durable chain `synod up` runs: its state in the SQLite ledger, its rules from
/// ``ChainRules`` and ``Settlement``. Every operation is one ledger transaction, so a
/// process killed at any instant leaves the chain before or after it, never between.
///
/// Blocks come from ``produceBlock()``, which a block loop calls on its schedule (or a test,
/// when it wants the next block): the head moves, and every subnet whose tempo has passed
/// settles its epoch. Weights set during a block count from the next epoch on.
///
/// ```swift
/// let chain = LocalChain(ledger: ledger)
/// let netuid = try chain.createSubnet(name: "echo-sum", owner: owner, config: config)
/// let uid = try chain.register(netuid: netuid, hotkey: hotkey, coldkey: coldkey)
/// let block = try chain.produceBlock()   // block.epochs: what settled
/// ```
public final class LocalChain: Chain {
    public let ledger: Ledger
    /// Rao each subnet emits per epoch.
    public let emissionPerEpoch: UInt64
    private let broadcast = BlockBroadcast()
    /// The head as this chain last made it (0: not yet, read the ledger): the host's
    /// subnets ask at every block, and the answer needs no query.
    private let madeHead = Atomic<UInt64>(0)

    public init(ledger: Ledger, emissionPerEpoch: UInt64 = 1_000_000_000) {
        self.ledger = ledger
        self.emissionPerEpoch = emissionPerEpoch
    }

    deinit { broadcast.finish() }

    // MARK: Reading

    public func head() throws -> UInt64 {
        let made = madeHead.load(ordering: .acquiring)
        return made > 0 ? made : try checked { try ledger.chainHead() }
    }

    public func subnets() throws -> [SubnetInfo] { try checked { try ledger.subnets() } }

    public func metagraph(netuid: Int) throws -> Metagraph {
        try checked {
            let head = try head()
            return Metagraph(
                block: head, subnet: try ledger.subnet(netuid: netuid), neurons: try ledger.neurons(netuid: netuid))
        }
    }

    public func neuron(netuid: Int, hotkey: String) throws -> NeuronInfo? {
        try checked { try ledger.neuron(netuid: netuid, hotkey: hotkey) }
    }

    // MARK: Writing

    /// Creates a subnet at the next free netuid (from 1) and returns it; `plugin` names the
    /// file that serves it.
    public func createSubnet(name: String, owner: String, config: SubnetConfig, plugin: String? = nil) throws -> Int {
        try createSubnets([(name, owner, config, plugin)])[0]
    }

    /// Creates subnets at the next free netuids, in order, in one transaction.
    public func createSubnets(_ subnets: [(name: String, owner: String, config: SubnetConfig, plugin: String?)]) throws
        -> [Int]
    {
        try checked {
            try ledger.write { tx in
                try subnets.map { subnet in
                    let netuid = try tx.nextNetuid()
                    try tx.createSubnet(
                        netuid: netuid, name: subnet.name, owner: subnet.owner, config: subnet.config,
                        plugin: subnet.plugin)
                    return netuid
                }
            }
        }
    }

    public func register(netuid: Int, hotkey: String, coldkey: String) throws -> Int {
        let (uid, registered) = try join(netuid: netuid, hotkey: hotkey, coldkey: coldkey)
        guard registered else { throw ChainRules.alreadyRegistered(hotkey, netuid: netuid, uid: uid) }
        return uid
    }

    /// Registers `hotkey` unless it already is, returning its UID and whether this call
    /// registered it; an operator's own validator comes in with its `stake` and permit in
    /// the same transaction, and one already there is topped up to `stake` and given back a
    /// permit it lost.
    @discardableResult
    public func join(
        netuid: Int, hotkey: String, coldkey: String, stake: UInt64 = 0, validatorPermit: Bool = false
    ) throws -> (uid: Int, registered: Bool) {
        try join([
            Member(netuid: netuid, hotkey: hotkey, coldkey: coldkey, stake: stake, validatorPermit: validatorPermit)
        ])[0]
    }

    /// One hotkey an operator puts on a subnet (see ``join(_:)``).
    public struct Member: Sendable, Hashable {
        public var netuid: Int
        public var hotkey: String
        public var coldkey: String
        public var stake: UInt64
        public var validatorPermit: Bool

        public init(netuid: Int, hotkey: String, coldkey: String, stake: UInt64 = 0, validatorPermit: Bool = false) {
            self.netuid = netuid
            self.hotkey = hotkey
            self.coldkey = coldkey
            self.stake = stake
            self.validatorPermit = validatorPermit
        }
    }

    /// Joins many hotkeys, on any subnets, in one transaction (a host starting a thousand
    /// subnets writes once, not thousands of times); each as
    /// ``join(netuid:hotkey:coldkey:stake:validatorPermit:)``.
    public func join(_ members: [Member]) throws -> [(uid: Int, registered: Bool)] {
        try checked {
            let block = try head()
            return try ledger.write { tx in
                var joined: [(uid: Int, registered: Bool)] = []
                // Each subnet's settings and UIDs are read once and kept up to date here.
                var subnets: [Int: (config: SubnetConfig, neurons: [NeuronInfo])] = [:]
                for m in members {
                    if subnets[m.netuid] == nil {
                        subnets[m.netuid] = (try tx.subnet(netuid: m.netuid).config, try tx.neurons(netuid: m.netuid))
                    }
                    let (config, neurons) = subnets[m.netuid]!
                    if let neuron = neurons.first(where: { $0.hotkey == m.hotkey }) {
                        if neuron.stake < m.stake || (m.validatorPermit && !neuron.validatorPermit) {
                            try tx.setStakeAndPermit(
                                netuid: m.netuid, uid: neuron.uid, stake: max(neuron.stake, m.stake),
                                validatorPermit: neuron.validatorPermit || m.validatorPermit)
                        }
                        joined.append((neuron.uid, false))
                        continue
                    }
                    let slot = try ChainRules.registrationSlot(
                        netuid: m.netuid, config: config, neurons: neurons, block: block)
                    if slot.replaces { try tx.removeNeuron(netuid: m.netuid, uid: slot.uid) }
                    try tx.insertNeuron(
                        netuid: m.netuid, uid: slot.uid, hotkey: m.hotkey, coldkey: m.coldkey, block: block,
                        stake: m.stake, validatorPermit: m.validatorPermit)
                    let neuron = NeuronInfo(
                        uid: slot.uid, hotkey: m.hotkey, coldkey: m.coldkey, registeredAt: block, lastUpdate: block,
                        stake: m.stake, validatorPermit: m.validatorPermit)
                    if slot.replaces {
                        subnets[m.netuid]!.neurons[slot.uid] = neuron
                    } else {
                        subnets[m.netuid]!.neurons.append(neuron)
                    }
                    joined.append((slot.uid, true))
                }
                return joined
            }
        }
    }

    public func serve(netuid: Int, hotkey: String, endpoint: String) throws {
        try serve([(netuid, hotkey, endpoint)])
    }

    /// Serves many endpoints in one transaction; each is checked first, so a bad one writes
    /// nothing.
    public func serve(_ endpoints: [(netuid: Int, hotkey: String, endpoint: String)]) throws {
        let normalized = try endpoints.map { ($0.netuid, $0.hotkey, try ChainRules.endpoint($0.endpoint)) }
        try checked {
            try ledger.write { tx in
                for (netuid, hotkey, endpoint) in normalized {
                    try tx.setEndpoint(netuid: netuid, hotkey: hotkey, endpoint: endpoint)
                }
            }
        }
    }

    public func setWeights(netuid: Int, hotkey: String, uids: [Int], values: [UInt16], versionKey: UInt64 = 0)
        throws(ChainError)
    {
        try asCaller(netuid: netuid, hotkey: hotkey) { tx, subnet, caller, block in
            if subnet.config.commitReveal { throw ChainRules.weightsHidden(netuid: netuid) }
            let row = try ChainRules.checkedWeights(
                netuid: netuid, config: subnet.config, caller: caller, registered: subnet.neuronCount, uids: uids,
                values: values, versionKey: versionKey, block: block)
            try tx.storeWeights(netuid: netuid, uid: caller.uid, row, block: block)
        }
    }

    public func commits(netuid: Int, hotkey: String) throws(ChainError) -> [WeightCommit] {
        try checked { try ledger.commits(netuid: netuid, hotkey: hotkey) }
    }

    public func commitWeights(netuid: Int, hotkey: String, hash: [UInt8]) throws(ChainError) {
        try asCaller(netuid: netuid, hotkey: hotkey) { tx, subnet, caller, block in
            let commit = try ChainRules.checkedCommit(
                netuid: netuid, subnet: subnet, caller: caller, waiting: try tx.commits(netuid: netuid, hotkey: hotkey),
                hash: hash, block: block)
            try tx.insertCommit(netuid: netuid, commit)
        }
    }

    public func revealWeights(
        netuid: Int, hotkey: String, uids: [Int], values: [UInt16], salt: [UInt8], versionKey: UInt64 = 0
    ) throws(ChainError) {
        try asCaller(netuid: netuid, hotkey: hotkey) { tx, subnet, caller, block in
            let (commit, row) = try ChainRules.checkedReveal(
                netuid: netuid, subnet: subnet, caller: caller, waiting: try tx.commits(netuid: netuid, hotkey: hotkey),
                uids: uids, values: values, salt: salt, versionKey: versionKey, block: block)
            try tx.deleteCommit(netuid: netuid, hotkey: hotkey, hash: commit.hash)
            try tx.storeWeights(netuid: netuid, uid: caller.uid, row, block: block)
        }
    }

    /// Runs `body` in one transaction at the head block, for `hotkey` as registered on the
    /// subnet (refused when it is not).
    private func asCaller(
        netuid: Int, hotkey: String,
        _ body: (borrowing LedgerWriter, SubnetInfo, NeuronInfo, UInt64) throws -> Void
    ) throws(ChainError) {
        try checked {
            let block = try head()
            try ledger.write { tx in
                let subnet = try tx.subnet(netuid: netuid)
                guard let caller = try tx.neuron(netuid: netuid, hotkey: hotkey) else {
                    throw ChainError(.notFound, "hotkey \(hotkey) is not registered on subnet \(netuid)")
                }
                try body(tx, subnet, caller, block)
            }
        }
    }

    // MARK: Blocks

    public func blocks() -> AsyncStream<ChainBlock> { broadcast.subscribe() }

    /// Ends every open ``blocks()`` sequence once it has handed out the blocks made so far
    /// (the block loop stops).
    public func closeBlocks() { broadcast.finish() }

    /// Makes the next block: the head moves on (recorded, so a restart continues from it),
    /// then every subnet whose tempo has passed settles its epoch. A subnet whose epoch
    /// fails is skipped (and retried next block); the others still settle.
    @discardableResult
    public func produceBlock() throws -> ChainBlock {
        let (block, failures) = try produceBlockReportingFailures()
        if let (_, error) = failures.first { throw error }
        return block
    }

    /// ``produceBlock()``, with the subnets whose epoch failed and why.
    public func produceBlockReportingFailures() throws -> (ChainBlock, failures: [(netuid: Int, error: ChainError)]) {
        let number = try checked {
            let next = try ledger.chainHead() + 1
            try ledger.setChainHead(next)
            madeHead.store(next, ordering: .releasing)
            return next
        }
        var block = ChainBlock(number: number)
        var failures: [(Int, ChainError)] = []
        for subnet in try checked({ try ledger.epochSchedule() })
        where ChainRules.epochDue(tempo: subnet.tempo, lastEpochBlock: subnet.lastEpochBlock, block: number) {
            do {
                block.epochs.append(try settleEpoch(netuid: subnet.netuid, block: number))
            } catch {
                failures.append((subnet.netuid, error))
            }
        }
        broadcast.publish(block)
        return (block, failures)
    }

    /// Settles the subnet's epoch at `block` now, whatever its tempo, in one transaction.
    @discardableResult
    public func settleEpoch(netuid: Int, block: UInt64) throws(ChainError) -> EpochRecord {
        let emission = emissionPerEpoch
        return try checked {
            try ledger.write { tx in
                let subnet = try tx.subnet(netuid: netuid)
                let neurons = try tx.neurons(netuid: netuid)
                let state = EpochInput(
                    subnet: subnet, neurons: neurons, weights: try tx.weightRows(netuid: netuid, count: neurons.count),
                    bonds: try tx.bondRows(netuid: netuid, count: neurons.count), block: block, emission: emission)
                let settled = try Settlement(state, ownerCutPerMillion: subnet.config.ownerCutPerMillion)
                let record = try tx.recordEpoch(netuid: netuid, block: block, settled)
                // Commitments whose reveal epoch has passed can no longer be revealed.
                try tx.deleteCommits(
                    netuid: netuid, madeBefore: subnet.epochs + 1 - subnet.config.commitRevealPeriod)
                return record
            }
        }
    }

    /// Runs `body`, turning the ledger's and consensus's refusals into the chain's.
    func checked<T>(_ body: () throws -> T) throws(ChainError) -> T {
        do {
            return try body()
        } catch let error as ChainError {
            throw error
        } catch let error as LedgerError {
            throw ChainError(error)
        } catch let error as ConsensusError {
            throw ChainError(.invalid, "the epoch failed: \(error.message)")
        } catch {
            throw ChainError(.invalid, "the ledger failed: \(error)")
        }
    }
}
