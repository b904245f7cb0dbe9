/// What a subnet's plugin cost its host from one epoch to the next: the hooks it ran (the
/// rounds whose weights the epoch paid, its `on_epoch`, reloads' `on_load`) and the miners'
/// answers its validators received. Kept per epoch for `synod status`, `explain`, `export`
/// and the dashboard.
public struct CostRecord: Sendable, Hashable, Codable {
    public var netuid: Int
    /// The epoch that closed the window.
    public var block: UInt64
    /// Per hook (`task`, `score`, `reward`, `validate`, `challenge`, `on_epoch`, …).
    public var hooks: [String: HookCost]
    public var answers: AnswerCost
    /// The watts per busy core the host was told (`--watts-per-core`) when it kept this.
    public var wattsPerCore: Double

    public init(netuid: Int, block: UInt64, hooks: [String: HookCost], answers: AnswerCost, wattsPerCore: Double) {
        self.netuid = netuid
        self.block = block
        self.hooks = hooks
        self.answers = answers
        self.wattsPerCore = wattsPerCore
    }

    /// Thread CPU seconds of every hook call.
    public var cpuSeconds: Double { hooks.values.reduce(0) { $0 + $1.cpuSeconds } }
    /// Lua instructions of every hook call.
    public var instructions: UInt64 { hooks.values.reduce(0) { $0 &+ $1.instructions } }
    /// The energy estimate: CPU seconds × watts per core.
    public var joules: Double { cpuSeconds * wattsPerCore }
}

/// The sum of a hook's calls.
public struct HookCost: Sendable, Hashable, Codable {
    public var calls: Int
    /// CPU time of the Lua thread while the calls ran (`CLOCK_THREAD_CPUTIME_ID`).
    public var cpuSeconds: Double
    /// Lua VM instructions (and pattern-matching steps, and host work charged as such).
    public var instructions: UInt64
    /// The most memory the sandbox held during any one of the calls, in bytes.
    public var peakMemoryBytes: Int

    public init(calls: Int = 0, cpuSeconds: Double = 0, instructions: UInt64 = 0, peakMemoryBytes: Int = 0) {
        self.calls = calls
        self.cpuSeconds = cpuSeconds
        self.instructions = instructions
        self.peakMemoryBytes = peakMemoryBytes
    }

    public mutating func add(_ other: HookCost) {
        calls += other.calls
        cpuSeconds += other.cpuSeconds
        instructions &+= other.instructions
        peakMemoryBytes = max(peakMemoryBytes, other.peakMemoryBytes)
    }
}

/// The sum of the miners' answers a subnet's validators asked for.
public struct AnswerCost: Sendable, Hashable, Codable {
    /// Answers received (valid or not).
    public var answered: Int
    /// Miners asked that sent nothing (refused, timed out, unreachable).
    public var missing: Int
    /// Answers that came over the wire, timed and weighed (`synod sim`'s in-memory miners'
    /// answers are not).
    public var timed: Int
    /// Sum of the timed answers' latencies, in seconds.
    public var latencySeconds: Double
    public var maxLatencySeconds: Double
    /// Sum of the timed answers' body sizes.
    public var bytes: Int

    public init(
        answered: Int = 0, missing: Int = 0, timed: Int = 0, latencySeconds: Double = 0, maxLatencySeconds: Double = 0,
        bytes: Int = 0
    ) {
        self.answered = answered
        self.missing = missing
        self.timed = timed
        self.latencySeconds = latencySeconds
        self.maxLatencySeconds = maxLatencySeconds
        self.bytes = bytes
    }

    public mutating func add(_ other: AnswerCost) {
        answered += other.answered
        missing += other.missing
        timed += other.timed
        latencySeconds += other.latencySeconds
        maxLatencySeconds = max(maxLatencySeconds, other.maxLatencySeconds)
        bytes += other.bytes
    }

    /// Mean latency of a timed answer, or nil with none.
    public var meanLatencySeconds: Double? { timed > 0 ? latencySeconds / Double(timed) : nil }
    /// Mean body size of a timed answer, or nil with none.
    public var meanBytes: Double? { timed > 0 ? Double(bytes) / Double(timed) : nil }
}
