internal import CLibCrypto

/// BIP-39 mnemonic phrases as substrate reads them: the phrase's *entropy* (not BIP-39's
/// seed) through PBKDF2-HMAC-SHA512 with salt "mnemonic" + passphrase, 2048 rounds; the
/// first 32 bytes are the mini-secret of an sr25519 key (or the seed of an ed25519 one).
/// This is how `btcli` and the SDK turn a phrase back into the same hotkey.
public enum Mnemonic {
    /// The entropy a phrase encodes, after its checksum is checked.
    ///
    /// - Throws: ``WireError/invalidKey(_:)`` naming an unknown word, a wrong word count or
    ///   a failed checksum (a mistyped word).
    public static func entropy(of phrase: String) throws(WireError) -> [UInt8] {
        let words = phrase.lowercased().split(whereSeparator: { $0.isWhitespace }).map(String.init)
        guard [12, 15, 18, 21, 24].contains(words.count) else {
            throw .invalidKey("a mnemonic has 12, 15, 18, 21 or 24 words, this one \(words.count)")
        }
        var bits: [Bool] = []
        bits.reserveCapacity(words.count * 11)
        for (position, word) in words.enumerated() {
            guard let index = Self.index[word] else {
                throw .invalidKey("word \(position + 1) of the mnemonic is not in the BIP-39 English list")
            }
            for shift in stride(from: 10, through: 0, by: -1) { bits.append(index >> shift & 1 == 1) }
        }
        let checksumBits = bits.count / 33
        let entropyBits = bits.count - checksumBits
        var entropy = [UInt8](repeating: 0, count: entropyBits / 8)
        for i in 0..<entropyBits where bits[i] { entropy[i / 8] |= 0x80 >> UInt8(i % 8) }
        let digest = SHA256.digest(entropy)
        for i in 0..<checksumBits where bits[entropyBits + i] != (digest[i / 8] & (0x80 >> UInt8(i % 8)) != 0) {
            throw .invalidKey("the mnemonic's checksum does not match: a word is mistyped or out of order")
        }
        return entropy
    }

    /// The 32-byte mini-secret (or ed25519 seed) of `phrase` and `passphrase`.
    public static func miniSecret(of phrase: String, passphrase: String = "") throws(WireError) -> [UInt8] {
        var entropy = try entropy(of: phrase)
        defer { entropy.withUnsafeMutableBytes { PrivateFiles.wipe($0) } }
        let salt = Array(("mnemonic" + passphrase).utf8)
        var out = [UInt8](repeating: 0, count: 64)
        defer { out.withUnsafeMutableBytes { PrivateFiles.wipe($0) } }
        let ok = entropy.withUnsafeBufferPointer { password in
            password.withMemoryRebound(to: CChar.self) { password in
                PKCS5_PBKDF2_HMAC(
                    password.baseAddress, Int32(password.count), salt, Int32(salt.count), 2048, EVP_sha512(), 64, &out)
            }
        }
        guard ok == 1 else { throw .invalidKey("PBKDF2 failed: \(OpenSSLError.lastMessage())") }
        return Array(out[0..<32])
    }

    private static let index: [String: Int] = Dictionary(
        uniqueKeysWithValues: english.enumerated().map { ($1, $0) })
}
