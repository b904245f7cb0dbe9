import Consensus
import Foundation
import Ledger
import Logging
import Synchronization
import SynodChain
import Wire

/// The subnets one `synod up` runs: the directory the axons read, the task each subnet
/// follows the blocks on, and what every subnet needs to start (the validators, the
/// miners and their endpoints).
final class SubnetSet: Sendable {
    let owner: String
    let validators: [(ValidatorStep, DendriteMiners)]
    let miners: [String]
    let directory: SubnetDirectory

    /// Signs the owner's releases of the plugin files (nil: versions are not released).
    let releaser: ReleaseSigner?

    private struct State {
        var tasks: [Int: Task<Void, Never>] = [:]
        var endpoints: [String: String] = [:]
        /// Per subnet, the block of the release the running version is (0: none).
        var releasedAt: [Int: UInt64] = [:]
    }

    private let state = Mutex(State())

    init(
        owner: String, validators: [(ValidatorStep, DendriteMiners)], miners: [String], directory: SubnetDirectory,
        releaser: ReleaseSigner? = nil
    ) {
        self.releaser = releaser
        self.directory = directory
        self.owner = owner
        self.validators = validators
        self.miners = miners
    }

    var count: Int { directory.count }
    var netuids: [Int] { directory.netuids.map(Int.init) }
    /// Subnets following the blocks now.
    var following: Int { state.withLock { $0.tasks.count } }

    /// The block of the release the subnet's running version is.
    func releasedAt(_ netuid: Int) -> UInt64 { state.withLock { $0.releasedAt[netuid] ?? 0 } }
    func setReleasedAt(_ netuid: Int, _ block: UInt64) { state.withLock { $0.releasedAt[netuid] = block } }

    func setEndpoints(_ endpoints: [String: String]) { state.withLock { $0.endpoints = endpoints } }

    /// Serves every miner's endpoint on each of `netuids` (one transaction).
    func serveEndpoints(chain: LocalChain, netuids: [Int]) async throws {
        let endpoints = state.withLock { $0.endpoints }
        try chain.serve(
            netuids.flatMap { netuid in
                miners.compactMap { miner in endpoints[miner].map { (netuid, miner, $0) } }
            })
    }

    func follow(_ netuid: Int, with task: Task<Void, Never>) { state.withLock { $0.tasks[netuid] = task } }

    /// Stops a subnet: gone from the directory, its task ended after its current block.
    func pause(_ netuid: Int) async {
        directory.remove(netuid)
        let task = state.withLock { $0.tasks.removeValue(forKey: netuid) }
        task?.cancel()
        await task?.value
    }

    /// Waits for every subnet to finish the blocks it was given.
    func finish() async {
        let tasks = state.withLock { $0.tasks.values }
        for task in tasks { await task.value }
    }
}

/// What concurrent children found, by plugin path.
private final class ResultTable<Value: Sendable>: Sendable {
    private let table = Mutex<[String: Value]>([:])
    func set(_ path: String, _ value: Value) { table.withLock { $0[path] = value } }
    var all: [String: Value] { table.withLock { $0 } }
}

