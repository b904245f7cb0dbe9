public import Ledger

/// What anyone may read from a chain: its head, its subnets and their metagraphs.
///
/// Reading never changes the chain; a reader may be a view over a ledger another process
/// writes (`synod status`), a remote chain over HTTP, or the chain itself.
public protocol ChainReader: Sendable {
    /// The newest block.
    func head() async throws -> UInt64
    /// Every subnet, by netuid.
    func subnets() async throws -> [SubnetInfo]
    /// One subnet's settings and UIDs at the head; throws ``ChainError`` (`.notFound`).
    func metagraph(netuid: Int) async throws -> Metagraph
    /// The UID `hotkey` holds on the subnet, or nil: one lookup (an axon asks this on
    /// every request, to know who calls).
    func neuron(netuid: Int, hotkey: String) async throws -> NeuronInfo?
    /// The weight commitments `hotkey` has waiting to be revealed, oldest first.
    func commits(netuid: Int, hotkey: String) async throws -> [WeightCommit]
}

/// What a hotkey may ask of a chain. Each call is checked against the chain's rules, which
/// live in one place (``ChainRules`` and ``Settlement``); a refusal is a ``ChainError``
/// saying why.
public protocol ChainWriter: Sendable {
    /// Registers `hotkey` on the subnet at the head block and returns its UID: a free UID
    /// while there is one, else the UID the chain's pruning rule picks
    /// (``ChainRules/registrationSlot(netuid:config:neurons:block:)``). Refuses a hotkey
    /// that is already registered (`.conflict`).
    func register(netuid: Int, hotkey: String, coldkey: String) async throws -> Int
    /// Records where the hotkey's axon answers (`http://HOST:PORT` or `https://HOST:PORT`).
    func serve(netuid: Int, hotkey: String, endpoint: String) async throws
    /// Sets a validator's weights at the head block: one u16 value per UID, which the chain
    /// max-upscales (its one normalisation). Checked: a permit, distinct registered UIDs,
    /// the minimum count, the rate limit, and `versionKey` at least the subnet's
    /// `weights_version`.
    func setWeights(netuid: Int, hotkey: String, uids: [Int], values: [UInt16], versionKey: UInt64) async throws
    /// Commits a hash of weights to reveal later, on a subnet with commit–reveal
    /// (``ChainRules/commitHash(netuid:hotkey:uids:values:salt:versionKey:)``). Checked as
    /// ``ChainRules/checkedCommit(netuid:subnet:caller:waiting:hash:block:)`` says.
    func commitWeights(netuid: Int, hotkey: String, hash: [UInt8]) async throws
    /// Reveals committed weights: they must hash to a waiting commitment whose reveal epoch
    /// has come, and pass the checks of ``setWeights(netuid:hotkey:uids:values:versionKey:)``
    /// (but the rate limit). They enter consensus from this block.
    func revealWeights(
        netuid: Int, hotkey: String, uids: [Int], values: [UInt16], salt: [UInt8], versionKey: UInt64
    ) async throws
}

/// A chain: the only place that knows the chain's rules. Local (``LocalChain``, durable,
/// what `synod up` runs), in memory (``MemoryChain``, what `synod sim` and the self-check
/// run), and later remote (a Synod chain over HTTP) or the Bittensor chain itself.
public protocol Chain: ChainReader, ChainWriter {
    /// Blocks as the chain makes them, each with the epochs it settled. A new sequence
    /// starts at the next block; it ends when the chain stops.
    func blocks() -> AsyncStream<ChainBlock>
}

/// A block the chain made, and what it settled at it.
public struct ChainBlock: Sendable, Hashable {
    public var number: UInt64
    /// The epochs that ran at this block (subnets whose tempo had passed).
    public var epochs: [EpochRecord]

    public init(number: UInt64, epochs: [EpochRecord] = []) {
        self.number = number
        self.epochs = epochs
    }
}
