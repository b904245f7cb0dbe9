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
    /// The task this miner was sent, when tasks are per miner.
    public var task: LuaValue?
    /// The follow-up challenges it was sent after its answer, in order.
    public var challenges: [Challenge] = []

    /// One follow-up request (`challenge`) and what came of it.
    public struct Challenge: Sendable, Hashable {
        public var request: LuaValue
        /// `ok` when it answered, else why not (`timeout`, `refused`, …).
        public var status: String
        public var reason: String?
        public var latency: Double?
        /// The answer as sent (not put through `validate`: `score` checks it).
        public var answer: LuaValue?

        public init(
            request: LuaValue, status: String, reason: String? = nil, latency: Double? = nil, answer: LuaValue? = nil
        ) {
            self.request = request
            self.status = status
            self.reason = reason
            self.latency = latency
            self.answer = answer
        }

        var luaValue: LuaValue {
            var table: [String: LuaValue] = ["request": request, "status": .string(status)]
            if let reason { table["reason"] = .string(reason) }
            if let latency { table["latency"] = .number(latency) }
            if let answer, answer != .null { table["answer"] = answer }
            return .map(table)
        }
    }

    public init(
        uid: Int, hotkey: String, status: String, reason: String? = nil, latency: Double? = nil, bytes: Int? = nil,
        answer: LuaValue? = nil, task: LuaValue? = nil
    ) {
        self.task = task
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
        if let task { table["task"] = task }
        table["challenges"] = .array(challenges.map(\.luaValue))
        return .map(table)
    }
}
