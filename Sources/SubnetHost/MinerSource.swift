public import Ledger
public import LuaSandbox

/// Where a validator step's answers come from: miners over the network (``DendriteMiners``)
/// or miners simulated in process (``SimulatedMiners``). The step is the same either way.
public protocol MinerSource: Sendable {
    /// Sends `requests[i]` to `miners[i]` on subnet `netuid`, for `validator`, and returns
    /// one reply per miner, in order, within `timeout`.
    func query(_ requests: [LuaValue], miners: [NeuronInfo], netuid: Int, validator: String, timeout: Duration) async
        -> [MinerReply]
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
