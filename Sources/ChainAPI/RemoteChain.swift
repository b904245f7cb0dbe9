import AsyncHTTPClient
import Foundation
public import HostReports
public import Ledger
import NIOCore
import NIOHTTP1
public import SynodChain
public import Wire

/// One client per process, as `HTTPClient.shared`, with room per host for a block stream of
/// every `RemoteChain` a process follows (each holds its connection while it follows) beside
/// their requests: the shared client's 8 connections per host would queue 64 validators'
/// requests behind their own streams.
private let chainHTTPClient: HTTPClient = {
    var configuration = HTTPClient.Configuration()
    configuration.connectionPool = .init(idleTimeout: .seconds(60), concurrentHTTP1ConnectionsPerHostSoftLimit: 1024)
    return HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)
}()

/// A Synod chain on another machine, through its API (``ChainServer``): one more ``Chain``,
/// so a validator or a miner runs against it exactly as against a local one. Every request
/// is btauth/1-signed by `signer` for the chain's hotkey; the chain's refusals come back as
/// the same ``ChainError``s a local chain throws.
public final class RemoteChain: Chain {
    /// The chain's base URL (`http://HOST:PORT`).
    public let url: String
    /// The chain's hotkey: what requests are addressed to.
    public let chainHotkey: SS58Address
    /// Who the requests come from (the caller acts as this hotkey only).
    public let signer: any PayloadSigner
    /// How long one request may take.
    public let timeout: Duration
    /// Largest block event read from the stream (a block of 256-UID epochs is ~100 KiB).
    static let maxEventBytes = 16 << 20

    /// The process's client for chains: nothing to shut down, connections pooled across them.
    private var client: HTTPClient { chainHTTPClient }

    public init(url: String, chainHotkey: SS58Address, signer: any PayloadSigner, timeout: Duration = .seconds(10)) {
        self.url = url.hasSuffix("/") ? String(url.dropLast()) : url
        self.chainHotkey = chainHotkey
        self.signer = signer
        self.timeout = timeout
    }

    // MARK: Reading

    public func head() async throws(ChainError) -> UInt64 {
        try await call("GET", "/v1/chain/head", as: ChainJSON.Head.self).block
    }

    public func subnets() async throws(ChainError) -> [SubnetInfo] {
        try await call("GET", "/v1/chain", as: ChainJSON.Subnets.self).subnets.map(\.value)
    }

    public func metagraph(netuid: Int) async throws(ChainError) -> Metagraph {
        try await call("GET", "/v1/subnets/\(netuid)/metagraph", as: ChainJSON.Metagraph.self).value
    }

    public func neuron(netuid: Int, hotkey: String) async throws(ChainError) -> NeuronInfo? {
        do {
            return try await call("GET", "/v1/subnets/\(netuid)/neurons/\(hotkey)", as: ChainJSON.Neuron.self).value
        } catch  where error.code == .notFound && !error.message.contains("subnet \(netuid) does not exist") {
            return nil
        }
    }

    public func commits(netuid: Int, hotkey: String) async throws(ChainError) -> [WeightCommit] {
        try await call("GET", "/v1/subnets/\(netuid)/commits/\(hotkey)", as: [ChainJSON.Commit].self).map(\.value)
    }

    // MARK: Writing (as the signer's hotkey)

    /// Registers the signer's hotkey; `hotkey` must be it (the chain acts for its caller only).
    public func register(netuid: Int, hotkey: String, coldkey: String) async throws(ChainError) -> Int {
        try ownHotkey(hotkey)
        return try await call(
            "POST", "/v1/subnets/\(netuid)/register", body: ChainJSON.Register(coldkey: coldkey),
            as: ChainJSON.Registered.self
        ).uid
    }

    public func serve(netuid: Int, hotkey: String, endpoint: String) async throws(ChainError) {
        try ownHotkey(hotkey)
        try await send("POST", "/v1/subnets/\(netuid)/serve", body: ChainJSON.Serve(endpoint: endpoint))
    }

