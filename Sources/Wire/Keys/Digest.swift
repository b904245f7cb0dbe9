internal import CLibCrypto

/// One-shot message digests from the system libcrypto.
///
/// The algorithms are fetched once per process: OpenSSL 3 otherwise looks them up in its
/// provider tables on every call, which costs more than hashing a small request body.
enum Digest {
    /// SHA-256 of `bytes` (32 bytes).
    static func sha256(_ bytes: UnsafeRawBufferPointer) -> [UInt8] {
        digest(bytes, algorithm: FetchedDigests.shared.sha256, length: 32)
    }

    static func sha256(_ bytes: [UInt8]) -> [UInt8] { bytes.withUnsafeBytes { sha256($0) } }

    /// BLAKE2b-512 of `bytes` (64 bytes), the hash behind ss58 checksums.
    static func blake2b512(_ bytes: [UInt8]) -> [UInt8] {
        bytes.withUnsafeBytes { digest($0, algorithm: FetchedDigests.shared.blake2b512, length: 64) }
    }

    /// Lowercase hexadecimal SHA-256, as the btauth/1 payload carries it.
    static func sha256Hex(_ bytes: UnsafeRawBufferPointer) -> String {
        Hex.encode(sha256(bytes))
    }

    static func sha256Hex(_ bytes: [UInt8]) -> String { bytes.withUnsafeBytes { sha256Hex($0) } }

    private static func digest(
        _ input: UnsafeRawBufferPointer, algorithm: OpaquePointer, length: Int
    ) -> [UInt8] {
        var output = [UInt8](repeating: 0, count: length)
        let ok = output.withUnsafeMutableBytes { out in
            var written: UInt32 = 0
            return EVP_Digest(
                input.baseAddress, input.count,
                out.baseAddress!.assumingMemoryBound(to: UInt8.self), &written,
                algorithm, nil) == 1 && Int(written) == length
        }
        // Digests over memory cannot fail short of OpenSSL being unusable.
        precondition(ok, "libcrypto digest failed: \(OpenSSLError.lastMessage())")
        return output
    }
}

/// Digest algorithms fetched from the default provider once, shared by every thread
/// (an `EVP_MD` is immutable after fetching).
final class FetchedDigests: @unchecked Sendable {
    static let shared = FetchedDigests()

    let sha256: OpaquePointer
    let blake2b512: OpaquePointer

    private init() {
        guard let sha256 = EVP_MD_fetch(nil, "SHA256", nil),
            let blake2b512 = EVP_MD_fetch(nil, "BLAKE2B-512", nil)
        else {
            fatalError(
                "the system libcrypto lacks SHA256 or BLAKE2B-512 (\(OpenSSLError.lastMessage())); "
                    + "install OpenSSL 3 (Debian: libssl3)")
        }
        self.sha256 = sha256
        self.blake2b512 = blake2b512
    }
}

/// The most recent error on OpenSSL's per-thread error queue, as text.
enum OpenSSLError {
    static func lastMessage() -> String {
        let code = ERR_get_error()
        guard code != 0 else { return "no OpenSSL error recorded" }
        var buffer = [CChar](repeating: 0, count: 256)
        ERR_error_string_n(code, &buffer, buffer.count)
        ERR_clear_error()
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}

/// The version of the libcrypto in use, e.g. "3.0.19", for benchmark reports.
public enum OpenSSLVersion {
    public static var text: String { String(cString: OpenSSL_version(OPENSSL_VERSION_STRING)) }
}
