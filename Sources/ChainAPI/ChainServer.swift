import Foundation
import HTTPTypes
import HostReports
public import Hummingbird
import Ledger
import Logging
import NIOCore
public import SynodChain
public import Wire

/// Who may register on the chain's subnets over the API.
public enum RegistrationPolicy: Sendable, Hashable {
    /// Any hotkey.
    case open
    /// Only these hotkeys (ss58).
    case allowList(Set<String>)
}

/// The chain's API over HTTP: every request btauth/1-signed (ed25519 or sr25519) and
/// addressed to the chain's own hotkey; the caller acts as itself only. Reads: the head, the
/// subnets, a metagraph, a neuron, commitments, and the blocks as a stream of server-sent
/// events that resumes after a reconnect. Writes: register, serve, set weights, commit and
/// reveal — each through the chain's rules (``ChainRules``); every refusal is a 4xx whose
/// JSON says why. A miner reads its own report (``MinerReport``). docs/chain-api.md is the reference.
public struct ChainServer: Sendable {
    public let chain: LocalChain
    public let verifier: BTAuthVerifier
    public let policy: RegistrationPolicy
    public let feed: BlockFeed
    /// Largest request body read (a release carries up to 1 MiB of source in base64).
    public let maxBodySize: Int

    public init(
        chain: LocalChain, hotkey: SS58Address, policy: RegistrationPolicy = .open, feed: BlockFeed = BlockFeed(),
        maxBodySize: Int = 2 << 20
    ) {
        self.chain = chain
        self.verifier = BTAuthVerifier(receiver: hotkey)
        self.policy = policy
        self.feed = feed
        self.maxBodySize = maxBodySize
    }

    /// Follows the chain's blocks into the feed until the chain stops (run it beside the
    /// server).
    public func followBlocks() async {
        for await block in chain.blocks() { feed.record(block) }
        feed.finish()
    }

