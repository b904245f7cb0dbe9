import Consensus
import Foundation
import HostReports
import Ledger
import LuaSandbox
public import SubnetHost
import Synchronization
import SynodChain

/// The incentive lab behind `synod sim`: a subnet plugin against simulated miners and
/// validators, each following a strategy, for a number of epochs, in memory and with real
/// Yuma — under each consensus variant compared, the same scenario each time.
///
/// Every validator runs on a sandbox and a store of its own, as on a real network (so its
/// state is its own and validators step concurrently, on every core); miners answer through
/// the plugin's reference `miner` (or its `adversaries`) in sandboxes of their own, each
/// miner with its own part of the store. Validators that send a miner the same request in
/// a block — a shared task — get the answer computed once. Everything random is drawn from
/// `seed`: the same seed gives the same report, byte for byte.
public struct Simulation: Sendable {
    public var epochs: Int
    /// Miner strategies with how many miners follow each.
    public var miners: [(strategy: MinerStrategy, count: Int)]
    /// Validator strategies with how many validators follow each.
    public var validators: [(strategy: ValidatorStrategy, count: Int)]
    /// Each validator's stake in rao, in the order of ``validators`` expanded (nil: validator
    /// i stakes i + 1 TAO).
    public var stakes: [UInt64]?
    public var variants: [ConsensusVariant]
    public var seed: UInt64
    public var emissionPerEpoch: UInt64
    /// Sandboxes answering for miners (their answers are shared, so few are needed).
    public var minerSandboxes = 2
    /// The plugin's tempo and weights rate limit, replaced (nil: the plugin's own).
    public var tempo: Int?
    public var weightsRateLimit: Int?
    /// Watts a busy core draws, for the run's energy estimate (``CostMeter/defaultWattsPerCore``).
    public var wattsPerCore = CostMeter.defaultWattsPerCore

    public init(
        epochs: Int = 10, miners: [(strategy: MinerStrategy, count: Int)] = Self.defaultMiners,
        validators: [(strategy: ValidatorStrategy, count: Int)] = [(.honest, 4)], stakes: [UInt64]? = nil,
        variants: [ConsensusVariant] = [.plugin], seed: UInt64 = 0, emissionPerEpoch: UInt64 = 1_000_000_000
    ) {
        self.epochs = epochs
        self.miners = miners
        self.validators = validators
        self.stakes = stakes
        self.variants = variants
        self.seed = seed
        self.emissionPerEpoch = emissionPerEpoch
    }

    public static let defaultMiners: [(strategy: MinerStrategy, count: Int)] = [
        (.honest, 4), (.noisy(level: 0.1), 2), (.stale, 2), (.copycat, 1), (.lazy(fraction: 0.5), 1), (.garbage, 1),
        (.offline, 1),
    ]

    /// Where a run is: for a progress bar.
    public struct Progress: Sendable {
        public var variant: String
        public var variantIndex: Int
        public var variants: Int
        public var epoch: Int
        public var epochs: Int
    }

    /// Runs every variant on the plugin in `source` and reports.
    public func run(
        source: [UInt8], chunkName: String, progress: (@Sendable (Progress) -> Void)? = nil
    ) async throws(PluginError) -> SimulationReport {
        // One load up front: its definition, and a clear error before anything runs.
        let probe = try await PluginHost.load(source: source, chunkName: chunkName, netuid: 1)
        let definition = probe.definition
        guard definition.hooks["miner"] != nil else {
            throw PluginError(definition.name, "a simulation needs the plugin's reference 'miner' hook")
        }
        for (strategy, _) in miners {
            if case .adversary(let name) = strategy, definition.adversaries[name] == nil {
                let known = definition.adversaries.keys.sorted()
                throw PluginError(
                    definition.name,
                    "'\(name)' is neither a built-in miner strategy nor one of the plugin's adversaries"
                        + (known.isEmpty ? " (it defines none)" : " (\(known.joined(separator: ", ")))"))
            }
        }
        var reports: [SimulationReport.Variant] = []
        for (index, variant) in variants.enumerated() {
            let count = variants.count
            let total = epochs
            let step: (@Sendable (Int) -> Void)? =
                if let progress {
                    { epoch in
                        progress(
                            Progress(
                                variant: variant.name, variantIndex: index, variants: count, epoch: epoch,
                                epochs: total))
                    }
                } else {
                    nil
                }
            reports.append(
                try await run(variant, source: source, chunkName: chunkName, definition: definition, progress: step))
        }
        return SimulationReport(
            plugin: definition.name, version: definition.version, seed: seed, epochs: epochs,
            tempo: definition.config.tempo, blocks: UInt64(definition.config.tempo) * UInt64(epochs),
            variants: reports)
    }

