import Consensus
import Foundation
public import Ledger
public import LuaSandbox
import Wire

/// One subnet's plugin, owned by an actor: hook calls run one at a time, and a new version
/// replaces the old one only between calls, only after it has loaded and passed its
/// ``SubnetPlugin/selfCheck(block:)`` in a fresh sandbox. A version that fails leaves the
/// old one running; every attempt is recorded in the ledger (digest, outcome, reason).
///
/// ```swift
/// let runtime = try await SubnetRuntime(netuid: 1, path: "plugins/echo-sum.lua", ledger: ledger)
/// let task = try await runtime.task(HookContext(netuid: 1, block: 42, validator: hotkey))
/// let outcome = await runtime.reloadIfChanged()   // after the file was edited
/// ```
public actor SubnetRuntime {
    public nonisolated let netuid: Int
    public nonisolated let path: String
    private let ledger: Ledger?
    private var plugin: SubnetPlugin
    /// The running version's definition.
    public private(set) var definition: SubnetDefinition

    /// What ``reloadIfChanged()`` did.
    public enum ReloadOutcome: Sendable, Equatable {
        /// The file holds the running version.
        case unchanged
        /// A new version passed its checks and now runs.
        case reloaded(from: String, to: String)
        /// A new version failed; the old one still runs.
        case rejected(PluginError)
    }

    /// Loads and self-checks the plugin at `path`; with a ledger, records the version and
    /// applies the plugin's tempo and hyperparameters to subnet `netuid` if it exists.
    public init(netuid: Int, path: String, ledger: Ledger? = nil) throws(PluginError) {
        self.netuid = netuid
        self.path = path
        self.ledger = ledger
        let plugin = try Self.prepare(path: path, netuid: netuid, store: Self.store(ledger, netuid))
        do {
            try Self.apply(plugin.definition, netuid: netuid, ledger: ledger)
        } catch {
            Self.record(ledger, netuid, plugin.definition.sha256, "rejected", error.message)
            throw error
        }
        Self.record(ledger, netuid, plugin.definition.sha256, "loaded", "")
        self.plugin = plugin
        self.definition = plugin.definition
    }

    /// Loads the file again if its content changed; swaps versions only if the new one
    /// loads, passes its self-check and its settings suit the ledger.
    public func reloadIfChanged() -> ReloadOutcome {
        guard let data = FileManager.default.contents(atPath: path) else {
            let error = PluginError(path, "cannot read the plugin file: no such file, or it is not readable")
            return .rejected(error)
        }
        let digest = SHA256.hex(data)
        if digest == definition.sha256 { return .unchanged }
        do {
            let next = try Self.prepare(path: path, netuid: netuid, store: Self.store(ledger, netuid))
            try Self.apply(next.definition, netuid: netuid, ledger: ledger)
            let old = definition.sha256
            plugin = next
            definition = next.definition
            Self.record(ledger, netuid, next.definition.sha256, "reloaded", "")
            return .reloaded(from: old, to: next.definition.sha256)
        } catch {
            Self.record(ledger, netuid, digest, "rejected", error.description)
            return .rejected(error)
        }
    }

    /// Checks the file every `interval` and reloads it when it changed, until cancelled;
    /// `report` hears of every reload and rejection.
    public func watch(every interval: Duration, report: @Sendable (ReloadOutcome) -> Void = { _ in }) async {
        while !Task.isCancelled {
            let outcome = reloadIfChanged()
            if outcome != .unchanged { report(outcome) }
            try? await Task.sleep(for: interval)
        }
    }

    // MARK: Hooks of the running version

    public func task(_ context: HookContext) throws(PluginError) -> LuaValue { try plugin.task(context) }
    public func answer(_ task: LuaValue) throws(PluginError) -> LuaValue? { try plugin.answer(task) }
    public func validate(_ response: LuaValue) throws(PluginError) -> Bool { try plugin.validate(response) }
    public func score(task: LuaValue, responses: [LuaValue?], context: HookContext) throws(PluginError) -> [Double] {
        try plugin.score(task: task, responses: responses, context: context)
    }
    public func reward(scores: [Double], context: HookContext) throws(PluginError) -> [Double] {
        try plugin.reward(scores: scores, context: context)
    }

    /// Tells the running version about an epoch (its `on_epoch` hook).
    public func onEpoch(_ record: EpochRecord) throws(PluginError) {
        let o = record.output
        func list(_ values: [Fixed]) -> LuaValue { .array(values.map { .number($0.double) }) }
        let earned = zip(o.serverEmission, o.validatorEmission).map { LuaValue.integer(Int64(clamping: $0 + $1)) }
        let result: LuaValue = [
            "block": .integer(Int64(clamping: record.block)), "emission": .integer(Int64(clamping: record.emission)),
            "incentive": list(o.incentive), "dividends": list(o.dividends), "consensus": list(o.consensus),
            "validator_trust": list(o.validatorTrust), "earned": .array(earned),
        ]
        try plugin.onEpoch(result, context: HookContext(netuid: netuid, block: record.block, validator: "synod-host"))
    }

    // MARK: Steps

    /// Loads a version and self-checks it on a scratch store, so the check's simulated
    /// validator leaves no trace in the subnet's state; the version then runs on `store`.
    private static func prepare(path: String, netuid: Int, store: any PluginStore) throws(PluginError)
        -> SubnetPlugin
    {
        // One read: the version checked is the version that runs.
        guard let data = FileManager.default.contents(atPath: path) else {
            throw PluginError(path, "cannot read the plugin file: no such file, or it is not readable")
        }
        _ = try SubnetPlugin(source: Array(data), chunkName: path).selfCheck()
        let plugin = try SubnetPlugin(source: Array(data), chunkName: path, store: store)
        try plugin.onLoad(HookContext(netuid: netuid, block: 0, validator: "synod-host"))
        return plugin
    }

    private static func store(_ ledger: Ledger?, _ netuid: Int) -> any PluginStore {
        ledger.map { LedgerStore(ledger: $0, netuid: netuid) } ?? MemoryStore()
    }

    private static func apply(_ definition: SubnetDefinition, netuid: Int, ledger: Ledger?) throws(PluginError) {
        guard let ledger, (try? ledger.subnet(netuid: netuid)) != nil else { return }
        do {
            try ledger.updateConfig(netuid: netuid, definition.config)
        } catch let error as LedgerError {
            throw PluginError(definition.name, "the ledger refuses its settings: \(error.message)")
        } catch {
            throw PluginError(definition.name, "the ledger refuses its settings: \(error)")
        }
    }

    private static func record(_ ledger: Ledger?, _ netuid: Int, _ sha256: String, _ outcome: String, _ message: String)
    {
        try? ledger?.recordPluginVersion(netuid: netuid, sha256: sha256, outcome: outcome, message: message)
    }
}
