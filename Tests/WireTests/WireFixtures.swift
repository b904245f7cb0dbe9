import Foundation

@testable import Wire

/// Keys and values from BTAUTH.md's golden vector (produced with bittensor 11.3.0).
enum Golden {
    static let senderSeed = [UInt8](0..<32)
    static let receiverSeed = [UInt8](repeating: 7, count: 32)
    static let senderPublicKey = "03a107bff3ce10be1d70dd18e74bc09967e4d6309ba50d5f1ddc8664125531b8"
    static let senderAddress = "5C9TqVEs5Q51zUdjvp6tSsjHAfLseJKq1Dq6ULcuSLqEuRSf"
    static let receiverAddress = "5HMuAqymF33H73ZiBpmZ3TigFzHCopV9doyb9UfQdyDgZMUp"
    static let path = "/v1/subnets/1/forward"
    static let body = Array(#"{"numbers":[1,2,3]}"#.utf8)
    static let nonce: Int64 = 1_732_406_400_000_000_000
    static let bodySHA256 = "82134ac2f5941984a915fcf59705c4291313cda6d28f85d4106f9443dd86a346"
    static let signature =
        "0xd885d03a9cdd9c7ea1b92b2733d02e92c5ddeb55396a762117bf1d036cc73a95ba524aead271fb2bda87f9a369fc71dbd2bf790dc0338880b555fccf74989b05"

    static var sender: Hotkey { try! Hotkey(seed: senderSeed) }
    static var receiver: Hotkey { try! Hotkey(seed: receiverSeed) }
}

/// A fresh directory under the system temporary directory, removed by the caller.
func temporaryDirectory(_ name: String = #function) -> String {
    let path = NSTemporaryDirectory() + "synod-wire-\(name.filter(\.isLetter))-\(UUID().uuidString.prefix(8))"
    try! FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return path
}

/// Header lookup over a list, case-insensitive like HTTP.
func lookup(_ headers: [(name: String, value: String)]) -> (String) -> String? {
    { name in headers.first { $0.name.lowercased() == name.lowercased() }?.value }
}
