import Foundation

/// A plain TCP client for requests no HTTP library would send: held-back bodies, trickled
/// headers, HTTP/1.0. Every read is bounded (`SO_RCVTIMEO`), and blocking calls run on a
/// thread of their own, never on Swift's cooperative pool.
final class RawSocket: @unchecked Sendable {
    // @unchecked: the descriptor is used by one test at a time, in order.
    let fd: Int32

    init(port: Int, readTimeout: Double = 10) throws {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw POSIXError(.EMFILE) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard connected == 0 else {
            close(fd)
            throw POSIXError(.ECONNREFUSED)
        }
        setReadTimeout(readTimeout)
    }

    /// How long a read waits for bytes before it gives up (seconds).
    func setReadTimeout(_ seconds: Double) {
        var timeout = timeval(tv_sec: Int(seconds), tv_usec: Int(seconds.truncatingRemainder(dividingBy: 1) * 1e6))
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
    }

    deinit { close(fd) }

    /// Sends all of `bytes`; false when the peer has closed.
    @discardableResult
    func send(_ bytes: [UInt8]) -> Bool {
        var offset = 0
        while offset < bytes.count {
            let n = bytes.withUnsafeBytes {
                Foundation.send(fd, $0.baseAddress! + offset, $0.count - offset, Int32(MSG_NOSIGNAL))
            }
            guard n > 0 else { return false }
            offset += n
        }
        return true
    }

    func send(_ text: String) -> Bool { send(Array(text.utf8)) }

    /// Reads until the peer closes or the read timeout passes; `closed` tells which.
    func readToEnd() async -> (bytes: [UInt8], closed: Bool) {
        await Self.onThread { [fd] in
            var all: [UInt8] = []
            var buffer = [UInt8](repeating: 0, count: 65_536)
            while true {
                let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
                if n > 0 {
                    all += buffer[0..<n]
                    continue
                }
                // 0: an orderly close; an error other than the read timeout: a reset.
                return (all, n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK))
            }
        }
    }

    /// Reads one HTTP response (head and a `content-length` body), leaving the connection open.
    func readResponse() async -> String {
        await Self.onThread { [fd] in
            var all: [UInt8] = []
            var byte: UInt8 = 0
            while !all.ends(with: Array("\r\n\r\n".utf8)), recv(fd, &byte, 1, 0) == 1 { all.append(byte) }
            let head = String(decoding: all, as: UTF8.self)
            let length =
                head.split(separator: "\r\n").first { $0.lowercased().hasPrefix("content-length:") }
                .flatMap { Int($0.split(separator: ":")[1].trimmingCharacters(in: .whitespaces)) } ?? 0
            var body = [UInt8](repeating: 0, count: length)
            var got = 0
            while got < length {
                let n = body.withUnsafeMutableBytes { recv(fd, $0.baseAddress! + got, length - got, 0) }
                guard n > 0 else { break }
                got += n
            }
            return head + String(decoding: body[0..<got], as: UTF8.self)
        }
    }

    static func onThread<T: Sendable>(_ work: @escaping @Sendable () -> T) async -> T {
        await withCheckedContinuation { continuation in
            Thread { continuation.resume(returning: work()) }.start()
        }
    }
}

extension Array where Element == UInt8 {
    func ends(with suffix: [UInt8]) -> Bool {
        count >= suffix.count && Array(self[(count - suffix.count)...]) == suffix
    }
}

/// The bytes of a signed forward request.
func rawRequest(
    headers: [(name: String, value: String)], body: [UInt8], path: String = Golden.path, version: String = "1.1",
    extra: String = ""
) -> [UInt8] {
    var head = "POST \(path) HTTP/\(version)\r\nhost: 127.0.0.1\r\ncontent-type: application/json\r\n"
    head += "content-length: \(body.count)\r\n" + extra
    for header in headers { head += "\(header.name): \(header.value)\r\n" }
    return Array((head + "\r\n").utf8) + body
}