    /// Adds the API's routes to `router` (beside `/metrics` on `synod up`'s port).
    public func routes(_ router: Router<BasicRequestContext>) {
        router.get("/v1/chain") { request, context in
            await handle(request, context) { _, _ in
                .json(
                    ChainJSON.Subnets(
                        hotkey: verifier.receiver.string, head: try chain.head(),
                        subnets: try chain.subnets().map(ChainJSON.Subnet.init)))
            }
        }
        router.get("/v1/chain/head") { request, context in
            await handle(request, context) { _, _ in .json(ChainJSON.Head(block: try chain.head())) }
        }
        router.get("/v1/chain/blocks") { request, context in
            await handle(request, context) { _, _ in
                let after =
                    request.headers[HTTPField.Name("Last-Event-ID")!].flatMap { UInt64($0) }
                    ?? request.uri.queryParameters.get("after").flatMap { UInt64($0) }
                return .stream(feed.follow(after: after))
            }
        }
        router.get("/v1/subnets/:netuid/metagraph") { request, context in
            await handle(request, context) { _, _ in
                .json(ChainJSON.Metagraph(try chain.metagraph(netuid: try netuid(context))))
            }
        }
        router.get("/v1/subnets/:netuid/neurons/:hotkey") { request, context in
            await handle(request, context) { _, _ in
                let hotkey = context.parameters.get("hotkey") ?? ""
                let n = try netuid(context)
                guard let neuron = try chain.neuron(netuid: n, hotkey: hotkey) else {
                    throw ChainError(.notFound, "hotkey \(hotkey) is not registered on subnet \(n)")
                }
                return .json(ChainJSON.Neuron(neuron))
            }
        }
        router.get("/v1/subnets/:netuid/commits/:hotkey") { request, context in
            await handle(request, context) { _, _ in
                .json(
                    try chain.commits(netuid: try netuid(context), hotkey: context.parameters.get("hotkey") ?? "")
                        .map(ChainJSON.Commit.init))
            }
        }
        router.post("/v1/subnets/:netuid/register") { request, context in
            await handle(request, context) { caller, body in
                let asked = try decode(ChainJSON.Register.self, body)
                // Kept in every metagraph: bounded like an ss58 address.
                guard (1...64).contains(asked.coldkey.utf8.count) else {
                    throw ChainError(.invalid, "coldkey must be an address of 1 to 64 bytes (an ss58 string)")
                }
                if case .allowList(let allowed) = policy, !allowed.contains(caller.string) {
                    throw ChainError(
                        .refused,
                        "\(caller.string) is not on this chain's allow-list; ask its operator to add it")
                }
                let uid = try chain.register(netuid: try netuid(context), hotkey: caller.string, coldkey: asked.coldkey)
                return .json(ChainJSON.Registered(uid: uid))
            }
        }
        router.post("/v1/subnets/:netuid/serve") { request, context in
            await handle(request, context) { caller, body in
                try chain.serve(
                    netuid: try netuid(context), hotkey: caller.string,
                    endpoint: try decode(ChainJSON.Serve.self, body).endpoint)
                return .done
            }
        }
        router.post("/v1/subnets/:netuid/weights") { request, context in
            await handle(request, context) { caller, body in
                let w = try decode(ChainJSON.Weights.self, body)
                try chain.setWeights(
                    netuid: try netuid(context), hotkey: caller.string, uids: w.uids, values: w.values,
                    versionKey: w.versionKey)
                return .done
            }
        }
        router.post("/v1/subnets/:netuid/commit") { request, context in
            await handle(request, context) { caller, body in
                let hex = try decode(ChainJSON.CommitRequest.self, body).hash
                guard let hash = ChainJSON.bytes(hex: hex) else {
                    throw ChainError(.invalid, "hash must be hexadecimal (64 digits for 32 bytes)")
                }
                try chain.commitWeights(netuid: try netuid(context), hotkey: caller.string, hash: hash)
                return .done
            }
        }
        router.post("/v1/subnets/:netuid/reveal") { request, context in
            await handle(request, context) { caller, body in
                let r = try decode(ChainJSON.Reveal.self, body)
                guard let salt = ChainJSON.bytes(hex: r.salt) else {
                    throw ChainError(.invalid, "salt must be hexadecimal")
                }
                try chain.revealWeights(
                    netuid: try netuid(context), hotkey: caller.string, uids: r.uids, values: r.values, salt: salt,
                    versionKey: r.versionKey)
                return .done
            }
        }
        router.get("/v1/subnets/:netuid/releases") { request, context in
            await handle(request, context) { _, _ in
                let n = try netuid(context)
                return .json(
                    ChainJSON.Releases(
                        releases: try chain.releases(netuid: n).map(ChainJSON.Release.init),
                        versions: try chain.versions(netuid: n).map(ChainJSON.Version.init)))
            }
        }
        router.get("/v1/subnets/:netuid/releases/:sha256") { request, context in
            await handle(request, context) { _, _ in
                .source(
                    try chain.releaseSource(netuid: try netuid(context), sha256: context.parameters.get("sha256") ?? "")
                )
            }
        }
        router.post("/v1/subnets/:netuid/releases") { request, context in
            await handle(request, context) { caller, body in
                let p = try decode(ChainJSON.Publish.self, body)
                guard let signature = ChainJSON.bytes(hex: p.signature), signature.count == 64 else {
                    throw ChainError(.invalid, "signature must be 128 hexadecimal digits (64 bytes)")
                }
                guard let source = Data(base64Encoded: p.source) else {
                    throw ChainError(.invalid, "source must be the plugin's bytes in base64")
                }
                let release = PluginRelease(
                    netuid: try netuid(context), sha256: p.sha256, atBlock: p.atBlock, owner: caller.string,
                    scheme: p.scheme, nonce: p.nonce, signature: signature)
                return .json(
                    ChainJSON.Release(
                        try chain.publish(release, source: [UInt8](source), chain: verifier.receiver.string)))
            }
        }
        router.get("/v1/subnets/:netuid/report") { request, context in
            await handle(request, context) { caller, _ in
                let netuid = try netuid(context)
                // The caller's own report: the route takes no hotkey, so it can ask for no other.
                let report: Result<MinerReport, ReportError> = Result { () throws(ReportError) in
                    try MinerReport(ledger: chain.ledger, netuid: netuid, hotkey: caller.string)
                }
                switch report {
                case .success(let report): return .json(report)
                case .failure(let error): throw ChainError(.notFound, error.message)
                }
            }
        }
        router.post("/v1/subnets/:netuid/version") { request, context in
            await handle(request, context) { caller, body in
                let r = try decode(ChainJSON.Running.self, body)
                try chain.reportVersion(
                    netuid: try netuid(context),
                    ValidatorVersion(
                        hotkey: caller.string, sha256: r.sha256, block: r.block, refused: r.refused ?? "",
                        refusedMessage: r.refusedMessage ?? ""))
                return .done
            }
        }
    }

    // MARK: Handling

    enum Outcome {
        case json(any Encodable)
        case done
        /// Plugin source, as it was released.
        case source([UInt8])
        case stream((backlog: [(UInt64, String)], live: AsyncStream<(UInt64, String)>))
    }

