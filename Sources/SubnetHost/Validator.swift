public import Ledger
public import Logging
public import LuaSandbox
public import Wire

/// A validator of the host's: each step it builds a task, sends it to every miner that
/// serves an axon, scores the answers with the plugin and sets the resulting weights.
public struct Validator: Sendable {
    public let dendrite: Dendrite
    /// Where a miner's failed answer is reported: once per miner and reason a minute, so a
    /// dead miner is named in the log without repeating it every round.
    public let failures: RateLimitedLogger

    /// The validator's address (its dendrite signs for it).
    public var address: SS58Address { dendrite.address }

    public init(
        dendrite: Dendrite,
        failures: RateLimitedLogger = RateLimitedLogger(
            logger: Logger(label: "synod.validator"), interval: .seconds(60))
    ) {
        self.dendrite = dendrite
        self.failures = failures
    }

    /// What one step did.
    public struct Step: Sendable {
        public var block: UInt64
        /// The UIDs queried, in order, with what each answered (nil: no usable answer).
        public var uids: [Int]
        /// How many miners sent an answer at all (usable or not).
        public var answered: Int
        public var responses: [LuaValue?]
        public var scores: [Double]
        public var weights: [Double]
        /// Whether the ledger took the weights (it refuses within the rate limit).
        public var weightsSet: Bool
        /// Why the weights were not set, when they were not.
        public var refusal: String?
    }

    /// Weights as a validator sends them: u16, scaled so the largest is 65535 (the ledger
    /// stores them max-upscaled, as the chain does); nil when every weight is 0.
    static func u16Weights(_ weights: [Double]) -> [UInt16]? {
        guard let top = weights.max(), top > 0 else { return nil }
        return weights.map { UInt16(($0 / top * 65535).rounded()) }
    }

    /// One validator step on subnet `netuid` at `block`.
    public func step(runtime: SubnetRuntime, ledger: Ledger, block: UInt64) async throws -> Step {
        let netuid = runtime.netuid
        let me = address.string
        let miners = try ledger.neurons(netuid: netuid).filter { $0.endpoint != nil && $0.hotkey != me }
        let context = HookContext(netuid: netuid, block: block, validator: me)
        let task = try await runtime.task(context)
        let body = Array(try task.jsonText().utf8)
        var endpoints: [MinerEndpoint] = []
        var uids: [Int] = []
        for miner in miners {
            guard let address = try? SS58Address(miner.hotkey), let url = miner.endpoint else { continue }
            endpoints.append(MinerEndpoint(hotkey: address, url: url))
            uids.append(miner.uid)
        }
        let timeout = Duration.milliseconds(Int64(await runtime.definition.timeout * 1000))
        let outcomes = await dendrite.forward(body, to: endpoints, netuid: UInt16(netuid), timeout: timeout)
        var responses: [LuaValue?] = []
        let answered = outcomes.filter { $0.answer != nil }.count
        for (uid, outcome) in zip(uids, outcomes) {
            var failure: (kind: String, detail: String)?
            var usable: LuaValue?
            switch outcome.result {
            case .answered(let bytes):
                do {
                    let value = try LuaValue(json: bytes)
                    if try await runtime.validate(value) {
                        usable = value
                    } else {
                        failure = ("invalid", "the plugin's validate rejected the answer")
                    }
                } catch let error as SandboxError {
                    failure = ("unreadable", "the answer is not a value the plugin can read: \(error.message)")
                }
            case .refused(let status, let reason, let message):
                failure = ("refused \(status)", "the axon answered \(status) \(reason): \(message.prefix(200))")
            case .timedOut:
                failure = ("timeout", "no answer within \(timeout)")
            case .failed(let why):
                failure = ("unreachable", why)
            }
            if let failure {
                failures.warning(
                    "subnet \(netuid) · uid \(uid) (\(outcome.endpoint.hotkey.string.prefix(8))…): "
                        + "no usable answer: \(failure.detail)",
                    key: "\(netuid)/\(outcome.endpoint.hotkey.string)/\(failure.kind)",
                    metadata: ["netuid": "\(netuid)", "uid": "\(uid)", "endpoint": "\(outcome.endpoint.url)"])
            }
            responses.append(usable)
        }
        let scores = try await runtime.score(task: task, responses: responses, context: context)
        let weights = try await runtime.reward(scores: scores, context: context)
        var step = Step(
            block: block, uids: uids, answered: answered, responses: responses, scores: scores, weights: weights,
            weightsSet: false)
        guard let values = Self.u16Weights(weights) else {
            step.refusal = "every weight is 0"
            return step
        }
        do {
            try ledger.setWeights(netuid: netuid, hotkey: me, uids: uids, values: values, block: block)
            step.weightsSet = true
        } catch let error as LedgerError {
            step.refusal = error.message
        }
        return step
    }
}
