/// How a simulated miner answers (``SimulatedMiners``): `synod sim`'s miners and the
/// self-check's.
public enum MinerStrategy: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// The plugin's reference `miner`, as itself.
    case honest
    /// The reference answer with every number perturbed by a seeded relative noise of up to
    /// `level` (0.1: ±10%): a miner of lower quality.
    case noisy(level: Double)
    /// The reference miner on the previous request it got: a lazy miner replaying work.
    case stale
    /// Another miner's latest answer, replayed without doing any work.
    case copycat
    /// The reference miner on a seeded fraction `fraction` of its requests; silent otherwise.
    case lazy(fraction: Double)
    /// Answers after the timeout: the validator sees a timeout.
    case slow
    /// A string that is not an answer (put through `validate`).
    case garbage
    /// Never answers.
    case offline
    /// One of the plugin's own `adversaries`, by name.
    case adversary(String)

    /// The built-in strategies, by name, with their default parameter.
    public static let builtIn: [MinerStrategy] = [
        .honest, .noisy(level: 0.1), .stale, .copycat, .lazy(fraction: 0.5), .slow, .garbage, .offline,
    ]

    /// Its name as `--miners` writes it: `honest`, `noisy@0.1`, `lazy@0.5`, `my-attack`.
    public var description: String {
        switch self {
        case .honest: "honest"
        case .noisy(let level): "noisy@\(Self.number(level))"
        case .stale: "stale"
        case .copycat: "copycat"
        case .lazy(let fraction): "lazy@\(Self.number(fraction))"
        case .slow: "slow"
        case .garbage: "garbage"
        case .offline: "offline"
        case .adversary(let name): name
        }
    }

    /// Whether it tries to earn without doing the work: every strategy but `honest` and
    /// `noisy` (which does the work, less well).
    public var isDishonest: Bool {
        switch self {
        case .honest, .noisy: false
        default: true
        }
    }

    /// Reads a strategy as `--miners` writes it (`noisy@0.2`; `silent` is `offline`); a
    /// name that is not built in is one of the plugin's adversaries.
    public init(parsing text: String) throws(StrategyError) {
        let parts = text.split(separator: "@", maxSplits: 1).map(String.init)
        let name = parts.first ?? ""
        func parameter(_ fallback: Double) throws(StrategyError) -> Double {
            guard parts.count == 2 else { return fallback }
            guard let value = Double(parts[1]), value.isFinite, value >= 0, value <= 1 else {
                throw StrategyError("'\(text)': the level after '@' must be a number from 0 to 1")
            }
            return value
        }
        switch name {
        case "honest": self = .honest
        case "noisy": self = .noisy(level: try parameter(0.1))
        case "stale": self = .stale
        case "copycat": self = .copycat
        case "lazy": self = .lazy(fraction: try parameter(0.5))
        case "slow": self = .slow
        case "garbage": self = .garbage
        case "offline", "silent": self = .offline
        default:
            guard parts.count == 1, !name.isEmpty,
                name.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_" || $0 == "-") })
            else {
                throw StrategyError(
                    "'\(text)' is not a miner strategy; built in: "
                        + Self.builtIn.map(\.description).joined(separator: ", ")
                        + ", or the name of one of the plugin's adversaries")
            }
            self = .adversary(name)
        }
        if case .adversary = self { return }
        if parts.count == 2, !["noisy", "lazy"].contains(name) {
            throw StrategyError("'\(text)': only noisy and lazy take a parameter after '@'")
        }
    }

    /// The strategy's name without its parameter.
    public var kind: String { String(description.split(separator: "@").first ?? "") }

    public static func < (a: MinerStrategy, b: MinerStrategy) -> Bool {
        func order(_ s: MinerStrategy) -> (Int, Double, String) {
            let index = builtIn.firstIndex { $0.kind == s.kind } ?? builtIn.count
            switch s {
            case .noisy(let level): return (index, level, "")
            case .lazy(let fraction): return (index, -fraction, "")
            case .adversary(let name): return (index, 0, name)
            default: return (index, 0, "")
            }
        }
        return order(a) < order(b)
    }

    static func number(_ x: Double) -> String {
        x == x.rounded() ? String(Int(x)) : String(x)
    }
}

/// A strategy that cannot be read; the message says what to write instead.
public struct StrategyError: Error, Sendable, Hashable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
