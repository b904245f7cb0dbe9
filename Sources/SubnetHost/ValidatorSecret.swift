import Foundation
import Wire

/// A validator's private randomness: 32 bytes only its host holds, so the checks it draws
/// from `ctx.secret` (rows to spot-check, a series' hidden future) cannot be predicted by
/// miners, who see every public input. Kept in a private file, so the validator's own
/// rounds still replay exactly.
public struct ValidatorSecret: Sendable, Hashable {
    public let bytes: [UInt8]

    public init(bytes: [UInt8]) { self.bytes = bytes }

    /// Fresh random bytes.
    public static func random() -> ValidatorSecret {
        ValidatorSecret(bytes: (0..<32).map { _ in UInt8.random(in: 0...255) })
    }

    /// A secret that is the same for every run with the same `label`: simulations, so a
    /// run replays.
    public static func derived(_ label: String) -> ValidatorSecret {
        ValidatorSecret(bytes: SHA256.digest(Array("synod/derived-secret/\(label)".utf8)))
    }

    /// The secret of validator `hotkey` in a data folder (`secrets/<hotkey>`, owner-only),
    /// made on first use.
    public static func stored(dataDirectory: String, hotkey: String) throws -> ValidatorSecret {
        let folder = (dataDirectory as NSString).appendingPathComponent("secrets")
        let path = (folder as NSString).appendingPathComponent(hotkey)
        if FileManager.default.fileExists(atPath: path) {
            let bytes = try PrivateFiles.readPrivate(path, maxBytes: 64)
            guard bytes.count == 32 else {
                throw PluginError(
                    path, "a validator secret is 32 bytes (this file has \(bytes.count)); delete it to make a new one")
            }
            return ValidatorSecret(bytes: bytes)
        }
        try PrivateFiles.makeDirectory(folder)
        let secret = random()
        try PrivateFiles.writeAtomically(secret.bytes, to: path)
        return secret
    }
}
