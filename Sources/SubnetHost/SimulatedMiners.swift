public import Ledger
public import LuaSandbox
import Synchronization
import Wire

/// Miners simulated in process, each answering by its ``MinerStrategy`` with the plugin's
/// own reference miner (or one of its adversaries), as itself — with its own part of the
/// store: what `synod sim` and the self-check query. One instance serves one validator: a
/// stale miner replays the request that validator sent it before, a copycat the answer
/// another miner sent that validator.
public final class SimulatedMiners: MinerSource {
    /// Where miners' answers are computed; a miner always on the same one (by its hotkey).
    public let plugins: [PluginHost]
    /// Each simulated miner's strategy, by hotkey; a hotkey not listed is offline.
    public let strategies: [String: MinerStrategy]
    /// Seeds every random choice (noise, a lazy miner's skips): the same seed, the same answers.
    public let seed: UInt64
    /// Answers shared with the other validators' sources in the same block, or nil.
    public let shared: SharedAnswers?
    private let memory = Mutex<Memory>(Memory())

    private struct Memory {
        /// The request each miner got last, by hotkey.
        var previous: [String: LuaValue] = [:]
        /// What non-copycat miners answered in the validator's last query, in order.
        var lastAnswers: [(hotkey: String, answer: LuaValue)] = []
    }

    public init(
        plugins: [PluginHost], strategies: [String: MinerStrategy], seed: UInt64 = 0, shared: SharedAnswers? = nil
    ) {
        precondition(!plugins.isEmpty, "simulated miners need a plugin to answer with")
        self.plugins = plugins
        self.strategies = strategies
        self.seed = seed
        self.shared = shared
    }

    public convenience init(plugin: PluginHost, strategies: [String: MinerStrategy]) {
        self.init(plugins: [plugin], strategies: strategies)
    }

    /// The endpoint a simulated miner serves: never dialled (`.invalid` is reserved and
    /// never resolves), it only marks the UID as a miner that answers.
    public static func endpoint(_ index: Int) -> String { "http://miner-\(index).sim.invalid:8091" }

    public func query(
        _ requests: [LuaValue], miners: [NeuronInfo], netuid: Int, validator: String, timeout: Duration
    ) async -> [MinerReply] {
        let (previous, copied) = memory.withLock { memory in
            let previous = miners.map { memory.previous[$0.hotkey] }
            for (miner, request) in zip(miners, requests) { memory.previous[miner.hotkey] = request }
            return (previous, memory.lastAnswers)
        }
        // Each distinct request's text once (a shared task: once per query).
        var texts: [LuaValue: String] = [:]
        func text(_ request: LuaValue) -> String {
            if let known = texts[request] { return known }
            let made = (try? request.jsonText()) ?? "\(request)"
            texts[request] = made
            return made
        }
        // What each miner does: a reply made here, or an answer to compute (then changed).
        enum Plan {
            case reply(MinerReply)
            case compute(SharedAnswers.Key, noise: UInt64?, level: Double)
        }
        var plans: [Plan] = []
        for (i, (miner, request)) in zip(miners, requests).enumerated() {
            func key(_ request: LuaValue, _ attack: String? = nil) -> SharedAnswers.Key {
                SharedAnswers.Key(
                    hotkey: miner.hotkey, request: request, attack: attack,
                    context: MinerContext(netuid: netuid, hotkey: miner.hotkey, validator: validator))
            }
            switch strategies[miner.hotkey] ?? .offline {
            case .honest:
                plans.append(.compute(key(request), noise: nil, level: 0))
            case .noisy(let level):
                plans.append(
                    .compute(key(request), noise: Self.seed(seed, miner.hotkey, text(request), "noise"), level: level))
            case .stale:
                if let before = previous[i] {
                    plans.append(.compute(key(before), noise: nil, level: 0))
                } else {
                    plans.append(.reply(.failed(kind: "silent", detail: "no earlier request to replay")))
                }
            case .copycat:
                if let source = copied.first(where: { $0.hotkey != miner.hotkey }) {
                    plans.append(.reply(.answered(source.answer)))
                } else {
                    plans.append(.reply(.failed(kind: "silent", detail: "nothing to copy yet")))
                }
            case .lazy(let fraction):
                if Self.unit(Self.seed(seed, miner.hotkey, text(request), "lazy")) < fraction {
                    plans.append(.compute(key(request), noise: nil, level: 0))
                } else {
                    plans.append(.reply(.failed(kind: "silent", detail: "a lazy miner that skipped this request")))
                }
            case .slow:
                plans.append(.reply(.failed(kind: "timeout", detail: "it answered after the timeout (\(timeout))")))
            case .garbage:
                plans.append(.reply(.answered("not an answer")))
            case .offline:
                plans.append(.reply(.failed(kind: "silent", detail: "a simulated miner that is offline")))
            case .adversary(let name):
                plans.append(.compute(key(request, name), noise: nil, level: 0))
            }
        }
        let keys = plans.compactMap { plan -> SharedAnswers.Key? in
            if case .compute(let key, _, _) = plan { key } else { nil }
        }
        let computed = await answers(keys)
        var next = computed.makeIterator()
        var replies: [MinerReply] = []
        var answered: [(hotkey: String, answer: LuaValue)] = []
        for (miner, plan) in zip(miners, plans) {
            let reply: MinerReply
            switch plan {
            case .reply(let made): reply = made
            case .compute(_, let noise, let level):
                let raw = next.next()!
                reply = noise.map { Self.perturbed(raw, level: level, seed: $0) } ?? raw
            }
            if case .answered(let answer, _, _) = reply, strategies[miner.hotkey] != .copycat {
                answered.append((miner.hotkey, answer))
            }
            replies.append(reply)
        }
        memory.withLock { $0.lastAnswers = answered }
        return replies
    }

