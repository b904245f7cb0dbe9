import AsyncHTTPClient
import ChainAPI
import Consensus
import Foundation
import Hummingbird
import Ledger
import NIOCore
import NIOHTTP1
import SynodChain
import Testing
import Wire

/// A chain served on loopback, and clients on it: the remote chain behaves as the local one,
/// refusals included, and nothing unsigned gets through.
final class ServedChain: @unchecked Sendable {
    let folder: URL
    let ledger: Ledger
    let chain: LocalChain
    let chainKey: Hotkey
    let server: ChainServer
    let running: Task<Void, any Error>
    let following: Task<Void, Never>
    let url: String

    init(policy: RegistrationPolicy = .open, owner: String = "owner", config: SubnetConfig) async throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("synod-chainapi-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        ledger = try Ledger(path: folder.appendingPathComponent("ledger.sqlite").path)
        chain = LocalChain(ledger: ledger)
        _ = try chain.createSubnet(name: "api", owner: owner, config: config)
        chainKey = try Hotkey.generate()
        server = ChainServer(chain: chain, hotkey: chainKey.address, policy: policy)
        let router = Router()
        server.routes(router)
        let (ports, sink) = AsyncStream.makeStream(of: Int.self)
        let app = Application(
            router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)),
            onServerRunning: { sink.yield($0.localAddress?.port ?? 0) })
        running = Task { try await app.runService() }
        following = Task { [server] in await server.followBlocks() }
        var iterator = ports.makeAsyncIterator()
        url = "http://127.0.0.1:\(await iterator.next() ?? 0)"
    }

    func client(_ key: Hotkey) -> RemoteChain { RemoteChain(url: url, chainHotkey: chainKey.address, signer: key) }

    func stop() async {
        chain.closeBlocks()
        running.cancel()
        following.cancel()
        try? FileManager.default.removeItem(at: folder)
    }
}

/// The chain's refusal `body` ran into (nil when it went through).
func refusal(_ body: () async throws -> Void) async -> ChainError? {
    do {
        try await body()
        return nil
    } catch let error as ChainError {
        return error
    } catch {
        return ChainError(.invalid, "not a chain error: \(error)")
    }
}

@Suite("ChainServer and RemoteChain: the chain over the network")
struct ChainServerTests {
    static func config() -> SubnetConfig {
        var config = SubnetConfig()
        config.tempo = 5
        config.weightsRateLimit = 3
        return config
    }

