public import LuaSandbox

/// What one miner did in a validator's round, as `score` sees it under contract 2: who it is
/// (uid, hotkey), how its answer fared (status and reason), how long it took and how big it
/// was, and the answer itself when it passed `validate`.
public struct MinerResponse: Sendable, Hashable {
    public var uid: Int
    public var hotkey: String
    /// `ok` (answered, `validate` accepted), `invalid` (answered, rejected), or why there is
    /// no answer: `timeout`, `refused`, `unreachable`, `unreadable`, `silent`, …
    public var status: String
    /// Why, in words, when the status is not `ok`.
    public var reason: String?
    /// Seconds from the request to the answer, when it came.
    public var latency: Double?
    /// Bytes of the answer, when it came.
    public var bytes: Int?
    /// The answer, when `validate` accepted it.
    public var answer: LuaValue?

    public init(
        uid: Int, hotkey: String, status: String, reason: String? = nil, latency: Double? = nil, bytes: Int? = nil,
        answer: LuaValue? = nil
    ) {
        self.uid = uid
        self.hotkey = hotkey
        self.status = status
        self.reason = reason
        self.latency = latency
        self.bytes = bytes
        self.answer = answer
    }

    /// The table a contract-2 plugin receives.
    var luaValue: LuaValue {
        var table: [String: LuaValue] = [
            "uid": .integer(Int64(uid)), "hotkey": .string(hotkey), "status": .string(status),
        ]
        if let reason { table["reason"] = .string(reason) }
        if let latency { table["latency"] = .number(latency) }
        if let bytes { table["bytes"] = .integer(Int64(bytes)) }
        if let answer, answer != .null { table["answer"] = answer }
        return .map(table)
    }
}
