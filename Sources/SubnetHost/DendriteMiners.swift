public import Ledger
public import LuaSandbox
public import Wire

/// Miners wherever they are, queried over btauth/1 with a validator's ``Dendrite``.
public struct DendriteMiners: MinerSource {
    public let dendrite: Dendrite

    public init(dendrite: Dendrite) { self.dendrite = dendrite }

    public func query(_ task: LuaValue, miners: [NeuronInfo], netuid: Int, timeout: Duration) async -> [MinerReply] {
        let body: [UInt8]
        do {
            body = Array(try task.jsonText().utf8)
        } catch {
            return miners.map { _ in .failed(kind: "unsendable", detail: "the task is not JSON: \(error.message)") }
        }
        var replies = [MinerReply?](repeating: nil, count: miners.count)
        var endpoints: [MinerEndpoint] = []
        var positions: [Int] = []
        for (i, miner) in miners.enumerated() {
            guard let url = miner.endpoint, let address = try? SS58Address(miner.hotkey) else {
                replies[i] = .failed(kind: "unreachable", detail: "no axon address that can be called")
                continue
            }
            endpoints.append(MinerEndpoint(hotkey: address, url: url))
            positions.append(i)
        }
        let outcomes = await dendrite.forward(body, to: endpoints, netuid: UInt16(netuid), timeout: timeout)
        for (i, outcome) in zip(positions, outcomes) {
            switch outcome.result {
            case .answered(let bytes):
                do {
                    replies[i] = .answered(try LuaValue(json: bytes), latency: outcome.latency, bytes: bytes.count)
                } catch {
                    replies[i] = .failed(
                        kind: "unreadable", detail: "the answer is not a value the plugin can read: \(error.message)")
                }
            case .refused(let status, let reason, let message):
                replies[i] = .failed(
                    kind: "refused \(status)", detail: "the axon answered \(status) \(reason): \(message.prefix(200))")
            case .timedOut:
                replies[i] = .failed(kind: "timeout", detail: "no answer within \(timeout)")
            case .failed(let why):
                replies[i] = .failed(kind: "unreachable", detail: why)
            }
        }
        return replies.map { $0! }
    }
}
