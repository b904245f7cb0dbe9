/// SHA-256 from the system libcrypto, for callers outside the wire (plugin versions, say).
public enum SHA256 {
    /// The digest of `bytes`, 32 bytes.
    public static func digest(_ bytes: some Collection<UInt8>) -> [UInt8] { Digest.sha256(Array(bytes)) }

    /// The digest of `bytes` as 64 lowercase hexadecimal digits.
    public static func hex(_ bytes: some Collection<UInt8>) -> String { Digest.sha256Hex(Array(bytes)) }
}
