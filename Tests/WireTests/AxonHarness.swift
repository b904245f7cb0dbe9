import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import Testing

@testable import Wire

/// A miner for tests: answers `{"numbers":[…]}` with `{"sum":…}`; the body's `mode` picks
/// misbehaviour (sleep, fail, invalid JSON).
struct SumService: AxonService {
    var validators: Set<SS58Address>
    var netuids: Set<UInt16> = [1]

    func authorize(caller: SS58Address, netuid: UInt16) async -> AxonAuthorization {
        guard netuids.contains(netuid) else { return .unknownSubnet }
        return validators.contains(caller) ? .allowed : .forbidden("not a registered validator of subnet \(netuid)")
    }

    func forward(_ request: ForwardRequest) async throws -> [UInt8] {
        let object = try JSONSerialization.jsonObject(with: Data(request.body)) as? [String: Any] ?? [:]
        switch object["mode"] as? String {
        case "sleep":
            try await Task.sleep(for: .milliseconds(object["ms"] as? Int ?? 5_000))
        case "fail":
            throw AxonHandlerError(status: 422, message: "numbers must be integers")
        case "crash":
            throw CocoaError(.featureUnsupported)
        case "invalid":
            return Array("{not json".utf8)
        default:
            break
        }
        let sum = (object["numbers"] as? [Int] ?? []).reduce(0, +)
        return Array(#"{"sum":\#(sum),"caller":"\#(request.caller.string)"}"#.utf8)
    }

    func subnets() async -> [UInt16] { Array(netuids) }
}

/// Runs an axon on a free loopback port for the duration of `body`.
func withAxon<T: Sendable>(
    hotkey: Hotkey = Golden.receiver, service: any AxonService,
    configuration: AxonConfiguration = AxonConfiguration(port: 0),
    _ body: @Sendable (Int) async throws -> T
) async throws -> T {
    let axon = Axon(hotkey: hotkey.address, service: service, configuration: configuration)
    let (ports, continuation) = AsyncStream.makeStream(of: Int.self)
    let server = Task { try await axon.run { port in continuation.yield(port) } }
    defer { server.cancel() }
    var iterator = ports.makeAsyncIterator()
    guard let port = await iterator.next() else { throw WireError.transport("axon did not start") }
    let result = try await body(port)
    server.cancel()
    _ = await server.result
    return result
}

/// A raw HTTP exchange, for requests the dendrite would never send.
struct RawResponse {
    var status: Int
    var body: String
    var headers: [String: String]

    /// The `error` field of a JSON error body.
    var reason: String? {
        (try? JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any])?["error"] as? String
    }
}

func send(
    port: Int, method: String = "POST", path: String = Golden.path, headers: [(name: String, value: String)],
    body: [UInt8], scheme: String = "http"
) async throws -> RawResponse {
    var request = HTTPClientRequest(url: "\(scheme)://127.0.0.1:\(port)\(path)")
    request.method = .init(rawValue: method)
    for header in headers { request.headers.add(name: header.name, value: header.value) }
    if !body.isEmpty { request.body = .bytes(ByteBuffer(bytes: body)) }
    let response = try await HTTPClient.shared.execute(request, timeout: .seconds(30))
    let bytes = try await response.body.collect(upTo: 1 << 24)
    var fields: [String: String] = [:]
    for header in response.headers { fields[header.name.lowercased()] = header.value }
    return RawResponse(status: Int(response.status.code), body: String(buffer: bytes), headers: fields)
}

/// Signs like a validator would, for `receiver`.
func signed(
    _ body: [UInt8], by sender: Hotkey = Golden.sender, for receiver: Hotkey = Golden.receiver,
    path: String = Golden.path, nonce: Int64? = nil
) -> [(name: String, value: String)] {
    BTAuthSigner(hotkey: sender).headers(
        method: "POST", target: path, body: body, receiver: receiver.address, nonce: nonce)
}