    public func setWeights(netuid: Int, hotkey: String, uids: [Int], values: [UInt16], versionKey: UInt64)
        async throws(ChainError)
    {
        try ownHotkey(hotkey)
        try await send(
            "POST", "/v1/subnets/\(netuid)/weights",
            body: ChainJSON.Weights(uids: uids, values: values, versionKey: versionKey))
    }

    public func commitWeights(netuid: Int, hotkey: String, hash: [UInt8]) async throws(ChainError) {
        try ownHotkey(hotkey)
        try await send("POST", "/v1/subnets/\(netuid)/commit", body: ChainJSON.CommitRequest(hash: ChainJSON.hex(hash)))
    }

    public func revealWeights(
        netuid: Int, hotkey: String, uids: [Int], values: [UInt16], salt: [UInt8], versionKey: UInt64
    ) async throws(ChainError) {
        try ownHotkey(hotkey)
        try await send(
            "POST", "/v1/subnets/\(netuid)/reveal",
            body: ChainJSON.Reveal(uids: uids, values: values, salt: ChainJSON.hex(salt), versionKey: versionKey))
    }

    // MARK: Releases

    /// The subnet's plugin releases, by block, and what each validator reports running.
    public func releases(netuid: Int) async throws(ChainError) -> (
        releases: [PluginRelease], versions: [ValidatorVersion]
    ) {
        let answer = try await call("GET", "/v1/subnets/\(netuid)/releases", as: ChainJSON.Releases.self)
        return (answer.releases.map(\.value), answer.versions.map(\.value))
    }

    /// A release's source, exactly as the chain keeps it (the caller checks its hash).
    public func releaseSource(netuid: Int, sha256: String) async throws(ChainError) -> [UInt8] {
        [UInt8](try await exchange("GET", "/v1/subnets/\(netuid)/releases/\(sha256)", body: []))
    }

    /// Publishes a release the owner signed (the signer must be the owner: the chain takes
    /// releases from the caller only). Returns it as the chain keeps it.
    public func publish(_ release: PluginRelease, source: [UInt8]) async throws(ChainError) -> PluginRelease {
        try ownHotkey(release.owner)
        return try await call(
            "POST", "/v1/subnets/\(release.netuid)/releases",
            body: ChainJSON.Publish(
                atBlock: release.atBlock, sha256: release.sha256, scheme: release.scheme, nonce: release.nonce,
                signature: ChainJSON.hex(release.signature), source: Data(source).base64EncodedString()),
            as: ChainJSON.Release.self
        ).value
    }

    /// Tells the chain what the signer scores the subnet with.
    public func reportVersion(netuid: Int, _ version: ValidatorVersion) async throws(ChainError) {
        try ownHotkey(version.hotkey)
        try await send(
            "POST", "/v1/subnets/\(netuid)/version",
            body: ChainJSON.Running(
                sha256: version.sha256, block: version.block, refused: version.refused,
                refusedMessage: version.refusedMessage))
    }

    /// The signer's own report on the subnet, as a miner reads it (``MinerReport``).
    public func minerReport(netuid: Int) async throws(ChainError) -> MinerReport {
        try await call("GET", "/v1/subnets/\(netuid)/report", as: MinerReport.self)
    }

    private func ownHotkey(_ hotkey: String) throws(ChainError) {
        guard hotkey == signer.address.string else {
            throw ChainError(
                .refused,
                "a remote chain acts for the hotkey that signs ("
                    + "\(signer.address.string)), not for \(hotkey)")
        }
    }

    // MARK: Blocks

    /// The blocks as the chain makes them, from the next one on; after a dropped connection
    /// it reconnects (after 0.2 s, then up to 5 s apart) and resumes after the last block it
    /// handed out, so none is missed or repeated while the chain still keeps them.
    public func blocks() -> AsyncStream<ChainBlock> {
        let (stream, continuation) = AsyncStream.makeStream(of: ChainBlock.self)
        let task = Task { [self] in
            var last: UInt64?
            var wait = Duration.milliseconds(200)
            while !Task.isCancelled {
                do {
                    try await follow(after: last) { block in
                        last = block.number
                        wait = .milliseconds(200)
                        continuation.yield(block)
                    }
                } catch {}
                if Task.isCancelled { break }
                try? await Task.sleep(for: wait)
                wait = min(wait * 2, .seconds(5))
            }
            continuation.finish()
        }
        continuation.onTermination = { _ in task.cancel() }
        return stream
    }

