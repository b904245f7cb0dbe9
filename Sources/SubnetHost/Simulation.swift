import Ledger
import LuaSandbox
import SynodChain

/// Runs a subnet plugin against simulated miners for a number of epochs, in memory and
/// with real Yuma, to see whether honest miners come out ahead: what `synod sim` prints.
///
/// The subnet runs on a ``MemoryChain`` (the chain's own rules and settlement): every
/// `weights_rate_limit` blocks each validator runs the ``ValidatorStep`` against
/// ``SimulatedMiners``; every tempo an epoch settles on the subnet's hyperparameters;
/// earnings are read back per strategy.
public struct Simulation: Sendable {
    /// How a simulated miner answers.
    public typealias Strategy = MinerStrategy

    public var epochs: Int
    public var validators: Int
    public var miners: [Strategy: Int]
    public var emissionPerEpoch: UInt64

    public init(
        epochs: Int = 10, validators: Int = 4,
        miners: [Strategy: Int] = [.honest: 4, .stale: 2, .garbage: 1, .silent: 2],
        emissionPerEpoch: UInt64 = 1_000_000_000
    ) {
        self.epochs = epochs
        self.validators = validators
        self.miners = miners
        self.emissionPerEpoch = emissionPerEpoch
    }

    /// What a simulation saw.
    public struct Result: Sendable {
        public struct Line: Sendable, Hashable {
            public var strategy: Strategy
            public var miners: Int
            /// Rao earned by all miners of the strategy, over every epoch.
            public var earned: UInt64
            public var perMiner: Double { miners == 0 ? 0 : Double(earned) / Double(miners) }
        }
        public var blocks: UInt64
        public var lines: [Line]
        /// Rao earned by validators (dividends).
        public var validatorsEarned: UInt64

        /// The best-paid strategy per miner; honest should be it.
        public var leader: Strategy? { lines.max { $0.perMiner < $1.perMiner }?.strategy }

        /// Whether honest miners earned strictly more per miner than every other strategy.
        public var honestLeads: Bool {
            guard let honest = lines.first(where: { $0.strategy == .honest }) else { return false }
            return lines.allSatisfy { $0.strategy == .honest || $0.perMiner < honest.perMiner }
        }
    }

    /// Runs the simulation on `plugin` (which must have a `miner` hook).
    public func run(_ plugin: PluginHost) async throws(PluginError) -> Result {
        let definition = plugin.definition
        guard definition.hooks["miner"] != nil else {
            throw PluginError(definition.name, "a simulation needs the plugin's reference 'miner' hook")
        }
        var config = definition.config
        let strategies = miners.keys.sorted().flatMap { Array(repeating: $0, count: miners[$0]!) }
        config.maxAllowedUIDs = max(config.maxAllowedUIDs, validators + strategies.count)
        let chain = MemoryChain(emissionPerEpoch: emissionPerEpoch)
        let validatorKeys = (0..<validators).map { "validator-\($0)" }
        let minerKeys = strategies.indices.map { "miner-\($0)" }
        let netuid: Int
        do {
            netuid = try chain.createSubnet(name: definition.name, owner: "owner", config: config)
            for (v, hotkey) in validatorKeys.enumerated() {
                try chain.join(
                    netuid: netuid, hotkey: hotkey, coldkey: hotkey, stake: 1_000_000_000 * UInt64(v + 1),
                    validatorPermit: true)
            }
            for (i, hotkey) in minerKeys.enumerated() {
                try chain.join(netuid: netuid, hotkey: hotkey, coldkey: hotkey)
                try chain.serve(netuid: netuid, hotkey: hotkey, endpoint: SimulatedMiners.endpoint(i))
            }
        } catch {
            throw PluginError(definition.name, "the simulated chain refused its setup: \(error.message)")
        }
        let strategyOf = Dictionary(uniqueKeysWithValues: zip(minerKeys, strategies))
        // One source per validator: a stale miner replays the task that validator sent before.
        let sources = validatorKeys.map { _ in SimulatedMiners(plugin: plugin, strategies: strategyOf) }
        // One step per validator for the whole run: it keeps its commitments until it reveals them.
        let steps = validatorKeys.map { ValidatorStep(hotkey: $0, secret: .derived("sim/\($0)")) }
        let blocks = UInt64(config.tempo) * UInt64(epochs)
        for _ in 1...max(blocks, 1) {
            let block: UInt64
            do {
                block = try chain.produceBlock().number
            } catch {
                throw PluginError(definition.name, error.message)
            }
            let metagraph = try! chain.metagraph(netuid: netuid)
            for (v, step) in steps.enumerated() where await step.nextWork(metagraph) <= block {
                do {
                    _ = try await step.act(
                        netuid: netuid, plugin: plugin, chain: chain, miners: sources[v], metagraph: metagraph)
                } catch let error as PluginError {
                    throw error
                } catch {
                    throw PluginError(definition.name, "block \(block): \(error)")
                }
            }
        }
        let lines = miners.keys.sorted().map { strategy in
            let keys = minerKeys.filter { strategyOf[$0] == strategy }
            return Result.Line(
                strategy: strategy, miners: keys.count, earned: keys.map { chain.balance(of: $0) }.reduce(0, +))
        }
        return Result(
            blocks: blocks, lines: lines, validatorsEarned: validatorKeys.map { chain.balance(of: $0) }.reduce(0, +))
    }
}
