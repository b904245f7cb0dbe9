import Consensus
import Foundation
public import Ledger
import Logging
import LuaSandbox
public import SynodChain
import UnixSignals
import Wire

/// `synod up`: every plugin in a folder runs as a subnet of a local chain, with the host's
/// own validators and reference miners talking btauth/1 over loopback, weights and epochs
/// in the SQLite ledger, and plugins reloaded when their files change.
///
/// The chain is a ``LocalChain`` over the ledger. Blocks come on a fixed schedule
/// (``BlockSchedule``: block N at start + N × `blockTime`, a late block logged); the chain
/// settles due epochs as it makes each block. Every subnet follows the blocks on its own
/// task: at each block its validators whose weights are due run the ``ValidatorStep``
/// against the miners' axons, concurrently, so a slow plugin or a silent miner holds back
/// its own subnet only. The chain head is kept in the ledger, so a restart continues where
/// the last run stopped.
public final class LocalNet: Sendable {
    public struct Configuration: Sendable {
        public var pluginsDirectory: String
        /// Holds `synod.sqlite` and `wallets/` (the host's hotkeys, in the SDK's layout).
        public var dataDirectory: String
        public var blockTime: Duration
        public var validators: Int
        public var miners: Int
        /// Rao each subnet emits per epoch.
        public var emissionPerEpoch: UInt64
        /// Stop after this many blocks (nil: run until cancelled or signalled).
        public var blocks: UInt64?
        /// How often plugin files are checked for changes.
        public var reloadInterval: Duration
        public var host: String
        /// Where `GET /metrics` is served (0: an ephemeral port; nil: not served).
        public var metricsPort: Int?
        /// Where the host's hotkeys are held (see ``HostSigner``).
        public var signer: HostSigner.Launch
        /// Where block times come from (a ``ManualBlockClock`` in tests).
        public var clock: any BlockClock
        /// Whether each block waits until every subnet has finished the one before: a run
        /// that is the same every time (tests, demonstrations), at the price of one slow
        /// subnet slowing the chain. Off, subnets never hold the chain back.
        public var lockstep: Bool

        public init(
            pluginsDirectory: String = "plugins", dataDirectory: String = ".synod", blockTime: Duration = .seconds(1),
            validators: Int = 2, miners: Int = 4, emissionPerEpoch: UInt64 = 1_000_000_000, blocks: UInt64? = nil,
            reloadInterval: Duration = .seconds(1), host: String = "127.0.0.1", metricsPort: Int? = nil,
            signer: HostSigner.Launch = .inProcess, clock: any BlockClock = SystemBlockClock(), lockstep: Bool = false
        ) {
            self.signer = signer
            self.clock = clock
            self.lockstep = lockstep
            self.pluginsDirectory = pluginsDirectory
            self.dataDirectory = dataDirectory
            self.blockTime = blockTime
            self.validators = validators
            self.miners = miners
            self.emissionPerEpoch = emissionPerEpoch
            self.blocks = blocks
            self.reloadInterval = reloadInterval
            self.host = host
            self.metricsPort = metricsPort
        }
    }

    public let configuration: Configuration
    public let ledger: Ledger
    /// The chain the net runs: every rule goes through it.
    public let chain: LocalChain
    /// What the net counts (served at `/metrics` when `metricsPort` is set).
    public let metrics = HostMetrics()
    private let log: @Sendable (String) -> Void

    /// Opens (creating) the data directory and its ledger. `log` hears one line per event.
    public init(_ configuration: Configuration, log: @escaping @Sendable (String) -> Void) throws {
        self.configuration = configuration
        self.log = log
        // The folder holds the ledger and the host's hotkeys: owner-only, whatever the umask.
        try PrivateFiles.makeDirectory(configuration.dataDirectory, clamp: true)
        ledger = try Ledger(path: Self.ledgerPath(dataDirectory: configuration.dataDirectory))
        chain = LocalChain(ledger: ledger, emissionPerEpoch: configuration.emissionPerEpoch)
        try CrashMarker.install(path: CrashMarker.path(dataDirectory: configuration.dataDirectory))
    }