    private func follow(after: UInt64?, _ deliver: (ChainBlock) -> Void) async throws {
        let path = "/v1/chain/blocks" + (after.map { "?after=\($0)" } ?? "")
        var request = try await signed("GET", path, body: [])
        request.headers.add(name: "Accept", value: "text/event-stream")
        let response = try await client.execute(request, timeout: .hours(24 * 365))
        guard response.status == .ok else {
            throw ChainError(.refused, "the chain refused the block stream: \(response.status)")
        }
        var pending = ""
        var data = ""
        for try await chunk in response.body {
            pending += String(buffer: chunk)
            // A server that never ends a line or an event cannot fill this process's memory.
            guard pending.utf8.count <= Self.maxEventBytes, data.utf8.count <= Self.maxEventBytes else {
                throw ChainError(.invalid, "the chain sent a block event over \(Self.maxEventBytes) bytes")
            }
            while let end = pending.firstIndex(of: "\n") {
                let line = String(pending[..<end])
                pending = String(pending[pending.index(after: end)...])
                if line.isEmpty {
                    if !data.isEmpty {
                        let block = try ChainJSON.decode(ChainJSON.Block.self, from: Data(data.utf8)).value()
                        deliver(block)
                    }
                    data = ""
                } else if line.hasPrefix("data: ") {
                    data += line.dropFirst("data: ".count)
                }
            }
        }
    }

    // MARK: Requests

    private func signed(_ method: String, _ path: String, body: [UInt8]) async throws -> HTTPClientRequest {
        var request = HTTPClientRequest(url: url + path)
        request.method = .init(rawValue: method)
        if !body.isEmpty {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(bytes: body))
        }
        for header in try await BTAuthSigner.headers(
            method: method, target: path, body: body, receiver: chainHotkey, signer: signer)
        {
            request.headers.add(name: header.name, value: header.value)
        }
        return request
    }

    private func send(_ method: String, _ path: String, body: some Encodable) async throws(ChainError) {
        _ = try await exchange(method, path, body: Array(ChainJSON.encode(body)))
    }

    private func call<T: Decodable>(_ method: String, _ path: String, body: some Encodable, as type: T.Type)
        async throws(ChainError) -> T
    {
        try ChainJSON.decode(type, from: try await exchange(method, path, body: Array(ChainJSON.encode(body))))
    }

    private func call<T: Decodable>(_ method: String, _ path: String, as type: T.Type) async throws(ChainError) -> T {
        try ChainJSON.decode(type, from: try await exchange(method, path, body: []))
    }

    /// One signed request; a 4xx becomes the chain's refusal, anything else that fails says
    /// the chain could not be reached.
    private func exchange(_ method: String, _ path: String, body: [UInt8]) async throws(ChainError) -> Data {
        let status: Int
        let bytes: Data
        do {
            let request = try await signed(method, path, body: body)
            let response = try await client.execute(request, timeout: .nanoseconds(timeout.nanoseconds))
            status = Int(response.status.code)
            bytes = Data((try await response.body.collect(upTo: 64 << 20)).readableBytesView)
        } catch {
            throw ChainError(.refused, "the chain at \(url) cannot be reached: \(error)")
        }
        guard status != 200 else { return bytes }
        let failure = try? ChainJSON.decoder.decode(ChainJSON.Failure.self, from: bytes)
        let message =
            failure?.message
            ?? "\(url) answered HTTP \(status) without a chain's error: is it a Synod chain's API (synod up logs it)?"
        switch status {
        case 404: throw ChainError(.notFound, message)
        case 409: throw ChainError(.conflict, message)
        case 400, 413: throw ChainError(.invalid, message)
        case 401: throw ChainError(.refused, "the chain did not accept this request's signature: \(message)")
        default: throw ChainError(.refused, message)
        }
    }
}

extension Duration {
    var nanoseconds: Int64 { components.seconds * 1_000_000_000 + components.attoseconds / 1_000_000_000 }
}
