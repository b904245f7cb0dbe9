public import LuaSandbox
import Synchronization

/// What `validate` said of one answer.
public enum Validation: Sendable, Hashable {
    case accepted
    case rejected
    /// `validate` failed on it (not a limit): the answer costs its miner, not the round.
    case failed(String)
}

extension PluginHost {
    /// `validate(response, task)` on every pair in one call on the plugin's thread (a round's
    /// answers cost one hop, not one each). A limit (memory, instructions, time) throws: it
    /// is the version's fault, not an answer's.
    public func validate(_ pairs: [(response: LuaValue, task: LuaValue)]) throws(PluginError) -> [Validation] {
        var outcomes: [Validation] = []
        outcomes.reserveCapacity(pairs.count)
        for (response, task) in pairs {
            do {
                outcomes.append(try validate(response, task: task) ? .accepted : .rejected)
            } catch {
                if error.sandboxError?.kind.isLimit == true { throw error }
                outcomes.append(.failed(error.description))
            }
        }
        return outcomes
    }
}

/// `validate`'s verdicts shared by validators that see the same answers to the same tasks
/// (`synod sim`'s, in one block): `validate(response, task)` depends on nothing else, so
/// each pair is validated once.
public final class SharedValidations: Sendable {
    /// Verdicts by task, then by answer: a round's answers share one task, which is then
    /// looked up once, not once per answer.
    private let verdicts = Mutex<[LuaValue: [LuaValue: Validation]]>([:])

    public init() {}

    /// Validates the pairs not seen yet (in one call) and returns every verdict, in order.
    func validate(_ pairs: [(response: LuaValue, task: LuaValue)], with plugin: PluginHost) async throws(PluginError)
        -> [Validation]
    {
        var outcomes: [Validation?] = []
        verdicts.withLock { verdicts in
            var last: (task: LuaValue, known: [LuaValue: Validation])?
            for pair in pairs {
                // The same task as the pair before (the same storage: compared at once).
                if last?.task != pair.task { last = (pair.task, verdicts[pair.task] ?? [:]) }
                outcomes.append(last!.known[pair.response])
            }
        }
        let missing = outcomes.indices.filter { outcomes[$0] == nil }
        guard !missing.isEmpty else { return outcomes.map { $0! } }
        let fresh = try await plugin.validate(missing.map { pairs[$0] })
        for (i, verdict) in zip(missing, fresh) { outcomes[i] = verdict }
        verdicts.withLock { verdicts in
            for (i, verdict) in zip(missing, fresh) {
                verdicts[pairs[i].task, default: [:]][pairs[i].response] = verdict
            }
        }
        return outcomes.map { $0! }
    }

    /// Forgets every verdict (a new block, or a new version).
    public func clear() { verdicts.withLock { $0 = [:] } }
}
