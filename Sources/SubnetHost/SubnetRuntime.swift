import Consensus
import Foundation
public import Ledger
public import LuaSandbox
import Wire

/// One subnet's plugin, owned by an actor: hook calls run one at a time, and a new version
/// replaces the old one only between calls, only after it has loaded and passed its
/// ``SubnetPlugin/selfCheck(netuid:block:)`` in a fresh sandbox. A version that fails leaves the
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
    private let libraries: [SandboxLibrary]
    /// Where every version's hook calls are counted, or nil.
    public nonisolated let meter: CostMeter?
    /// The running version.
    public private(set) var plugin: PluginHost
    /// The version the last reload replaced: what a rollback restores.
    private var previous: PluginHost?
    /// How long the last reload held calls up: the swap itself (everything before — load,
    /// self-check, `on_load`, the settings and staged store written — runs beside calls to
    /// the old version).
    public private(set) var lastSwap: Duration?
    /// The file as last seen (identity, size, modification time): an unchanged file is
    /// not read again.
    private var seen: FileStamp?
    /// Digests of content that failed (the newest 64), so a broken file is reported once per
    /// distinct content: not at every check, nor again when an edit goes back to it.
    private var rejected: [String] = []
    /// The last error reading the file, reported once until it changes.
    private var lastReadError: String?
    /// The running version's definition.
    public var definition: SubnetDefinition { plugin.definition }

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
    ///
    /// `libraries` are native libraries the host adds for the plugin, beside `tensor`;
    /// `meter` counts what every version's hook calls cost.
    public init(
        netuid: Int, path: String, ledger: Ledger? = nil, libraries: [SandboxLibrary] = [], meter: CostMeter? = nil
    ) async throws(PluginError) {
        let (source, stamp) = try SubnetPlugin.readSource(path)
        let (plugin, staged) = try await Self.prepare(
            source, path: path, netuid: netuid, ledger: ledger, libraries: libraries, meter: meter)
        do {
            try Self.accept(plugin.definition, staged, replacing: nil, netuid: netuid, ledger: ledger)
        } catch {
            Self.record(ledger, netuid, plugin.definition.sha256, "rejected", error.message)
            throw error
        }
        Self.record(ledger, netuid, plugin.definition.sha256, "loaded", "")
        self.init(
            netuid: netuid, path: path, ledger: ledger, libraries: libraries, meter: meter, plugin: plugin, seen: stamp)
    }

    /// Loads and self-checks `source` (a release fetched from a chain, say), named
    /// `chunkName` in errors; with a ledger, its store is the subnet's there. Such a
    /// runtime has no file: it changes version through ``adopt(source:)`` only.
    public init(
        netuid: Int, source: [UInt8], chunkName: String, ledger: Ledger? = nil, libraries: [SandboxLibrary] = [],
        meter: CostMeter? = nil
    ) async throws(PluginError) {
        let (plugin, staged) = try await Self.prepare(
            source, path: chunkName, netuid: netuid, ledger: ledger, libraries: libraries, meter: meter)
        try Self.accept(plugin.definition, staged, replacing: nil, netuid: netuid, ledger: ledger)
        Self.record(ledger, netuid, plugin.definition.sha256, "loaded", "")
        self.init(
            netuid: netuid, path: chunkName, ledger: ledger, libraries: libraries, meter: meter, plugin: plugin,
            seen: nil)
    }

    // Everything asynchronous happens before the actor exists: the designated initializer
    // only stores.
    private init(
        netuid: Int, path: String, ledger: Ledger?, libraries: [SandboxLibrary], meter: CostMeter?, plugin: PluginHost,
        seen: FileStamp?
    ) {
        self.meter = meter
        self.netuid = netuid
        self.path = path
        self.ledger = ledger
        self.libraries = libraries
        self.plugin = plugin
        self.seen = seen
    }

    /// Loads the file again if its content changed; swaps versions only if the new one
    /// loads, passes its self-check and its settings suit the ledger.
    ///
    /// The file is `stat`ed first and read only when that changed; it is read once per
    /// attempt (the bytes hashed are the bytes loaded) and never past
    /// ``SubnetPlugin/maxSourceBytes``. Content that already failed is not tried again.
    public func reloadIfChanged() async -> ReloadOutcome {
        let stamp: FileStamp
        let source: [UInt8]
        do {
            stamp = try FileStamp(path: path)
            if stamp == seen { return .unchanged }
            (source, _) = try SubnetPlugin.readSource(path)
        } catch {
            // Reported once until the file changes, not at every check.
            seen = nil
            if lastReadError == error.description { return .unchanged }
            lastReadError = error.description
            return .rejected(error)
        }
        lastReadError = nil
        seen = stamp
        return await adopt(source: source)
    }

    /// Makes `source` the running version if it is new and passes the checks of
    /// ``reloadIfChanged()`` (a release the chain switches to at its block, a file read
    /// again): loaded, self-checked, its settings and `on_load` writes accepted. Content that
    /// already failed is not tried again. Errors name the chunk `chunkName` (a release's
    /// name), or the runtime's file.
    public func adopt(source: [UInt8], chunkName: String? = nil) async -> ReloadOutcome {
        let digest = SHA256.hex(source)
        if digest == definition.sha256 || rejected.contains(digest) { return .unchanged }
        do {
            let (next, staged) = try await Self.prepare(
                source, path: chunkName ?? path, netuid: netuid, ledger: ledger, libraries: libraries, meter: meter)
            // The new version's settings and staged writes go to the ledger off this actor:
            // meanwhile the old version keeps serving calls.
            try await Self.acceptAside(
                next.definition, staged, replacing: definition, netuid: netuid, ledger: ledger)
            // From here to the swap calls wait (``lastSwap`` measures it).
            let swapStart = ContinuousClock.now
            let old = definition.sha256
            previous = plugin
            plugin = next
            lastSwap = ContinuousClock.now - swapStart
            Self.record(ledger, netuid, next.definition.sha256, "reloaded", "")
            return .reloaded(from: old, to: next.definition.sha256)
        } catch {
            reject(digest)
            Self.record(ledger, netuid, digest, "rejected", error.description)
            return .rejected(error)
        }
    }

    /// Puts back the version the last reload replaced, when the running one keeps failing:
    /// recorded (`rolled-back` for the failing version with `reason`, `restored` for the one
    /// that runs again), and the failing content is not tried again.
    /// Returns the digests (from, to), or nil when there is no earlier version to go back to.
    public func rollback(reason: String) -> (from: String, to: String)? {
        guard let previous else { return nil }
        let failing = plugin.definition.sha256
        plugin = previous
        self.previous = nil
        reject(failing)
        do {
            try Self.apply(previous.definition, netuid: netuid, ledger: ledger)
        } catch {
            // The settings stay those of the failing version; the log says so through the record.
            Self.record(ledger, netuid, previous.definition.sha256, "restored", "its settings were refused: \(error)")
        }
        Self.record(ledger, netuid, failing, "rolled-back", reason)
        Self.record(ledger, netuid, previous.definition.sha256, "restored", "")
        return (failing, previous.definition.sha256)
    }

    /// Remembers content that failed, forgetting the oldest past 64.
    private func reject(_ digest: String) {
        guard !rejected.contains(digest) else { return }
        rejected.append(digest)
        if rejected.count > 64 { rejected.removeFirst() }
    }

    // MARK: Hooks of the running version

    // Each call goes to the version running when it starts; a reload swaps versions only
    // between calls (see ``PluginHost``).

    public func task(_ context: HookContext) async throws(PluginError) -> LuaValue {
        try await plugin.task(context)
    }
    public func answer(_ task: LuaValue, context: MinerContext) async throws(PluginError) -> LuaValue? {
        try await plugin.answer(task, context: context)
    }
    public func validate(_ response: LuaValue, task: LuaValue = .null) async throws(PluginError) -> Bool {
        try await plugin.validate(response, task: task)
    }
    public func score(task: LuaValue, responses: [MinerResponse], context: HookContext) async throws(PluginError)
        -> [Double]
    {
        try await plugin.score(task: task, responses: responses, context: context)
    }
    public func reward(scores: [Double], context: HookContext) async throws(PluginError) -> [Double] {
        try await plugin.reward(scores: scores, context: context)
    }

    /// Tells the running version about an epoch (its `on_epoch` hook).
    /// Tells the plugin an epoch settled (`on_epoch`). `neurons` are the subnet's UIDs as
    /// the epoch paid them: `result.hotkeys` and `ctx.miners` name each, so a plugin keys
    /// what it keeps by hotkey as `score` does.
    public func onEpoch(_ record: EpochRecord, neurons: [NeuronInfo] = []) async throws(PluginError) {
        try await plugin.onEpoch(record, neurons: neurons)
    }

    // MARK: Steps

    /// Loads a version and self-checks it on a scratch store, so the check's simulated
    /// validator leaves no trace in the subnet's state; the version then loads again over
    /// the subnet's store, staged: its `on_load` sees the subnet's state and its own
    /// writes, which reach the real store only when the version is accepted. The check runs
    /// as this subnet at the chain's head.
    private static func prepare(
        _ source: [UInt8], path: String, netuid: Int, ledger: Ledger?, libraries: [SandboxLibrary], meter: CostMeter?
    ) async throws(PluginError) -> (PluginHost, StagedStore) {
        let head = (try? ledger?.chainHead()) ?? 0
        let candidate = try await PluginHost.load(source: source, chunkName: path, netuid: netuid, libraries: libraries)
        _ = try await candidate.selfCheck(netuid: netuid, block: max(head, 1))
        let staged = StagedStore(over: store(ledger, netuid))
        let plugin = try await PluginHost.load(
            source: source, chunkName: path, netuid: netuid, store: staged, libraries: libraries, meter: meter)
        try await plugin.onLoad(HookContext(netuid: netuid, block: 0, validator: "synod-host"))
        return (plugin, staged)
    }

    /// Makes a prepared version the subnet's: its settings go to the ledger, then what its
    /// `on_load` staged goes to the store in one transaction. When the store refuses (its
    /// quota), the settings of the version it replaces come back and nothing was written.
    /// ``accept(_:_:replacing:netuid:ledger:)`` on the global executor, not the actor's.
    private nonisolated static func acceptAside(
        _ definition: SubnetDefinition, _ staged: StagedStore, replacing old: SubnetDefinition?, netuid: Int,
        ledger: Ledger?
    ) async throws(PluginError) {
        try accept(definition, staged, replacing: old, netuid: netuid, ledger: ledger)
    }

    private static func accept(
        _ definition: SubnetDefinition, _ staged: StagedStore, replacing old: SubnetDefinition?, netuid: Int,
        ledger: Ledger?
    ) throws(PluginError) {
        try apply(definition, netuid: netuid, ledger: ledger)
        do {
            try staged.commit()
        } catch {
            if let old { try? apply(old, netuid: netuid, ledger: ledger) }
            staged.discard()
            throw PluginError(definition.name, "the store refuses what on_load wrote: \(error)")
        }
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
