public import ChainAPI
import Consensus
import Foundation
public import Ledger
import Logging
import LuaSandbox
import ServiceLifecycle
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
        /// The address the miners' axons and the metrics server with the chain API listen on,
        /// and the one the local miners' endpoints name: one other machines reach, for remote
        /// validators and miners to join.
        public var host: String
        /// Who may register over the chain API.
        public var registration: RegistrationPolicy
        /// Where `GET /metrics`, the dashboard (`/`) and the chain API are served (0: an
        /// ephemeral port; nil: not served).
        public var metricsPort: Int?
        /// Whether the dashboard is served beside `/metrics`.
        public var dashboard: Bool
        /// Where the host's hotkeys are held (see ``HostSigner``).
        public var signer: HostSigner.Launch
        /// Where block times come from (a ``ManualBlockClock`` in tests).
        public var clock: any BlockClock
        /// Whether each block waits until every subnet has finished the one before: a run
        /// that is the same every time (tests, demonstrations), at the price of one slow
        /// subnet slowing the chain. Off, subnets never hold the chain back.
        public var lockstep: Bool
        /// Hears every block as it is made, with how late it came (benchmarks, dashboards).
        public var observeBlock: (@Sendable (_ block: UInt64, _ late: Duration) -> Void)?
        /// Watts a busy core draws, for the energy estimate (``CostMeter/defaultWattsPerCore``).
        public var wattsPerCore: Double

        public init(
            pluginsDirectory: String = "plugins", dataDirectory: String = ".synod", blockTime: Duration = .seconds(1),
            validators: Int = 2, miners: Int = 4, emissionPerEpoch: UInt64 = 1_000_000_000, blocks: UInt64? = nil,
            reloadInterval: Duration = .seconds(1), host: String = "127.0.0.1", metricsPort: Int? = nil,
            dashboard: Bool = true, signer: HostSigner.Launch = .inProcess, clock: any BlockClock = SystemBlockClock(),
            lockstep: Bool = false,
            registration: RegistrationPolicy = .open, wattsPerCore: Double = CostMeter.defaultWattsPerCore
        ) {
            self.wattsPerCore = wattsPerCore
            self.registration = registration
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
            self.dashboard = dashboard
        }
    }

    public let configuration: Configuration
    public let ledger: Ledger
    /// The chain the net runs: every rule goes through it.
    public let chain: LocalChain
    /// What the net counts (served at `/metrics` when `metricsPort` is set).
    public let metrics = HostMetrics()
    /// The subnets running now (empty until ``run()`` has opened them).
    public let subnets = SubnetDirectory()
    /// Every validator round, written to the ledger once per block (`synod rounds`).
    public let rounds: LedgerRoundJournal
    let log: @Sendable (String) -> Void

    /// Opens (creating) the data directory and its ledger. `log` hears one line per event.
    public init(_ configuration: Configuration, log: @escaping @Sendable (String) -> Void) throws {
        self.configuration = configuration
        self.log = log
        // The folder holds the ledger and the host's hotkeys: owner-only, whatever the umask.
        try PrivateFiles.makeDirectory(configuration.dataDirectory, clamp: true)
        ledger = try Ledger(path: Self.ledgerPath(dataDirectory: configuration.dataDirectory))
        chain = LocalChain(ledger: ledger, emissionPerEpoch: configuration.emissionPerEpoch)
        rounds = LedgerRoundJournal(ledger: ledger)
        try CrashMarker.install(path: CrashMarker.path(dataDirectory: configuration.dataDirectory))
    }

    /// Where the ledger of a data folder lives.
    public static func ledgerPath(dataDirectory: String) -> String {
        (dataDirectory as NSString).appendingPathComponent("synod.sqlite")
    }

    /// Runs until `blocks` have passed, the task is cancelled, or SIGINT/SIGTERM.
    ///
    /// One `ServiceGroup` owns the miners' axons, the metrics server and the block loop,
    /// with one handler for SIGINT and SIGTERM: the block loop stops after its block, the
    /// validators' connections close, then the axons drain and stop.
    public func run() async throws {
        let c = configuration
        // The one signal handler, trapped first: a Ctrl-C at any moment from here on stops
        // the host cleanly (before the first block, it stops there).
        let signals = await UnixSignalsSequence(trapping: .sigint, .sigterm)
        let shutdown = ShutdownRequest()
        let listener = Task { [log] in
            for await signal in signals {
                log("received \(signal): stopping after this block")
                await shutdown.request()
            }
        }
        defer { listener.cancel() }
        // The hotkeys live in the signer; this process learns their addresses only.
        let validatorNames = (0..<c.validators).map { "validator-\($0)" }
        let minerNames = (0..<c.miners).map { "miner-\($0)" }
        let signer = try await HostSigner(
            dataDirectory: c.dataDirectory, names: ["owner", "chain"] + validatorNames + minerNames, launch: c.signer)
        defer { signer.stop() }
        let owner = signer.addresses["owner"]!.string
        let validators = validatorNames.map { signer.client($0) }
        let miners = minerNames.map { signer.addresses[$0]! }
        // Versions the last run died in are recorded as suspect before anything loads.
        for crash in try CrashMarker.collect(path: CrashMarker.path(dataDirectory: c.dataDirectory), into: ledger) {
            log("subnet \(crash.netuid): version \(crash.sha256.prefix(12)) quarantined: \(crash.reason)")
        }

        let dendrites = validators.map { Dendrite(signer: $0) }
        // Every way out closes the validators' HTTP clients.
        do {
            try await serve(
                dendrites: dendrites, miners: miners, owner: owner, chainHotkey: signer.addresses["chain"]!,
                releaser: ReleaseSigner(owner: signer.client("owner"), chain: signer.addresses["chain"]!),
                shutdown: shutdown)
        } catch {
            for dendrite in dendrites { try? await dendrite.shutdown() }
            throw error
        }
    }

    private func serve(
        dendrites: [Dendrite], miners: [SS58Address], owner: String, chainHotkey: SS58Address,
        releaser: ReleaseSigner, shutdown: ShutdownRequest
    ) async throws {
        let c = configuration
        let failures = RateLimitedLogger(logger: Logger(label: "synod.validator"), interval: .seconds(60))
        let rounds = self.rounds
        let subnets = SubnetSet(
            owner: owner,
            validators: try dendrites.map {
                let hotkey = $0.address.string
                let secret = try ValidatorSecret.stored(dataDirectory: c.dataDirectory, hotkey: hotkey)
                return (
                    ValidatorStep(
                        hotkey: hotkey, failures: failures, secret: secret,
                        reveals: LedgerPendingReveals(ledger: ledger),
                        journal: rounds),
                    DendriteMiners(dendrite: $0)
                )
            },
            miners: miners.map(\.string), directory: self.subnets, releaser: releaser)
        try await openSubnets(pluginPaths(), into: subnets)
        // Opening loads every plugin twice (its self-check in a scratch sandbox): give the
        // memory of that burst back to the system now, not whenever malloc decides.
        ProcessLimits.releaseFreeMemory()
        guard subnets.count > 0 else {
            throw PluginError(c.pluginsDirectory, "no plugin loaded; put subnet plugins (*.lua) in this folder")
        }
        // Watched from now on: a file added while the host starts is not missed.
        let changes: Result<AsyncStream<PluginFolder.Change>, PluginFolder.Unavailable>
        do {
            changes = .success(try PluginFolder(path: c.pluginsDirectory).changes())
        } catch {
            changes = .failure(error)
        }
        log(
            "synod up: \(subnets.count) subnet(s) · \(c.validators) validators, \(c.miners) miners on \(c.host) · block every \(c.blockTime) · ledger \(c.dataDirectory)/synod.sqlite"
        )

        // One axon per reference miner (an axon answers for one hotkey), for every subnet.
        let service = ReferenceMinerService(subnets: subnets.directory, chain: chain)
        let (ports, portSink) = AsyncStream.makeStream(of: (Int, Int).self)
        var services: [any Service] = try miners.enumerated().map { i, miner in
            try Axon(hotkey: miner, service: service, configuration: AxonConfiguration(host: c.host, port: 0))
                .service { port in portSink.yield((i, port)) }
        }
        if let port = c.metricsPort {
            // The chain's API shares the port: remote validators and miners use it.
            let api = ChainServer(chain: chain, hotkey: chainHotkey, policy: c.registration)
            // The block stream ends when the blocks do; the service then waits for its turn in
            // the group's graceful shutdown (a service that ends on its own mid-shutdown makes
            // the group cancel the rest, and the servers log errors).
            services.append(
                ClosureService {
                    await api.followBlocks()
                    try? await gracefulShutdown()
                })
            services.append(
                metrics.service(
                    host: c.host, port: port,
                    routes: { [ledger] router in
                        api.routes(router)
                        if c.dashboard { Dashboard(ledger: ledger).routes(router) }
                    }
                ) { [log] bound in
                    if c.dashboard { log("dashboard on http://\(c.host):\(bound)/") }
                    log("metrics on http://\(c.host):\(bound)/metrics")
                    log("chain API on http://\(c.host):\(bound)/v1/chain (chain hotkey \(chainHotkey.string))")
                })
        }
        // Last, so a graceful shutdown stops it first: the axons drain after the validators
        // have closed their connections.
        services.append(
            ClosureService { [self] in
                // Every miner's endpoint is served on every subnet before the first block.
                var endpoints: [String: String] = [:]
                for await (i, port) in ports {
                    endpoints[miners[i].string] = "http://\(c.host):\(port)"
                    if endpoints.count == miners.count { break }
                }
                subnets.setEndpoints(endpoints)
                try await subnets.serveEndpoints(chain: chain, netuids: subnets.netuids)
                try await runBlocks(subnets, changes: changes, stopped: shutdown.requested)
                for dendrite in dendrites { try? await dendrite.shutdown() }
            })
        let group = ServiceGroup(
            configuration: .init(
                services: services.enumerated().map { i, service in
                    // The block loop ending (its --blocks done) ends the host.
                    .init(
                        service: service,
                        successTerminationBehavior: i == services.count - 1 ? .gracefullyShutdownGroup : .ignore)
                },
                logger: Logger(label: "synod.up")))
        await shutdown.attach(group)
        // Cancelling a service group tears connections down mid-request: a cancelled host
        // stops as on Ctrl-C instead, after its block.
        let serving = Task { try await group.run() }
        try await withTaskCancellationHandler {
            try await serving.value
        } onCancel: {
            Task { await shutdown.request() }
        }
        for dendrite in dendrites { try? await dendrite.shutdown() }
    }

    /// The thread the block loop runs on (one per process: blocks of one host at a time).
    static let blockThread = DedicatedThread(name: "synod-blocks")

    /// The block loop: blocks on the schedule, every subnet following them on its own task,
    /// plugin files watched; until `--blocks` or a graceful shutdown.
    private func runBlocks(
        _ subnets: SubnetSet, changes: Result<AsyncStream<PluginFolder.Change>, PluginFolder.Unavailable>,
        stopped: Bool
    ) async throws {
        let c = configuration
        let stop = StopFlag()
        if stopped { stop.set() }
        let barrier = BlockBarrier()
        for netuid in subnets.netuids { start(netuid, in: subnets, barrier: barrier) }
        let watcher = Task { await watchPlugins(subnets, changes: changes, barrier: barrier) }
        try await withGracefulShutdownHandler {
            let schedule = BlockSchedule(blockTime: c.blockTime, clock: c.clock)
            // On a thread of its own: blocks keep time however busy the subnets are.
            try await withTaskExecutorPreference(Self.blockThread) {
                try await schedule.run(count: c.blocks) { tick in
                    if stop.isSet { return false }
                    if c.lockstep && tick.index > 1 { await barrier.wait(for: subnets.following) }
                    let (block, failures) = try chain.produceBlockReportingFailures()
                    metrics.block(block.number)
                    flushRounds()
                    c.observeBlock?(block.number, tick.late)
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
            }
        } onGracefulShutdown: {
            stop.set()
        }
        watcher.cancel()
        await watcher.value
        let last = try chain.head()
        // The subnets finish the blocks they were given, then stop.
        chain.closeBlocks()
        await subnets.finish()
        flushRounds()
        if stop.isSet { log("stopped at block \(last); run synod up again to continue from here") }
    }

    /// Writes the rounds recorded since the last block; a failure is logged, the net goes on.
    private func flushRounds() {
        do {
            try rounds.flush()
        } catch {
            log("the rounds of the last block could not be recorded: \(error)")
        }
    }

    func pluginPaths() -> [String] {
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

/// A stop asked for by a signal, before or after the host's `ServiceGroup` runs.
actor ShutdownRequest {
    private(set) var requested = false
    private var group: ServiceGroup?

    func request() async {
        requested = true
        await group?.triggerGracefulShutdown()
    }

    /// From now on a request shuts `group` down; one made already does at once.
    func attach(_ group: ServiceGroup) async {
        self.group = group
        if requested { await group.triggerGracefulShutdown() }
    }
}

/// A service made of one closure.
struct ClosureService: Service {
    let body: @Sendable () async throws -> Void
    init(_ body: @escaping @Sendable () async throws -> Void) { self.body = body }
    func run() async throws { try await body() }
}

/// Set once, read often: a signal asked the block loop to stop.
final class StopFlag: @unchecked Sendable {
    private let lock = NSLock()
    private var value = false
    func set() { lock.withLock { value = true } }
    var isSet: Bool { lock.withLock { value } }
}