extension LocalNet {
    /// Opens the subnets of `paths` and adds them to `subnets`: the plugins load and pass
    /// their self-checks concurrently (on the Lua threads), new subnets are created in the
    /// order of their paths, and the host's validators and miners join every one of them in
    /// one transaction. A plugin that fails is reported and skipped.
    func openSubnets(_ paths: [String], into subnets: SubnetSet) async throws {
        // Which subnet each file serves, and the definition of each new one.
        let existing = Dictionary(
            try chain.subnets().compactMap { s in s.plugin.map { ($0, s.netuid) } }, uniquingKeysWith: { a, _ in a })
        var netuids: [String: Int] = [:]
        var fresh: [(String, SubnetDefinition)] = []
        // Children report into a locked table, not through the group's results.
        let found = ResultTable<Result<SubnetDefinition?, PluginError>>()
        await withTaskGroup(of: Void.self) { group in
            for path in paths {
                group.addTask { [ledger] in
                    let result: Result<SubnetDefinition?, PluginError>
                    do {
                        let source = try SubnetPlugin.readSource(path).source
                        if let netuid = existing[path] {
                            let sha256 = SHA256.hex(source)
                            if (try? CrashMarker.isQuarantined(netuid: netuid, sha256: sha256, in: ledger)) == true {
                                throw PluginError(
                                    path,
                                    "version \(sha256.prefix(12)) of subnet \(netuid) is quarantined: the host died "
                                        + "while it ran; edit the plugin file to load it again (synod status shows "
                                        + "the signal)")
                            }
                            result = .success(nil)
                        } else {
                            result = .success(
                                try await PluginHost.load(source: source, chunkName: path, netuid: 0).definition)
                        }
                    } catch {
                        result = .failure(Self.pluginError(error, path))
                    }
                    found.set(path, result)
                }
            }
        }
        let definitions = found.all
        for path in paths {
            switch definitions[path] {
            case .success(nil)?: netuids[path] = existing[path]
            case .success(let definition?)?: fresh.append((path, definition))
            case .failure(let error)?: skipped(path, error)
            case nil: break
            }
        }
        let created = try chain.createSubnets(
            fresh.map { path, definition in (definition.name, subnets.owner, definition.config, path) })
        for ((path, _), netuid) in zip(fresh, created) { netuids[path] = netuid }
        // Loaded, self-checked and on_load run, concurrently.
        let results = ResultTable<Result<SubnetRuntime, PluginError>>()
        await withTaskGroup(of: Void.self) { group in
            for (path, netuid) in netuids {
                group.addTask { [ledger, metrics, configuration] in
                    let result: Result<SubnetRuntime, PluginError>
                    let meter = CostMeter(netuid: netuid, wattsPerCore: configuration.wattsPerCore) { hook, cost in
                        metrics.hookCost(netuid: netuid, hook: hook, cost, wattsPerCore: configuration.wattsPerCore)
                    }
                    do {
                        result = .success(
                            try await SubnetRuntime(netuid: netuid, path: path, ledger: ledger, meter: meter))
                    } catch {
                        result = .failure(Self.pluginError(error, path))
                    }
                    results.set(path, result)
                }
            }
        }
        let opened = results.all
        var runtimes: [SubnetRuntime] = []
        for path in paths {
            switch opened[path] {
            case .success(let runtime)?: runtimes.append(runtime)
            case .failure(let error)?: skipped(path, error)
            case nil: break
            }
        }
        var members: [LocalChain.Member] = []
        for runtime in runtimes {
            for (i, (step, _)) in subnets.validators.enumerated() {
                members.append(
                    .init(
                        netuid: runtime.netuid, hotkey: step.hotkey, coldkey: step.hotkey,
                        stake: 1_000_000_000 * UInt64(i + 1), validatorPermit: true))
            }
            for miner in subnets.miners { members.append(.init(netuid: runtime.netuid, hotkey: miner, coldkey: miner)) }
        }
        _ = try chain.join(members)
        for runtime in runtimes.sorted(by: { $0.netuid < $1.netuid }) {
            subnets.directory.set(runtime)
            metrics.pluginVersion(netuid: runtime.netuid, outcome: "loaded")
            let d = await runtime.definition
            log(
                "subnet \(runtime.netuid) \(d.name) (\(runtime.path)): tempo \(d.config.tempo), version \(d.version), sha256 \(d.sha256.prefix(12))"
            )
            await release(runtime, in: subnets)
        }
    }

    private static func pluginError(_ error: any Error, _ path: String) -> PluginError {
        error as? PluginError ?? PluginError(path, "\(error)")
    }

    private func skipped(_ path: String, _ error: PluginError) {
        // The error names the file (and line) itself when it is about the file.
        log(error.location.hasPrefix(path) ? "skipped \(error)" : "skipped \(path): \(error)")
    }

    /// Starts a subnet following the blocks, from the next one on.
    func start(_ netuid: Int, in subnets: SubnetSet, barrier: BlockBarrier) {
        guard let runtime = subnets.directory[UInt16(netuid)] else { return }
        let blocks = chain.blocks()
        subnets.follow(
            netuid, with: Task { await self.follow(runtime, blocks: blocks, in: subnets) { await barrier.arrive() } })
    }

    /// Follows the plugin folder until cancelled: an edited file reloads its subnet, a new
    /// file becomes a new subnet, a removed one pauses its subnet (its ledger rows stay).
    /// File-system events (inotify); where they are not available, the folder is listed
    /// every `reloadInterval`.
    func watchPlugins(
        _ subnets: SubnetSet, changes: Result<AsyncStream<PluginFolder.Change>, PluginFolder.Unavailable>,
        barrier: BlockBarrier
    ) async {
        let c = configuration
        switch changes {
        case .success(let changes):
            for await change in changes {
                if Task.isCancelled { break }
                await handle(change, subnets, barrier: barrier)
            }
        case .failure(let error):
            log("plugin folder not watched (\(error)); it is listed every \(c.reloadInterval) instead")
            var known = Set(pluginPaths())
            while !Task.isCancelled {
                try? await Task.sleep(for: c.reloadInterval)
                let now = Set(pluginPaths())
                for path in now.sorted() { await handle(.changed(path), subnets, barrier: barrier) }
                for path in known.subtracting(now).sorted() { await handle(.removed(path), subnets, barrier: barrier) }
                known = now
            }
        }
    }

