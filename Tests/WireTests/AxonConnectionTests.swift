import Foundation
import Synchronization
import Testing

@testable import Wire

/// A clock for btauth/1 freshness that tests set, and that reports each time the axon reads
/// it (so a test knows the axon has judged the headers before it moves time on).
final class TestClock: Sendable {
    private let value: Mutex<Int64>
    let reads: AsyncStream<Void>
    private let sink: AsyncStream<Void>.Continuation

    init(_ start: Int64) {
        value = Mutex(start)
        (reads, sink) = AsyncStream.makeStream(of: Void.self)
    }

    func set(_ nanoseconds: Int64) { value.withLock { $0 = nanoseconds } }
    var now: @Sendable () -> Int64 {
        { [self] in
            defer { sink.yield() }
            return value.withLock { $0 }
        }
    }
}

@Suite struct AxonConnectionTests {
    let service = SumService(validators: [Golden.sender.address])
    static let second: Int64 = 1_000_000_000

    /// The replay bypass: fresh headers, the last body byte held back until the first
    /// acceptance has left the replay memory. The body's arrival is judged too, so the
    /// copy is stale, not new.
    @Test func aBodyHeldBackPastTheFreshnessWindowCannotReplayARequest() async throws {
        let t0 = Golden.nonce
        let clock = TestClock(t0)
        // The copy waits out 48 other requests with its last byte held back: the wall-clock
        // deadlines are far off, so only the test clock's freshness window can refuse it,
        // however slowly a loaded machine serves the others.
        let configuration = AxonConfiguration(
            port: 0, headerTimeout: .seconds(600), requestTimeout: .seconds(600), now: clock.now)
        try await withAxon(service: service, configuration: configuration) { port in
            var reads = clock.reads.makeAsyncIterator()
            let headers = signed(Golden.body, nonce: t0)
            let request = rawRequest(headers: headers, body: Golden.body)

            let first = try RawSocket(port: port)
            #expect(first.send(request))
            #expect(await first.readResponse().hasPrefix("HTTP/1.1 200"))
            _ = await reads.next()
            _ = await reads.next()

            // The copy: headers at t0 + 9.5 s (fresh), the last byte at t0 + 13 s.
            clock.set(t0 + 9 * Self.second + Self.second / 2)
            let copy = try RawSocket(port: port)
            #expect(copy.send(Array(request.dropLast())))
            _ = await reads.next()  // the axon judged the headers
            clock.set(t0 + 13 * Self.second)
            // Other traffic at t0 + 13 s prunes the replay memory, as on a busy axon.
            for i in 0..<48 {
                let fresh = signed(Golden.body, nonce: t0 + 13 * Self.second + Int64(i))
                let other = try RawSocket(port: port)
                #expect(other.send(rawRequest(headers: fresh, body: Golden.body)))
                #expect(await other.readResponse().hasPrefix("HTTP/1.1 200"))
            }
            #expect(copy.send([request.last!]))
            let response = await copy.readResponse()
            #expect(response.hasPrefix("HTTP/1.1 401"), "\(response)")
            #expect(response.contains(#""error":"stale""#))
        }
    }

    /// Slowloris: clients that trickle their headers are cut off at the header deadline,
    /// measured from their first byte, however steadily they send.
    @Test func connectionsThatTrickleHeadersAreClosed() async throws {
        let configuration = AxonConfiguration(port: 0, headerTimeout: .milliseconds(300), requestTimeout: .seconds(5))
        try await withAxon(service: service, configuration: configuration) { port in
            let sockets = try (0..<20).map { _ in try RawSocket(port: port, readTimeout: 0.05) }
            let head = Array("POST \(Golden.path) HTTP/1.1\r\nhost: 127.0.0.1\r\nx-pad: ".utf8)
            var open = sockets.count
            // One byte per socket per round; a round takes ≥ 50 ms (each read waits it out).
            for round in 0..<200 where open > 0 {
                open = 0
                for socket in sockets where socket.send([round < head.count ? head[round] : UInt8(ascii: "a")]) {
                    let (_, closed) = await socket.readToEnd()
                    if !closed { open += 1 }
                }
            }
            #expect(open == 0, "\(open) trickling connections still open")
        }
    }

