import Ledger
import Logging
public import LuaSandbox
public import SynodChain

/// One validator step, the only one: read the metagraph, build the task, query the miners
/// that serve an endpoint, put each answer through `validate`, `score` and `reward`, and set
/// the weights on the chain. `synod up` (miners over the dendrite), `synod sim` and the
/// self-check (simulated miners, an in-memory chain) all run this; only the ``MinerSource``
/// and the ``Chain`` differ.
public struct ValidatorStep: Sendable {
    /// The validator's hotkey (ss58 on a live chain; any stable name in a simulation).
    public var hotkey: String
    /// The version key sent with weights (the subnet's `weights_version` is the minimum).
    public var versionKey: UInt64
    /// Where a miner's failed answer is reported (rate-limited there), or nil for silence.
    public var failures: RateLimitedLogger?
    /// The validator's secret: `ctx.secret` in its rounds (fresh each round without one).
    public var secret: ValidatorSecret?

    public init(
        hotkey: String, versionKey: UInt64 = 0, failures: RateLimitedLogger? = nil, secret: ValidatorSecret? = nil
    ) {
        self.hotkey = hotkey
        self.versionKey = versionKey
        self.failures = failures
        self.secret = secret
    }

    /// What one step did.
    public struct Report: Sendable {
        public var block: UInt64
        /// The task the validator sent.
        public var task: LuaValue
        /// The round's `ctx` (its miners, its seeds).
        public var context: HookContext
        /// The UIDs queried, in order.
        public var uids: [Int]
        /// What each sent back.
        public var replies: [MinerReply]
        /// What `score` saw per UID: the answer, or nil (no answer, or `validate` said no).
        public var responses: [LuaValue?]
        /// What each miner did (a contract-2 `score` sees these).
        public var miners: [MinerResponse]
        public var scores: [Double]
        public var weights: [Double]
        /// Whether the chain took the weights.
        public var weightsSet: Bool
        /// Why the weights were not set, when they were not.
        public var refusal: String?

        /// Miners that sent anything at all.
        public var answered: Int { replies.filter { if case .answered = $0 { true } else { false } }.count }
        /// Miners whose answer `validate` accepted.
        public var valid: Int { responses.compactMap { $0 }.count }
    }

    /// Weights as a validator sends them: u16, scaled so the largest is 65535 (the chain
    /// max-upscales them again, which keeps these); nil when every weight is 0.
    public static func u16Weights(_ weights: [Double]) -> [UInt16]? {
        guard let top = weights.max(), top > 0 else { return nil }
        return weights.map { UInt16(($0 / top * 65535).rounded()) }
    }

    /// Most answers tried one by one to find which makes `score` fail.
    public static let containmentLimit = 32

    /// `score`, with a poisoned answer contained: when `score` fails with a runtime error,
    /// each accepted answer is left out in turn (up to ``containmentLimit``); the answer
    /// without which it succeeds is marked `poisoned`, scores 0 and is named in the log, and
    /// the round goes on. A limit (memory, instructions, time) is not retried: each try
    /// could cost the whole budget.
    private func containedScore(
        _ plugin: PluginHost, task: LuaValue, miners: inout [MinerResponse], context: HookContext, netuid: Int
    ) async throws -> [Double] {
        let error: PluginError
        do {
            return try await plugin.score(task: task, responses: miners, context: context)
        } catch let failure {
            error = failure
        }
        let suspects = miners.indices.filter { miners[$0].status == "ok" }
        guard error.sandboxError?.kind.isLimit != true, suspects.count <= Self.containmentLimit else { throw error }
        for i in suspects {
            var without = miners
            without[i].status = "poisoned"
            without[i].reason = "its answer makes score fail: \(error.message)"
            without[i].answer = nil
            guard let scores = try? await plugin.score(task: task, responses: without, context: context) else {
                continue
            }
            miners = without
            failures?.warning(
                "subnet \(netuid) · uid \(miners[i].uid) (\(miners[i].hotkey.prefix(8))…): its answer makes "
                    + "score fail; it scores 0 this round: \(error)",
                key: "\(netuid)/\(miners[i].hotkey)/poisoned", metadata: ["netuid": "\(netuid)"])
            return scores
        }
        throw error
    }

