import Foundation

/// Hotkey files in the `bittensor` SDK's wallet layout and JSON, so an existing Bittensor
/// hotkey (sr25519 or ed25519) works as is and a key made by Synod works with the SDK.
///
/// Layout: `<wallets>/<wallet>/hotkeys/<hotkey>`, where `<wallets>` defaults to
/// `~/.bittensor/wallets`. Files are written with mode 0600 (directories 0700), through a
/// temporary file and a rename so a crash never leaves half a key; a file that group or
/// others can read is refused, as `ssh` refuses such private keys.
public enum KeyFile {
    /// The SDK's default wallets directory, `~/.bittensor/wallets`.
    public static var defaultWalletsDirectory: String {
        let home = ProcessInfo.processInfo.environment["HOME"] ?? NSHomeDirectory()
        return (home as NSString).appendingPathComponent(".bittensor/wallets")
    }

    /// The path of `hotkey` in `wallet`.
    public static func path(wallet: String, hotkey: String, walletsDirectory: String? = nil) -> String {
        let root = walletsDirectory ?? defaultWalletsDirectory
        return ((root as NSString).appendingPathComponent(wallet) as NSString)
            .appendingPathComponent("hotkeys/\(hotkey)")
    }

    /// Reads a plaintext hotkey file (sr25519 or ed25519) and checks that its seed, public
    /// key and address agree.
    public static func read(at path: String) throws(WireError) -> Hotkey {
        var bytes = try PrivateFiles.readPrivate(path)
        // The file's text holds the seed in hex: wiped once parsed.
        defer { bytes.withUnsafeMutableBytes { PrivateFiles.wipe($0) } }
        return try parse(data: Data(bytes), path: path)
    }

    /// Parses key-file JSON (`path` only names the file in errors).
    public static func parse(_ bytes: [UInt8], path: String) throws(WireError) -> Hotkey {
        try parse(data: Data(bytes), path: path)
    }

    private static func parse(data: Data, path: String) throws(WireError) -> Hotkey {
        if data.starts(with: Array("$NACL".utf8)) || data.starts(with: Array("$BTWALLET".utf8))
            || data.starts(with: Array("$ANSIBLE".utf8)) || data.starts(with: Array("gAAAAA".utf8))
        {
            throw .keyFile(
                path: path,
                reason: "is encrypted; Synod reads plaintext hotkey files (the SDK writes hotkeys "
                    + "unencrypted unless asked): decrypt it or create one with `synod keys new`")
        }
        let object: [String: Any]
        do {
            guard let parsed = try JSONSerialization.jsonObject(with: data) as? [String: Any] else {
                throw WireError.keyFile(path: path, reason: "is not a JSON object")
            }
            object = parsed
        } catch let error as WireError {
            throw error
        } catch {
            throw .keyFile(path: path, reason: "is not valid JSON (\(error.localizedDescription))")
        }
        // As the SDK: cryptoType 0 is ed25519, 1 (or none at all) sr25519.
        let scheme: BTAuth.Scheme
        switch object["cryptoType"] as? Int {
        case 0?: scheme = .ed25519
        case 1?, nil: scheme = .sr25519
        case let type?:
            throw .keyFile(path: path, reason: "has unknown cryptoType \(type); expected 0 (ed25519) or 1 (sr25519)")
        }
        // An ed25519 file's privateKey is its seed; an sr25519 file's is the expanded key,
        // from which the seed (mini-secret) cannot be recovered.
        guard
            let seedText = (object["secretSeed"] as? String)
                ?? (scheme == .ed25519 ? object["privateKey"] as? String : nil)
        else {
            throw .keyFile(
                path: path,
                reason: scheme == .ed25519
                    ? "has no \"secretSeed\" or \"privateKey\" field"
                    : "has no \"secretSeed\" (the sr25519 mini-secret); regenerate it from its mnemonic")
        }
        guard let seed = Hex.decode(seedText), seed.count == 32 else {
            throw .keyFile(path: path, reason: "\"secretSeed\" is not 32 bytes of 0x-prefixed hex")
        }
        let hotkey: Hotkey
        do { hotkey = try Hotkey(seed: seed, scheme: scheme) } catch {
            throw .keyFile(path: path, reason: error.description)
        }
        if let publicText = object["publicKey"] as? String, Hex.decode(publicText) != hotkey.publicKeyBytes {
            throw .keyFile(path: path, reason: "\"publicKey\" does not belong to the seed (a damaged file?)")
        }
        if scheme == .sr25519, let privateText = object["privateKey"] as? String,
            case .sr25519(let key) = hotkey.secret, Hex.decode(privateText) != key.expanded
        {
            throw .keyFile(path: path, reason: "\"privateKey\" does not belong to the seed (a damaged file?)")
        }
        if let addressText = object["ss58Address"] as? String, addressText != hotkey.address.string {
            throw .keyFile(
                path: path, reason: "\"ss58Address\" does not belong to the seed (a damaged file?)")
        }
        return hotkey
    }