    private struct Member {
        var hotkey: String
        var miner: MinerStrategy?
        var validator: ValidatorStrategy?
        var stake: UInt64
    }

    private func run(
        _ variant: ConsensusVariant, source: [UInt8], chunkName: String, definition: SubnetDefinition,
        progress: (@Sendable (Int) -> Void)?
    ) async throws(PluginError) -> SimulationReport.Variant {
        let validatorList = validators.flatMap { Array(repeating: $0.strategy, count: max($0.count, 0)) }
        let minerList = miners.flatMap { Array(repeating: $0.strategy, count: max($0.count, 0)) }
        let members =
            validatorList.enumerated().map { i, strategy in
                Member(
                    hotkey: "validator-\(i)", validator: strategy,
                    stake: stakes.map { i < $0.count ? $0[i] : 0 } ?? 1_000_000_000 * UInt64(i + 1))
            }
            + minerList.enumerated().map { i, strategy in Member(hotkey: "miner-\(i)", miner: strategy, stake: 0) }
        var config = variant.applied(to: definition.config)
        config.maxAllowedUIDs = max(config.maxAllowedUIDs, members.count)
        if let tempo { config.tempo = tempo }
        if let weightsRateLimit { config.weightsRateLimit = weightsRateLimit }
        let chain = MemoryChain(emissionPerEpoch: emissionPerEpoch)
        let netuid: Int
        do {
            netuid = try chain.createSubnet(name: definition.name, owner: "owner", config: config)
            for member in members {
                try chain.join(
                    netuid: netuid, hotkey: member.hotkey, coldkey: member.hotkey, stake: member.stake,
                    validatorPermit: member.validator != nil)
            }
            for (i, member) in members.enumerated() where member.miner != nil {
                try chain.serve(netuid: netuid, hotkey: member.hotkey, endpoint: SimulatedMiners.endpoint(i))
            }
        } catch {
            throw PluginError(definition.name, "the simulated chain refused its setup: \(error.message)")
        }

        // Every hook call of the run's sandboxes, and every answer, is counted: the run's cost.
        let meter = CostMeter(netuid: netuid, wattsPerCore: wattsPerCore)
        var costs: [CostRecord] = []
        // Miners: a few sandboxes over one store, each miner in its own part of it.
        let minerStore = MemoryStore(quota: StoreQuota(maxKeys: 1 << 30, maxBytes: 1 << 40))
        var minerHosts: [PluginHost] = []
        for _ in 0..<max(minerSandboxes, 1) {
            minerHosts.append(
                try await PluginHost.load(
                    source: source, chunkName: chunkName, netuid: netuid, store: minerStore, meter: meter))
        }
        let strategyOf = Dictionary(uniqueKeysWithValues: members.compactMap { m in m.miner.map { (m.hotkey, $0) } })
        let shared = SharedAnswers()
        let validations = SharedValidations()
        let consensus = LastConsensus()
        let firstDishonest = members.firstIndex { $0.miner?.isDishonest == true } ?? (members.count - 1)
        // Validators: a sandbox, a store, a step and a view of the miners each.
        var hosts: [PluginHost] = []
        var steps: [ValidatorStep] = []
        var sources: [SimulatedMiners] = []
        for (i, member) in members.enumerated() {
            guard let strategy = member.validator else { continue }
            hosts.append(try await PluginHost.load(source: source, chunkName: chunkName, netuid: netuid, meter: meter))
            let policy: (any WeightPolicy)? =
                switch strategy {
                case .honest: nil
                case .copier: CopierPolicy(consensus: consensus)
                case .stale: StalePolicy()
                case .lazy: LazyPolicy(seed: seed, hotkey: member.hotkey)
                case .colluder(let uid): ColluderPolicy(target: uid ?? firstDishonest)
                }
            _ = i
            steps.append(
                ValidatorStep(
                    hotkey: member.hotkey, secret: .derived("sim/\(seed)/\(member.hotkey)"), policy: policy,
                    validations: validations))
            sources.append(SimulatedMiners(plugins: minerHosts, strategies: strategyOf, seed: seed, shared: shared))
        }

        var records: [EpochRecord] = []
        var consensusSeconds = 0.0
        let counter = RoundCounter()
        // When each validator next has work (recomputed after it acts, and at each epoch).
        var dueAt = [UInt64](repeating: 0, count: steps.count)
        var recheck = Set(steps.indices)
        let blocks = UInt64(config.tempo) * UInt64(epochs)
        for _ in 1...max(blocks, 1) {
            let block: ChainBlock
            let started = ContinuousClock.now
            do {
                block = try chain.produceBlock()
            } catch {
                throw PluginError(definition.name, error.message)
            }
            if !block.epochs.isEmpty {
                let spent = (ContinuousClock.now - started).components
                consensusSeconds += Double(spent.seconds) + Double(spent.attoseconds) / 1e18
            }
            // Validators' next work changes only when they act or an epoch settles: the
            // metagraph is read and their schedules asked only then.
            let settled = !block.epochs.isEmpty
            guard settled || !recheck.isEmpty || dueAt.contains(where: { $0 <= block.number }) else { continue }
            let metagraph: Metagraph
            do {
                metagraph = try chain.metagraph(netuid: netuid)
            } catch {
                throw PluginError(definition.name, error.message)
            }
            for record in block.epochs {
                records.append(record)
                consensus.update(record.output.consensus.map(\.double))
                if definition.hooks["on_epoch"] != nil {
                    for host in hosts { try await host.onEpoch(record, neurons: metagraph.neurons) }
                }
                costs.append(meter.take(block: record.block))
                progress?(records.count)
            }
            await shared.clear()
            validations.clear()
            for v in steps.indices where settled || recheck.contains(v) {
                dueAt[v] = await steps[v].nextWork(metagraph)
            }
            recheck = []
            let due = steps.indices.filter { dueAt[$0] <= block.number }
            recheck = Set(due)
            guard !due.isEmpty else { continue }
            try await Self.act(
                due, steps: steps, hosts: hosts, sources: sources, chain: chain, netuid: netuid, metagraph: metagraph,
                name: definition.name, counter: counter, meter: meter)
        }
        var report = Self.report(
            variant, config: config, members: members, records: records, chain: chain, emission: emissionPerEpoch)
        (report.rounds, report.responsesScored) = counter.totals
        report.consensusSeconds = consensusSeconds
        report.cost = CostSummary(costs)
        return report
    }

