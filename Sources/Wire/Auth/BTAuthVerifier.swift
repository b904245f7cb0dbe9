import Synchronization

/// Verifies btauth/1 requests addressed to one hotkey: the server half.
///
/// Checks run in the order BTAUTH.md and the SDK fix: header shape, receiver, freshness,
/// signature (under the declared scheme only), replay. The replay memory is written only
/// after the signature verified, so unauthenticated traffic cannot fill it against a
/// legitimate sender. Verification is split in two so a server can refuse on headers alone
/// before it reads a body: ``checkHeaders(_:now:)`` then ``verify(_:method:target:body:)``.
public final class BTAuthVerifier: Sendable {
    /// This server's hotkey address; requests must be bound to it.
    public let receiver: SS58Address
    /// How old a nonce may be.
    public let maxAge: Duration
    /// How far in the future a nonce may be (clock drift).
    public let allowedSkew: Duration
    private let replay: ReplayGuard
    private let keys = PublicKeyCache(capacity: 16_384)

    /// - Parameters:
    ///   - receiver: this server's hotkey address.
    ///   - maxAge: the freshness window; 10 s as in the SDK.
    ///   - allowedSkew: the forward clock drift tolerated; 2 s as in the SDK.
    ///   - replayCapacity: the most (hotkey, nonce) pairs remembered at once.
    public init(
        receiver: SS58Address, maxAge: Duration = .seconds(10), allowedSkew: Duration = .seconds(2),
        replayCapacity: Int = 262_144
    ) {
        self.receiver = receiver
        self.maxAge = maxAge
        self.allowedSkew = allowedSkew
        self.replay = ReplayGuard(retention: maxAge, capacity: replayCapacity)
    }

    /// A request whose headers passed steps 1–3, waiting for its body.
    public struct Pending: Sendable {
        /// The claimed sender (not yet proven).
        public let sender: String
        public let nonce: Int64
        let scheme: BTAuth.Scheme
        let signature: [UInt8]
        let receiver: String
    }

    /// The authenticated sender of a verified request.
    public struct Caller: Sendable, Equatable {
        public let hotkey: SS58Address
        public let nonce: Int64
    }

    /// Steps 1–3: header shape, receiver binding, freshness.
    ///
    /// - Parameter header: looks a header up by name, case-insensitively.
    public func checkHeaders(_ header: (String) -> String?, now: Int64 = BTAuth.now()) throws(BTAuthRejection)
        -> Pending
    {
        guard header(BTAuth.Header.version) == BTAuth.version else {
            throw BTAuthRejection(.malformed, "missing or unsupported \(BTAuth.Header.version) (expected \"1\")")
        }
        guard let sender = header(BTAuth.Header.hotkey), !sender.isEmpty else {
            throw BTAuthRejection(.malformed, "missing \(BTAuth.Header.hotkey)")
        }
        guard let nonceText = header(BTAuth.Header.nonce) else {
            throw BTAuthRejection(.malformed, "missing \(BTAuth.Header.nonce)")
        }
        let nonce = try Self.parseNonce(nonceText)
        let scheme: BTAuth.Scheme
        if let declared = header(BTAuth.Header.crypto) {
            guard let parsed = BTAuth.Scheme(header: declared) else {
                throw BTAuthRejection(.malformed, "unsupported \(BTAuth.Header.crypto)")
            }
            scheme = parsed
        } else {
            scheme = .sr25519
        }
        guard let signatureText = header(BTAuth.Header.signature) else {
            throw BTAuthRejection(.malformed, "missing \(BTAuth.Header.signature)")
        }
        guard let signature = Hex.decode(signatureText) else {
            throw BTAuthRejection(.malformed, "\(BTAuth.Header.signature) is not hex")
        }
        guard let boundTo = header(BTAuth.Header.receiver) else {
            throw BTAuthRejection(
                .wrongReceiver, "missing \(BTAuth.Header.receiver): this server requires receiver-bound requests")
        }
        guard boundTo == receiver.string else {
            throw BTAuthRejection(.wrongReceiver, "request was signed for a different receiving hotkey")
        }
        try checkFreshness(nonce, now: now)
        return Pending(
            sender: sender, nonce: nonce, scheme: scheme, signature: signature, receiver: boundTo)
    }

    /// Steps 4–5: the signature over the payload rebuilt from what was received, then replay.
    ///
    /// - Parameters:
    ///   - method: the received method.
    ///   - target: the received request target (path plus `?query`).
    ///   - body: the raw received body; its hash is always recomputed.
    ///   - now: the time the body finished arriving. Freshness is judged again here, so a
    ///     body held back after fresh headers cannot outlive the replay memory (an entry is
    ///     kept for `maxAge` after its nonce, and only a nonce fresh *now* is accepted).
    public func verify(_ pending: Pending, method: String, target: String, body: [UInt8], now: Int64 = BTAuth.now())
        throws(BTAuthRejection) -> Caller
    {
        try verify(pending, method: method, target: target, bodySHA256Hex: Digest.sha256Hex(body), now: now)
    }

