public import Ledger
public import LuaSandbox

/// Where a validator step's answers come from: miners over the network (``DendriteMiners``)
/// or miners simulated in process (``SimulatedMiners``). The step is the same either way.
public protocol MinerSource: Sendable {
    /// Sends `task` to each of `miners` on subnet `netuid` and returns one reply per miner,
    /// in order, within `timeout`.
    func query(_ task: LuaValue, miners: [NeuronInfo], netuid: Int, timeout: Duration) async -> [MinerReply]
}

/// What one miner sent back.
public enum MinerReply: Sendable, Hashable {
    /// An answer, read as a value (still to be put through `validate`), with how long it
    /// took and how many bytes it was when the source knows.
    case answered(LuaValue, latency: Duration? = nil, bytes: Int? = nil)
    /// No usable answer: `kind` is short and stable (`timeout`, `refused 403`,
    /// `unreachable`, `unreadable`, `silent`), `detail` is for people.
    case failed(kind: String, detail: String)
}