    /// Steps the due validators concurrently; the first failure (in block order, then
    /// validator order) is the run's.
    private static func act(
        _ due: [Int], steps: [ValidatorStep], hosts: [PluginHost], sources: [SimulatedMiners], chain: MemoryChain,
        netuid: Int, metagraph: Metagraph, name: String, counter: RoundCounter, meter: CostMeter
    ) async throws(PluginError) {
        let failures = await withTaskGroup(of: (Int, (any Error)?).self) { group in
            for v in due {
                group.addTask {
                    do {
                        if let report = try await steps[v].act(
                            netuid: netuid, plugin: hosts[v], chain: chain, miners: sources[v], metagraph: metagraph)
                        {
                            counter.add(responses: report.miners.count)
                            meter.answers(report.answerCost)
                        }
                        return (v, nil)
                    } catch {
                        return (v, error)
                    }
                }
            }
            var failures: [(Int, any Error)] = []
            for await (v, error) in group { if let error { failures.append((v, error)) } }
            return failures.sorted { $0.0 < $1.0 }
        }
        guard let (_, error) = failures.first else { return }
        if let error = error as? PluginError { throw error }
        throw PluginError(name, "block \(metagraph.block): \(error)")
    }

    private static func report(
        _ variant: ConsensusVariant, config: SubnetConfig, members: [Member], records: [EpochRecord],
        chain: MemoryChain, emission: UInt64
    ) -> SimulationReport.Variant {
        var earned = [UInt64](repeating: 0, count: members.count)
        var series: [SimulationReport.EpochPoint] = []
        var rows: [SimulationReport.UIDRow] = []
        func label(_ m: Member) -> String { m.miner.map(\.description) ?? "validators:\(m.validator!)" }
        for (e, record) in records.enumerated() {
            let o = record.output
            for uid in members.indices where uid < o.emission.count {
                let paid = o.serverEmission[uid] + o.validatorEmission[uid]
                earned[uid] += paid
                let m = members[uid]
                rows.append(
                    .init(
                        epoch: e + 1, block: record.block, uid: uid, hotkey: m.hotkey,
                        role: m.miner == nil ? "validator" : "miner",
                        strategy: m.miner?.description ?? m.validator!.description, stake: m.stake,
                        incentive: o.incentive[uid].double, dividends: o.dividends[uid].double, emission: paid,
                        consensus: o.consensus[uid].double, validatorTrust: o.validatorTrust[uid].double))
            }
            var point: [String: UInt64] = [:]
            for (uid, m) in members.enumerated() { point[label(m), default: 0] += earned[uid] }
            series.append(.init(epoch: e + 1, block: record.block, earned: point))
        }
        let total = Double(earned.reduce(0, +))
        let minerStrategies = Set(members.compactMap(\.miner)).sorted()
        let strategies = minerStrategies.map { strategy in
            let uids = members.indices.filter { members[$0].miner == strategy }
            let sum = uids.map { earned[$0] }.reduce(0, +)
            return SimulationReport.StrategyLine(
                strategy: strategy.description, miners: uids.count, earned: sum,
                share: total > 0 ? Double(sum) / total : 0,
                perMiner: uids.isEmpty ? 0 : Double(sum) / Double(uids.count), dishonest: strategy.isDishonest)
        }
        let validatorStrategies = Set(members.compactMap(\.validator)).sorted()
        let validators = validatorStrategies.map { strategy in
            let uids = members.indices.filter { members[$0].validator == strategy }
            let stake = uids.map { members[$0].stake }.reduce(0, +)
            let dividends = uids.map { earned[$0] }.reduce(0, +)
            return SimulationReport.ValidatorLine(
                strategy: strategy.description, validators: uids.count, stake: stake, dividends: dividends,
                perStake: stake == 0 ? 0 : Double(dividends) / (Double(stake) / 1e9))
        }
        let minerEarnings = members.indices.filter { members[$0].miner != nil }.map { earned[$0] }
        var byLevel: [Double: [UInt64]] = [:]
        for (uid, m) in members.enumerated() {
            switch m.miner {
            case .honest?: byLevel[0, default: []].append(earned[uid])
            case .noisy(let level)?: byLevel[level, default: []].append(earned[uid])
            default: break
            }
        }
        let levels = byLevel.keys.sorted().map { level in
            SimulationReport.Level(
                level: level, perMiner: Double(byLevel[level]!.reduce(0, +)) / Double(byLevel[level]!.count))
        }
        let monotone =
            levels.count < 2 ? nil : zip(levels, levels.dropFirst()).allSatisfy { $0.perMiner >= $1.perMiner }
        let (wins, beaten) = SimulationReport.Variant.judge(strategies: strategies, validators: validators)
        return SimulationReport.Variant(
            name: variant.name, yuma3: config.parameters.yuma3, liquidAlpha: config.parameters.liquidAlpha,
            strategies: strategies, validators: validators,
            zeroShare: minerEarnings.isEmpty
                ? 0 : Double(minerEarnings.filter { $0 == 0 }.count) / Double(minerEarnings.count),
            gini: SimulationReport.Variant.gini(minerEarnings), levels: levels.count < 2 ? nil : levels,
            monotone: monotone, honestWins: wins, beatenBy: beaten, series: series, rows: rows)
    }
}

/// Rounds run and responses scored, counted across concurrent steps.
final class RoundCounter: Sendable {
    private let counts = Mutex<(rounds: Int, responses: Int)>((0, 0))

    func add(responses: Int) { counts.withLock { $0 = ($0.rounds + 1, $0.responses + responses) } }

    var totals: (Int, Int) { counts.withLock { ($0.rounds, $0.responses) } }
}
