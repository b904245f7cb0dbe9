public import ChainAPI
import Foundation
public import Ledger
import Logging
import ServiceLifecycle
import SynodChain
import UnixSignals
public import Wire

/// `synod mine`: a subnet's reference miner (its plugin's `miner` hook) behind an axon,
/// registered on a remote chain with the endpoint validators reach it at. It runs the
/// release in force, switched at each release's block as the validators switch. Miners
/// in other languages do the same with the documented protocol (docs/miner-protocol.md).
public final class RemoteMiner: Sendable {
    public struct Configuration: Sendable {
        public var chainURL: String
        public var chainHotkey: SS58Address
        public var netuid: Int
        /// The miner's folder (`synod.sqlite`: the reference miner's store).
        public var dataDirectory: String
        /// Where the axon listens.
        public var host: String
        public var port: Int
        /// What the chain lists for validators to reach (default: http://HOST:PORT as bound).
        public var endpoint: String?
        /// The coldkey registered with the hotkey (default: the hotkey).
        public var coldkey: String?
        /// Stop after this many blocks (nil: until cancelled or signalled).
        public var blocks: UInt64?

        public init(
            chainURL: String, chainHotkey: SS58Address, netuid: Int, dataDirectory: String = ".synod-miner",
            host: String = "127.0.0.1", port: Int = 8091, endpoint: String? = nil, coldkey: String? = nil,
            blocks: UInt64? = nil
        ) {
            self.chainURL = chainURL
            self.chainHotkey = chainHotkey
            self.netuid = netuid
            self.dataDirectory = dataDirectory
            self.host = host
            self.port = port
            self.endpoint = endpoint
            self.coldkey = coldkey
            self.blocks = blocks
        }
    }

    public let configuration: Configuration
    public let ledger: Ledger
    public let chain: RemoteChain
    let signer: any PayloadSigner
    let log: @Sendable (String) -> Void

    public init(_ configuration: Configuration, signer: any PayloadSigner, log: @escaping @Sendable (String) -> Void)
        throws
    {
        self.configuration = configuration
        self.signer = signer
        self.log = log
        (ledger, chain) = try RemoteParticipant.open(
            dataDirectory: configuration.dataDirectory, chainURL: configuration.chainURL,
            chainHotkey: configuration.chainHotkey, signer: signer)
    }

    /// Registers (when not yet), serves the axon, records its endpoint, and follows the
    /// blocks for releases until `blocks` have passed, the task is cancelled, or SIGINT/SIGTERM.
    public func run() async throws {
        let c = configuration
        let hotkey = signer.address.string
        let metagraph = try await chain.metagraph(netuid: c.netuid)
        if let neuron = metagraph.neuron(hotkey: hotkey) {
            log("\(hotkey) holds uid \(neuron.uid) on subnet \(c.netuid)")
        } else {
            let uid = try await chain.register(netuid: c.netuid, hotkey: hotkey, coldkey: c.coldkey ?? hotkey)
            log("registered \(hotkey) as uid \(uid) on subnet \(c.netuid)")
        }
        let tracker = ReleaseTracker(chain: chain, netuid: c.netuid, ledger: ledger, log: log)
        var first = try await tracker.switchIfDue(nil, owner: metagraph.subnet.owner, block: metagraph.block)
        if first == nil {
            // A new subnet's first release starts at the next block; a refused one waits for the next release.
            log(
                "subnet \(c.netuid) has no release in force at block \(metagraph.block) that runs here; waiting for one"
            )
            for await block in chain.blocks() {
                first = try await tracker.switchIfDue(nil, owner: metagraph.subnet.owner, block: block.number)
                if first != nil || Task.isCancelled { break }
            }
        }
        guard let runtime = first else { return }
        let directory = SubnetDirectory([UInt16(c.netuid): runtime])
        let axon = Axon(
            hotkey: signer.address, service: ReferenceMinerService(subnets: directory, chain: chain),
            configuration: AxonConfiguration(host: c.host, port: c.port))
        let (bound, boundSink) = AsyncStream.makeStream(of: Int.self)
        let follower = ClosureService { [self] in
            var port = 0
            for await p in bound {
                port = p
                break
            }
            let endpoint = try ChainRules.endpoint(c.endpoint ?? "http://\(c.host):\(port)")
            try await chain.serve(netuid: c.netuid, hotkey: hotkey, endpoint: endpoint)
            log("synod mine: \(hotkey) serves subnet \(c.netuid) at \(endpoint) (axon on \(c.host):\(port))")
            var seen: UInt64 = 0
            for await block in chain.blocks() {
                if Task.isCancelled { break }
                seen += 1
                do {
                    // A runtime that runs switches versions in place.
                    let owner = try await chain.metagraph(netuid: c.netuid).subnet.owner
                    _ = try await tracker.switchIfDue(runtime, owner: owner, block: block.number)
                } catch {
                    log("block \(block.number): \(error)")
                }
                if let limit = c.blocks, seen >= limit { break }
            }
        }
        let group = ServiceGroup(
            configuration: .init(
                services: [
                    .init(service: try axon.service { port in boundSink.yield(port) }),
                    .init(service: follower, successTerminationBehavior: .gracefullyShutdownGroup),
                ],
                gracefulShutdownSignals: [.sigterm, .sigint], logger: .init(label: "synod.mine")))
        try await group.run()
    }
}