    private func netuid(_ context: BasicRequestContext) throws(ChainError) -> Int {
        guard let text = context.parameters.get("netuid"), let n = Int(text), (0...65535).contains(n) else {
            throw ChainError(.notFound, "'\(context.parameters.get("netuid") ?? "")' is not a netuid")
        }
        return n
    }

    private func decode<T: Decodable>(_ type: T.Type, _ body: [UInt8]) throws(ChainError) -> T {
        do {
            return try ChainJSON.decoder.decode(type, from: Data(body))
        } catch {
            throw ChainError(.invalid, "the request body is not the JSON this call takes (docs/chain-api.md): \(error)")
        }
    }

    /// Authenticates the request, runs `body` as its caller, and turns the outcome — or the
    /// refusal — into a response.
    private func handle(
        _ request: Request, _ context: BasicRequestContext,
        _ body: (SS58Address, [UInt8]) async throws -> Outcome
    ) async -> Response {
        let pending: BTAuthVerifier.Pending
        do {
            pending = try verifier.checkHeaders(request.headers)
        } catch {
            return Self.unauthorized(error)
        }
        if let declared = request.headers[.contentLength].flatMap(Int.init), declared > maxBodySize {
            return Self.error(.contentTooLarge, "too_large", "the body of \(declared) bytes exceeds \(maxBodySize)")
        }
        let bytes: [UInt8]
        do {
            bytes = Array((try await request.body.collect(upTo: maxBodySize)).readableBytesView)
        } catch {
            return Self.error(.contentTooLarge, "too_large", "the body exceeds \(maxBodySize) bytes")
        }
        let verified: Result<BTAuthVerifier.Caller, BTAuthRejection> = bytes.withUnsafeBytes { raw in
            do throws(BTAuthRejection) {
                return .success(
                    try verifier.verify(
                        pending, method: request.method.rawValue, target: request.head.path ?? "/", body: raw))
            } catch {
                return .failure(error)
            }
        }
        let caller: BTAuthVerifier.Caller
        switch verified {
        case .success(let value): caller = value
        case .failure(let rejection): return Self.unauthorized(rejection)
        }
        do {
            switch try await body(caller.hotkey, bytes) {
            case .json(let value):
                return Response(
                    status: .ok, headers: [.contentType: "application/json"],
                    body: .init(byteBuffer: ByteBuffer(bytes: try ChainJSON.encoder.encode(value))))
            case .done:
                return Response(
                    status: .ok, headers: [.contentType: "application/json"],
                    body: .init(byteBuffer: ByteBuffer(string: "{\"ok\":true}")))
            case .source(let bytes):
                return Response(
                    status: .ok, headers: [.contentType: "text/x-lua"],
                    body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
            case .stream(let (backlog, live)):
                return Response(
                    status: .ok, headers: [.contentType: "text/event-stream", .cacheControl: "no-cache"],
                    body: .init { writer in
                        for (number, json) in backlog {
                            try await writer.write(ByteBuffer(string: "id: \(number)\nevent: block\ndata: \(json)\n\n"))
                        }
                        for await (number, json) in live {
                            try await writer.write(ByteBuffer(string: "id: \(number)\nevent: block\ndata: \(json)\n\n"))
                        }
                        try await writer.finish(nil)
                    })
            }
        } catch let error as ChainError {
            let status: HTTPResponse.Status =
                switch error.code {
                case .notFound: .notFound
                case .conflict: .conflict
                case .invalid: .badRequest
                case .refused: .forbidden
                }
            return Self.error(status, error.code.rawValue.replacingOccurrences(of: " ", with: "_"), error.message)
        } catch {
            return Self.error(.internalServerError, "internal", "the chain failed: \(error)")
        }
    }

    private static func unauthorized(_ rejection: BTAuthRejection) -> Response {
        if rejection.reason == .overloaded {
            var response = error(.serviceUnavailable, rejection.reason.rawValue, rejection.message)
            response.headers[.retryAfter] = "1"
            return response
        }
        var response = error(.unauthorized, rejection.reason.rawValue, rejection.message)
        response.headers[.wwwAuthenticate] = BTAuth.protocolName
        return response
    }

    static func error(_ status: HTTPResponse.Status, _ code: String, _ message: String) -> Response {
        Response(
            status: status, headers: [.contentType: "application/json"],
            body: .init(
                byteBuffer: ByteBuffer(bytes: ChainJSON.encode(ChainJSON.Failure(error: code, message: message)))))
    }
}
