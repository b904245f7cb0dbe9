import Consensus
public import Ledger
public import LuaSandbox

/// The plugin-facing names and units of a subnet's hyperparameters, and their conversion
/// to the ledger's (the chain's) units.
///
/// Ratios are written as proportions from 0 to 1 (`kappa = 0.5`) and stored as the chain
/// stores them: u16 (`floor(x · 65535)`) or millionths (`bonds_moving_average`,
/// `owner_cut`). Counts and block spans are whole numbers; `yuma3` and `liquid_alpha` are
/// booleans. Conversions floor with a tolerance of one millionth of a unit, so binary
/// fractions land where their decimal spelling does (0.975 → 975000, not 974999).
public enum Hyperparameters {
    /// Every name a plugin may use, with what it expects.
    public static let known: [(name: String, expects: String)] = [
        ("kappa", "a proportion from 0 to 1"),
        ("bonds_moving_average", "a proportion from 0 to 1"),
        ("bonds_penalty", "a proportion from 0 to 1"),
        ("yuma3", "true or false"),
        ("liquid_alpha", "true or false"),
        ("alpha_low", "a proportion from 0 to 1"),
        ("alpha_high", "a proportion from 0 to 1"),
        ("alpha_sigmoid_steepness", "a whole number from -32768 to 32767"),
        ("max_allowed_validators", "a whole number from 0 to 65536"),
        ("max_allowed_uids", "a whole number from 1 to 65536"),
        ("immunity_period", "a whole number of blocks"),
        ("min_non_immune_uids", "a whole number"),
        ("min_allowed_weights", "a whole number"),
        ("weights_rate_limit", "a whole number of blocks"),
        ("activity_cutoff", "a whole number of blocks"),
        ("owner_cut", "a proportion from 0 to 1"),
        ("weights_version", "a whole number from 0 to 2^63 - 1"),
        ("commit_reveal_weights_enabled", "true or false"),
        ("commit_reveal_period", "a whole number of epochs from 1 to 100"),
    ]

    /// Applies a plugin's `hyperparameters` table to `config`. Throws a sentence naming the
    /// first key that is unknown or out of range.
    public static func apply(_ table: LuaValue, to config: inout SubnetConfig) throws(HyperparameterError) {
        let entries: [String: LuaValue]
        switch table {
        case .null: return
        case .map(let map): entries = map
        case .array(let items) where items.isEmpty: return
        default: throw HyperparameterError("hyperparameters must be a table of name = value (got \(table.typeName))")
        }
        let names = Set(known.map(\.name))
        for key in entries.keys.sorted() {
            guard names.contains(key) else {
                throw HyperparameterError(
                    "hyperparameters.\(key) is not a hyperparameter; known: \(known.map(\.name).joined(separator: ", "))"
                )
            }
        }
        var p = config.parameters
        for key in entries.keys.sorted() {
            let value = entries[key]!
            let expects = known.first { $0.name == key }!.expects
            func fail() -> HyperparameterError {
                HyperparameterError("hyperparameters.\(key) must be \(expects) (got \(describe(value)))")
            }
            func proportion(scale: Double) throws(HyperparameterError) -> Int64 {
                guard let x = value.doubleValue, x >= 0, x <= 1 else { throw fail() }
                return Int64((x * scale + 1e-6).rounded(.down))
            }
            func whole(_ range: ClosedRange<Int64>) throws(HyperparameterError) -> Int64 {
                guard let x = value.doubleValue, x.rounded() == x, let i = Int64(exactly: x), range.contains(i) else {
                    throw fail()
                }
                return i
            }
            func flag() throws(HyperparameterError) -> Bool {
                guard case .boolean(let b) = value else { throw fail() }
                return b
            }
            switch key {
            case "kappa": p.kappa = UInt16(try proportion(scale: 65535))
            case "bonds_moving_average": p.bondsMovingAverage = UInt64(try proportion(scale: 1_000_000))
            case "bonds_penalty": p.bondsPenalty = UInt16(try proportion(scale: 65535))
            case "yuma3": p.yuma3 = try flag()
            case "liquid_alpha": p.liquidAlpha = try flag()
            case "alpha_low": p.alphaLow = UInt16(try proportion(scale: 65535))
            case "alpha_high": p.alphaHigh = UInt16(try proportion(scale: 65535))
            case "alpha_sigmoid_steepness": p.alphaSigmoidSteepness = Int16(try whole(-32768...32767))
            case "max_allowed_validators": p.maxAllowedValidators = Int(try whole(0...65536))
            case "activity_cutoff": p.activityCutoff = UInt64(try whole(0...Int64(UInt32.max)))
            case "max_allowed_uids": config.maxAllowedUIDs = Int(try whole(1...65536))
            case "immunity_period": config.immunityPeriod = Int(try whole(0...Int64(UInt32.max)))
            case "min_non_immune_uids": config.minNonImmuneUIDs = Int(try whole(0...65536))
            case "min_allowed_weights": config.minAllowedWeights = Int(try whole(0...65536))
            case "weights_rate_limit": config.weightsRateLimit = Int(try whole(0...Int64(UInt32.max)))
            case "owner_cut": config.ownerCutPerMillion = Int(try proportion(scale: 1_000_000))
            case "weights_version": config.weightsVersion = UInt64(try whole(0...Int64.max))
            case "commit_reveal_weights_enabled": config.commitReveal = try flag()
            case "commit_reveal_period": config.commitRevealPeriod = Int(try whole(1...100))
            default: break
            }
        }
        if p.alphaLow > p.alphaHigh {
            throw HyperparameterError("hyperparameters.alpha_low must not be above alpha_high")
        }
        config.parameters = p
    }