    @Test func aRemoteChainReadsAndWritesAsTheLocalOneAndIsRefusedAlike() async throws {
        let served = try await ServedChain(config: Self.config())
        let validator = try Hotkey.generate()
        let miner = try Hotkey.generate(scheme: .sr25519)
        try served.chain.join(
            netuid: 1, hotkey: validator.address.string, coldkey: "c", stake: 1_000_000_000, validatorPermit: true)
        let v = served.client(validator)
        let m = served.client(miner)

        // Register and serve over the API (an sr25519 hotkey, as the SDK's wallets make).
        let uid = try await m.register(netuid: 1, hotkey: miner.address.string, coldkey: "cold")
        #expect(uid == 1)
        try await m.serve(netuid: 1, hotkey: miner.address.string, endpoint: "http://10.0.0.7:8091/")
        #expect(try await v.metagraph(netuid: 1) == (try served.chain.metagraph(netuid: 1)))
        #expect(try await v.neuron(netuid: 1, hotkey: miner.address.string)?.endpoint == "http://10.0.0.7:8091")
        #expect(try await v.neuron(netuid: 1, hotkey: "nobody") == nil)
        #expect(try await v.subnets() == (try served.chain.subnets()))
        #expect(try await v.head() == (try served.chain.head()))

        // Weights: accepted once, then the rate limit, in the chain's own words.
        try await v.setWeights(netuid: 1, hotkey: validator.address.string, uids: [1], values: [65535], versionKey: 0)
        let again = await refusal {
            try await v.setWeights(
                netuid: 1, hotkey: validator.address.string, uids: [1], values: [65535], versionKey: 0)
        }
        #expect(
            again?.code == .refused && again?.message.contains("rate limit") == true, "\(String(describing: again))")
        // Every refusal arrives with its kind and its sentence.
        let noPermit = await refusal {
            try await m.setWeights(netuid: 1, hotkey: miner.address.string, uids: [0], values: [1], versionKey: 0)
        }
        #expect(noPermit?.code == .refused && noPermit?.message.contains("has no validator permit") == true)
        let twice = await refusal { _ = try await m.register(netuid: 1, hotkey: miner.address.string, coldkey: "c") }
        #expect(twice?.code == .conflict)
        let missing = await refusal { _ = try await v.metagraph(netuid: 9) }
        #expect(missing?.code == .notFound && missing?.message == "subnet 9 does not exist; create it first")
        let badEndpoint = await refusal {
            try await m.serve(netuid: 1, hotkey: miner.address.string, endpoint: "ftp://x")
        }
        #expect(badEndpoint?.code == .invalid)
        let longEndpoint = await refusal {
            try await m.serve(
                netuid: 1, hotkey: miner.address.string,
                endpoint: "http://" + String(repeating: "a", count: 300) + ".example:80")
        }
        #expect(longEndpoint?.code == .invalid && longEndpoint?.message.contains("at most 256 bytes") == true)
        let badUID = await refusal {
            try await v.setWeights(netuid: 1, hotkey: validator.address.string, uids: [7], values: [1], versionKey: 0)
        }
        #expect(badUID?.code == .invalid || badUID?.code == .refused)
        // A client acts for its own hotkey only.
        let other = await refusal {
            try await v.setWeights(netuid: 1, hotkey: miner.address.string, uids: [1], values: [1], versionKey: 0)
        }
        #expect(other?.message.contains("acts for the hotkey that signs") == true)
        await served.stop()
    }

    /// A signed request made by hand (to send what no client would).
    func raw(
        _ served: ServedChain, _ method: String, _ path: String, body: String, signer: Hotkey?,
        receiver: SS58Address? = nil, tamper: Bool = false
    ) async throws -> (Int, String) {
        let client = HTTPClient.shared
        var request = HTTPClientRequest(url: served.url + path)
        request.method = .init(rawValue: method)
        request.body = .bytes(ByteBuffer(string: tamper ? body + " " : body))
        if let signer {
            for h in try await BTAuthSigner.headers(
                method: method, target: path, body: Array(body.utf8), receiver: receiver ?? served.chainKey.address,
                signer: signer)
            {
                request.headers.add(name: h.name, value: h.value)
            }
        }
        let response = try await client.execute(request, timeout: .seconds(5))
        let text = String(buffer: try await response.body.collect(upTo: 1 << 20))
        return (Int(response.status.code), text)
    }

    /// The ids of the first `count` events of the block stream after block `after`.
    func eventIDs(_ served: ServedChain, after: UInt64, count: Int) async throws -> [UInt64] {
        let client = HTTPClient.shared
        let path = "/v1/chain/blocks?after=\(after)"
        var request = HTTPClientRequest(url: served.url + path)
        for h in try await BTAuthSigner.headers(
            method: "GET", target: path, body: [], receiver: served.chainKey.address, signer: try Hotkey.generate())
        {
            request.headers.add(name: h.name, value: h.value)
        }
        let response = try await client.execute(request, timeout: .seconds(5))
        var ids: [UInt64] = []
        var text = ""
        reading: for try await chunk in response.body {
            text += String(buffer: chunk)
            for line in text.split(separator: "\n") where line.hasPrefix("id: ") {
                _ = line
            }
            ids = text.split(separator: "\n").filter { $0.hasPrefix("id: ") }.compactMap { UInt64($0.dropFirst(4)) }
            if ids.count >= count { break reading }
        }
        return Array(ids.prefix(count))
    }

    @Test func unsignedMisaddressedTamperedOrMalformedRequestsAreRefused() async throws {
        let served = try await ServedChain(config: Self.config())
        let key = try Hotkey.generate()
        let register = "{\"coldkey\":\"c\"}"
        let unsigned = try await raw(served, "POST", "/v1/subnets/1/register", body: register, signer: nil)
        #expect(unsigned.0 == 401)
        let elsewhere = try await raw(
            served, "POST", "/v1/subnets/1/register", body: register, signer: key,
            receiver: try Hotkey.generate().address)
        #expect(elsewhere.0 == 401 && elsewhere.1.contains("receiver"), "\(elsewhere)")
        let tampered = try await raw(
            served, "POST", "/v1/subnets/1/register", body: register, signer: key, tamper: true)
        #expect(tampered.0 == 401)
        let notJSON = try await raw(served, "POST", "/v1/subnets/1/register", body: "{coldkey", signer: key)
        #expect(notJSON.0 == 400 && notJSON.1.contains("docs/chain-api.md"), "\(notJSON)")
        let badNetuid = try await raw(served, "GET", "/v1/subnets/x/metagraph", body: "", signer: key)
        #expect(badNetuid.0 == 404)
        // Sizes a peer controls are bounded before anything is stored.
        let longColdkey = try await raw(
            served, "POST", "/v1/subnets/1/register", body: "{\"coldkey\":\"\(String(repeating: "c", count: 65))\"}",
            signer: key)
        #expect(longColdkey.0 == 400, "\(longColdkey)")
        let ok = try await raw(served, "POST", "/v1/subnets/1/register", body: register, signer: key)
        #expect(ok.0 == 200 && ok.1 == "{\"uid\":0}", "\(ok)")
        // Nothing the refused requests asked for happened.
        #expect(try served.chain.metagraph(netuid: 1).neurons.count == 1)
        await served.stop()
    }

    @Test func anAllowListKeepsOthersOut() async throws {
        let allowed = try Hotkey.generate()
        let served = try await ServedChain(policy: .allowList([allowed.address.string]), config: Self.config())
        let stranger = try Hotkey.generate()
        let refused = await refusal {
            _ = try await served.client(stranger).register(netuid: 1, hotkey: stranger.address.string, coldkey: "c")
        }
        #expect(refused?.code == .refused && refused?.message.contains("allow-list") == true)
        #expect(try await served.client(allowed).register(netuid: 1, hotkey: allowed.address.string, coldkey: "c") == 0)
        await served.stop()
    }

    @Test func blocksStreamWithTheirEpochsAndResumeAfterTheLastSeen() async throws {
        let served = try await ServedChain(config: Self.config())
        let validator = try Hotkey.generate()
        try served.chain.join(
            netuid: 1, hotkey: validator.address.string, coldkey: "c", stake: 1_000_000_000, validatorPermit: true)
        try served.chain.join(netuid: 1, hotkey: "miner", coldkey: "c")
        let remote = served.client(validator)
        try await remote.setWeights(
            netuid: 1, hotkey: validator.address.string, uids: [1], values: [65535], versionKey: 0)
        var blocks = remote.blocks().makeAsyncIterator()
        // The stream starts at the next block: the chain makes blocks until six have arrived.
        let chain = served.chain
        let producer = Task {
            var made: [ChainBlock] = []
            while !Task.isCancelled && made.count < 200 {
                made.append(try chain.produceBlock())
                try? await Task.sleep(for: .milliseconds(20))
            }
            return made
        }
        var seen: [ChainBlock] = []
        while seen.count < 6, let block = await blocks.next() { seen.append(block) }
        producer.cancel()
        let made = try await producer.value
        // Every block seen is the one the chain made, epochs and outputs exactly.
        // (How many rows the epoch wrote is the local ledger's business, not the wire's.)
        func plain(_ block: ChainBlock) -> ChainBlock {
            var block = block
            for i in block.epochs.indices { block.epochs[i].rowsWritten = 0 }
            return block
        }
        for block in seen { #expect(made.map(plain).contains(block), "block \(block.number)") }
        #expect(seen.contains { !$0.epochs.isEmpty })
        #expect(zip(seen, seen.dropFirst()).allSatisfy { $0.number + 1 == $1.number })

        // A client that lost its connection asks for what came after the last it saw, and
        // gets those blocks first (from the chain's memory of recent blocks).
        let after = made[1].number
        let ids = try await eventIDs(served, after: after, count: 4)
        #expect(ids == made.dropFirst(2).prefix(4).map(\.number), "\(ids)")
        await served.stop()
    }
}
