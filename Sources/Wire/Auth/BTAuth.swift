#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The btauth/1 signed-request format of the `bittensor` SDK v11 (`bittensor.http_auth`).
///
/// A request proves "sent by hotkey X, to hotkey Y, with exactly this body, recently" through
/// six headers. The signed payload is eight newline-joined UTF-8 lines: protocol, scheme,
/// uppercase method, request target (path plus `?query` as sent), lowercase hex SHA-256 of
/// the raw body, decimal nanosecond nonce, sender ss58, receiver ss58 (`-` when unbound).
public enum BTAuth {
    /// The protocol line of the payload.
    public static let protocolName = "btauth/1"
    /// The value of `X-Bittensor-Version`.
    public static let version = "1"

    /// Header names (HTTP header names are case-insensitive; these are the SDK's spellings).
    public enum Header {
        public static let version = "X-Bittensor-Version"
        public static let hotkey = "X-Bittensor-Hotkey"
        public static let receiver = "X-Bittensor-Receiver"
        public static let nonce = "X-Bittensor-Nonce"
        public static let crypto = "X-Bittensor-Crypto"
        public static let signature = "X-Bittensor-Signature"
    }

    /// Signature schemes a request can declare. Absent `X-Bittensor-Crypto` means sr25519.
    public enum Scheme: String, Sendable {
        case ed25519
        case sr25519

        /// Parses a header value as the SDK does: a name or type number, trimmed, any case.
        init?(header: String) {
            switch header.trimmingASCIIWhitespace().lowercased() {
            case "ed25519", "0": self = .ed25519
            case "sr25519", "1": self = .sr25519
            default: return nil
            }
        }
    }

    /// The exact bytes that are signed.
    public static func payload(
        scheme: Scheme, method: String, target: String, bodySHA256Hex: String, nonce: Int64,
        sender: String, receiver: String?
    ) -> [UInt8] {
        var text = protocolName
        text.reserveCapacity(256)
        for line in [
            scheme.rawValue, method.uppercased(), target, bodySHA256Hex, String(nonce), sender,
            receiver ?? "-",
        ] {
            text += "\n"
            text += line
        }
        return Array(text.utf8)
    }

    /// `payload` as polkadot.js-style wallets sign raw bytes: `<Bytes>` + payload + `</Bytes>`.
    /// Verifiers accept an sr25519 signature over either form, as the SDK does; Synod signs
    /// the raw payload.
    static func bytesWrapped(_ payload: [UInt8]) -> [UInt8] {
        Array("<Bytes>".utf8) + payload + Array("</Bytes>".utf8)
    }

    /// Nanoseconds since the Unix epoch on the wall clock, the nonce's unit.
    public static func now() -> Int64 {
        var spec = timespec()
        clock_gettime(CLOCK_REALTIME, &spec)
        return Int64(spec.tv_sec) * 1_000_000_000 + Int64(spec.tv_nsec)
    }

    /// The nonce for a request signed now: the wall clock in nanoseconds, but never a value
    /// this process gave out before (``NonceSequence``).
    public static func nextNonce() -> Int64 { NonceSequence.shared.next() }
}

extension String {
    func trimmingASCIIWhitespace() -> String {
        let utf8 = self.utf8
        let isSpace: (UInt8) -> Bool = { $0 == 0x20 || ($0 >= 0x09 && $0 <= 0x0d) }
        guard let first = utf8.firstIndex(where: { !isSpace($0) }),
            let last = utf8.lastIndex(where: { !isSpace($0) })
        else { return "" }
        return String(self[first...last])
    }
}
