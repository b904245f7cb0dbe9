/// BLAKE2b-512 from the system libcrypto, for callers outside the wire (the plugins' `hash`).
public enum BLAKE2b {
    /// The 64-byte digest of `bytes`.
    public static func digest(_ bytes: some Collection<UInt8>) -> [UInt8] { Digest.blake2b512(Array(bytes)) }
}
