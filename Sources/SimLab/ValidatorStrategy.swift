/// How a simulated validator sets weights (`--validators honest:4,copier:1`).
public enum ValidatorStrategy: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// The plugin's weights from its own rounds.
    case honest
    /// The previous epoch's consensus as its weights: the weight-copying attack.
    case copier
    /// Its first weights, sent again and again: it stopped updating.
    case stale
    /// Seeded random weights.
    case lazy
    /// All its weight on one miner: the UID given (`colluder@7`), else the first miner with
    /// a dishonest strategy (the last miner when every one is honest).
    case colluder(uid: Int?)

    public static let all: [ValidatorStrategy] = [.honest, .copier, .stale, .lazy, .colluder(uid: nil)]

    public var description: String {
        switch self {
        case .honest: "honest"
        case .copier: "copier"
        case .stale: "stale"
        case .lazy: "lazy"
        case .colluder(let uid): uid.map { "colluder@\($0)" } ?? "colluder"
        }
    }

    public init(parsing text: String) throws(LabError) {
        switch text {
        case "honest": self = .honest
        case "copier": self = .copier
        case "stale": self = .stale
        case "lazy": self = .lazy
        case "colluder": self = .colluder(uid: nil)
        default:
            if text.hasPrefix("colluder@"), let uid = Int(text.dropFirst("colluder@".count)), uid >= 0 {
                self = .colluder(uid: uid)
                return
            }
            throw LabError(
                "'\(text)' is not a validator strategy; use honest, copier, stale, lazy, colluder or colluder@UID")
        }
    }

    public static func < (a: ValidatorStrategy, b: ValidatorStrategy) -> Bool {
        func order(_ s: ValidatorStrategy) -> (Int, Int) {
            switch s {
            case .honest: (0, 0)
            case .copier: (1, 0)
            case .stale: (2, 0)
            case .lazy: (3, 0)
            case .colluder(let uid): (4, uid ?? -1)
            }
        }
        return order(a) < order(b)
    }
}

/// A lab setting that cannot be used; the message says what to write instead.
public struct LabError: Error, Sendable, Hashable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
