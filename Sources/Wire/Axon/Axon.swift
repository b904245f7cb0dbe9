import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdCore
import HummingbirdTLS
public import Logging
import NIOCore
import NIOSSL
public import ServiceLifecycle
import StrictJSON
import UnixSignals

/// The miner-side HTTP server: verifies btauth/1 on every request, then hands the task
/// to an ``AxonService``.
///
/// Routes:
/// - `POST /v1/subnets/{netuid}/forward` — a signed JSON task; answers the miner's JSON.
/// - `GET /health` — `{"status":"ok"}`, unauthenticated, for load balancers.
/// - `GET /v1/info` — this axon's hotkey, protocol and subnets.
///
/// A forward request is checked in this order, and refused at the first failure:
/// btauth/1 headers, receiver and freshness (401, before any byte of the body is read);
/// body size (413); freshness again once the body is in, signature and replay (401, or 503
/// when the replay memory is full);
/// subnet (404); the host's permission for this caller (403); the caller's requests in
/// flight (429); JSON syntax (400); the handler's time budget (504). Errors are JSON:
/// `{"error": "<reason>", "message": "<what to do>"}`.
///
/// Connections are guarded as ``AxonChannel`` describes: a cap (503 past it), header and
/// request deadlines from a request's first byte, an idle timeout, and HTTP/1.0 closing.
public final class Axon: Sendable {
    /// This axon's hotkey address: requests must be signed for it.
    public let hotkey: SS58Address
    public let configuration: AxonConfiguration
    private let service: any AxonService
    private let verifier: BTAuthVerifier
    private let limiter: CallerLimiter
    private let connections = ConnectionCounter()
    private let logger: Logger

    public init(
        hotkey: SS58Address, service: any AxonService, configuration: AxonConfiguration = .init(),
        logger: Logger = Logger(label: "synod.axon")
    ) {
        self.hotkey = hotkey
        self.service = service
        self.configuration = configuration
        self.verifier = BTAuthVerifier(
            receiver: hotkey, maxAge: configuration.maxAge, allowedSkew: configuration.allowedSkew,
            replayCapacity: configuration.replayCapacity)
        self.limiter = CallerLimiter(limit: configuration.maxConcurrentPerCaller)
        self.logger = DeferredMetadataLogHandler.wrap(logger)
    }

