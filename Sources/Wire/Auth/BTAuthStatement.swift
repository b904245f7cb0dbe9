/// A statement signed in btauth/1's payload form: not a request, but a claim that lasts
/// ("the owner of subnet 3 releases this plugin at block 900"), checked by anyone later
/// without the freshness window or the replay memory of a request.
///
/// The payload has btauth/1's eight lines, so every key holder that signs btauth/1 (a
/// wallet hotkey, Synod's signer process) signs it unchanged. Its method line is a verb
/// no HTTP server routes (`RELEASE`) and its target a path under `/synod/statement/`, so
/// a statement can never pass for a request, nor a request for a statement.
public enum BTAuthStatement {
    /// Where statement targets live (a request to such a path is never served).
    public static let targetPrefix = "/synod/statement/"

    /// The bytes signed for a statement of `kind` (an uppercase verb) about `subject`, over
    /// content whose SHA-256 is `digestHex`, by `sender` for `receiver`.
    public static func payload(
        scheme: BTAuth.Scheme, kind: String, subject: String, digestHex: String, nonce: Int64, sender: String,
        receiver: String
    ) -> [UInt8] {
        BTAuth.payload(
            scheme: scheme, method: kind, target: targetPrefix + subject, bodySHA256Hex: digestHex, nonce: nonce,
            sender: sender, receiver: receiver)
    }

    /// Whether `signature` is `sender`'s over `payload` under `scheme` (sr25519 raw or
    /// `<Bytes>`-wrapped, as requests are).
    public static func verify(signature: [UInt8], of payload: [UInt8], sender: SS58Address, scheme: BTAuth.Scheme)
        -> Bool
    {
        guard signature.count == 64 else { return false }
        switch scheme {
        case .ed25519:
            guard let key = try? Ed25519PublicKey(sender.publicKey) else { return false }
            return key.verify(signature: signature, of: payload)
        case .sr25519:
            let key = Sr25519PublicKey(sender.publicKey)
            return key.verify(signature: signature, of: payload)
                || key.verify(signature: signature, of: BTAuth.bytesWrapped(payload))
        }
    }
}