    /// The deadlines are per request on a kept-alive connection: a request answered in time
    /// leaves no deadline behind (the connection outlives the first request's header
    /// deadline), and a later request that trickles its headers is cut off at its own.
    @Test func eachRequestOnAKeptAliveConnectionHasItsOwnDeadlines() async throws {
        let configuration = AxonConfiguration(port: 0, headerTimeout: .milliseconds(300), requestTimeout: .seconds(5))
        try await withAxon(service: service, configuration: configuration) { port in
            // Answers are waited for generously (a busy machine); idle time in 50 ms reads.
            let socket = try RawSocket(port: port, readTimeout: 10)
            #expect(socket.send("GET /health HTTP/1.1\r\nhost: x\r\n\r\n"))
            #expect(await socket.readResponse().hasPrefix("HTTP/1.1 200"))
            // Twice the header deadline of the first request, idle and then a second request.
            socket.setReadTimeout(0.05)
            for _ in 0..<12 { #expect(await socket.readToEnd().closed == false) }
            socket.setReadTimeout(10)
            #expect(socket.send("GET /health HTTP/1.1\r\nhost: x\r\n\r\n"))
            #expect(await socket.readResponse().hasPrefix("HTTP/1.1 200"))
            socket.setReadTimeout(0.05)
            // A third request's head, one byte per 50 ms or more: closed near its 300 ms.
            let head =
                Array("GET /health HTTP/1.1\r\nhost: x\r\nx-pad: ".utf8)
                + Array(repeating: UInt8(ascii: "a"), count: 200)
            var sent = 0
            var closed = false
            for byte in head where !closed {
                closed = !socket.send([byte])
                if !closed { closed = await socket.readToEnd().closed }
                sent += 1
            }
            #expect(closed, "a trickled head of \(sent) bytes was not cut off")
            #expect(sent < head.count)
        }
    }

    /// A body trickled after complete headers is cut off at the request deadline.
    @Test func aBodyTrickledPastTheRequestDeadlineClosesTheConnection() async throws {
        let configuration = AxonConfiguration(port: 0, headerTimeout: .seconds(5), requestTimeout: .milliseconds(400))
        try await withAxon(service: service, configuration: configuration) { port in
            let socket = try RawSocket(port: port, readTimeout: 0.05)
            let request = rawRequest(headers: signed(Golden.body), body: Golden.body)
            let headEnd = request.count - Golden.body.count
            #expect(socket.send(Array(request[..<headEnd])))
            var closed = false
            for byte in request[headEnd...].dropLast() where !closed {
                closed = !socket.send([byte])
                if !closed { closed = await socket.readToEnd().closed }
                if !closed { closed = await socket.readToEnd().closed }
            }
            // At 100 ms a byte, 18 bytes take far longer than 400 ms.
            #expect(closed)
        }
    }

    /// Past the cap a new connection gets 503 and is closed; connections already open are
    /// served, and once they close there is room again.
    @Test func connectionsPastTheCapGet503() async throws {
        let configuration = AxonConfiguration(port: 0, maxConnections: 4)
        try await withAxon(service: service, configuration: configuration) { port in
            let held = try (0..<4).map { _ in try RawSocket(port: port) }
            // Each held connection has been accepted (an exchange proves it).
            for socket in held {
                #expect(socket.send("GET /health HTTP/1.1\r\nhost: x\r\n\r\n"))
                #expect(await socket.readResponse().hasPrefix("HTTP/1.1 200"))
            }
            let extra = try RawSocket(port: port)
            #expect(extra.send("GET /health HTTP/1.1\r\nhost: x\r\n\r\n"))
            let (bytes, closed) = await extra.readToEnd()
            let text = String(decoding: bytes, as: UTF8.self)
            #expect(text.hasPrefix("HTTP/1.1 503"), "\(text)")
            #expect(text.contains(#""error":"overloaded""#) && closed)
            // A held connection is still served.
            #expect(held[0].send("GET /health HTTP/1.1\r\nhost: x\r\n\r\n"))
            #expect(await held[0].readResponse().hasPrefix("HTTP/1.1 200"))
        }
    }

    /// HTTP/1.0 without keep-alive: the answer, then the connection closes.
    @Test func http10ConnectionsCloseAfterTheirResponse() async throws {
        try await withAxon(service: service) { port in
            let socket = try RawSocket(port: port, readTimeout: 5)
            #expect(socket.send(rawRequest(headers: signed(Golden.body), body: Golden.body, version: "1.0")))
            let (bytes, closed) = await socket.readToEnd()
            let text = String(decoding: bytes, as: UTF8.self)
            #expect(text.hasPrefix("HTTP/1.1 200") || text.hasPrefix("HTTP/1.0 200"), "\(text)")
            #expect(closed, "the connection stayed open after an HTTP/1.0 response")
        }
    }

    /// An idle keep-alive connection is closed after the idle timeout.
    @Test func idleConnectionsAreClosed() async throws {
        let configuration = AxonConfiguration(port: 0, idleTimeout: .milliseconds(300))
        try await withAxon(service: service, configuration: configuration) { port in
            let socket = try RawSocket(port: port, readTimeout: 10)
            #expect(socket.send("GET /health HTTP/1.1\r\nhost: x\r\n\r\n"))
            #expect(await socket.readResponse().hasPrefix("HTTP/1.1 200"))
            #expect(await socket.readToEnd().closed)
        }
    }
}
