public import Foundation
public import HostReports

/// What `synod sim` found, per consensus variant: per miner strategy and validator strategy
/// what they earned, how unequal miners' earnings are, whether quality pays, and whether
/// honest work wins. Encodes to the documented JSON (`--json`), stable across runs with the
/// same seed.
public struct SimulationReport: Sendable, Hashable, Codable {
    public var plugin: String
    public var version: String
    public var seed: UInt64
    public var epochs: Int
    public var tempo: Int
    public var blocks: UInt64
    /// Each variant compared, in the order asked.
    public var variants: [Variant]
    /// Whether honest work wins under every variant.
    public var honestWins: Bool

    /// The first variant's miner table.
    public var strategies: [StrategyLine] { variants.first?.strategies ?? [] }
    /// The first variant's validator table.
    public var validators: [ValidatorLine] { variants.first?.validators ?? [] }

    /// One miner strategy's earnings.
    public struct StrategyLine: Sendable, Hashable, Codable {
        public var strategy: String
        public var miners: Int
        /// Rao earned by all its miners over the run.
        public var earned: UInt64
        /// Its part of everything miners and validators earned.
        public var share: Double
        public var perMiner: Double
        public var dishonest: Bool
    }

    /// One validator strategy's dividends.
    public struct ValidatorLine: Sendable, Hashable, Codable {
        public var strategy: String
        public var validators: Int
        /// Rao staked by all of them.
        public var stake: UInt64
        public var dividends: UInt64
        /// Rao of dividends per TAO (10⁹ rao) staked.
        public var perStake: Double
    }

    /// Per-miner earnings at each noise level (honest is 0).
    public struct Level: Sendable, Hashable, Codable {
        public var level: Double
        public var perMiner: Double
    }

    /// Cumulative earnings per strategy after one epoch.
    public struct EpochPoint: Sendable, Hashable, Codable {
        public var epoch: Int
        public var block: UInt64
        /// Rao by miner strategy (and `validators:<strategy>`), since the start.
        public var earned: [String: UInt64]
    }

    /// One UID in one epoch (the CSV's rows).
    public struct UIDRow: Sendable, Hashable, Codable {
        public var epoch: Int
        public var block: UInt64
        public var uid: Int
        public var hotkey: String
        public var role: String
        public var strategy: String
        public var stake: UInt64
        public var incentive: Double
        public var dividends: Double
        public var emission: UInt64
        public var consensus: Double
        public var validatorTrust: Double
    }

    public struct Variant: Sendable, Hashable, Codable {
        public var name: String
        public var yuma3: Bool
        public var liquidAlpha: Bool
        public var strategies: [StrategyLine]
        public var validators: [ValidatorLine]
        /// Share of miner UIDs that earned nothing over the run.
        public var zeroShare: Double
        /// Gini coefficient of miners' earnings (0 equal … 1 one takes all).
        public var gini: Double
        /// Per-miner earnings by noise level, least noisy first; nil with fewer than two levels.
        public var levels: [Level]?
        /// Whether a less noisy miner earns at least as much as a noisier one.
        public var monotone: Bool?
        /// Whether honest miners strictly out-earn every dishonest strategy per miner, and
        /// honest validators out-earn copiers per unit of stake (when both run).
        public var honestWins: Bool
        /// What beat honest, in words, when it did not win.
        public var beatenBy: [String]
        public var series: [EpochPoint]
        /// Validator rounds run, and miner responses their `score` saw.
        public var rounds: Int = 0
        public var responsesScored: Int = 0
        /// Per epoch and UID: written by `--csv`, not part of the JSON.
        public var rows: [UIDRow] = []
        /// Seconds spent making blocks that settled epochs (Yuma and settlement): measured,
        /// so not part of the JSON.
        public var consensusSeconds: Double = 0
        /// What the plugin cost: every hook call of the run's validators and miners, and
        /// every answer. Measured, so not part of the JSON (which is the same for the same seed).
        public var cost: CostSummary?

        enum CodingKeys: String, CodingKey {
            case name, yuma3
            case liquidAlpha = "liquid_alpha"
            case strategies, validators
            case zeroShare = "zero_share"
            case gini,
                levels, monotone
            case honestWins = "honest_wins"
            case beatenBy = "beaten_by"
            case series
        }
    }

    enum CodingKeys: String, CodingKey {
        case plugin, version, seed, epochs, tempo, blocks, variants
        case honestWins = "honest_wins"
        case strategies,
            validators
    }

    public init(
        plugin: String, version: String, seed: UInt64, epochs: Int, tempo: Int, blocks: UInt64, variants: [Variant]
    ) {
        self.plugin = plugin
        self.version = version
        self.seed = seed
        self.epochs = epochs
        self.tempo = tempo
        self.blocks = blocks
        self.variants = variants
        honestWins = variants.allSatisfy(\.honestWins)
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        plugin = try c.decode(String.self, forKey: .plugin)
        version = try c.decode(String.self, forKey: .version)
        seed = try c.decode(UInt64.self, forKey: .seed)
        epochs = try c.decode(Int.self, forKey: .epochs)
        tempo = try c.decode(Int.self, forKey: .tempo)
        blocks = try c.decode(UInt64.self, forKey: .blocks)
        variants = try c.decode([Variant].self, forKey: .variants)
        honestWins = try c.decode(Bool.self, forKey: .honestWins)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(plugin, forKey: .plugin)
        try c.encode(version, forKey: .version)
        try c.encode(seed, forKey: .seed)
        try c.encode(epochs, forKey: .epochs)
        try c.encode(tempo, forKey: .tempo)
        try c.encode(blocks, forKey: .blocks)
        try c.encode(variants, forKey: .variants)
        try c.encode(honestWins, forKey: .honestWins)
        try c.encode(strategies, forKey: .strategies)
        try c.encode(validators, forKey: .validators)
    }

    /// The report as JSON: sorted keys, snake_case, the same bytes for the same run.
    public func json() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        encoder.keyEncodingStrategy = .convertToSnakeCase
        return try encoder.encode(self)
    }
}

extension SimulationReport.Variant {
    /// Judges a variant from its tables: whether honest wins, and what beat it.
    static func judge(strategies: [SimulationReport.StrategyLine], validators: [SimulationReport.ValidatorLine])
        -> (wins: Bool, beatenBy: [String])
    {
        var beaten: [String] = []
        if let honest = strategies.first(where: { $0.strategy == "honest" }) {
            for line in strategies where line.dishonest && line.miners > 0 && line.perMiner >= honest.perMiner {
                beaten.append(
                    "\(line.strategy) miners earn \(Int(line.perMiner)) rao each, honest ones \(Int(honest.perMiner))")
            }
        } else {
            beaten.append("no honest miners to compare with")
        }
        if let honest = validators.first(where: { $0.strategy == "honest" }),
            let copier = validators.first(where: { $0.strategy == "copier" }), copier.perStake >= honest.perStake
        {
            beaten.append(
                "copier validators earn \(Int(copier.perStake)) rao per TAO staked, honest ones \(Int(honest.perStake))"
            )
        }
        return (beaten.isEmpty, beaten)
    }

    /// The Gini coefficient of `values` (0 when they are all equal or all 0).
    static func gini(_ values: [UInt64]) -> Double {
        let sorted = values.map(Double.init).sorted()
        let total = sorted.reduce(0, +)
        guard sorted.count > 1, total > 0 else { return 0 }
        let n = Double(sorted.count)
        let weighted = sorted.enumerated().reduce(0.0) { $0 + Double($1.offset + 1) * $1.element }
        return (2 * weighted) / (n * total) - (n + 1) / n
    }
}