    /// The answers for `keys`, in order: from the other validators' sources when shared,
    /// the rest computed in one call per sandbox.
    private func answers(_ keys: [SharedAnswers.Key]) async -> [MinerReply] {
        guard !keys.isEmpty else { return [] }
        let compute: @Sendable ([SharedAnswers.Key]) async -> [MinerReply] = { [plugins] keys in
            var replies = [MinerReply?](repeating: nil, count: keys.count)
            var byHost: [Int: [Int]] = [:]
            for (i, key) in keys.enumerated() {
                byHost[Int(Self.fnv(Array(key.hotkey.utf8)) % UInt64(plugins.count)), default: []].append(i)
            }
            for (host, indices) in byHost.sorted(by: { $0.key < $1.key }) {
                let made = await plugins[host].answers(
                    indices.map { (request: keys[$0].request, context: keys[$0].context, attack: keys[$0].attack) })
                for (i, reply) in zip(indices, made) { replies[i] = reply }
            }
            return replies.map { $0! }
        }
        guard let shared else { return await compute(keys) }
        return await shared.replies(keys, compute)
    }

    // MARK: Seeded choices

    /// A seed from the run's seed, the miner, the request and what it is for.
    static func seed(_ seed: UInt64, _ hotkey: String, _ text: String, _ purpose: String) -> UInt64 {
        SeededNumbers.seed("\(seed)/\(hotkey)/\(purpose)/\(text)")
    }

    static func unit(_ seed: UInt64) -> Double { SeededNumbers.unit(seed) }

    static func splitmix(_ state: inout UInt64) -> UInt64 { SeededNumbers.next(&state) }

