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
        replayCapacity: Int = 262_144, tls: TLSFiles? = nil
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
    }
}
