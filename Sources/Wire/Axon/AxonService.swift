/// What an axon asks of the host that owns it: who may call which subnet, and the miner's
/// answer to a task. The host (or a test) implements it; the axon does the HTTP, the
/// btauth/1 verification, the limits and the error responses.
public protocol AxonService: Sendable {
    /// Whether `caller` (already authenticated) may send tasks to subnet `netuid`.
    func authorize(caller: SS58Address, netuid: UInt16) async -> AxonAuthorization

    /// The miner's answer to one task: JSON bytes.
    ///
    /// Runs under the axon's time budget; when it is exceeded the caller gets 504 and the
    /// task is cancelled, so long work should check `Task.isCancelled` (a Lua handler is
    /// interrupted through its sandbox's interrupter). Throw ``AxonHandlerError`` to answer
    /// with a chosen status; any other error becomes 500 with a generic message.
    func forward(_ request: ForwardRequest) async throws -> [UInt8]

    /// The subnets this axon serves, for `GET /v1/info`.
    func subnets() async -> [UInt16]
}

/// The host's decision about an authenticated caller.
public enum AxonAuthorization: Sendable, Equatable {
    /// Go ahead.
    case allowed
    /// No such subnet here (404).
    case unknownSubnet
    /// The caller may not call this subnet (403), with the reason to tell it, e.g.
    /// "not a registered validator of subnet 1".
    case forbidden(String)
}

/// One verified task for a miner.
public struct ForwardRequest: Sendable {
    /// The subnet addressed.
    public let netuid: UInt16
    /// The authenticated validator.
    public let caller: SS58Address
    /// The request's nonce (nanoseconds since the Unix epoch), unique per caller.
    public let nonce: Int64
    /// The raw body, checked to be one JSON value.
    public let body: [UInt8]
    /// The axon's own hotkey: the miner asked (one service may answer for several axons).
    public let receiver: SS58Address

    public init(netuid: UInt16, caller: SS58Address, nonce: Int64, body: [UInt8], receiver: SS58Address) {
        self.receiver = receiver
        self.netuid = netuid
        self.caller = caller
        self.nonce = nonce
        self.body = body
    }
}

/// Thrown by a handler to answer with a specific HTTP status and message.
public struct AxonHandlerError: Error, Sendable, Equatable {
    public let status: Int
    public let message: String

    public init(status: Int, message: String) {
        self.status = status
        self.message = message
    }
}
