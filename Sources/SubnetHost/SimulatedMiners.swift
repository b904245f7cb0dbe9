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
        var replies: [MinerReply] = []
        var answered: [(hotkey: String, answer: LuaValue)] = []
        for (i, (miner, request)) in zip(miners, requests).enumerated() {
            let context = MinerContext(netuid: netuid, hotkey: miner.hotkey, validator: validator)
            let reply: MinerReply
            let strategy = strategies[miner.hotkey] ?? .offline
            switch strategy {
            case .honest:
                reply = await reference(request, context)
            case .noisy(let level):
                reply = Self.perturbed(
                    await reference(request, context), level: level,
                    seed: Self.seed(seed, miner.hotkey, request, "noise"))
            case .stale:
                if let before = previous[i] {
                    reply = await reference(before, context)
                } else {
                    reply = .failed(kind: "silent", detail: "no earlier request to replay")
                }
            case .copycat:
                if let source = copied.first(where: { $0.hotkey != miner.hotkey }) {
                    reply = .answered(source.answer)
                } else {
                    reply = .failed(kind: "silent", detail: "nothing to copy yet")
                }
            case .lazy(let fraction):
                if Self.unit(Self.seed(seed, miner.hotkey, request, "lazy")) < fraction {
                    reply = await reference(request, context)
                } else {
                    reply = .failed(kind: "silent", detail: "a lazy miner that skipped this request")
                }
            case .slow:
                reply = .failed(kind: "timeout", detail: "it answered after the timeout (\(timeout))")
            case .garbage:
                reply = .answered("not an answer")
            case .offline:
                reply = .failed(kind: "silent", detail: "a simulated miner that is offline")
            case .adversary(let name):
                reply = await attack(name, request, context)
            }
            if case .answered(let answer, _, _) = reply, strategy != .copycat {
                answered.append((miner.hotkey, answer))
            }
            replies.append(reply)
        }
        memory.withLock { $0.lastAnswers = answered }
        return replies
    }

    /// The reference miner's answer to `request` as the miner in `context` (computed once
    /// per block for every validator when answers are shared).
    private func reference(_ request: LuaValue, _ context: MinerContext) async -> MinerReply {
        await answer(SharedAnswers.Key(hotkey: context.hotkey, request: request, attack: nil)) {
            guard let answer = try await self.host(context.hotkey).answer(request, context: context) else {
                return .failed(kind: "silent", detail: "the plugin has no reference 'miner' hook")
            }
            return .answered(answer)
        }
    }

    private func attack(_ name: String, _ request: LuaValue, _ context: MinerContext) async -> MinerReply {
        await answer(SharedAnswers.Key(hotkey: context.hotkey, request: request, attack: name)) {
            .answered(try await self.host(context.hotkey).adversary(name, task: request, context: context))
        }
    }

    private func answer(_ key: SharedAnswers.Key, _ compute: @escaping @Sendable () async throws -> MinerReply) async
        -> MinerReply
    {
        let run: @Sendable () async -> MinerReply = {
            do {
                return try await compute()
            } catch {
                return .failed(kind: "miner error", detail: "\(error)")
            }
        }
        guard let shared else { return await run() }
        return await shared.reply(key, run)
    }

    private func host(_ hotkey: String) -> PluginHost {
        plugins[Int(Self.fnv(Array(hotkey.utf8)) % UInt64(plugins.count))]
    }

    // MARK: Seeded choices

    /// A seed from the run's seed, the miner, the request and what it is for.
    static func seed(_ seed: UInt64, _ hotkey: String, _ request: LuaValue, _ purpose: String) -> UInt64 {
        let text = (try? request.jsonText()) ?? "\(request)"
        return SHA256.digest(Array("\(seed)/\(hotkey)/\(purpose)/\(text)".utf8)).prefix(8)
            .reduce(UInt64(0)) { ($0 << 8) | UInt64($1) }
    }

    /// A number in [0, 1) from a seed (splitmix64).
    static func unit(_ seed: UInt64) -> Double {
        var state = seed
        return Double(splitmix(&state) >> 11) * 0x1p-53
    }

    static func splitmix(_ state: inout UInt64) -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

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
    }

    private var answers: [Key: Task<MinerReply, Never>] = [:]

    public init() {}

    func reply(_ key: Key, _ compute: @escaping @Sendable () async -> MinerReply) async -> MinerReply {
        if let running = answers[key] { return await running.value }
        let task = Task { await compute() }
        answers[key] = task
        return await task.value
    }

    /// Forgets the answers: a new block's requests are answered afresh.
    public func clear() { answers = [:] }
}
