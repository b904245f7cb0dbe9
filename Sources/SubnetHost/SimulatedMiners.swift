public import Ledger
public import LuaSandbox
import Synchronization

/// How a simulated miner answers.
public enum MinerStrategy: String, Sendable, CaseIterable, Comparable {
    /// The plugin's reference `miner` on the current task.
    case honest
    /// The reference miner on the previous task: a lazy miner replaying work.
    case stale
    /// A string that is not an answer (put through `validate`).
    case garbage
    /// No answer.
    case silent

    public static func < (a: MinerStrategy, b: MinerStrategy) -> Bool {
        allCases.firstIndex(of: a)! < allCases.firstIndex(of: b)!
    }
}

/// Miners simulated in process, each answering by its ``MinerStrategy`` with the plugin's
/// own reference miner: what `synod sim` and the self-check query. One instance serves one
/// validator (a stale miner replays the task that validator sent before).
public final class SimulatedMiners: MinerSource {
    public let plugin: PluginHost
    /// Each simulated miner's strategy, by hotkey; a hotkey not listed is silent.
    public let strategies: [String: MinerStrategy]
    private let previousTask = Mutex<LuaValue?>(nil)

    public init(plugin: PluginHost, strategies: [String: MinerStrategy]) {
        self.plugin = plugin
        self.strategies = strategies
    }

    /// The endpoint a simulated miner serves: never dialled (`.invalid` is reserved and
    /// never resolves), it only marks the UID as a miner that answers.
    public static func endpoint(_ index: Int) -> String { "http://miner-\(index).sim.invalid:8091" }

    public func query(_ task: LuaValue, miners: [NeuronInfo], netuid: Int, timeout: Duration) async -> [MinerReply] {
        let previous = previousTask.withLock { stored in
            defer { stored = task }
            return stored
        }
        var honest: MinerReply?
        var stale: MinerReply?
        var replies: [MinerReply] = []
        for miner in miners {
            switch strategies[miner.hotkey] ?? .silent {
            case .honest:
                if honest == nil { honest = await reference(task) }
                replies.append(honest!)
            case .stale:
                if stale == nil {
                    stale =
                        if let previous { await reference(previous) } else {
                            .failed(kind: "silent", detail: "no earlier task to replay")
                        }
                }
                replies.append(stale!)
            case .garbage: replies.append(.answered("not an answer"))
            case .silent: replies.append(.failed(kind: "silent", detail: "a simulated miner that never answers"))
            }
        }
        return replies
    }

    private func reference(_ task: LuaValue) async -> MinerReply {
        do {
            guard let answer = try await plugin.answer(task) else {
                return .failed(kind: "silent", detail: "the plugin has no reference 'miner' hook")
            }
            return .answered(answer)
        } catch {
            return .failed(kind: "miner error", detail: error.description)
        }
    }
}