    /// The reply with every number in its answer moved by up to ±`level` of itself
    /// (integers stay integers), the moves drawn from `seed` in the answer's order.
    static func perturbed(_ reply: MinerReply, level: Double, seed: UInt64) -> MinerReply {
        guard case .answered(let answer, let latency, let bytes) = reply else { return reply }
        var state = seed
        func move(_ value: LuaValue) -> LuaValue {
            switch value {
            case .number(let x):
                return .number(x * (1 + level * (2 * unit(splitmix(&state)) - 1)))
            case .integer(let n):
                let moved = (Double(n) * (1 + level * (2 * unit(splitmix(&state)) - 1))).rounded()
                return abs(moved) < 9.2e18 ? .integer(Int64(moved)) : value
            case .array(let items): return .array(items.map(move))
            case .map(let fields):
                // In key order, so the same answer always gets the same moves.
                var moved: [String: LuaValue] = [:]
                for key in fields.keys.sorted() { moved[key] = move(fields[key]!) }
                return .map(moved)
            default: return value
            }
        }
        return .answered(move(answer), latency: latency, bytes: bytes)
    }

    static func fnv(_ bytes: [UInt8]) -> UInt64 {
        bytes.reduce(0xcbf2_9ce4_8422_2325) { ($0 ^ UInt64($1)) &* 0x100_0000_01b3 }
    }
}

/// Miners' answers shared by every validator's ``SimulatedMiners`` in one block: validators
/// that send a miner the same request (a shared task) get the answer computed once.
public actor SharedAnswers {
    struct Key: Hashable, Sendable {
        var hotkey: String
        var request: LuaValue
        var attack: String?
        /// Who asks (not part of the identity: any validator's request gets the same answer).
        var context: MinerContext

        static func == (a: Key, b: Key) -> Bool {
            a.hotkey == b.hotkey && a.attack == b.attack && a.request == b.request
        }

        func hash(into hasher: inout Hasher) {
            hasher.combine(hotkey)
            hasher.combine(attack)
            hasher.combine(request)
        }

        /// The miner and what it runs, as one key under its request.
        var miner: String { attack.map { hotkey + "\u{0}" + $0 } ?? hotkey }
    }

    /// By request, then by miner (and attack): a shared task is looked up once per query.
    private var answers: [LuaValue: [String: Task<MinerReply, Never>]] = [:]

    public init() {}

    /// The replies for `keys`: those known or being computed are awaited, the rest computed
    /// together by `compute` (one batch), and kept for the validators that ask next.
    func replies(_ keys: [Key], _ compute: @escaping @Sendable ([Key]) async -> [MinerReply]) async -> [MinerReply] {
        var tasks: [Task<MinerReply, Never>?] = []
        var missing: [Key] = []
        var last: (request: LuaValue, known: [String: Task<MinerReply, Never>])?
        for key in keys {
            if last?.request != key.request { last = (key.request, answers[key.request] ?? [:]) }
            tasks.append(last!.known[key.miner])
            if tasks.last! == nil { missing.append(key) }
        }
        if !missing.isEmpty {
            let batch = Task { await compute(missing) }
            for (i, key) in missing.enumerated() {
                answers[key.request, default: [:]][key.miner] = Task { await batch.value[i] }
            }
        }
        var replies: [MinerReply] = []
        for (key, task) in zip(keys, tasks) {
            replies.append(await (task ?? answers[key.request]![key.miner]!).value)
        }
        return replies
    }

    /// Forgets the answers: a new block's requests are answered afresh.
    public func clear() { answers = [:] }
}

/// Numbers a simulation draws, the same on every machine: seeds from text (the first 8
/// bytes of a SHA-256), then splitmix64. Simulated miners and validators share them.
public enum SeededNumbers {
    /// A seed from text.
    public static func seed(_ text: String) -> UInt64 {
        SHA256.digest(Array(text.utf8)).prefix(8).reduce(UInt64(0)) { ($0 << 8) | UInt64($1) }
    }

    /// The next number of a splitmix64 sequence.
    public static func next(_ state: inout UInt64) -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A number in [0, 1): the first of the sequence seeded with `seed`.
    public static func unit(_ seed: UInt64) -> Double {
        var state = seed
        return fraction(next(&state))
    }

    /// A number in [0, 1) from 64 random bits.
    public static func fraction(_ bits: UInt64) -> Double { Double(bits >> 11) * 0x1p-53 }
}