    /// Every hyperparameter of `config` under the name a plugin writes, in the chain's units
    /// (u16 for most proportions, millionths for `bonds_moving_average` and `owner_cut`), in
    /// the order of ``known``: what `synod check` prints.
    public static func chainValues(of config: SubnetConfig) -> [(name: String, value: LuaValue)] {
        let p = config.parameters
        return known.map { entry in
            let value: LuaValue =
                switch entry.name {
                case "kappa": .integer(Int64(p.kappa))
                case "bonds_moving_average": .integer(Int64(p.bondsMovingAverage))
                case "bonds_penalty": .integer(Int64(p.bondsPenalty))
                case "yuma3": .boolean(p.yuma3)
                case "liquid_alpha": .boolean(p.liquidAlpha)
                case "alpha_low": .integer(Int64(p.alphaLow))
                case "alpha_high": .integer(Int64(p.alphaHigh))
                case "alpha_sigmoid_steepness": .integer(Int64(p.alphaSigmoidSteepness))
                case "max_allowed_validators": .integer(Int64(p.maxAllowedValidators))
                case "activity_cutoff": .integer(Int64(p.activityCutoff))
                case "max_allowed_uids": .integer(Int64(config.maxAllowedUIDs))
                case "immunity_period": .integer(Int64(config.immunityPeriod))
                case "min_non_immune_uids": .integer(Int64(config.minNonImmuneUIDs))
                case "min_allowed_weights": .integer(Int64(config.minAllowedWeights))
                case "weights_rate_limit": .integer(Int64(config.weightsRateLimit))
                case "owner_cut": .integer(Int64(config.ownerCutPerMillion))
                case "weights_version": .integer(Int64(clamping: config.weightsVersion))
                case "commit_reveal_weights_enabled": .boolean(config.commitReveal)
                case "commit_reveal_period": .integer(Int64(config.commitRevealPeriod))
                default: .null
                }
            return (entry.name, value)
        }
    }

    static func describe(_ value: LuaValue) -> String {
        switch value {
        case .string(let s): return "\"\(s)\""
        case .integer(let i): return "\(i)"
        case .number(let d): return "\(d)"
        case .boolean(let b): return "\(b)"
        default: return "a \(value.typeName)"
        }
    }
}

/// A hyperparameter a plugin declared cannot be used; the message names it.
public struct HyperparameterError: Error, Sendable, Hashable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
