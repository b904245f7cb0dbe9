import Hummingbird
import HummingbirdCore
import Logging
import NIOCore
import NIOHTTP1
import NIOHTTPTypes
import NIOHTTPTypesHTTP1
import Synchronization

/// The axon's HTTP/1.1 connection: Hummingbird's HTTP/1 pipeline with the guards a server
/// facing the open internet needs, which Hummingbird leaves to the application:
///
/// - a **connection cap**: past `maxConnections` open connections, a new one is answered
///   `503` and closed (so descriptors stay free for the validators already connected);
/// - a **header deadline** and a **request deadline**, both measured from the first byte of
///   a request: a client that trickles its headers (slowloris) or its body is cut off;
/// - an **idle timeout** between requests;
/// - **HTTP/1.0** (and `Connection: close`) ends the connection after its response.
struct AxonChannel: ServerChildChannel, HTTPChannelHandler {
    typealias Value = NIOAsyncChannel<HTTPRequestPart, HTTPResponsePart>

    let responder: HTTPChannelHandler.Responder
    let limits: ConnectionLimits
    let counter: ConnectionCounter

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        channel.eventLoop.makeCompletedFuture {
            let timing = RequestTimingHandler(limits: limits, counter: counter, logger: logger)
            let pipeline = channel.pipeline.syncOperations
            // Added last so far: after TLS when there is TLS, so it sees plaintext bytes.
            try pipeline.addHandler(timing)
            try pipeline.configureHTTPServerPipeline(
                withPipeliningAssistance: false, withErrorHandling: false, withOutboundHeaderValidation: false)
            try pipeline.addHandler(RequestPartsObserver(timing: timing))
            try pipeline.addHandler(HTTP1ToHTTPServerCodec(secure: false))
            try pipeline.addHandler(HTTPConnectionStateHandler(idleTimeout: limits.idleTimeout, logger: logger))
            return try NIOAsyncChannel(
                wrappingChannelSynchronously: channel, configuration: .init(isOutboundHalfClosureEnabled: true))
        }
    }

    func handle(value: Value, logger: Logger) async {
        await handleHTTP(asyncChannel: value, logger: logger)
    }
}

/// The deadlines and the cap of an axon's connections (see ``AxonConfiguration``).
struct ConnectionLimits: Sendable {
    var maxConnections: Int
    var headerTimeout: Duration
    var requestTimeout: Duration
    var idleTimeout: Duration
}

/// Open connections of one axon.
final class ConnectionCounter: Sendable {
    private let open = Atomic<Int>(0)

    /// Counts a new connection; false when `limit` were already open (it is counted all
    /// the same, and released like any other).
    func admit(limit: Int) -> Bool {
        open.wrappingAdd(1, ordering: .relaxed).newValue <= limit
    }

    func release() { open.wrappingSubtract(1, ordering: .relaxed) }

    var count: Int { open.load(ordering: .relaxed) }
}