    private func handle(_ change: PluginFolder.Change, _ subnets: SubnetSet, barrier: BlockBarrier) async {
        switch change {
        case .changed(let path):
            if let runtime = subnets.directory.runtime(path: path) {
                let outcome = await runtime.reloadIfChanged()
                report(outcome, runtime)
                if case .reloaded = outcome { await release(runtime, in: subnets) }
                return
            }
            // A new file (or one back after it was removed).
            do {
                let before = Set(subnets.netuids)
                try await openSubnets([path], into: subnets)
                for netuid in Set(subnets.netuids).subtracting(before) {
                    try await subnets.serveEndpoints(chain: chain, netuids: [netuid])
                    start(netuid, in: subnets, barrier: barrier)
                }
            } catch {
                log("\(path): cannot start its subnet: \(error)")
            }
        case .removed(let path):
            guard let runtime = subnets.directory.runtime(path: path) else { return }
            await subnets.pause(runtime.netuid)
            log("subnet \(runtime.netuid) paused: \(path) is gone (its ledger rows stay; put the file back to resume)")
        }
    }

    private func report(_ outcome: SubnetRuntime.ReloadOutcome, _ runtime: SubnetRuntime) {
        switch outcome {
        case .reloaded(let from, let to):
            metrics.pluginVersion(netuid: runtime.netuid, outcome: "reloaded")
            log("subnet \(runtime.netuid): reloaded \(runtime.path) (\(from.prefix(12)) → \(to.prefix(12)))")
        case .rejected(let error):
            metrics.pluginVersion(netuid: runtime.netuid, outcome: "rejected")
            log("subnet \(runtime.netuid): kept the running version; the new one fails: \(error)")
        case .unchanged: break
        }
    }

    /// A subnet's own loop: at each block, the epochs it settled are told to the plugin and
    /// logged, then every validator whose weights are due steps, concurrently. A block that
    /// arrives while the previous one's steps still run is skipped (logged and counted); a
    /// validator whose step failed waits 1, 2, 4 … up to 64 blocks before it tries again.
    func follow(
        _ runtime: SubnetRuntime, blocks: AsyncStream<ChainBlock>, in subnets: SubnetSet, done: () async -> Void
    ) async {
        var backoff: [String: (until: UInt64, wait: UInt64)] = [:]
        // Before this block no validator is due: the chain is not even read.
        var nextDue: UInt64 = 0
        // Blocks in a row in which every step failed in the plugin.
        var failedRounds = 0
        for await block in blocks {
            let failed = await advance(runtime, block: block, in: subnets, backoff: &backoff, nextDue: &nextDue)
            if let failed {
                failedRounds = failed ? failedRounds + 1 : 0
                if failedRounds >= Self.rollbackAfter {
                    failedRounds = 0
                    await rollBack(runtime, in: subnets)
                }
            }
            await done()
        }
    }