    /// Where the ledger of a data folder lives.
    public static func ledgerPath(dataDirectory: String) -> String {
        (dataDirectory as NSString).appendingPathComponent("synod.sqlite")
    }

    /// Runs until `blocks` have passed, the task is cancelled, or SIGINT/SIGTERM.
    public func run() async throws {
        let c = configuration
        // Trapped first, so a Ctrl-C at any moment from here on stops the loop cleanly.
        let signals = await UnixSignalsSequence(trapping: .sigint, .sigterm)
        // The hotkeys live in the signer; this process learns their addresses only.
        let validatorNames = (0..<c.validators).map { "validator-\($0)" }
        let minerNames = (0..<c.miners).map { "miner-\($0)" }
        let signer = try await HostSigner(
            dataDirectory: c.dataDirectory, names: ["owner"] + validatorNames + minerNames, launch: c.signer)
        defer { signer.stop() }
        let owner = signer.addresses["owner"]!
        let validators = validatorNames.map { signer.client($0) }
        let miners = minerNames.map { signer.addresses[$0]! }
        // Versions the last run died in are recorded as suspect before anything loads.
        for crash in try CrashMarker.collect(path: CrashMarker.path(dataDirectory: c.dataDirectory), into: ledger) {
            log("subnet \(crash.netuid): version \(crash.sha256.prefix(12)) quarantined: \(crash.reason)")
        }

        // Subnets: one per plugin that loads; a plugin that does not is reported and skipped.
        var runtimes: [UInt16: SubnetRuntime] = [:]
        for path in pluginPaths() {
            do {
                let runtime = try await openSubnet(path: path, owner: owner.string)
                runtimes[UInt16(runtime.netuid)] = runtime
                metrics.pluginVersion(netuid: runtime.netuid, outcome: "loaded")
                let d = await runtime.definition
                log(
                    "subnet \(runtime.netuid) \(d.name) (\(path)): tempo \(d.config.tempo), version \(d.version), sha256 \(d.sha256.prefix(12))"
                )
            } catch let error as PluginError {
                // The error names the file (and line) itself when it is about the file.
                log(error.location.hasPrefix(path) ? "skipped \(error)" : "skipped \(path): \(error)")
            }
        }
        guard !runtimes.isEmpty else {
            throw PluginError(c.pluginsDirectory, "no plugin loaded; put subnet plugins (*.lua) in this folder")
        }
        for runtime in runtimes.values {
            for (i, v) in validators.enumerated() {
                let hotkey = v.address.string
                try chain.join(
                    netuid: runtime.netuid, hotkey: hotkey, coldkey: hotkey, stake: 1_000_000_000 * UInt64(i + 1),
                    validatorPermit: true)
            }
            for m in miners { try chain.join(netuid: runtime.netuid, hotkey: m.string, coldkey: m.string) }
        }

        let service = ReferenceMinerService(runtimes: runtimes, chain: chain)
        let dendrites = validators.map { Dendrite(signer: $0) }
        log(
            "synod up: \(runtimes.count) subnet(s) · \(c.validators) validators, \(c.miners) miners on \(c.host) · block every \(c.blockTime) · ledger \(c.dataDirectory)/synod.sqlite"
        )

        try await withThrowingTaskGroup(of: Void.self) { group in
            // One axon per reference miner (an axon answers for one hotkey).
            let (ports, portSink) = AsyncStream.makeStream(of: (Int, Int).self)
            for (i, miner) in miners.enumerated() {
                let axon = Axon(
                    hotkey: miner, service: service,
                    configuration: AxonConfiguration(host: c.host, port: 0))
                group.addTask { try await axon.run { port in portSink.yield((i, port)) } }
            }
            var bound = 0
            for await (i, port) in ports {
                for runtime in runtimes.values {
                    try chain.serve(
                        netuid: runtime.netuid, hotkey: miners[i].string, endpoint: "http://\(c.host):\(port)")
                }
                bound += 1
                if bound == miners.count { break }
            }
            if let port = c.metricsPort {
                group.addTask { [metrics, log] in
                    try await metrics.serve(host: c.host, port: port) { bound in
                        log("metrics on http://\(c.host):\(bound)/metrics")
                    }
                }
            }
            for runtime in runtimes.values {
                group.addTask { [log, metrics] in
                    await runtime.watch(every: c.reloadInterval) { outcome in
                        switch outcome {
                        case .reloaded: metrics.pluginVersion(netuid: runtime.netuid, outcome: "reloaded")
                        case .rejected: metrics.pluginVersion(netuid: runtime.netuid, outcome: "rejected")
                        case .unchanged: break
                        }
                        switch outcome {
                        case .reloaded(let from, let to):
                            log(
                                "subnet \(runtime.netuid): reloaded \(runtime.path) (\(from.prefix(12)) → \(to.prefix(12)))"
                            )
                        case .rejected(let error):
                            log("subnet \(runtime.netuid): kept the running version; the new one fails: \(error)")
                        case .unchanged: break
                        }
                    }
                }
            }
            // Ctrl-C or SIGTERM ends the block loop (the axons drain on the same signals).
            let stop = StopFlag()
            group.addTask { [log] in
                for await signal in signals {
                    log("received \(signal): stopping after this block")
                    stop.set()
                    return
                }
            }
            let failures = RateLimitedLogger(logger: Logger(label: "synod.validator"), interval: .seconds(60))
            let steps = dendrites.map {
                (ValidatorStep(hotkey: $0.address.string, failures: failures), DendriteMiners(dendrite: $0))
            }
            // Each subnet follows the blocks on a task of its own.
            let barrier = BlockBarrier()
            let subnetTasks = runtimes.values.map { runtime in
                let blocks = chain.blocks()
                return Task {
                    await self.follow(runtime, blocks: blocks, validators: steps) { await barrier.arrive() }
                }
            }
            let schedule = BlockSchedule(blockTime: c.blockTime, clock: c.clock)
            try await schedule.run(count: c.blocks) { tick in
                if stop.isSet { return false }
                if c.lockstep && tick.index > 1 { await barrier.wait(for: runtimes.count) }
                let (block, failures) = try chain.produceBlockReportingFailures()
                metrics.block(block.number)
                if tick.late >= c.blockTime / 10 { metrics.lateBlock(by: tick.late) }
                if tick.late >= c.blockTime / 2 {
                    log("block \(block.number) came \(tick.late) late: the host cannot keep the block time")
                }
                for (netuid, error) in failures {
                    log(
                        "block \(block.number) · subnet \(netuid): the epoch failed and is retried next block: \(error)"
                    )
                }
                return true
            }
            let last = try chain.head()
            // The subnets finish the blocks they were given, then stop.
            chain.closeBlocks()
            for task in subnetTasks { await task.value }
            if stop.isSet { log("stopped at block \(last); run synod up again to continue from here") }
            // Close the validators' pooled connections first: the axons drain open
            // connections before they stop.
            for dendrite in dendrites { try? await dendrite.shutdown() }
            group.cancelAll()
        }
    }

