import Foundation
import Synchronization

/// Signs through the signer process (`synod signer`) over its local socket: the caller's
/// process holds only the address. One connection, one request at a time; a broken
/// connection is opened again on the next request.
public final class SignerClient: PayloadSigner {
    public let address: SS58Address
    /// The key's scheme, as the signer reported it.
    public let scheme: BTAuth.Scheme
    /// The key's name in the signer (its hotkey file name).
    public let name: String
    public let socketPath: String
    private let connection = Mutex<Int32>(-1)

    /// A client for key `name`, whose address and scheme the signer reported.
    public init(socketPath: String, name: String, address: SS58Address, scheme: BTAuth.Scheme) {
        self.socketPath = socketPath
        self.name = name
        self.address = address
        self.scheme = scheme
    }

    deinit { connection.withLock { if $0 >= 0 { close($0) } } }

    /// The addresses and schemes of the keys `names`, in order (the signer makes missing
    /// keys when it was started with `--create`).
    public static func addresses(socketPath: String, names: [String]) throws(WireError)
        -> [(address: SS58Address, scheme: BTAuth.Scheme)]
    {
        let fd = try connect(socketPath)
        defer { close(fd) }
        let answer = try exchange([SignerFrame.list] + Array(names.joined(separator: "\n").utf8), fd: fd)
        let lines = String(decoding: answer, as: UTF8.self).split(separator: "\n").map(String.init)
        guard lines.count == names.count else {
            throw .transport("the signer answered \(lines.count) addresses for \(names.count) keys")
        }
        var keys: [(address: SS58Address, scheme: BTAuth.Scheme)] = []
        for line in lines {
            let fields = line.split(separator: " ")
            guard fields.count == 2, let scheme = BTAuth.Scheme(rawValue: String(fields[1])) else {
                throw .transport("the signer answered an unreadable key line")
            }
            keys.append((try SS58Address(fields[0]), scheme))
        }
        return keys
    }

    public func sign(payload: [UInt8]) async throws -> [UInt8] {
        let name = Array(self.name.utf8)
        let request = [SignerFrame.sign, UInt8(name.count >> 8), UInt8(name.count & 0xff)] + name + payload
        // The exchange is a few tens of microseconds on a local socket.
        let signature: [UInt8] = try connection.withLock { fd throws(WireError) in
            if fd < 0 { fd = try Self.connect(socketPath) }
            do throws(WireError) {
                return try Self.exchange(request, fd: fd)
            } catch {
                close(fd)
                fd = -1
                throw error
            }
        }
        guard signature.count == 64 else {
            throw WireError.transport("the signer answered \(signature.count) bytes for a signature")
        }
        return signature
    }

    static func connect(_ path: String) throws(WireError) -> Int32 {
        guard var address = SignerFrame.address(path) else {
            throw .transport("the signer socket path \(path) is too long for a Unix socket")
        }
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else {
            throw .transport("cannot open a socket to the signer: \(String(cString: strerror(errno)))")
        }
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                Foundation.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        guard connected == 0 else {
            let reason = String(cString: strerror(errno))
            close(fd)
            throw .transport("cannot reach the signer at \(path): \(reason); is `synod signer` running?")
        }
        return fd
    }

    static func exchange(_ request: [UInt8], fd: Int32) throws(WireError) -> [UInt8] {
        guard SignerFrame.write(request, to: fd), let answer = SignerFrame.read(from: fd), let status = answer.first
        else { throw .transport("the signer closed the connection") }
        let rest = Array(answer.dropFirst())
        guard status == SignerFrame.done else {
            throw .transport("the signer refused: \(String(decoding: rest, as: UTF8.self))")
        }
        return rest
    }
}
