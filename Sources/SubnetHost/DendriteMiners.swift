public import Ledger
public import LuaSandbox
public import Wire

/// Miners wherever they are, queried over btauth/1 with a validator's ``Dendrite``.
public struct DendriteMiners: MinerSource {
    public let dendrite: Dendrite

    public init(dendrite: Dendrite) { self.dendrite = dendrite }

    public func query(
        _ requests: [LuaValue], miners: [NeuronInfo], netuid: Int, validator: String, timeout: Duration
    ) async -> [MinerReply] {
        var replies = [MinerReply?](repeating: nil, count: miners.count)
        // Each distinct request is written as JSON once (a shared task: once per round).
        var bodies: [LuaValue: [UInt8]] = [:]
        var sends: [(index: Int, body: [UInt8], endpoint: MinerEndpoint)] = []
        for (i, (miner, request)) in zip(miners, requests).enumerated() {
            guard let url = miner.endpoint, let address = try? SS58Address(miner.hotkey) else {
                replies[i] = .failed(kind: "unreachable", detail: "no axon address that can be called")
                continue
            }
            if bodies[request] == nil {
                do {
                    bodies[request] = Array(try request.jsonText().utf8)
                } catch {
                    replies[i] = .failed(kind: "unsendable", detail: "the task is not JSON: \(error.message)")
                    continue
                }
            }
            sends.append((i, bodies[request]!, MinerEndpoint(hotkey: address, url: url)))
        }
        let outcomes = await withTaskGroup(of: (Int, DendriteOutcome).self) { group in
            for send in sends {
                group.addTask {
                    (
                        send.index,
                        await dendrite.forward(send.body, to: send.endpoint, netuid: UInt16(netuid), timeout: timeout)
                    )
                }
            }
            return await group.reduce(into: []) { $0.append($1) }
        }
        for (i, outcome) in outcomes {
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