    /// A subnet's own loop: at each block, the epochs it settled are told to the plugin and
    /// logged, then every validator whose weights are due steps, concurrently. A block that
    /// arrives while the previous one's steps still run is skipped (logged and counted); a
    /// validator whose step failed waits 1, 2, 4 … up to 64 blocks before it tries again.
    private func follow(
        _ runtime: SubnetRuntime, blocks: AsyncStream<ChainBlock>, validators: [(ValidatorStep, DendriteMiners)],
        done: () async -> Void
    ) async {
        var backoff: [String: (until: UInt64, wait: UInt64)] = [:]
        for await block in blocks {
            await advance(runtime, block: block, validators: validators, backoff: &backoff)
            await done()
        }
    }

    private func advance(
        _ runtime: SubnetRuntime, block: ChainBlock, validators: [(ValidatorStep, DendriteMiners)],
        backoff: inout [String: (until: UInt64, wait: UInt64)]
    ) async {
        let netuid = runtime.netuid
        for record in block.epochs where record.netuid == netuid { await epochDone(runtime, record) }
        guard let head = try? chain.head(), head == block.number else {
            metrics.skippedBlock(netuid: netuid)
            return
        }
        let metagraph: Metagraph
        do {
            metagraph = try chain.metagraph(netuid: netuid)
        } catch {
            log("block \(block.number) · subnet \(netuid): cannot read the metagraph: \(error)")
            return
        }
        let due = validators.filter { step, _ in
            metagraph.weightsDue(hotkey: step.hotkey, block: block.number)
                && block.number >= backoff[step.hotkey]?.until ?? 0
        }
        let plugin = await runtime.plugin
        let results = await withTaskGroup(of: (String, Result<ValidatorStep.Report, any Error>).self) { group in
            for (step, miners) in due {
                group.addTask { [chain] in
                    do {
                        return (
                            step.hotkey,
                            .success(
                                try await step.run(
                                    netuid: netuid, plugin: plugin, chain: chain, miners: miners))
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
            case .success(let report):
                backoff[hotkey] = nil
                metrics.validatorStep(netuid: netuid, failed: false)
                metrics.minerAnswers(
                    netuid: netuid, valid: report.valid, invalid: report.answered - report.valid,
                    missing: report.uids.count - report.answered)
            case .failure(let error):
                let wait = min((backoff[hotkey]?.wait ?? 0) * 2, 64)
                backoff[hotkey] = (block.number + max(wait, 1), max(wait, 1))
                metrics.validatorStep(netuid: netuid, failed: true)
                log(
                    "block \(block.number) · subnet \(netuid): a validator step failed (next try in "
                        + "\(max(wait, 1)) block(s)): \(error)")
            }
        }

    }

    /// An epoch settled: the plugin hears of it (`on_epoch`), the log shows what it paid.
    private func epochDone(_ runtime: SubnetRuntime, _ record: EpochRecord) async {
        let netuid = runtime.netuid
        metrics.epoch(netuid: netuid, emitted: record.emission)
        do {
            try await runtime.onEpoch(record)
        } catch {
            log("block \(record.block) · subnet \(netuid): on_epoch failed: \(error)")
        }
        guard let metagraph = try? chain.metagraph(netuid: netuid) else { return }
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

    /// The subnet a plugin file runs as: the one already attached to it, or a new one.
    private func openSubnet(path: String, owner: String) async throws -> SubnetRuntime {
        let existing = try chain.subnets()
        if let subnet = existing.first(where: { $0.plugin == path }) {
            let sha256 = SHA256.hex(try SubnetPlugin.readSource(path).source)
            if try CrashMarker.isQuarantined(netuid: subnet.netuid, sha256: sha256, in: ledger) {
                throw PluginError(
                    path,
                    "version \(sha256.prefix(12)) of subnet \(subnet.netuid) is quarantined: the host died while it "
                        + "ran; edit the plugin file to load it again (synod status shows the signal)")
            }
            return try await SubnetRuntime(netuid: subnet.netuid, path: path, ledger: ledger)
        }
        let definition = try await PluginHost.load(
            source: try SubnetPlugin.readSource(path).source, chunkName: path, netuid: 0
        ).definition
        let netuid = try chain.createSubnet(
            name: definition.name, owner: owner, config: definition.config, plugin: path)
        return try await SubnetRuntime(netuid: netuid, path: path, ledger: ledger)
    }

    private func pluginPaths() -> [String] {
        let folder = configuration.pluginsDirectory
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []
        return names.filter { $0.hasSuffix(".lua") }.sorted().map { (folder as NSString).appendingPathComponent($0) }
    }
}

/// Counts the subnets done with a block, so a lockstep run can wait for all of them.
actor BlockBarrier {
    private var arrived = 0
    private var waiter: (count: Int, wake: CheckedContinuation<Void, Never>)?

    func arrive() {
        arrived += 1
        if let waiter, arrived >= waiter.count {
            self.waiter = nil
            arrived -= waiter.count
            waiter.wake.resume()
        }
    }

    /// Returns once `count` subnets have arrived since the last wait.
    func wait(for count: Int) async {
        if arrived >= count {
            arrived -= count
            return
        }
        await withCheckedContinuation { waiter = (count, $0) }
    }
}

/// Set once, read often: a signal asked the block loop to stop.
final class StopFlag: @unchecked Sendable {
    private let lock = NSLock()
    private var value = false
    func set() { lock.withLock { value = true } }
    var isSet: Bool { lock.withLock { value } }
}
