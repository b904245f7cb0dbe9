import Consensus
import Ledger
import LuaSandbox

/// Runs a subnet plugin against simulated miners for a number of epochs, in memory and
/// with real Yuma, to see whether honest miners come out ahead: what `synod sim` prints.
///
/// Every `weights_rate_limit` blocks each validator builds a task, collects every miner's
/// answer according to its strategy, puts it through `validate`, `score` and `reward`, and
/// sets weights (max-upscaled to u16 as the chain stores them). Every tempo an epoch runs
/// on the subnet's hyperparameters; earnings are summed per strategy.
public struct Simulation: Sendable {
    /// How a simulated miner answers.
    public enum Strategy: String, Sendable, CaseIterable, Comparable {
        /// The plugin's reference `miner` on the current task.
        case honest
        /// The reference miner on the previous block's task: a lazy miner replaying work.
        case stale
        /// A string that is not an answer (put through `validate`).
        case garbage
        /// No answer.
        case silent

        public static func < (a: Strategy, b: Strategy) -> Bool {
            allCases.firstIndex(of: a)! < allCases.firstIndex(of: b)!
        }
    }

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
    public func run(_ plugin: SubnetPlugin) throws(PluginError) -> Result {
        let definition = plugin.definition
        guard definition.hooks["miner"] != nil else {
            throw PluginError(definition.name, "a simulation needs the plugin's reference 'miner' hook")
        }
        let config = definition.config
        let strategies = miners.keys.sorted().flatMap { Array(repeating: $0, count: miners[$0]!) }
        let n = validators + strategies.count
        let minerUIDs = Array(validators..<n)
        let tempo = UInt64(config.tempo)
        let interval = UInt64(max(config.weightsRateLimit, 1))
        let ownerCut = UInt64((UInt128(emissionPerEpoch) * UInt128(config.ownerCutPerMillion)) / 1_000_000)

        var input = EpochInput(
            currentBlock: 0, emission: emissionPerEpoch - ownerCut,
            stake: (0..<n).map { $0 < validators ? 1_000_000_000 * UInt64($0 + 1) : 0 },
            weights: Array(repeating: [], count: n),
            validatorPermit: (0..<n).map { $0 < validators }, lastUpdate: Array(repeating: 0, count: n),
            blockAtRegistration: Array(repeating: 0, count: n), lastTempoBlock: 0, parameters: config.parameters)
        var earned = [UInt64](repeating: 0, count: n)
        let blocks = tempo * UInt64(epochs)
        var previousTask: [Int: LuaValue] = [:]
        for block in 1...max(blocks, 1) {
            if (block - 1) % interval == 0 {
                for v in 0..<validators {
                    let context = HookContext(netuid: 0, block: block, validator: "validator-\(v)")
                    let task = try plugin.task(context)
                    var responses: [LuaValue?] = []
                    for strategy in strategies {
                        responses.append(try answer(strategy, task: task, previous: previousTask[v], plugin: plugin))
                    }
                    previousTask[v] = task
                    let scores = try plugin.score(task: task, responses: responses, context: context)
                    let weights = try plugin.reward(scores: scores, context: context)
                    // Already at the stored scale (largest 65535), as the ledger would keep them.
                    guard let values = Validator.u16Weights(weights) else { continue }
                    input.weights[v] = zip(minerUIDs, values).map { SparseEntry(uid: $0, value: $1) }
                    input.lastUpdate[v] = block
                }
            }
            if block % tempo == 0 {
                input.currentBlock = block
                let output: EpochOutput
                do {
                    output = try Yuma.epoch(input)
                } catch {
                    throw PluginError(definition.name, "the epoch at block \(block) failed: \(error.message)")
                }
                for uid in 0..<n { earned[uid] += output.serverEmission[uid] + output.validatorEmission[uid] }
                input.bonds = output.bonds
                input.validatorPermit = output.validatorPermit
                input.lastTempoBlock = block
            }
        }
        let lines = miners.keys.sorted().map { strategy in
            let uids = minerUIDs.filter { strategies[$0 - validators] == strategy }
            return Result.Line(strategy: strategy, miners: uids.count, earned: uids.map { earned[$0] }.reduce(0, +))
        }
        return Result(blocks: blocks, lines: lines, validatorsEarned: earned[0..<validators].reduce(0, +))
    }

    private func answer(_ strategy: Strategy, task: LuaValue, previous: LuaValue?, plugin: SubnetPlugin)
        throws(PluginError) -> LuaValue?
    {
        let response: LuaValue?
        switch strategy {
        case .honest: response = try plugin.answer(task)
        case .stale: response = try previous.flatMap { (p: LuaValue) throws(PluginError) in try plugin.answer(p) }
        case .garbage: response = "not an answer"
        case .silent: response = nil
        }
        guard let response else { return nil }
        return try plugin.validate(response) ? response : nil
    }
}