    /// ``verify(_:method:target:body:)`` for a body held elsewhere (e.g. a NIO buffer).
    public func verify(
        _ pending: Pending, method: String, target: String, body: UnsafeRawBufferPointer, now: Int64 = BTAuth.now()
    ) throws(BTAuthRejection) -> Caller {
        try verify(pending, method: method, target: target, bodySHA256Hex: Digest.sha256Hex(body), now: now)
    }

    private func verify(_ pending: Pending, method: String, target: String, bodySHA256Hex: String, now: Int64)
        throws(BTAuthRejection) -> Caller
    {
        try checkFreshness(pending.nonce, now: now)
        guard pending.signature.count == 64, let (address, key) = keys.key(for: pending.sender) else {
            throw BTAuthRejection(.malformed, "invalid hotkey address or signature encoding")
        }
        let payload = BTAuth.payload(
            scheme: pending.scheme, method: method, target: target,
            bodySHA256Hex: bodySHA256Hex, nonce: pending.nonce, sender: pending.sender,
            receiver: pending.receiver)
        let verified: Bool
        switch pending.scheme {
        case .ed25519:
            verified = key.verify(signature: pending.signature, of: payload)
        case .sr25519:
            // As the SDK's verifier: the raw payload, or the payload wrapped in
            // `<Bytes>…</Bytes>` (how polkadot.js and browser wallets sign raw bytes).
            let sr = Sr25519PublicKey(key.bytes)
            verified =
                sr.verify(signature: pending.signature, of: payload)
                || sr.verify(signature: pending.signature, of: BTAuth.bytesWrapped(payload))
        }
        guard verified else {
            throw BTAuthRejection(.badSignature, "signature does not verify against the claimed hotkey")
        }
        switch replay.record(sender: pending.sender, nonce: pending.nonce, now: now) {
        case .replayed?:
            throw BTAuthRejection(.replayed, "this nonce was already accepted from this hotkey")
        case .some:
            throw BTAuthRejection(
                .overloaded, "too many requests inside the freshness window to check for replays; retry shortly")
        case nil:
            return Caller(hotkey: address, nonce: pending.nonce)
        }
    }

    /// All five steps at once, for callers that already hold the body.
    public func verify(
        method: String, target: String, header: (String) -> String?, body: [UInt8],
        now: Int64 = BTAuth.now()
    ) throws(BTAuthRejection) -> Caller {
        try verify(checkHeaders(header, now: now), method: method, target: target, body: body, now: now)
    }

    /// Pairs currently held for replay protection.
    public var rememberedNonces: Int { replay.count }

    /// The nonce is inside the freshness window at `now`: at most `maxAge` old and at most
    /// `allowedSkew` ahead.
    private func checkFreshness(_ nonce: Int64, now: Int64) throws(BTAuthRejection) {
        let age = now.subtractingReportingOverflow(nonce)
        if nonce < now, age.overflow || age.partialValue > maxAge.nanoseconds {
            throw BTAuthRejection(.stale, "nonce is older than the \(Self.seconds(maxAge))s freshness window")
        }
        if nonce > now, nonce - now > allowedSkew.nanoseconds {
            throw BTAuthRejection(.stale, "nonce is more than \(Self.seconds(allowedSkew))s in the future")
        }
    }

    /// Decimal digits, optionally signed, as Python's `int()` reads a clean header. A value
    /// beyond 64 bits is a nonce centuries away: stale, not malformed.
    static func parseNonce(_ text: String) throws(BTAuthRejection) -> Int64 {
        let trimmed = text.trimmingASCIIWhitespace()
        var digits = Substring(trimmed)
        var negative = false
        if let sign = digits.first, sign == "-" || sign == "+" {
            negative = sign == "-"
            digits = digits.dropFirst()
        }
        guard !digits.isEmpty, digits.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else {
            throw BTAuthRejection(.malformed, "\(BTAuth.Header.nonce) is not a decimal integer")
        }
        guard let value = Int64(digits) else {
            throw BTAuthRejection(.stale, "nonce is outside the freshness window")
        }
        return negative ? -value : value
    }

    private static func seconds(_ duration: Duration) -> String {
        let ns = duration.nanoseconds
        return ns % 1_000_000_000 == 0 ? String(ns / 1_000_000_000) : String(Double(ns) / 1e9)
    }
}

/// Decoded public keys by address text, so a busy sender's address is decoded and its key
/// set up once, not on every request. Bounded: cleared when full.
final class PublicKeyCache: Sendable {
    private let entries = Mutex<[String: (SS58Address, Ed25519PublicKey)]>([:])
    private let capacity: Int

    init(capacity: Int) { self.capacity = capacity }

    func key(for address: String) -> (SS58Address, Ed25519PublicKey)? {
        if let hit = entries.withLock({ $0[address] }) { return hit }
        guard let decoded = try? SS58Address(address), let key = try? Ed25519PublicKey(decoded.publicKey)
        else { return nil }
        entries.withLock { cache in
            if cache.count >= capacity { cache.removeAll(keepingCapacity: true) }
            cache[address] = (decoded, key)
        }
        return (decoded, key)
    }
}
