import Ledger
import LuaSandbox
public import SynodChain
public import Wire

/// An in-process miner: it answers every task with the subnet plugin's reference `miner`
/// hook. Behind an ``Axon``, it serves the host's subnets to any validator the chain lists
/// with a permit on that subnet.
public struct ReferenceMinerService: AxonService {
    public let directory: SubnetDirectory
    public let chain: any ChainReader

    public init(subnets: SubnetDirectory, chain: any ChainReader) {
        self.directory = subnets
        self.chain = chain
    }

    /// A service for a fixed set of subnets.
    public init(runtimes: [UInt16: SubnetRuntime], chain: any ChainReader) {
        self.init(subnets: SubnetDirectory(runtimes), chain: chain)
    }

    public func authorize(caller: SS58Address, netuid: UInt16) async -> AxonAuthorization {
        guard directory[netuid] != nil else { return .unknownSubnet }
        guard let neuron = try? await chain.neuron(netuid: Int(netuid), hotkey: caller.string) else {
            return .forbidden("\(caller.string) is not registered on subnet \(netuid)")
        }
        return neuron.validatorPermit
            ? .allowed : .forbidden("uid \(neuron.uid) has no validator permit on subnet \(netuid)")
    }

    public func forward(_ request: ForwardRequest) async throws -> [UInt8] {
        guard let runtime = directory[request.netuid] else {
            throw AxonHandlerError(status: 404, message: "no subnet \(request.netuid) here")
        }
        let task: LuaValue
        do {
            task = try LuaValue(json: request.body)
        } catch {
            throw AxonHandlerError(
                status: 400, message: "the task is not a value the plugin can read: \(error.message)")
        }
        do {
            let context = MinerContext(
                netuid: Int(request.netuid), hotkey: request.receiver.string, validator: request.caller.string)
            guard let answer = try await runtime.answer(task, context: context) else {
                throw AxonHandlerError(status: 501, message: "subnet \(request.netuid) has no reference miner")
            }
            return Array(try answer.jsonText().utf8)
        } catch let error as PluginError {
            // The protocol's 400: valid JSON that is not a task this subnet understands
            // (the miner hook errors on it, or answers what cannot be sent). A hook that
            // ran out of its limits is the server's trouble, not the caller's.
            switch error.sandboxError?.kind {
            case .runtime?, .value?:
                throw AxonHandlerError(
                    status: 400, message: "subnet \(request.netuid)'s miner cannot answer this task: \(error)")
            default:
                throw AxonHandlerError(status: 500, message: "the reference miner failed: \(error)")
            }
        } catch let error as SandboxError {
            throw AxonHandlerError(status: 500, message: "the answer cannot be sent as JSON: \(error.message)")
        }
    }

    public func subnets() async -> [UInt16] { directory.netuids }
}