    /// Serves until the task is cancelled or the process gets SIGTERM/SIGINT, then shuts down
    /// gracefully: stops accepting, lets requests in flight finish, closes connections.
    ///
    /// - Parameter onListening: called once with the bound port (useful with port 0).
    /// - Throws: ``WireError/transport(_:)`` when the TLS files cannot be loaded; NIO's
    ///   errors when the address cannot be bound.
    public func run(onListening: @escaping @Sendable (Int) async -> Void = { _ in }) async throws {
        let app = try service(onListening: onListening)
        let group = ServiceGroup(
            configuration: .init(services: [app], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        // Cancelling a service group tears connections down mid-request; a cancelled axon
        // should instead drain, so cancellation is turned into a graceful shutdown.
        let serving = Task { try await group.run() }
        try await withTaskCancellationHandler {
            try await serving.value
        } onCancel: {
            Task { await group.triggerGracefulShutdown() }
        }
    }

    /// The axon as a service for a host's own `ServiceGroup` (one signal handler for all its
    /// services): it stops accepting on the group's graceful shutdown and lets requests in
    /// flight finish.
    public func service(onListening: @escaping @Sendable (Int) async -> Void = { _ in }) throws -> some Service {
        Application(
            router: makeRouter(),
            server: try makeServerBuilder(),
            configuration: .init(
                address: .hostname(configuration.host, port: configuration.port), serverName: "synod-axon"),
            onServerRunning: { channel in await onListening(channel.localAddress?.port ?? 0) },
            logger: logger)
    }

    /// Connections open on this axon now.
    public var openConnections: Int { connections.count }

    private func makeServerBuilder() throws -> HTTPServerBuilder {
        let c = configuration
        let limits = ConnectionLimits(
            maxConnections: c.maxConnections, headerTimeout: c.headerTimeout, requestTimeout: c.requestTimeout,
            idleTimeout: c.idleTimeout)
        let counter = connections
        let http = HTTPServerBuilder { responder in
            AxonChannel(responder: responder, limits: limits, counter: counter)
        }
        guard let tls = configuration.tls else { return http }
        do {
            let chain = try NIOSSLCertificate.fromPEMFile(tls.certificateChainPath).map {
                NIOSSLCertificateSource.certificate($0)
            }
            let key = try NIOSSLPrivateKey(file: tls.privateKeyPath, format: .pem)
            let tlsConfiguration = TLSConfiguration.makeServerConfiguration(
                certificateChain: chain, privateKey: .privateKey(key))
            return try .tls(http, tlsConfiguration: tlsConfiguration)
        } catch {
            throw WireError.transport(
                "cannot load the axon's TLS certificate \(tls.certificateChainPath) or key \(tls.privateKeyPath): "
                    + "\(error); both must be PEM files")
        }
    }

    private func makeRouter() -> Router<BasicRequestContext> {
        let router = Router()
        router.get("/health") { _, _ in
            Self.json(.ok, ["status": "ok"])
        }
        router.get("/v1/info") { _, _ in
            Self.json(
                .ok,
                [
                    "hotkey": self.hotkey.string, "protocol": BTAuth.protocolName, "schemes": ["ed25519", "sr25519"],
                    "subnets": await self.service.subnets().sorted(),
                    "max_body_bytes": self.configuration.maxBodySize,
                ])
        }
        router.post("/v1/subnets/:netuid/forward") { request, context in
            await self.forward(request, context: context)
        }
        return router
    }

    private func forward(_ request: Request, context: BasicRequestContext) async -> Response {
        let pending: BTAuthVerifier.Pending
        do {
            pending = try verifier.checkHeaders(request.headers, now: configuration.now())
        } catch let rejection {
            return refusal(rejection)
        }

        let limit = configuration.maxBodySize
        if let declared = request.headers[.contentLength].flatMap(Int.init), declared > limit {
            return Self.error(
                .contentTooLarge, "too_large", "request body of \(declared) bytes exceeds the \(limit)-byte limit")
        }
        let body: ByteBuffer
        do {
            body = try await request.body.collect(upTo: limit)
        } catch is NIOTooManyBytesError {
            return Self.error(.contentTooLarge, "too_large", "request body exceeds the \(limit)-byte limit")
        } catch {
            return Self.error(.badRequest, "bad_body", "the request body could not be read")
        }

        let target = request.head.path ?? "/"
        let method = request.method.rawValue
        // Freshness is judged again now that the body is in: see BTAuthVerifier.verify.
        let now = configuration.now()
        let verified: Result<BTAuthVerifier.Caller, BTAuthRejection> = body.withUnsafeReadableBytes { raw in
            do throws(BTAuthRejection) {
                return .success(try verifier.verify(pending, method: method, target: target, body: raw, now: now))
            } catch {
                return .failure(error)
            }
        }
        let caller: BTAuthVerifier.Caller
        switch verified {
        case .success(let value): caller = value
        case .failure(let rejection): return refusal(rejection)
        }

        guard let netuid = context.parameters.get("netuid", as: UInt16.self) else {
            return Self.error(.notFound, "unknown_subnet", "no subnet '\(context.parameters.get("netuid") ?? "")' here")
        }
        switch await service.authorize(caller: caller.hotkey, netuid: netuid) {
        case .allowed: break
        case .unknownSubnet:
            return Self.error(.notFound, "unknown_subnet", "subnet \(netuid) is not served by this axon")
        case .forbidden(let reason):
            return Self.error(.forbidden, "forbidden", reason)
        }

        guard limiter.acquire(caller.hotkey.string) else {
            var response = Self.error(
                .tooManyRequests, "too_many_requests",
                "this hotkey already has \(limiter.limit) requests in flight here; wait for answers before sending more"
            )
            response.headers[.retryAfter] = "1"
            return response
        }
        defer { limiter.release(caller.hotkey.string) }

        let syntax: JSONSyntax.Failure? = body.withUnsafeReadableBytes { raw in
            do throws(JSONSyntax.Failure) { try JSONSyntax.validate(raw) } catch { return error }
            return nil
        }
        if let syntax {
            return Self.error(.badRequest, "malformed_json", "the body is not valid JSON: \(syntax)")
        }

        let task = ForwardRequest(
            netuid: netuid, caller: caller.hotkey, nonce: caller.nonce, body: Array(body.readableBytesView),
            receiver: hotkey)
        let service = self.service
        let answer: [UInt8]
        do {
            answer = try await withDeadline(configuration.handlerTimeout) { try await service.forward(task) }
        } catch is DeadlineExceeded {
            return Self.error(
                .gatewayTimeout, "timeout", "the miner did not answer within \(configuration.handlerTimeout)")
        } catch let error as AxonHandlerError {
            return Self.error(.init(code: error.status), "handler_error", error.message)
        } catch {
            logger.warning("forward handler failed", metadata: ["netuid": "\(netuid)", "error": "\(error)"])
            return Self.error(.internalServerError, "handler_failed", "the miner failed to answer this task")
        }
        do {
            try JSONSyntax.validate(answer)
        } catch {
            logger.warning(
                "forward handler returned invalid JSON", metadata: ["netuid": "\(netuid)", "error": "\(error)"])
            return Self.error(.internalServerError, "handler_failed", "the miner's answer was not valid JSON")
        }
        return Response(
            status: .ok, headers: [.contentType: "application/json"],
            body: .init(byteBuffer: ByteBuffer(bytes: answer)))
    }

    private func refusal(_ rejection: BTAuthRejection) -> Response {
        logger.debug("refused a request", metadata: ["reason": "\(rejection.reason.rawValue)"])
        if rejection.reason == .overloaded {
            var response = Self.error(.serviceUnavailable, rejection.reason.rawValue, rejection.message)
            response.headers[.retryAfter] = "1"
            return response
        }
        var response = Self.error(.unauthorized, rejection.reason.rawValue, rejection.message)
        response.headers[.wwwAuthenticate] = BTAuth.protocolName
        return response
    }

    static func error(_ status: HTTPResponse.Status, _ reason: String, _ message: String) -> Response {
        json(status, ["error": reason, "message": message])
    }

    /// A JSON response for the axon's own small bodies (errors, health, info); keys sorted so
    /// the bytes are stable.
    static func json(_ status: HTTPResponse.Status, _ object: [String: any Sendable]) -> Response {
        let data = try! JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])
        return Response(
            status: status, headers: [.contentType: "application/json"],
            body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }
}
