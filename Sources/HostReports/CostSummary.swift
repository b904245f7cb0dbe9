import Foundation
public import Ledger

/// What a subnet's plugin cost over some epochs, as the reports show it: totals, the mean
/// per epoch and per answer, and each hook.
public struct CostSummary: Sendable, Hashable, Codable {
    /// Epochs with a cost record (the host keeps one per epoch it ran).
    public var epochs: Int
    public var cpuSeconds: Double
    /// The part of ``cpuSeconds`` spent making answers: the reference miners and adversaries
    /// the host runs itself (hooks `miner` and `adversary`); the rest is the validators'
    /// (tasks, validation, scoring, rewards, the plugin's epoch and load hooks).
    public var answeringCpuSeconds: Double
    public var validatingCpuSeconds: Double
    /// `cpuSeconds / epochs`.
    public var cpuSecondsPerEpoch: Double?
    /// Lua instructions, as the sandbox's budget counts them: VM instructions in steps of
    /// 1,024 (a call shorter than that counts none) plus host work charged as instructions.
    public var instructions: UInt64
    /// CPU seconds × the watts per core the host was told.
    public var joules: Double
    public var joulesPerEpoch: Double?
    /// Per hook, by name.
    public var hooks: [Hook]
    public var answers: Answers

    public struct Hook: Sendable, Hashable, Codable {
        public var hook: String
        public var calls: Int
        public var cpuSeconds: Double
        /// Mean CPU seconds of one call.
        public var cpuSecondsPerCall: Double
        public var instructions: UInt64
        /// The most memory the sandbox held during one call.
        public var peakMemoryBytes: Int
    }

    public struct Answers: Sendable, Hashable, Codable {
        /// Answers received (valid or not).
        public var answered: Int
        /// Miners asked that sent nothing.
        public var missing: Int
        public var meanLatencySeconds: Double?
        public var maxLatencySeconds: Double
        public var bytes: Int
        public var meanBytes: Double?
        /// Validator-side CPU seconds per answer received: what checking and scoring one
        /// answer costs the host.
        public var validatingCpuSecondsPerAnswer: Double?
        /// Miner-side CPU seconds per answer, when the host runs the miners (`synod up`'s
        /// reference miners, `synod sim`): what making one answer costs.
        public var answeringCpuSecondsPerAnswer: Double?
        /// Every CPU second's energy per answer received.
        public var joulesPerAnswer: Double?
    }

    /// Hooks that make answers rather than check them.
    static let answering: Set<String> = ["miner", "adversary"]

    /// The sum of `records`.
    public init(_ records: [CostRecord]) {
        var hooks: [String: HookCost] = [:]
        var answers = AnswerCost()
        var joules = 0.0
        for record in records {
            for (name, cost) in record.hooks { hooks[name, default: HookCost()].add(cost) }
            answers.add(record.answers)
            joules += record.joules
        }
        epochs = records.count
        cpuSeconds = hooks.values.reduce(0) { $0 + $1.cpuSeconds }
        instructions = hooks.values.reduce(0) { $0 &+ $1.instructions }
        self.joules = joules
        answeringCpuSeconds = hooks.filter { Self.answering.contains($0.key) }.values.reduce(0) { $0 + $1.cpuSeconds }
        validatingCpuSeconds = cpuSeconds - answeringCpuSeconds
        cpuSecondsPerEpoch = epochs > 0 ? cpuSeconds / Double(epochs) : nil
        joulesPerEpoch = epochs > 0 ? joules / Double(epochs) : nil
        self.hooks = hooks.sorted { $0.key < $1.key }.map { name, cost in
            Hook(
                hook: name, calls: cost.calls, cpuSeconds: cost.cpuSeconds,
                cpuSecondsPerCall: cost.calls > 0 ? cost.cpuSeconds / Double(cost.calls) : 0,
                instructions: cost.instructions, peakMemoryBytes: cost.peakMemoryBytes)
        }
        let answered = answers.answered
        self.answers = Answers(
            answered: answered, missing: answers.missing, meanLatencySeconds: answers.meanLatencySeconds,
            maxLatencySeconds: answers.maxLatencySeconds, bytes: answers.bytes, meanBytes: answers.meanBytes,
            validatingCpuSecondsPerAnswer: answered > 0 ? validatingCpuSeconds / Double(answered) : nil,
            answeringCpuSecondsPerAnswer: answered > 0 && answeringCpuSeconds > 0
                ? answeringCpuSeconds / Double(answered) : nil,
            joulesPerAnswer: answered > 0 ? joules / Double(answered) : nil)
    }

    /// One line for people: `0.0123 CPU s/epoch · 0.083 J/epoch · 1.2 ms CPU per answer`.
    public var line: String {
        guard epochs > 0 else { return "no cost recorded yet" }
        var parts = [
            String(format: "%.4f CPU s/epoch", cpuSecondsPerEpoch ?? 0),
            String(format: "%.3f J/epoch", joulesPerEpoch ?? 0),
            String(format: "%.2f J in %d epochs", joules, epochs),
        ]
        if let perAnswer = answers.validatingCpuSecondsPerAnswer {
            var text = String(format: "%.3f ms CPU to check and score an answer", perAnswer * 1000)
            if let making = answers.answeringCpuSecondsPerAnswer {
                text += String(format: ", %.3f ms to make one", making * 1000)
            }
            parts.append(text)
        }
        if let latency = answers.meanLatencySeconds {
            parts.append(String(format: "answers %.1f ms, %.0f B on average", latency * 1000, answers.meanBytes ?? 0))
        }
        return parts.joined(separator: " · ")
    }
}
