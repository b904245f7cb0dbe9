import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
public import NIOSSL

/// A miner the dendrite can call: its hotkey (requests are signed for it) and base URL.
public struct MinerEndpoint: Sendable, Hashable {
    public var hotkey: SS58Address
    /// Scheme, host and port, e.g. `http://127.0.0.1:8091` (a path prefix is kept).
    public var url: String

    public init(hotkey: SS58Address, url: String) {
        self.hotkey = hotkey
        self.url = url.hasSuffix("/") ? String(url.dropLast()) : url
    }
}

/// What became of one request to one miner.
public struct DendriteOutcome: Sendable {
    /// How the request ended.
    public enum Result: Sendable, Equatable {
        /// 200 with a body (the miner's JSON answer).
        case answered([UInt8])
        /// The axon answered with another status; `reason` is its `error` field when it sent one.
        case refused(status: Int, reason: String, message: String)
        /// No complete answer within the timeout.
        case timedOut
        /// No connection, a broken connection, or an answer too large.
        case failed(String)
    }

    public let endpoint: MinerEndpoint
    public let result: Result
    /// From just before signing to the end of the answer (or the failure).
    public let latency: Duration

    /// The answer's bytes when the miner answered 200.
    public var answer: [UInt8]? {
        if case .answered(let bytes) = result { bytes } else { nil }
    }

    /// The HTTP status when the axon answered at all.
    public var status: Int? {
        switch result {
        case .answered: 200
        case .refused(let status, _, _): status
        case .timedOut, .failed: nil
        }
    }
}

/// How a dendrite connects.
public struct DendriteConfiguration: Sendable {
    /// Timeout per request when a call does not give one.
    public var timeout: Duration
    /// Largest answer read from a miner; a larger one is a failure.
    public var maxResponseSize: Int
    /// Connections kept per miner for reuse.
    public var connectionsPerMiner: Int
    /// TLS settings for `https` miners (e.g. a private CA); nil uses the system trust roots.
    public var tls: TLSConfiguration?

    public init(
        timeout: Duration = .seconds(12), maxResponseSize: Int = 4 << 20, connectionsPerMiner: Int = 8,
        tls: TLSConfiguration? = nil
    ) {
        self.timeout = timeout
        self.maxResponseSize = maxResponseSize
        self.connectionsPerMiner = connectionsPerMiner
        self.tls = tls
    }
}

/// The validator-side HTTP client: signs every request with btauth/1 for its receiver and
/// fans a task out to many miners at once, each with its own timeout, so one slow or broken
/// miner never holds up the others. Connections are pooled and reused per miner.
public final class Dendrite: Sendable {
    /// What signs the validator's requests: its hotkey, or the signer process holding it.
    public let signer: any PayloadSigner
    public let configuration: DendriteConfiguration
    private let client: HTTPClient

    /// The validator's address.
    public var address: SS58Address { signer.address }

    public convenience init(hotkey: Hotkey, configuration: DendriteConfiguration = .init()) {
        self.init(signer: hotkey, configuration: configuration)
    }

    /// A dendrite whose requests `signer` signs (a ``SignerClient`` keeps the seed out of
    /// this process).
    public init(signer: any PayloadSigner, configuration: DendriteConfiguration = .init()) {
        self.signer = signer
        self.configuration = configuration
        var pool = HTTPClient.Configuration.ConnectionPool()
        pool.concurrentHTTP1ConnectionsPerHostSoftLimit = configuration.connectionsPerMiner
        // A miner that refuses connections has answered: report it now instead of retrying
        // until the request's deadline.
        pool.retryConnectionEstablishment = false
        var clientConfiguration = HTTPClient.Configuration(
            tlsConfiguration: configuration.tls, redirectConfiguration: .disallow,
            connectionPool: pool)
        clientConfiguration.httpVersion = .http1Only
        self.client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: clientConfiguration)
    }

    /// Closes pooled connections. Call once, when done.
    public func shutdown() async throws {
        try await client.shutdown()
    }

    /// Sends one task to one miner's `POST /v1/subnets/{netuid}/forward`.
    public func forward(
        _ body: [UInt8], to endpoint: MinerEndpoint, netuid: UInt16, timeout: Duration? = nil
    ) async -> DendriteOutcome {
        let clock = ContinuousClock()
        let start = clock.now
        let timeout = timeout ?? configuration.timeout
        let path = "/v1/subnets/\(netuid)/forward"
        let result = await send(body, to: endpoint, path: path, timeout: timeout)
        return DendriteOutcome(endpoint: endpoint, result: result, latency: clock.now - start)
    }

    /// Sends one task to many miners concurrently; outcomes come back in `endpoints` order.
    public func forward(
        _ body: [UInt8], to endpoints: [MinerEndpoint], netuid: UInt16, timeout: Duration? = nil
    ) async -> [DendriteOutcome] {
        await withTaskGroup(of: (Int, DendriteOutcome).self) { group in
            for (index, endpoint) in endpoints.enumerated() {
                group.addTask { (index, await self.forward(body, to: endpoint, netuid: netuid, timeout: timeout)) }
            }
            var outcomes = [DendriteOutcome?](repeating: nil, count: endpoints.count)
            for await (index, outcome) in group { outcomes[index] = outcome }
            return outcomes.map { $0! }
        }
    }

    private func send(_ body: [UInt8], to endpoint: MinerEndpoint, path: String, timeout: Duration) async
        -> DendriteOutcome.Result
    {
        // The signed target is the path as sent, including any prefix in the endpoint URL.
        let prefix = Self.pathPrefix(of: endpoint.url)
        var request = HTTPClientRequest(url: endpoint.url + path)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.body = .bytes(ByteBuffer(bytes: body))
        do {
            let headers = try await BTAuthSigner.headers(
                method: "POST", target: prefix + path, body: body, receiver: endpoint.hotkey, signer: signer)
            for header in headers { request.headers.add(name: header.name, value: header.value) }
            let response = try await client.execute(request, timeout: .nanoseconds(timeout.nanoseconds))
            let answer = try await response.body.collect(upTo: configuration.maxResponseSize)
            let bytes = Array(answer.readableBytesView)
            if response.status == .ok { return .answered(bytes) }
            let (reason, message) = Self.errorFields(bytes)
            return .refused(status: Int(response.status.code), reason: reason, message: message)
        } catch let error as HTTPClientError where error == .deadlineExceeded || error == .readTimeout {
            return .timedOut
        } catch is NIOTooManyBytesError {
            return .failed("the answer exceeds \(configuration.maxResponseSize) bytes")
        } catch {
            if Task.isCancelled { return .failed("cancelled") }
            return .failed(String(describing: error))
        }
    }

    /// The path part of a base URL (`http://host:port/prefix` → `/prefix`).
    static func pathPrefix(of url: String) -> String {
        guard let schemeEnd = url.range(of: "://") else { return "" }
        let rest = url[schemeEnd.upperBound...]
        guard let slash = rest.firstIndex(of: "/") else { return "" }
        return String(rest[slash...])
    }

    /// The `error` and `message` fields of an axon's JSON error body, best effort.
    static func errorFields(_ bytes: [UInt8]) -> (String, String) {
        guard let object = try? JSONSerialization.jsonObject(with: Data(bytes.prefix(65536))) as? [String: Any]
        else { return ("", String(decoding: bytes.prefix(200), as: UTF8.self)) }
        return (object["error"] as? String ?? "", object["message"] as? String ?? "")
    }
}
