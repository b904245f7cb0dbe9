/// Signs requests with a hotkey: the client half of btauth/1.
public struct BTAuthSigner: Sendable {
    /// The sending hotkey.
    public let hotkey: Hotkey

    public init(hotkey: Hotkey) { self.hotkey = hotkey }

    /// The btauth/1 headers for one request.
    ///
    /// - Parameters:
    ///   - method: the HTTP method (uppercased in the payload).
    ///   - target: the request target exactly as it will be sent: path plus `?query`.
    ///   - body: the raw body bytes.
    ///   - receiver: the hotkey the request is for; nil signs an unbound request, which
    ///     servers that require a receiver (Synod's axon, the SDK's default) refuse.
    ///   - nonce: nanoseconds since the Unix epoch; defaults to ``BTAuth/nextNonce()`` (now,
    ///     and never twice in this process). Every request, retries included, needs a fresh nonce.
    public func headers(
        method: String, target: String, body: [UInt8], receiver: SS58Address?,
        nonce: Int64? = nil
    ) -> [(name: String, value: String)] {
        let nonce = nonce ?? BTAuth.nextNonce()
        let payload = Self.payload(
            scheme: hotkey.scheme, method: method, target: target, body: body, sender: hotkey.address,
            receiver: receiver, nonce: nonce)
        return Self.headers(
            scheme: hotkey.scheme, sender: hotkey.address, nonce: nonce, signature: hotkey.sign(payload),
            receiver: receiver)
    }

    /// The btauth/1 headers for one request, signed by `signer` (an ed25519 hotkey, an
    /// sr25519 key, or the signer process holding a key) under its scheme.
    public static func headers(
        method: String, target: String, body: [UInt8], receiver: SS58Address?, signer: any PayloadSigner,
        nonce: Int64? = nil
    ) async throws -> [(name: String, value: String)] {
        let nonce = nonce ?? BTAuth.nextNonce()
        let payload = Self.payload(
            scheme: signer.scheme, method: method, target: target, body: body, sender: signer.address,
            receiver: receiver, nonce: nonce)
        return headers(
            scheme: signer.scheme, sender: signer.address, nonce: nonce,
            signature: try await signer.sign(payload: payload), receiver: receiver)
    }

    private static func payload(
        scheme: BTAuth.Scheme, method: String, target: String, body: [UInt8], sender: SS58Address,
        receiver: SS58Address?, nonce: Int64
    ) -> [UInt8] {
        BTAuth.payload(
            scheme: scheme, method: method, target: target, bodySHA256Hex: Digest.sha256Hex(body), nonce: nonce,
            sender: sender.string, receiver: receiver?.string)
    }

    private static func headers(
        scheme: BTAuth.Scheme, sender: SS58Address, nonce: Int64, signature: [UInt8], receiver: SS58Address?
    ) -> [(name: String, value: String)] {
        var headers: [(name: String, value: String)] = [
            (BTAuth.Header.version, BTAuth.version),
            (BTAuth.Header.hotkey, sender.string),
            (BTAuth.Header.nonce, String(nonce)),
            (BTAuth.Header.signature, "0x" + Hex.encode(signature)),
        ]
        // As the SDK: ed25519 is declared; no X-Bittensor-Crypto means sr25519.
        if scheme == .ed25519 { headers.append((BTAuth.Header.crypto, scheme.rawValue)) }
        if let receiver { headers.append((BTAuth.Header.receiver, receiver.string)) }
        return headers
    }
}
