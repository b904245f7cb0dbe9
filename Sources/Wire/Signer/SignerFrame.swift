import Foundation

/// The signer's wire format over its local socket: a 4-byte big-endian length, then the
/// frame. Requests start with an operation byte; answers with a status byte (0: done, then
/// the result; 1: refused, then the reason as UTF-8).
///
/// - `list` (1): key names, one per line → "ss58-address scheme", one per line.
/// - `sign` (2): a 2-byte name length, the key's name, then a btauth/1 payload → 64 bytes.
enum SignerFrame {
    static let list: UInt8 = 1
    static let sign: UInt8 = 2
    static let done: UInt8 = 0
    static let refused: UInt8 = 1
    /// Largest frame either side accepts (a btauth/1 payload is a few hundred bytes).
    static let maxLength = 64 * 1024

    static func write(_ frame: [UInt8], to fd: Int32) -> Bool {
        let length = UInt32(frame.count)
        let bytes =
            [UInt8(length >> 24), UInt8((length >> 16) & 0xff), UInt8((length >> 8) & 0xff), UInt8(length & 0xff)]
            + frame
        var offset = 0
        while offset < bytes.count {
            let n = bytes.withUnsafeBytes {
                Foundation.send(fd, $0.baseAddress! + offset, $0.count - offset, Int32(MSG_NOSIGNAL))
            }
            if n < 0, errno == EINTR { continue }
            guard n > 0 else { return false }
            offset += n
        }
        return true
    }

    /// Reads one frame; nil at end of stream, on an error, or past ``maxLength``.
    static func read(from fd: Int32) -> [UInt8]? {
        guard let header = readExactly(4, from: fd) else { return nil }
        let length = Int(header[0]) << 24 | Int(header[1]) << 16 | Int(header[2]) << 8 | Int(header[3])
        guard length <= maxLength else { return nil }
        return readExactly(length, from: fd)
    }

    private static func readExactly(_ count: Int, from fd: Int32) -> [UInt8]? {
        var bytes = [UInt8](repeating: 0, count: count)
        var got = 0
        while got < count {
            let n = bytes.withUnsafeMutableBytes { recv(fd, $0.baseAddress! + got, count - got, 0) }
            if n < 0, errno == EINTR { continue }
            guard n > 0 else { return nil }
            got += n
        }
        return bytes
    }

    /// A `sockaddr_un` for `path`, or nil when the path does not fit (108 bytes on Linux).
    static func address(_ path: String) -> sockaddr_un? {
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        guard bytes.count < MemoryLayout.size(ofValue: address.sun_path) else { return nil }
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            raw.copyBytes(from: bytes)
            raw[bytes.count] = 0
        }
        return address
    }
}
