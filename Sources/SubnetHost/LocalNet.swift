import Consensus
import Foundation
public import Ledger
import LuaSandbox
import UnixSignals
import Wire

/// `synod up`: every plugin in a folder runs as a subnet of a local chain, with the host's
/// own validators and reference miners talking btauth/1 over loopback, weights and epochs
/// in the SQLite ledger, and plugins reloaded when their files change.
///
/// Blocks advance on a clock (`blockTime`); each block every validator runs one
/// ``Validator/step(runtime:ledger:block:)`` on every subnet, and a subnet whose tempo has
/// passed since its last epoch runs one (``Ledger/runEpoch(netuid:block:emission:)``). The
/// chain head is kept in the ledger, so a restart continues where the last run stopped.
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

        public init(
            pluginsDirectory: String = "plugins", dataDirectory: String = ".synod", blockTime: Duration = .seconds(1),
            validators: Int = 2, miners: Int = 4, emissionPerEpoch: UInt64 = 1_000_000_000, blocks: UInt64? = nil,
            reloadInterval: Duration = .seconds(1), host: String = "127.0.0.1", metricsPort: Int? = nil,
            signer: HostSigner.Launch = .inProcess
        ) {
            self.signer = signer
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
        var head = try ledger.chainHead()
        // Versions the last run died in are recorded as suspect before anything loads.
        for crash in try CrashMarker.collect(path: CrashMarker.path(dataDirectory: c.dataDirectory), into: ledger) {
            log("subnet \(crash.netuid): version \(crash.sha256.prefix(12)) quarantined: \(crash.reason)")
        }

        // Subnets: one per plugin that loads; a plugin that does not is reported and skipped.
        var runtimes: [UInt16: SubnetRuntime] = [:]
        for path in pluginPaths() {
            do {
                let runtime = try openSubnet(path: path, owner: owner.string, block: head)
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
                try join(
                    runtime.netuid, v.address.string, block: head, stake: 1_000_000_000 * UInt64(i + 1), permit: true)
            }
            for m in miners { try join(runtime.netuid, m.string, block: head, stake: 0, permit: false) }
        }

        let service = ReferenceMinerService(runtimes: runtimes, ledger: ledger)
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
                    try ledger.setEndpoint(
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
            let validatorSet = dendrites.map { Validator(dendrite: $0) }
            let last = c.blocks.map { head + $0 }
            while !Task.isCancelled && !stop.isSet {
                try await Task.sleep(for: c.blockTime)
                head += 1
                try ledger.setChainHead(head)
                metrics.block(head)
                for netuid in runtimes.keys.sorted() {
                    try await advance(runtimes[netuid]!, validators: validatorSet, block: head)
                }
                if let last, head >= last { break }
            }
            if stop.isSet { log("stopped at block \(head); run synod up again to continue from here") }
            // Close the validators' pooled connections first: the axons drain open
            // connections before they stop.
            for dendrite in dendrites { try? await dendrite.shutdown() }
            group.cancelAll()
        }
    }

    /// One block on one subnet: every validator whose weights are due (the subnet's rate
    /// limit) steps; an epoch runs when the tempo has passed.
    private func advance(_ runtime: SubnetRuntime, validators: [Validator], block: UInt64) async throws {
        for validator in validators {
            let due = try ledger.weightsDue(
                netuid: runtime.netuid, hotkey: validator.address.string, block: block)
            guard due else { continue }
            do {
                let step = try await validator.step(runtime: runtime, ledger: ledger, block: block)
                let valid = step.responses.compactMap { $0 }.count
                metrics.validatorStep(netuid: runtime.netuid, failed: false)
                metrics.minerAnswers(
                    netuid: runtime.netuid, valid: valid, invalid: step.answered - valid,
                    missing: step.uids.count - step.answered)
            } catch {
                metrics.validatorStep(netuid: runtime.netuid, failed: true)
                log("block \(block) · subnet \(runtime.netuid): a validator step failed: \(error)")
            }
        }
        let subnet = try ledger.subnet(netuid: runtime.netuid)
        guard block >= subnet.lastEpochBlock + UInt64(subnet.config.tempo) else { return }
        let record = try ledger.runEpoch(netuid: runtime.netuid, block: block, emission: configuration.emissionPerEpoch)
        metrics.epoch(netuid: runtime.netuid, emitted: record.emission)
        do {
            try await runtime.onEpoch(record)
        } catch {
            log("block \(block) · subnet \(runtime.netuid): on_epoch failed: \(error)")
        }
        let neurons = try ledger.neurons(netuid: runtime.netuid)
        func shares(_ values: [Fixed], _ keep: (NeuronInfo) -> Bool) -> String {
            neurons.filter(keep).map { String(format: "%.3f", values[$0.uid].double) }.joined(separator: " ")
        }
        log(
            "block \(block) · subnet \(runtime.netuid) \(subnet.name) · epoch: \(record.emission) rao (owner \(record.ownerCut), dust \(record.dust)); incentive "
                + shares(record.output.incentive) { !$0.validatorPermit } + "; dividends "
                + shares(record.output.dividends) { $0.validatorPermit })
    }

    /// The subnet a plugin file runs as: the one already attached to it, or a new one.
    private func openSubnet(path: String, owner: String, block: UInt64) throws -> SubnetRuntime {
        let existing = try ledger.subnets()
        if let subnet = existing.first(where: { $0.plugin == path }) {
            let sha256 = SHA256.hex(try SubnetPlugin.readSource(path).source)
            if try CrashMarker.isQuarantined(netuid: subnet.netuid, sha256: sha256, in: ledger) {
                throw PluginError(
                    path,
                    "version \(sha256.prefix(12)) of subnet \(subnet.netuid) is quarantined: the host died while it "
                        + "ran; edit the plugin file to load it again (synod status shows the signal)")
            }
            return try SubnetRuntime(netuid: subnet.netuid, path: path, ledger: ledger)
        }
        let netuid = (existing.map(\.netuid).max() ?? 0) + 1
        let definition = try SubnetPlugin(path: path).definition
        try ledger.createSubnet(
            netuid: netuid, name: definition.name, owner: owner, config: definition.config, plugin: path)
        return try SubnetRuntime(netuid: netuid, path: path, ledger: ledger)
    }

    private func join(_ netuid: Int, _ hotkey: String, block: UInt64, stake: UInt64, permit: Bool) throws {
        guard let neuron = try ledger.neuron(netuid: netuid, hotkey: hotkey) else {
            try ledger.register(
                netuid: netuid, hotkey: hotkey, coldkey: hotkey, block: block, stake: stake, validatorPermit: permit)
            return
        }
        if neuron.stake < stake { try ledger.addStake(netuid: netuid, hotkey: hotkey, amount: stake - neuron.stake) }
        // A ledger written before registration was one transaction may hold a validator
        // without its permit: give it back rather than run a validator the axons refuse.
        if permit && !neuron.validatorPermit {
            try ledger.setValidatorPermit(netuid: netuid, uid: neuron.uid, true)
        }
    }

    private func pluginPaths() -> [String] {
        let folder = configuration.pluginsDirectory
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []
        return names.filter { $0.hasSuffix(".lua") }.sorted().map { (folder as NSString).appendingPathComponent($0) }
    }
}

/// Set once, read often: a signal asked the block loop to stop.
final class StopFlag: @unchecked Sendable {
    private let lock = NSLock()
    private var value = false
    func set() { lock.withLock { value = true } }
    var isSet: Bool { lock.withLock { value } }
}
