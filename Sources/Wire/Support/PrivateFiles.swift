internal import CLibCrypto
import Foundation

/// Files and folders only their owner may read: key files, the host's data folder.
///
/// Folders are made with mode 0700 and files with 0600 whatever the process's umask, and
/// nothing here follows a symbolic link planted where a file is about to be written.
public enum PrivateFiles {
    /// Creates `path` and any missing parents with mode 0700 (set explicitly, so the umask
    /// cannot widen or narrow it). With `clamp`, an existing folder at `path` is set to 0700
    /// too (a data folder an older version made with the umask's mode).
    public static func makeDirectory(_ path: String, clamp: Bool = false) throws(WireError) {
        var prefix = path.hasPrefix("/") ? "/" : ""
        for component in path.split(separator: "/", omittingEmptySubsequences: true) {
            prefix += (prefix.isEmpty || prefix.hasSuffix("/") ? "" : "/") + component
            if mkdir(prefix, 0o700) == 0 {
                guard chmod(prefix, 0o700) == 0 else { throw failure(prefix, "cannot set its mode to 0700") }
                continue
            }
            let error = errno
            var info = stat()
            guard error == EEXIST, stat(prefix, &info) == 0, info.st_mode & S_IFMT == S_IFDIR else {
                throw failure(prefix, "cannot be created as a folder", error)
            }
        }
        if clamp, chmod(path, 0o700) != 0 { throw failure(path, "cannot set its mode to 0700") }
    }

    /// Writes `bytes` to `path` so that a crash leaves the old file or the new one: a new
    /// temporary file beside it (`O_CREAT|O_EXCL|O_NOFOLLOW`, mode 0600, a random name, so a
    /// symbolic link or file planted there is never followed or reused), fsync, rename.
    public static func writeAtomically(_ bytes: [UInt8], to path: String) throws(WireError) {
        var fd: Int32 = -1
        var temporary = ""
        for _ in 0..<8 {
            temporary = path + ".tmp-" + Hex.encode((0..<8).map { _ in UInt8.random(in: 0...255) })
            fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o600)
            if fd >= 0 || errno != EEXIST { break }
        }
        guard fd >= 0 else { throw failure(path, "cannot be created", errno) }
        // The creation mode is filtered by the umask; fchmod makes it exactly 0600.
        let written =
            fchmod(fd, 0o600) == 0
            && bytes.withUnsafeBytes { Foundation.write(fd, $0.baseAddress, $0.count) } == bytes.count
            && fsync(fd) == 0
        let error = errno
        close(fd)
        guard written, rename(temporary, path) == 0 else {
            let reason = written ? errno : error
            unlink(temporary)
            throw failure(path, "could not be written", reason)
        }
    }

    /// Reads a file that must be private: not a symbolic link, a regular file, and readable
    /// by its owner only (as `ssh` refuses a private key others can read).
    public static func readPrivate(_ path: String, maxBytes: Int = 1 << 20) throws(WireError) -> [UInt8] {
        let fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)
        guard fd >= 0 else {
            let error = errno
            throw .keyFile(
                path: path,
                reason: error == ENOENT
                    ? "no such file; create one with `synod keys new`"
                    : error == ELOOP
                        ? "is a symbolic link; a key file must be a regular file (copy the key there instead)"
                        : "cannot be read (\(String(cString: strerror(error))))")
        }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0, info.st_mode & S_IFMT == S_IFREG else {
            throw .keyFile(path: path, reason: "is not a regular file")
        }
        let mode = info.st_mode & 0o777
        guard mode & 0o077 == 0 else {
            throw .keyFile(
                path: path,
                reason: "is readable by other users (mode \(String(mode, radix: 8))); "
                    + "a private key must be private: run `chmod 600 \(path)`")
        }
        guard Int(info.st_size) <= maxBytes else {
            throw .keyFile(path: path, reason: "is \(info.st_size) bytes; a key file is a few hundred")
        }
        var bytes = [UInt8](repeating: 0, count: Int(info.st_size))
        var offset = 0
        while offset < bytes.count {
            let n = bytes.withUnsafeMutableBytes { read(fd, $0.baseAddress! + offset, $0.count - offset) }
            if n < 0, errno == EINTR { continue }
            guard n > 0 else { throw .keyFile(path: path, reason: "cannot be read") }
            offset += n
        }
        return bytes
    }

    /// Overwrites `bytes` with zeros in a way the optimiser cannot drop.
    public static func wipe(_ bytes: UnsafeMutableRawBufferPointer) {
        guard let base = bytes.baseAddress, bytes.count > 0 else { return }
        OPENSSL_cleanse(base, bytes.count)
    }

    private static func failure(_ path: String, _ what: String, _ error: Int32? = nil) -> WireError {
        .file(path: path, reason: what + (error.map { " (\(String(cString: strerror($0))))" } ?? ""))
    }
}