    private func advance(
        _ runtime: SubnetRuntime, block: ChainBlock, in subnets: SubnetSet,
        backoff: inout [String: (until: UInt64, wait: UInt64)], nextDue: inout UInt64
    ) async -> Bool? {
        let netuid = runtime.netuid
        let validators = subnets.validators
        for record in block.epochs where record.netuid == netuid { await epochDone(runtime, record) }
        if await switchToRelease(runtime, in: subnets, block: block.number) { nextDue = 0 }
        guard block.number >= nextDue else { return nil }
        guard let head = try? chain.head(), head == block.number else {
            metrics.skippedBlock(netuid: netuid)
            return nil
        }
        let metagraph: Metagraph
        do {
            metagraph = try chain.metagraph(netuid: netuid)
        } catch {
            log("block \(block.number) · subnet \(netuid): cannot read the metagraph: \(error)")
            return nil
        }
        // When each validator may next step: its rate limit, or its backoff after a failure.
        var dueAt: [UInt64] = []
        for (step, _) in validators {
            dueAt.append(max(await step.nextWork(metagraph), backoff[step.hotkey]?.until ?? 0))
        }
        let due = zip(validators, dueAt).filter { $1 <= block.number }.map(\.0)
        // Read again at the next due block, or after 64 blocks whatever happens (a validator
        // registered meanwhile, say).
        nextDue = min(dueAt.filter { $0 > block.number }.min() ?? .max, block.number + 64)
        if !due.isEmpty { nextDue = block.number + 1 }
        let plugin = await runtime.plugin
        let results = await withTaskGroup(of: (String, Result<ValidatorStep.Report?, any Error>).self) { group in
            for (step, miners) in due {
                group.addTask { [chain] in
                    do {
                        return (
                            step.hotkey,
                            .success(
                                try await step.act(
                                    netuid: netuid, plugin: plugin, chain: chain, miners: miners, metagraph: metagraph))
                        )
                    } catch {
                        return (step.hotkey, .failure(error))
                    }
                }
            }
            return await group.reduce(into: []) { $0.append($1) }
        }
        for (hotkey, result) in results {
            switch result {
            case .success(nil):
                backoff[hotkey] = nil
            case .success(let report?):
                backoff[hotkey] = nil
                metrics.validatorStep(netuid: netuid, failed: false)
                metrics.minerAnswers(
                    netuid: netuid, valid: report.valid, invalid: report.answered - report.valid,
                    missing: report.uids.count - report.answered)
                let answers = report.answerCost
                runtime.meter?.answers(answers)
                metrics.answerCost(netuid: netuid, answers)
            case .failure(let error):
                let wait = min((backoff[hotkey]?.wait ?? 0) * 2, 64)
                backoff[hotkey] = (block.number + max(wait, 1), max(wait, 1))
                metrics.validatorStep(netuid: netuid, failed: true)
                log(
                    "block \(block.number) · subnet \(netuid): a validator step failed (next try in "
                        + "\(max(wait, 1)) block(s)): \(error)")
            }
        }

        // Whether the plugin failed this round: every step that ran failed in a hook.
        guard !results.isEmpty else { return nil }
        return results.allSatisfy { _, result in
            if case .failure(let error) = result { error is PluginError } else { false }
        }
    }

    /// Rounds in a row failing in the plugin after which a subnet goes back to its previous
    /// version.
    static let rollbackAfter = 3

    private func rollBack(_ runtime: SubnetRuntime, in subnets: SubnetSet) async {
        let reason = "every validator round failed in the plugin \(Self.rollbackAfter) blocks in a row"
        guard let (from, to) = await runtime.rollback(reason: reason) else { return }
        await release(runtime, in: subnets)
        metrics.pluginVersion(netuid: runtime.netuid, outcome: "rolled-back")
        log(
            "subnet \(runtime.netuid): version \(from.prefix(12)) rolled back to \(to.prefix(12)): \(reason); "
                + "edit the plugin file to try again")
    }

    /// An epoch settled: the plugin hears of it (`on_epoch`), the log shows what it paid.
    private func epochDone(_ runtime: SubnetRuntime, _ record: EpochRecord) async {
        let netuid = runtime.netuid
        metrics.epoch(netuid: netuid, emitted: record.emission)
        let metagraph = try? chain.metagraph(netuid: netuid)
        do {
            try await runtime.onEpoch(record, neurons: metagraph?.neurons ?? [])
        } catch {
            log("block \(record.block) · subnet \(netuid): on_epoch failed: \(error)")
        }
        // The epoch closes its cost window (on_epoch included): kept beside the epoch.
        if let meter = runtime.meter {
            do {
                try ledger.recordCost(meter.take(block: record.block))
            } catch {
                log("block \(record.block) · subnet \(netuid): cannot keep the epoch's cost: \(error)")
            }
        }
        guard let metagraph else { return }
        let neurons = metagraph.neurons
        func shares(_ values: [Fixed], _ keep: (NeuronInfo) -> Bool) -> String {
            neurons.filter { $0.uid < values.count && keep($0) }
                .map { "\($0.uid):" + String(format: "%.3f", values[$0.uid].double) }.joined(separator: " ")
        }
        log(
            "block \(record.block) · subnet \(netuid) \(metagraph.subnet.name) · epoch: \(record.emission) rao "
                + "(owner \(record.ownerCut), dust \(record.dust)); incentive "
                + shares(record.output.incentive) { !$0.validatorPermit } + "; dividends "
                + shares(record.output.dividends) { $0.validatorPermit })
    }

}
