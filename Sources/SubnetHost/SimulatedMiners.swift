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
/// own reference miner, as itself (its own part of the store): what `synod sim` and the
/// self-check query. One instance serves one validator (a stale miner replays the request
/// that validator sent it before).
public final class SimulatedMiners: MinerSource {
    public let plugin: PluginHost
    /// Each simulated miner's strategy, by hotkey; a hotkey not listed is silent.
    public let strategies: [String: MinerStrategy]
    /// The request each miner got last, by hotkey.
    private let previous = Mutex<[String: LuaValue]>([:])

    public init(plugin: PluginHost, strategies: [String: MinerStrategy]) {
        self.plugin = plugin
        self.strategies = strategies
    }

    /// The endpoint a simulated miner serves: never dialled (`.invalid` is reserved and
    /// never resolves), it only marks the UID as a miner that answers.
    public static func endpoint(_ index: Int) -> String { "http://miner-\(index).sim.invalid:8091" }

    public func query(
        _ requests: [LuaValue], miners: [NeuronInfo], netuid: Int, validator: String, timeout: Duration
    ) async -> [MinerReply] {
        var replies: [MinerReply] = []
        for (miner, request) in zip(miners, requests) {
            let before = previous.withLock { previous in
                defer { previous[miner.hotkey] = request }
                return previous[miner.hotkey]
            }
            let context = MinerContext(netuid: netuid, hotkey: miner.hotkey, validator: validator)
            switch strategies[miner.hotkey] ?? .silent {
            case .honest:
                replies.append(await reference(request, context))
            case .stale:
                let reply: MinerReply =
                    if let before { await reference(before, context) } else {
                        .failed(kind: "silent", detail: "no earlier task to replay")
                    }
                replies.append(reply)
            case .garbage: replies.append(.answered("not an answer"))
            case .silent: replies.append(.failed(kind: "silent", detail: "a simulated miner that never answers"))
            }
        }
        return replies
    }

    private func reference(_ task: LuaValue, _ context: MinerContext) async -> MinerReply {
        do {
            guard let answer = try await plugin.answer(task, context: context) else {
                return .failed(kind: "silent", detail: "the plugin has no reference 'miner' hook")
            }
            return .answered(answer)
        } catch {
            return .failed(kind: "miner error", detail: error.description)
        }
    }
}