/// Sees a connection's raw bytes: admits or refuses the connection, and starts the header
/// and request deadlines at the first byte of each request.
///
/// The deadlines are instants kept on the handler and one timer per connection checks them:
/// starting, meeting or ending a deadline only writes an instant. Scheduling and cancelling
/// two event-loop timers per request cost a busy axon more than the checks do, and a
/// keep-alive connection now re-arms its timer about once per timeout, not twice a request.
final class RequestTimingHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private let limits: ConnectionLimits
    private let counter: ConnectionCounter
    private let logger: Logger
    private var counted = false
    private var refused = false
    private var answered = false
    /// When the request's head must be in (nil once it is).
    private var headerDeadline: NIODeadline?
    /// When the whole request must be in: nil between requests, so the first byte after it
    /// starts the next one.
    private var requestDeadline: NIODeadline?
    /// The connection's one timer, and when it fires.
    private var timer: Scheduled<Void>?
    private var timerDeadline: NIODeadline?
    private var context: ChannelHandlerContext?

    init(limits: ConnectionLimits, counter: ConnectionCounter, logger: Logger) {
        self.limits = limits
        self.counter = counter
        self.logger = logger
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        counted = true
        refused = !counter.admit(limit: limits.maxConnections)
        if refused {
            logger.warning(
                "axon connection cap reached: refusing a connection with 503",
                metadata: ["open": "\(counter.count)", "cap": "\(limits.maxConnections)"])
        }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        stopTimer()
        release()
        self.context = nil
    }

    func channelInactive(context: ChannelHandlerContext) {
        stopTimer()
        release()
        context.fireChannelInactive()
    }

    private func release() {
        guard counted else { return }
        counted = false
        counter.release()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if refused {
            // Nothing of the request is parsed: answer once, then close.
            guard !answered else { return }
            answered = true
            let body = #"{"error":"overloaded","message":"this axon has too many open connections; retry shortly"}"#
            let head =
                "HTTP/1.1 503 Service Unavailable\r\ncontent-type: application/json\r\ncontent-length: \(body.utf8.count)\r\n"
                + "retry-after: 1\r\nconnection: close\r\n\r\n"
            context.writeAndFlush(wrapOutboundOut(ByteBuffer(string: head + body))).assumeIsolated().whenComplete {
                _ in context.close(promise: nil)
            }
            return
        }
        if requestDeadline == nil {
            let now = NIODeadline.now()
            let header = now + .init(limits.headerTimeout)
            let request = now + .init(limits.requestTimeout)
            headerDeadline = header
            requestDeadline = request
            arm(at: min(header, request), context: context)
        }
        context.fireChannelRead(data)
    }

    /// The request head is complete: only the request deadline still runs.
    func headComplete() {
        headerDeadline = nil
    }

    /// The request (head and body) is complete: the next byte starts the next request.
    func requestComplete() {
        headerDeadline = nil
        requestDeadline = nil
    }

    /// Makes the timer fire by `deadline`: a timer due sooner is kept (it re-arms when it
    /// fires early), one due later is moved.
    private func arm(at deadline: NIODeadline, context: ChannelHandlerContext) {
        if let timerDeadline, timerDeadline <= deadline { return }
        timer?.cancel()
        timerDeadline = deadline
        timer = context.eventLoop.assumeIsolated().scheduleTask(deadline: deadline) { [weak self] in
            self?.timerFired()
        }
    }

    private func timerFired() {
        timer = nil
        timerDeadline = nil
        guard let context else { return }
        let now = NIODeadline.now()
        if let headerDeadline, headerDeadline <= now {
            return expire("its headers did not arrive within \(limits.headerTimeout)")
        }
        if let requestDeadline, requestDeadline <= now {
            return expire("the request did not arrive within \(limits.requestTimeout)")
        }
        // Fired for a deadline since met or moved: wait for the nearest one still running.
        if let next = [headerDeadline, requestDeadline].compactMap({ $0 }).min() {
            arm(at: next, context: context)
        }
    }

    private func stopTimer() {
        timer?.cancel()
        timer = nil
        timerDeadline = nil
        headerDeadline = nil
        requestDeadline = nil
    }

    private func expire(_ why: String) {
        guard let context else { return }
        logger.debug("axon closed a slow connection", metadata: ["reason": "\(why)"])
        stopTimer()
        context.close(promise: nil)
    }
}

/// Sits between NIO's HTTP/1 decoder and the HTTP types codec: tells the timing handler
/// when a request's head and end arrive, and marks requests that must close their
/// connection (HTTP/1.0 without keep-alive) so the server closes after answering.
final class RequestPartsObserver: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias InboundOut = HTTPServerRequestPart

    private let timing: RequestTimingHandler

    init(timing: RequestTimingHandler) { self.timing = timing }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(var head):
            timing.headComplete()
            if !head.isKeepAlive {
                head.headers.replaceOrAdd(name: "connection", value: "close")
                context.fireChannelRead(wrapInboundOut(.head(head)))
                return
            }
        case .end:
            timing.requestComplete()
        case .body:
            break
        }
        context.fireChannelRead(data)
    }
}