    /// Runs one step on subnet `netuid` at the chain's head. Throws when a hook fails
    /// (``PluginError``) or the chain cannot be read (``ChainError``); a refusal of the
    /// weights is in the report, not thrown.
    ///
    /// - Parameter metagraph: the subnet as the caller just read it at the head, so a host
    ///   stepping several validators reads it once; nil to read it here.
    public func run(
        netuid: Int, plugin: PluginHost, chain: any Chain, miners: any MinerSource, metagraph read: Metagraph? = nil
    ) async throws -> Report {
        let metagraph: Metagraph
        if let given = read {
            metagraph = given
        } else {
            metagraph = try await chain.metagraph(netuid: netuid)
        }
        let block = metagraph.block
        let targets = metagraph.neurons.filter { $0.endpoint != nil && $0.hotkey != hotkey }
        let context = HookContext(
            netuid: netuid, block: block, validator: hotkey, miners: targets.map { ($0.uid, $0.hotkey) },
            secret: secret)
        let task = try await plugin.task(context)
        let timeout = Duration.milliseconds(Int64(plugin.definition.timeout * 1000))
        let replies = await miners.query(task, miners: targets, netuid: netuid, timeout: timeout)
        var responses: [LuaValue?] = []
        var miners: [MinerResponse] = []
        for (miner, reply) in zip(targets, replies) {
            var failure: (kind: String, detail: String)?
            var usable: LuaValue?
            var record = MinerResponse(uid: miner.uid, hotkey: miner.hotkey, status: "ok")
            switch reply {
            case .answered(let value, let latency, let bytes):
                record.latency = latency.map {
                    Double($0.components.seconds) + Double($0.components.attoseconds) / 1e18
                }
                record.bytes = bytes
                do {
                    if try await plugin.validate(value, task: task) {
                        usable = value
                    } else {
                        failure = ("invalid", "the plugin's validate rejected the answer")
                    }
                } catch {
                    if error.sandboxError?.kind.isLimit == true { throw error }
                    // The answer broke `validate`: it costs this miner, not the round.
                    failure = ("invalid", "the answer makes validate fail: \(error)")
                }
            case .failed(let kind, let detail):
                failure = (kind, detail)
            }
            record.answer = usable
            if let failure {
                // The stable word first (`refused 403` → `refused`), the detail as the reason.
                record.status = String(failure.kind.split(separator: " ").first ?? "failed")
                record.reason = failure.detail
            }
            miners.append(record)
            if let failure, let failures {
                failures.warning(
                    "subnet \(netuid) · uid \(miner.uid) (\(miner.hotkey.prefix(8))…): no usable answer: \(failure.detail)",
                    key: "\(netuid)/\(miner.hotkey)/\(failure.kind)",
                    metadata: ["netuid": "\(netuid)", "uid": "\(miner.uid)", "endpoint": "\(miner.endpoint ?? "")"])
            }
            responses.append(usable)
        }
        let scores = try await containedScore(plugin, task: task, miners: &miners, context: context, netuid: netuid)
        for (i, record) in miners.enumerated() where record.status == "poisoned" { responses[i] = nil }
        let weights = try await plugin.reward(scores: scores, context: context)
        var report = Report(
            block: block, task: task, context: context, uids: targets.map(\.uid), replies: replies,
            responses: responses, miners: miners,
            scores: scores, weights: weights, weightsSet: false)
        guard let values = Self.u16Weights(weights) else {
            report.refusal = "every weight is 0"
            return report
        }
        do {
            try await chain.setWeights(
                netuid: netuid, hotkey: hotkey, uids: report.uids, values: values, versionKey: versionKey)
            report.weightsSet = true
        } catch let error as ChainError {
            report.refusal = error.message
        }
        return report
    }
}