    /// The JSON the SDK writes for a keypair, byte for byte: `privateKey` is the ed25519
    /// seed, or the sr25519 expanded key (key ‖ nonce).
    public static func json(for hotkey: Hotkey) -> String {
        let publicHex = "0x" + Hex.encode(hotkey.publicKeyBytes)
        let seedHex = "0x" + Hex.encode(hotkey.seed)
        let privateHex: String
        switch hotkey.secret {
        case .ed25519: privateHex = seedHex
        case .sr25519(let key): privateHex = "0x" + Hex.encode(key.expanded)
        }
        return #"{"accountId":"\#(publicHex)","publicKey":"\#(publicHex)","secretSeed":"\#(seedHex)","#
            + #""ss58Address":"\#(hotkey.address.string)","privateKey":"\#(privateHex)","cryptoType":\#(cryptoType(hotkey))}"#
    }

    /// The SDK's `cryptoType` number of a hotkey's scheme.
    static func cryptoType(_ hotkey: Hotkey) -> Int { hotkey.scheme == .ed25519 ? 0 : 1 }

    /// Writes `hotkey` to `path` with mode 0600, creating directories with mode 0700.
    ///
    /// - Parameter overwrite: replace an existing file; otherwise an existing file is refused.
    public static func write(_ hotkey: Hotkey, to path: String, overwrite: Bool = false) throws(WireError) {
        if FileManager.default.fileExists(atPath: path), !overwrite {
            throw .keyFile(
                path: path, reason: "already exists; refusing to overwrite a key (pass --force to replace it)")
        }
        let directory = (path as NSString).deletingLastPathComponent
        do { try PrivateFiles.makeDirectory(directory) } catch {
            throw .keyFile(path: path, reason: "cannot create its folder: \(error)")
        }
        try PrivateFiles.writeAtomically(Array(json(for: hotkey).utf8), to: path)
        // The SDK keeps the public half beside the key (`<hotkey>pub.txt`) and reads it for
        // the address when the key itself is locked.
        try PrivateFiles.writeAtomically(Array(publicJSON(for: hotkey).utf8), to: path + "pub.txt")
    }

    /// The SDK's `<hotkey>pub.txt` JSON.
    static func publicJSON(for hotkey: Hotkey) -> String {
        let publicHex = "0x" + Hex.encode(hotkey.publicKeyBytes)
        return
            #"{"accountId":"\#(publicHex)","ss58Address":"\#(hotkey.address.string)","cryptoType":\#(cryptoType(hotkey)),"#
            + #""publicKey":"\#(publicHex)"}"#
    }

    /// The hotkey names in `wallet`, sorted.
    public static func list(walletsDirectory: String? = nil) -> [(wallet: String, hotkey: String, path: String)] {
        let root = walletsDirectory ?? defaultWalletsDirectory
        let manager = FileManager.default
        var found: [(String, String, String)] = []
        for wallet in ((try? manager.contentsOfDirectory(atPath: root)) ?? []).sorted() {
            let hotkeys = ((root as NSString).appendingPathComponent(wallet) as NSString)
                .appendingPathComponent("hotkeys")
            for hotkey in ((try? manager.contentsOfDirectory(atPath: hotkeys)) ?? []).sorted()
            where !hotkey.contains(".tmp") && !hotkey.hasSuffix("pub.txt") && !hotkey.hasPrefix(".") {
                found.append((wallet, hotkey, (hotkeys as NSString).appendingPathComponent(hotkey)))
            }
        }
        return found
    }
}
