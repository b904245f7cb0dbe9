/// What one validator round did, as kept for `synod rounds` and `synod explain --round`:
/// the task it sent (by digest), what each miner did, what it scored and weighed.
public struct RoundRecord: Sendable, Hashable, Codable {
    public var netuid: Int
    public var validator: String
    public var block: UInt64
    /// The plugin version that scored it (its sha256).
    public var plugin: String
    /// SHA-256 of the task's JSON (per-miner tasks: of all of them, in miner order).
    public var taskDigest: String
    /// `weights set`, `weights committed`, or why no weights came of it.
    public var outcome: String
    public var miners: [Miner]

    /// One miner's part in the round.
    public struct Miner: Sendable, Hashable, Codable {
        public var uid: Int
        public var hotkey: String
        /// `ok`, `invalid`, `timeout`, `refused`, `poisoned`, … (as `score` saw it).
        public var status: String
        public var reason: String?
        /// Seconds, when it answered.
        public var latency: Double?
        /// Follow-up challenges sent to it in the round.
        public var challenges: Int
        public var score: Double
        /// Its weight as the validator computed it (before the chain's scaling).
        public var weight: Double

        public init(
            uid: Int, hotkey: String, status: String, reason: String? = nil, latency: Double? = nil,
            challenges: Int = 0, score: Double, weight: Double
        ) {
            self.uid = uid
            self.hotkey = hotkey
            self.status = status
            self.reason = reason
            self.latency = latency
            self.challenges = challenges
            self.score = score
            self.weight = weight
        }
    }

    public init(
        netuid: Int, validator: String, block: UInt64, plugin: String, taskDigest: String, outcome: String,
        miners: [Miner]
    ) {
        self.netuid = netuid
        self.validator = validator
        self.block = block
        self.plugin = plugin
        self.taskDigest = taskDigest
        self.outcome = outcome
        self.miners = miners
    }
}
