public import LuaSandbox

/// What a validator sends in a round: one task for every miner, or one per miner (`task`
/// returned `per_miner(tasks)`, keyed by hotkey; contract 2).
public enum RoundTask: Sendable, Hashable {
    case shared(LuaValue)
    case perMiner([String: LuaValue])

    /// The task `hotkey` gets, or nil when it gets none this round.
    public func task(for hotkey: String) -> LuaValue? {
        switch self {
        case .shared(let task): task
        case .perMiner(let tasks): tasks[hotkey]
        }
    }

    /// What `score` and `challenge` receive as `task`: the shared task, or the table of
    /// tasks by hotkey.
    public var value: LuaValue {
        switch self {
        case .shared(let task): task
        case .perMiner(let tasks): .map(tasks)
        }
    }
}

/// Who the reference `miner` answers as, and for whom: its `ctx`.
public struct MinerContext: Sendable, Hashable {
    public var netuid: Int
    /// The miner's own hotkey: its part of the store is its own.
    public var hotkey: String
    /// The validator asking.
    public var validator: String

    public init(netuid: Int, hotkey: String, validator: String) {
        self.netuid = netuid
        self.hotkey = hotkey
        self.validator = validator
    }

    var luaValue: LuaValue {
        ["netuid": .integer(Int64(netuid)), "hotkey": .string(hotkey), "validator": .string(validator)]
    }
}
