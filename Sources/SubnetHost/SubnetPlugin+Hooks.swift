import Ledger
public import LuaSandbox

extension SubnetPlugin {
    /// A validator's task for this block (`task(ctx)`): one plain value sent to every
    /// miner, or one per miner.
    public func roundTask(_ context: HookContext) throws(PluginError) -> RoundTask {
        let values = try run("task", [context.luaValue])
        guard values.count > 1, values[1] == .boolean(true) else { return .shared(first(values)) }
        switch first(values) {
        case .map(let tasks): return .perMiner(tasks)
        case .array(let items) where items.isEmpty: return .perMiner([:])
        case let other:
            throw hookError("task", "per_miner(tasks) needs a table of hotkey = task (got \(other.typeName))")
        }
    }

    /// The task as `score` receives it (see ``roundTask(_:)``).
    public func task(_ context: HookContext) throws(PluginError) -> LuaValue { try roundTask(context).value }

    /// The plugin's reference (honest) miner's answer (`miner(task, ctx)`) as the miner in
    /// `context`, with that miner's own part of the store; nil when the plugin has no
    /// `miner` hook.
    public func answer(_ task: LuaValue, context: MinerContext) throws(PluginError) -> LuaValue? {
        guard definition.hooks["miner"] != nil else { return nil }
        return first(try run("miner", [task, context.luaValue]))
    }

    /// The answer of the plugin's adversary `name` (`adversaries[name](task, ctx)`) as the
    /// miner in `context`, with that miner's own part of the store.
    public func adversary(_ name: String, task: LuaValue, context: MinerContext) throws(PluginError) -> LuaValue {
        guard definition.adversaries[name] != nil else {
            throw PluginError(definition.name, "the plugin has no adversary '\(name)'")
        }
        return first(try run("adversary", [.string(name), task, context.luaValue]))
    }

    /// The follow-up request a contract-2 plugin sends a miner after its answers so far
    /// (`challenge(task, response, ctx)`), or nil for none (also without the hook).
    public func challenge(task: LuaValue, response: MinerResponse, context: HookContext) throws(PluginError)
        -> LuaValue?
    {
        guard definition.hooks["challenge"] != nil else { return nil }
        let values = try run("challenge", [task, response.luaValue, context.luaValue])
        guard values.first == .boolean(true), values.count > 1, values[1] != .null else { return nil }
        return values[1]
    }

    /// Whether a miner's answer is well-formed (`validate(response, task)`); every answer is
    /// when the plugin has no `validate` hook.
    public func validate(_ response: LuaValue, task: LuaValue = .null) throws(PluginError) -> Bool {
        guard definition.hooks["validate"] != nil else { return true }
        return first(try run("validate", [response, task])) == .boolean(true)
    }

    /// One score per miner (`score(task, responses, ctx)`); `nil` (or `.null`) responses — no
    /// answer, or an answer `validate` rejected — reach Lua as `false`.
    public func score(task: LuaValue, responses: [LuaValue?], context: HookContext) throws(PluginError) -> [Double] {
        try score(
            task: task,
            responses: responses.enumerated().map { i, answer in
                MinerResponse(
                    uid: i, hotkey: "miner-\(i)", status: answer == nil || answer == .null ? "silent" : "ok",
                    answer: answer)
            }, context: context)
    }

    /// One score per miner, from what each did in the round: under contract 1 `score` gets
    /// each accepted answer or `false`; under contract 2 one ``MinerResponse`` table per miner.
    public func score(task: LuaValue, responses: [MinerResponse], context: HookContext) throws(PluginError)
        -> [Double]
    {
        // A Lua nil inside the list would end the sequence early: no answer is `false`.
        let list: LuaValue =
            definition.contract >= 2
            ? .array(responses.map(\.luaValue))
            : .array(responses.map { $0.answer == nil || $0.answer == .null ? .boolean(false) : $0.answer! })
        let scores = try numbers(try run("score", [task, list, context.luaValue]), hook: "score")
        if let bad = scores.firstIndex(where: { !$0.isFinite }) {
            throw hookError(
                "score", "'score' value \(bad + 1) is \(Self.show(scores[bad])); scores must be finite numbers")
        }
        return scores
    }

    /// One weight per miner (`reward(scores, ctx)`, scores passed as a tensor): finite and
    /// not negative.
    public func reward(scores: [Double], context: HookContext) throws(PluginError) -> [Double] {
        let list = LuaValue.array(scores.map { .number($0) })
        let weights = try numbers(try run("reward", [list, context.luaValue]), hook: "reward")
        if let bad = weights.firstIndex(where: { !$0.isFinite || $0 < 0 }) {
            throw hookError(
                "reward", "'reward' weight \(bad + 1) is \(Self.show(weights[bad])); weights must be finite and ≥ 0")
        }
        return weights
    }

    /// Runs the plugin's `on_load(ctx)` (when it has one): once per version, before it serves.
    public func onLoad(_ context: HookContext) throws(PluginError) {
        _ = try run("on_load", [context.luaValue])
    }

    /// Runs the plugin's `on_epoch(result, ctx)` (when it has one) after an epoch. `result`
    /// holds `block`, `emission` (rao) and, per UID (Lua index uid + 1), `incentive`,
    /// `dividends`, `consensus`, `validator_trust` (proportions) and `earned` (rao).
    public func onEpoch(_ result: LuaValue, context: HookContext) throws(PluginError) {
        _ = try run("on_epoch", [result, context.luaValue])
    }

    private func run(_ entry: String, _ arguments: [LuaValue]) throws(PluginError) -> [LuaValue] {
        guard let function = entries[entry] else { throw hookError(entry, "internal: no entry point '\(entry)'") }
        // Every hook call passes here: its cost (failed calls too) goes to the subnet's meter.
        let started = meter.map { _ in
            sandbox.resetMemoryPeak()
            return ThreadCPUClock.seconds()
        }
        defer {
            if let meter, let started {
                meter.hook(
                    entry,
                    HookCost(
                        calls: 1, cpuSeconds: max(0, ThreadCPUClock.seconds() - started),
                        instructions: sandbox.instructionsUsed, peakMemoryBytes: sandbox.memoryPeak))
            }
        }
        do {
            return try sandbox.call(function, arguments: arguments)
        } catch {
            // Errors the runtime raises about a hook's result carry no position: name the hook.
            if error.location == nil || error.location?.chunk == PluginRuntime.chunkName {
                // Located at the hook, still of its kind (a limit stays a limit).
                var located = hookError(entry, error.message)
                located.sandboxError = error
                throw located
            }
            throw PluginError(sandbox: error)
        }
    }

    private static func show(_ x: Double) -> String { x.isNaN ? "NaN" : "\(x)" }

    private func first(_ values: [LuaValue]) -> LuaValue { values.first ?? .null }

    private func numbers(_ values: [LuaValue], hook: String) throws(PluginError) -> [Double] {
        guard case .array(let items) = first(values) else {
            if first(values) == .map([:]) { return [] }
            throw hookError(hook, "'\(hook)' returned no list")
        }
        return items.map { $0.doubleValue ?? .nan }
    }

    func hookError(_ hook: String, _ message: String) -> PluginError { definition.hookError(hook, message) }
}
