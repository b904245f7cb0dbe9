/// How an axon listens and what it tolerates.
public struct AxonConfiguration: Sendable {
    /// Address to bind; loopback by default.
    public var host: String
    /// Port to bind; 0 picks a free one (see ``Axon/run(onListening:)``).
    public var port: Int
    /// Largest request body accepted; larger ones get 413.
    public var maxBodySize: Int
    /// Time budget of one handler call; past it the caller gets 504.
    public var handlerTimeout: Duration
    /// Requests one caller may have in flight at once; more get 429, so one validator
    /// cannot take every handler slot.
    public var maxConcurrentPerCaller: Int
    /// btauth/1 freshness window.
    public var maxAge: Duration
    /// btauth/1 tolerated forward clock drift.
    public var allowedSkew: Duration
    /// Most (hotkey, nonce) pairs remembered for replay protection.
    public var replayCapacity: Int
    /// Serve HTTPS with this certificate; nil serves plain HTTP.
    public var tls: TLSFiles?
    /// Most connections open at once; past it a new connection is answered 503 and closed.
    public var maxConnections: Int
    /// Time from a request's first byte to the end of its headers; past it the connection
    /// is closed (a client trickling headers cannot hold it open).
    public var headerTimeout: Duration
    /// Time from a request's first byte to the end of its body.
    public var requestTimeout: Duration
    /// Time a connection may stay open with no request in progress.
    public var idleTimeout: Duration
    /// The clock btauth/1 freshness is judged by, in nanoseconds since 1970 (tests drive it).
    public var now: @Sendable () -> Int64

    /// PEM files for HTTPS.
    public struct TLSFiles: Sendable {
        public var certificateChainPath: String
        public var privateKeyPath: String

        public init(certificateChainPath: String, privateKeyPath: String) {
            self.certificateChainPath = certificateChainPath
            self.privateKeyPath = privateKeyPath
        }
    }

    public init(
        host: String = "127.0.0.1", port: Int = 8091, maxBodySize: Int = 1 << 20,
        handlerTimeout: Duration = .seconds(12), maxConcurrentPerCaller: Int = 32,
        maxAge: Duration = .seconds(10), allowedSkew: Duration = .seconds(2),
        replayCapacity: Int = 262_144, tls: TLSFiles? = nil, maxConnections: Int = 256,
        headerTimeout: Duration = .seconds(5), requestTimeout: Duration = .seconds(10),
        idleTimeout: Duration = .seconds(60), now: @escaping @Sendable () -> Int64 = BTAuth.now
    ) {
        self.host = host
        self.port = port
        self.maxBodySize = maxBodySize
        self.handlerTimeout = handlerTimeout
        self.maxConcurrentPerCaller = maxConcurrentPerCaller
        self.maxAge = maxAge
        self.allowedSkew = allowedSkew
        self.replayCapacity = replayCapacity
        self.tls = tls
        self.maxConnections = maxConnections
        self.headerTimeout = headerTimeout
        self.requestTimeout = requestTimeout
        self.idleTimeout = idleTimeout
        self.now = now
    }
}
