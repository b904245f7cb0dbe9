public import Ledger
import Logging
public import LuaSandbox
public import SynodChain
import Wire

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
    /// Where it keeps weights it committed until it reveals them (commit–reveal subnets).
    public var reveals: any PendingReveals
    /// Where its rounds are recorded, or nil for nowhere.
    public var journal: (any RoundJournal)?
    /// The weights it sends instead of the ones its rounds compute (`synod sim`'s dishonest
    /// validators), or nil for the honest ones.
    public var policy: (any WeightPolicy)?
    /// `validate` verdicts shared with other validators (`synod sim`), or nil.
    public var validations: SharedValidations?

    public init(
        hotkey: String, versionKey: UInt64 = 0, failures: RateLimitedLogger? = nil, secret: ValidatorSecret? = nil,
        reveals: any PendingReveals = MemoryPendingReveals(), journal: (any RoundJournal)? = nil,
        policy: (any WeightPolicy)? = nil, validations: SharedValidations? = nil
    ) {
        self.policy = policy
        self.validations = validations
        self.hotkey = hotkey
        self.versionKey = versionKey
        self.failures = failures
        self.secret = secret
        self.reveals = reveals
        self.journal = journal
    }

    /// What one step did.
    public struct Report: Sendable {
        public var block: UInt64
        /// The task the validator sent (per-miner tasks: the table of them by hotkey).
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
        /// Whether the chain took the weights (set them, or took their commitment).
        public var weightsSet: Bool
        /// Whether they were committed, to be revealed later (commit–reveal).
        public var committed = false
        /// Why the weights were not set, when they were not.
        public var refusal: String?

        /// Miners that sent anything at all.
        public var answered: Int { replies.filter { if case .answered = $0 { true } else { false } }.count }
        /// What the round record says came of it.
        public var outcome: String {
            if weightsSet { return committed ? "weights committed" : "weights set" }
            return "no weights: " + (refusal ?? "not sent")
        }
        /// Miners whose answer `validate` accepted.
        public var valid: Int { responses.compactMap { $0 }.count }
        /// What the miners' answers came to: how many, how late, how large.
        public var answerCost: AnswerCost {
            var cost = AnswerCost()
            for reply in replies {
                guard case .answered(_, let latency, let bytes) = reply else {
                    cost.missing += 1
                    continue
                }
                guard let latency else {
                    cost.answered += 1
                    continue
                }
                let seconds = ValidatorStep.seconds(latency)
                cost.add(
                    AnswerCost(
                        answered: 1, timed: 1, latencySeconds: seconds, maxLatencySeconds: seconds, bytes: bytes ?? 0))
            }
            return cost
        }
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
            without[i].answer = nil
            guard let scores = try? await plugin.score(task: task, responses: without, context: context) else {
                continue
            }
            poison(&miners[i], hook: "score", error: error, netuid: netuid)
            return scores
        }
        throw error
    }

    /// Runs one round on subnet `netuid` at the chain's head, whether or not weights are due
    /// (``act(netuid:plugin:chain:miners:metagraph:)`` runs it when they are): the task (one
    /// for all, or one per miner), the miners' answers through `validate`, follow-up
    /// challenges, `score` (a poisoned answer contained), `reward`, and the weights set — or
    /// committed, on a subnet with commit–reveal. Throws when a hook fails (``PluginError``)
    /// or the chain cannot be read (``ChainError``); a refusal of the weights is in the
    /// report, not thrown. The round is recorded in ``journal``.
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
        let round = try await plugin.roundTask(context)
        let task = round.value
        let timeout = Duration.milliseconds(Int64(plugin.definition.timeout * 1000))
        let perMiner = if case .perMiner = round { true } else { false }
        var records = targets.map { miner in
            MinerResponse(
                uid: miner.uid, hotkey: miner.hotkey, status: "ok", task: perMiner ? round.task(for: miner.hotkey) : nil
            )
        }
        // A miner the task gives nothing this round is not asked.
        let asked = targets.indices.filter { round.task(for: targets[$0].hotkey) != nil }
        let answers = await miners.query(
            asked.map { round.task(for: targets[$0].hotkey)! }, miners: asked.map { targets[$0] }, netuid: netuid,
            validator: hotkey, timeout: timeout)
        var replies = [MinerReply](
            repeating: .failed(kind: "skipped", detail: "the task gave this miner nothing this round"),
            count: targets.count)
        for (i, reply) in zip(asked, answers) { replies[i] = reply }
        // Every answer through `validate` in one call (or from verdicts other validators got).
        let answered = replies.indices.compactMap { i -> (Int, LuaValue)? in
            if case .answered(let value, _, _) = replies[i] { (i, value) } else { nil }
        }
        let pairs = answered.map { i, value in (response: value, task: round.task(for: targets[i].hotkey) ?? task) }
        let verdicts =
            if let validations { try await validations.validate(pairs, with: plugin) } else {
                try await plugin.validate(pairs)
            }
        var verdict: [Int: Validation] = [:]
        for ((i, _), v) in zip(answered, verdicts) { verdict[i] = v }
        for (i, reply) in replies.enumerated() {
            var failure: (kind: String, detail: String)?
            switch reply {
            case .answered(let value, let latency, let bytes):
                records[i].latency = latency.map(Self.seconds)
                records[i].bytes = bytes
                switch verdict[i] {
                case .accepted?: records[i].answer = value
                case .failed(let why)?:
                    // The answer broke `validate`: it costs this miner, not the round.
                    failure = ("invalid", "the answer makes validate fail: \(why)")
                default: failure = ("invalid", "the plugin's validate rejected the answer")
                }
            case .failed(let kind, let detail):
                failure = (kind, detail)
            }
            if let failure {
                // The stable word first (`refused 403` → `refused`), the detail as the reason.
                records[i].status = String(failure.kind.split(separator: " ").first ?? "failed")
                records[i].reason = failure.detail
                if failure.kind != "skipped" {
                    failures?.warning(
                        "subnet \(netuid) · uid \(targets[i].uid) (\(targets[i].hotkey.prefix(8))…): no usable answer: "
                            + failure.detail,
                        key: "\(netuid)/\(targets[i].hotkey)/\(failure.kind)",
                        metadata: [
                            "netuid": "\(netuid)", "uid": "\(targets[i].uid)",
                            "endpoint": "\(targets[i].endpoint ?? "")",
                        ])
                }
            }
        }
        try await challenge(
            &records, targets: targets, task: task, plugin: plugin, miners: miners, context: context, timeout: timeout)
        let scores = try await containedScore(plugin, task: task, miners: &records, context: context, netuid: netuid)
        let weights = try await plugin.reward(scores: scores, context: context)
        var report = Report(
            block: block, task: task, context: context, uids: targets.map(\.uid), replies: replies,
            responses: records.map(\.answer), miners: records, scores: scores, weights: weights, weightsSet: false)
        if let policy { report.weights = policy.weights(report) }
        if let values = Self.u16Weights(report.weights) {
            do {
                if metagraph.subnet.config.commitReveal {
                    try await commit(
                        netuid: netuid, uids: report.uids, values: values, metagraph: metagraph, chain: chain)
                    report.committed = true
                } else {
                    try await chain.setWeights(
                        netuid: netuid, hotkey: hotkey, uids: report.uids, values: values, versionKey: versionKey)
                }
                report.weightsSet = true
            } catch let error as ChainError {
                report.refusal = error.message
            }
        } else {
            report.refusal = "every weight is 0"
        }
        journal?.record(record(report, plugin: plugin.definition.sha256))
        return report
    }

    /// Sends follow-up challenges (contract 2's `challenge` hook): after the answers, each
    /// miner whose answer `validate` accepted — and whose previous challenge it answered —
    /// may get one more request, up to ``PluginContract/maxChallenges``, all miners'
    /// concurrently. A challenge hook that fails on a miner's answers poisons that miner only.
    private func challenge(
        _ records: inout [MinerResponse], targets: [NeuronInfo], task: LuaValue, plugin: PluginHost,
        miners: any MinerSource, context: HookContext, timeout: Duration
    ) async throws {
        guard plugin.definition.hooks["challenge"] != nil else { return }
        for _ in 0..<PluginContract.maxChallenges {
            var sent: [(index: Int, request: LuaValue)] = []
            for i in records.indices
            where records[i].status == "ok" && (records[i].challenges.last.map { $0.status == "ok" } ?? true) {
                do {
                    if let request = try await plugin.challenge(task: task, response: records[i], context: context) {
                        sent.append((i, request))
                    }
                } catch {
                    if error.sandboxError?.kind.isLimit == true { throw error }
                    poison(&records[i], hook: "challenge", error: error, netuid: context.netuid)
                }
            }
            guard !sent.isEmpty else { return }
            let replies = await miners.query(
                sent.map(\.request), miners: sent.map { targets[$0.index] }, netuid: context.netuid,
                validator: hotkey, timeout: timeout)
            for ((i, request), reply) in zip(sent, replies) {
                switch reply {
                case .answered(let value, let latency, _):
                    records[i].challenges.append(
                        .init(request: request, status: "ok", latency: latency.map(Self.seconds), answer: value))
                case .failed(let kind, let detail):
                    records[i].challenges.append(
                        .init(
                            request: request, status: String(kind.split(separator: " ").first ?? "failed"),
                            reason: detail))
                }
            }
        }
    }

    /// Marks a miner whose answers make a hook fail: it scores 0 this round, the log names it.
    private func poison(_ record: inout MinerResponse, hook: String, error: PluginError, netuid: Int) {
        record.status = "poisoned"
        record.reason = "its answer makes \(hook) fail: \(error.message)"
        record.answer = nil
        failures?.warning(
            "subnet \(netuid) · uid \(record.uid) (\(record.hotkey.prefix(8))…): its answer makes \(hook) "
                + "fail; it scores 0 this round: \(error)",
            key: "\(netuid)/\(record.hotkey)/poisoned", metadata: ["netuid": "\(netuid)"])
    }

    private static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }

    /// The round as the journal keeps it.
    private func record(_ report: Report, plugin sha256: String) -> RoundRecord {
        let digest = (try? report.task.jsonText()).map { SHA256.hex(Array($0.utf8)) } ?? "unsendable"
        return RoundRecord(
            netuid: report.context.netuid, validator: hotkey, block: report.block, plugin: sha256,
            taskDigest: digest, outcome: report.outcome,
            miners: report.miners.indices.map { i in
                let m = report.miners[i]
                return RoundRecord.Miner(
                    uid: m.uid, hotkey: m.hotkey, status: m.status, reason: m.reason, latency: m.latency,
                    challenges: m.challenges.count, score: report.scores[i], weight: report.weights[i])
            })
    }
}

/// What a validator sends other than the weights its round computed: the strategies of
/// `synod sim`'s dishonest validators (copying consensus, never updating, random weights,
/// colluding with one miner).
public protocol WeightPolicy: Sendable {
    /// One weight per UID of `report.uids`; `report.weights` holds the honest ones.
    func weights(_ report: ValidatorStep.Report) -> [Double]
}
