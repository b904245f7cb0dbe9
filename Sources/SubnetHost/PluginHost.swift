import Consensus
import Foundation
public import Ledger
public import Logging
public import LuaSandbox
import Wire

/// One loaded plugin version in its own sandbox, behind an actor whose calls run on
/// ``LuaThreads`` (never on Swift's cooperative pool), one at a time.
///
/// Every call into the version is marked for crash quarantine (``CrashMarker``): a fatal
/// signal while it runs names this version. The validator step, the self-check, the
/// simulator and the reference miner all call a plugin through this type.
///
/// ```swift
/// let host = try await PluginHost.load(source: bytes, chunkName: "plugins/echo-sum.lua", netuid: 1)
/// let task = try await host.task(HookContext(netuid: 1, block: 7, validator: hotkey))
/// ```
public actor PluginHost {
    private let executor: LuaExecutor
    private let label: CrashMarker.Label
    // Set in `load` (on this actor's executor) before the host is handed out.
    private var plugin: SubnetPlugin!
    /// The version's checked declaration.
    public nonisolated let definition: SubnetDefinition
    /// The version's source, as loaded (what the host releases to remote validators).
    public nonisolated let source: [UInt8]

    public nonisolated var unownedExecutor: UnownedSerialExecutor { executor.asUnownedSerialExecutor() }

    private init(definition: SubnetDefinition, source: [UInt8], netuid: Int, executor: LuaExecutor) {
        self.definition = definition
        self.source = source
        self.executor = executor
        label = CrashMarker.Label(netuid: netuid, sha256: definition.sha256)
    }

    /// Loads `source` in a fresh sandbox on a Lua thread; `store` is where its `store` writes,
    /// `meter` where its hook calls' costs go.
    public static func load(
        source: [UInt8], chunkName: String, netuid: Int, store: any PluginStore = MemoryStore(),
        libraries: [SandboxLibrary] = [], limits: SandboxLimits = .default,
        logger: Logger = Logger(label: "synod.plugin"), threads: LuaThreads = .shared, meter: CostMeter? = nil
    ) async throws(PluginError) -> PluginHost {
        let sha256 = SHA256.hex(source)
        let loaded = await withCheckedContinuation { (done: CheckedContinuation<Result<Loaded, PluginError>, Never>) in
            threads.submit {
                // A candidate that crashes the host while it loads is quarantined like a running one.
                let label = CrashMarker.Label(netuid: netuid, sha256: sha256)
                let result: Result<Loaded, PluginError>
                do {
                    let plugin = try CrashMarker.during(label) { () throws(PluginError) in
                        try SubnetPlugin(
                            source: source, chunkName: chunkName, store: store, limits: limits, logger: logger,
                            libraries: libraries)
                    }
                    // Counting starts once it is loaded: loading is not a hook call.
                    plugin.meter = meter
                    result = .success(Loaded(plugin: plugin))
                } catch let error as PluginError {
                    result = .failure(error)
                } catch {
                    result = .failure(PluginError(chunkName, "\(error)"))
                }
                done.resume(returning: result)
            }
        }
        let plugin: SubnetPlugin
        switch loaded {
        case .success(let value): plugin = value.plugin
        case .failure(let error): throw error
        }
        let host = PluginHost(
            definition: plugin.definition, source: source, netuid: netuid, executor: LuaExecutor(threads: threads))
        await host.adopt(Loaded(plugin: plugin))
        return host
    }

    /// Loads the plugin file at `path` (see ``load(source:chunkName:netuid:store:libraries:limits:logger:threads:meter:)``).
    public static func load(
        path: String, netuid: Int = 1, store: any PluginStore = MemoryStore(),
        logger: Logger = Logger(label: "synod.plugin")
    ) async throws(PluginError) -> PluginHost {
        try await load(
            source: try SubnetPlugin.readSource(path).source, chunkName: path, netuid: netuid, store: store,
            logger: logger)
    }

    /// Moves a freshly loaded plugin between threads: nothing else holds it.
    private struct Loaded: @unchecked Sendable { let plugin: SubnetPlugin }

    private func adopt(_ loaded: Loaded) { plugin = loaded.plugin }

    // MARK: Hooks

    public func task(_ context: HookContext) throws(PluginError) -> LuaValue {
        try marked { () throws(PluginError) in try plugin.task(context) }
    }

    public func roundTask(_ context: HookContext) throws(PluginError) -> RoundTask {
        try marked { () throws(PluginError) in try plugin.roundTask(context) }
    }

    /// The reference miner's answer as the miner in `context`, or nil when the plugin has
    /// no `miner` hook.
    public func answer(_ task: LuaValue, context: MinerContext) throws(PluginError) -> LuaValue? {
        try marked { () throws(PluginError) in try plugin.answer(task, context: context) }
    }

    /// Several miners' answers in one call on the plugin's thread: the reference miner's, or
    /// the adversary `attack`'s. A failure is that miner's reply, not the batch's.
    public func answers(_ items: [(request: LuaValue, context: MinerContext, attack: String?)]) -> [MinerReply] {
        items.map { item in
            do {
                if let attack = item.attack {
                    return .answered(try adversary(attack, task: item.request, context: item.context))
                }
                guard let answer = try answer(item.request, context: item.context) else {
                    return .failed(kind: "silent", detail: "the plugin has no reference 'miner' hook")
                }
                return .answered(answer)
            } catch {
                return .failed(kind: "miner error", detail: "\(error)")
            }
        }
    }

    public func adversary(_ name: String, task: LuaValue, context: MinerContext) throws(PluginError) -> LuaValue {
        try marked { () throws(PluginError) in try plugin.adversary(name, task: task, context: context) }
    }

    public func challenge(task: LuaValue, response: MinerResponse, context: HookContext) throws(PluginError)
        -> LuaValue?
    {
        try marked { () throws(PluginError) in try plugin.challenge(task: task, response: response, context: context) }
    }

    public func validate(_ response: LuaValue, task: LuaValue = .null) throws(PluginError) -> Bool {
        try marked { () throws(PluginError) in try plugin.validate(response, task: task) }
    }

    public func score(task: LuaValue, responses: [MinerResponse], context: HookContext) throws(PluginError)
        -> [Double]
    {
        try marked { () throws(PluginError) in try plugin.score(task: task, responses: responses, context: context) }
    }

    public func reward(scores: [Double], context: HookContext) throws(PluginError) -> [Double] {
        try marked { () throws(PluginError) in try plugin.reward(scores: scores, context: context) }
    }

    public func onLoad(_ context: HookContext) throws(PluginError) {
        try marked { () throws(PluginError) in try plugin.onLoad(context) }
    }

    public func onEpoch(_ result: LuaValue, context: HookContext) throws(PluginError) {
        try marked { () throws(PluginError) in try plugin.onEpoch(result, context: context) }
    }

    /// Tells the plugin an epoch settled (`on_epoch`). `neurons` are the subnet's UIDs as
    /// the epoch paid them: `result.hotkeys` and `ctx.miners` name each, so a plugin keys
    /// what it keeps by hotkey as `score` does.
    public func onEpoch(_ record: EpochRecord, neurons: [NeuronInfo]) throws(PluginError) {
        let o = record.output
        func list(_ values: [Fixed]) -> LuaValue { .array(values.map { .number($0.double) }) }
        let earned = zip(o.serverEmission, o.validatorEmission).map { LuaValue.integer(Int64(clamping: $0 + $1)) }
        let named = neurons.prefix(o.incentive.count)
        let result: LuaValue = [
            "block": .integer(Int64(clamping: record.block)), "emission": .integer(Int64(clamping: record.emission)),
            "incentive": list(o.incentive), "dividends": list(o.dividends), "consensus": list(o.consensus),
            "validator_trust": list(o.validatorTrust), "earned": .array(earned),
            "hotkeys": .array(named.map { .string($0.hotkey) }),
        ]
        try onEpoch(
            result,
            context: HookContext(
                netuid: record.netuid, block: record.block, validator: "synod-host",
                miners: named.map { ($0.uid, $0.hotkey) }))
    }

    private func marked<T>(_ body: () throws(PluginError) -> T) throws(PluginError) -> T {
        try CrashMarker.during(label, body)
    }
}
