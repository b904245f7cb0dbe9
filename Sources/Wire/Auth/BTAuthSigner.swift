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
    ///   - nonce: nanoseconds since the Unix epoch; defaults to now. Every request, retries
    ///     included, needs a fresh nonce.
    public func headers(
        method: String, target: String, body: [UInt8], receiver: SS58Address?,
        nonce: Int64? = nil
    ) -> [(name: String, value: String)] {
        let nonce = nonce ?? BTAuth.now()
        let payload = BTAuth.payload(
            scheme: .ed25519, method: method, target: target,
            bodySHA256Hex: Digest.sha256Hex(body), nonce: nonce, sender: hotkey.address.string,
            receiver: receiver?.string)
        var headers: [(name: String, value: String)] = [
            (BTAuth.Header.version, BTAuth.version),
            (BTAuth.Header.hotkey, hotkey.address.string),
            (BTAuth.Header.nonce, String(nonce)),
            (BTAuth.Header.signature, "0x" + Hex.encode(hotkey.sign(payload))),
            (BTAuth.Header.crypto, BTAuth.Scheme.ed25519.rawValue),
        ]
        if let receiver { headers.append((BTAuth.Header.receiver, receiver.string)) }
        return headers
    }
}
