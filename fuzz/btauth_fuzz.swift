// libFuzzer target (Swift): the btauth/1 header parser and verifier on hostile headers.
//
// The input is split at newlines into the six btauth/1 header values (version, hotkey,
// nonce, crypto, signature, receiver), the rest being the body. Whatever arrives, the
// verifier must answer (accept or refuse with a reason) without crashing or trapping on
// overflow, and it must never accept a request the golden key did not sign.
import Foundation

let receiver = try! Hotkey(seed: [UInt8](repeating: 7, count: 32))
let sender = try! Hotkey(seed: [UInt8](0..<32))
let verifier = BTAuthVerifier(receiver: receiver.address, replayCapacity: 4096)
let names = [
    BTAuth.Header.version, BTAuth.Header.hotkey, BTAuth.Header.nonce, BTAuth.Header.crypto,
    BTAuth.Header.signature, BTAuth.Header.receiver,
]
let now: Int64 = 1_732_406_400_000_000_000

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOne(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    let parts = bytes.split(separator: UInt8(ascii: "\n"), maxSplits: 6, omittingEmptySubsequences: false)
    var headers: [String: String] = [:]
    for (name, part) in zip(names, parts) where !(part.count == 1 && part.first == UInt8(ascii: "-")) {
        headers[name] = String(decoding: part, as: UTF8.self)
    }
    // Templated fields make valid-looking requests reachable: "@S" the golden sender,
    // "@R" the receiver, "@N" the clock.
    for (name, value) in headers {
        headers[name] = value.replacingOccurrences(of: "@S", with: sender.address.string)
            .replacingOccurrences(of: "@R", with: receiver.address.string)
            .replacingOccurrences(of: "@N", with: String(now))
    }
    let body = parts.count > 6 ? Array(parts[6]) : []
    _ = try? BTAuthVerifier.parseNonce(headers[BTAuth.Header.nonce] ?? "")
    _ = try? SS58Address(headers[BTAuth.Header.hotkey] ?? "")
    do {
        let caller = try verifier.verify(
            method: "POST", target: "/v1/subnets/1/forward", header: { headers[$0] }, body: body, now: now)
        // Only a request the sender's key signed can pass: check the signature independently.
        guard caller.hotkey == sender.address, let nonce = Int64(headers[BTAuth.Header.nonce] ?? "") else {
            fatalError("accepted a request from \(caller.hotkey.string) with headers \(headers)")
        }
        let payload = BTAuth.payload(
            scheme: .ed25519, method: "POST", target: "/v1/subnets/1/forward",
            bodySHA256Hex: Digest.sha256Hex(body), nonce: nonce, sender: sender.address.string,
            receiver: receiver.address.string)
        let expected = "0x" + Hex.encode(sender.sign(payload))
        if headers[BTAuth.Header.signature]?.lowercased() != expected {
            fatalError("accepted a signature the key did not make: \(headers)")
        }
    } catch {
        // Refused with a reason: fine.
    }
    return 0
}
