import Foundation
import Synchronization

/// The signer process's server: holds hotkeys and signs btauth/1 payloads for the process
/// that started it, over a Unix socket only that user can reach. It signs nothing else: a
/// payload must be a btauth/1 payload whose sender is the key asked for.
///
/// Each connection is served on a thread of its own (the host opens one per validator),
/// so a slow client delays only itself.
public final class SignerServer: Sendable {
    /// The keys by name (their hotkey file names).
    private let keys: [String: Hotkey]
    public let socketPath: String
    private let listener: Int32

    /// Binds `socketPath` (replacing a stale socket there), mode 0600.
    public init(keys: [String: Hotkey], socketPath: String) throws(WireError) {
        self.keys = keys
        self.socketPath = socketPath
        guard var address = SignerFrame.address(socketPath) else {
            throw .transport("the signer socket path \(socketPath) is too long for a Unix socket (108 bytes)")
        }
        unlink(socketPath)
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw .transport("cannot open the signer socket: \(String(cString: strerror(errno)))") }
        // Created owner-only: the umask cannot open it to others between bind and chmod.
        let old = umask(0o077)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        umask(old)
        guard bound == 0, chmod(socketPath, 0o600) == 0, listen(fd, 64) == 0 else {
            let reason = String(cString: strerror(errno))
            close(fd)
            throw .transport("cannot listen on \(socketPath): \(reason)")
        }
        listener = fd
    }

    /// Accepts and serves connections until the process ends (call from a thread of its own).
    public func serve() {
        while true {
            let fd = accept(listener, nil, nil)
            if fd < 0 {
                if errno == EINTR || errno == ECONNABORTED { continue }
                return
            }
            _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
            guard Self.peerIsThisUser(fd) else {
                close(fd)
                continue
            }
            Thread { [self] in
                self.serveConnection(fd)
                close(fd)
            }.start()
        }
    }

    private func serveConnection(_ fd: Int32) {
        while let request = SignerFrame.read(from: fd) {
            guard SignerFrame.write(answer(request), to: fd) else { return }
        }
    }

    /// The answer frame to one request frame.
    func answer(_ request: [UInt8]) -> [UInt8] {
        switch request.first {
        case SignerFrame.list?:
            let names = String(decoding: request.dropFirst(), as: UTF8.self).split(separator: "\n").map(String.init)
            var addresses: [String] = []
            for name in names {
                guard let key = keys[name] else { return refuse("no key named '\(name)' in the signer") }
                addresses.append(key.address.string + " " + key.scheme.rawValue)
            }
            return [SignerFrame.done] + Array(addresses.joined(separator: "\n").utf8)
        case SignerFrame.sign?:
            guard request.count >= 3 else { return refuse("malformed sign request") }
            let length = Int(request[1]) << 8 | Int(request[2])
            guard request.count >= 3 + length else { return refuse("malformed sign request") }
            let name = String(decoding: request[3..<(3 + length)], as: UTF8.self)
            let payload = Array(request[(3 + length)...])
            guard let key = keys[name] else { return refuse("no key named '\(name)' in the signer") }
            if let problem = Self.problem(payload, key: key) { return refuse(problem) }
            return [SignerFrame.done] + key.sign(payload)
        default:
            return refuse("unknown request")
        }
    }

    /// Why `payload` is not a btauth/1 payload `sender` may sign, or nil when it is.
    static func problem(_ payload: [UInt8], key: Hotkey) -> String? {
        let lines = String(decoding: payload, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false)
        guard lines.count == 8, lines[0] == BTAuth.protocolName else {
            return "only btauth/1 request payloads are signed here"
        }
        guard lines[1] == key.scheme.rawValue else { return "the payload's scheme is not this key's" }
        guard lines[6] == key.address.string else { return "the payload's sender is not this key" }
        return nil
    }

    private func refuse(_ reason: String) -> [UInt8] { [SignerFrame.refused] + Array(reason.utf8) }

    /// Whether the process at the other end runs as this user (SO_PEERCRED).
    static func peerIsThisUser(_ fd: Int32) -> Bool {
        // struct ucred { pid_t pid; uid_t uid; gid_t gid; } (Glibc hides it without _GNU_SOURCE).
        var credentials: (pid: Int32, uid: UInt32, gid: UInt32) = (0, 0, 0)
        var length = socklen_t(MemoryLayout<(Int32, UInt32, UInt32)>.size)
        guard getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &credentials, &length) == 0, length == 12 else { return false }
        return credentials.uid == getuid()
    }
}
