import Foundation
import Glibc
import Synchronization

/// The plugin folder as file-system events (Linux inotify), not a poll: each `*.lua` file
/// that is written, renamed into place, created or removed comes out once per burst of
/// events. An editor's save (write a temporary file, rename it over the plugin) or a
/// `cp` that writes in several pieces settles into one ``Change`` after `settle` of quiet.
///
/// ```swift
/// for await change in try PluginFolder(path: "plugins").changes() {
///     switch change { case .changed(let path): …; case .removed(let path): … }
/// }
/// ```
public struct PluginFolder: Sendable {
    /// What happened to one plugin file.
    public enum Change: Sendable, Hashable {
        /// The file exists and may hold new content (or is new).
        case changed(String)
        /// The file is gone.
        case removed(String)
    }

    public let path: String
    /// Quiet time after a file's last event before it is reported.
    public let settle: Duration

    public init(path: String, settle: Duration = .milliseconds(100)) {
        self.path = path
        self.settle = settle
    }

    /// The folder cannot be watched.
    public struct Unavailable: Error, CustomStringConvertible {
        public let description: String
    }

    /// Starts watching; the sequence ends when the folder itself is removed or moved. A
    /// watcher thread runs until the sequence is dropped or its consumer cancelled.
    public func changes() throws(Unavailable) -> AsyncStream<Change> {
        let fd = inotify_init1(Int32(O_NONBLOCK | O_CLOEXEC))
        guard fd >= 0 else {
            throw Unavailable(description: "inotify_init1: \(String(cString: strerror(errno)))")
        }
        let mask: UInt32 = 0x08 | 0x40 | 0x80 | 0x100 | 0x200 | 0x400 | 0x800
        // IN_CLOSE_WRITE | IN_MOVED_FROM | IN_MOVED_TO | IN_CREATE | IN_DELETE | IN_DELETE_SELF | IN_MOVE_SELF
        guard inotify_add_watch(fd, path, mask) >= 0 else {
            let reason = String(cString: strerror(errno))
            close(fd)
            throw Unavailable(description: "cannot watch \(path): \(reason)")
        }
        let (stream, continuation) = AsyncStream.makeStream(of: Change.self)
        let watcher = Watcher(fd: fd, folder: path, settle: settle, continuation: continuation)
        continuation.onTermination = { _ in watcher.stop() }
        let thread = Thread { watcher.run() }
        thread.name = "synod-plugin-folder"
        thread.start()
        return stream
    }
}

/// The thread behind ``PluginFolder/changes()``: reads events, waits for each file's burst
/// to settle, reports it.
private final class Watcher: @unchecked Sendable {
    // @unchecked: `pending` is touched by the watcher thread only; `stopped` is atomic.
    let fd: Int32
    let folder: String
    let settle: Duration
    let continuation: AsyncStream<PluginFolder.Change>.Continuation
    let stopped = Atomic<Bool>(false)
    /// File names waiting for quiet, with the time of their last event.
    var pending: [String: ContinuousClock.Instant] = [:]

    init(fd: Int32, folder: String, settle: Duration, continuation: AsyncStream<PluginFolder.Change>.Continuation) {
        self.fd = fd
        self.folder = folder
        self.settle = settle
        self.continuation = continuation
    }

    func stop() { stopped.store(true, ordering: .relaxed) }

    func run() {
        defer {
            close(fd)
            continuation.finish()
        }
        var buffer = [UInt8](repeating: 0, count: 64 * 1024)
        while !stopped.load(ordering: .relaxed) {
            // Wake for events, for the next file to settle, or every 200 ms to see `stopped`.
            let now = ContinuousClock.now
            var wait = Duration.milliseconds(200)
            for last in pending.values { wait = min(wait, max(.zero, last + settle - now)) }
            var poller = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            let millis = Int32(wait.components.seconds * 1000 + wait.components.attoseconds / 1_000_000_000_000_000)
            if poll(&poller, 1, max(millis, 1)) > 0 {
                let count = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
                if count > 0, !take(buffer[0..<count]) { return }
            }
            flushSettled()
        }
    }

    /// Records the events in `bytes`; false when the folder itself went away.
    private func take(_ bytes: ArraySlice<UInt8>) -> Bool {
        var offset = bytes.startIndex
        let now = ContinuousClock.now
        while offset + 16 <= bytes.endIndex {
            func word(_ at: Int) -> UInt32 {
                bytes[at..<at + 4].enumerated().reduce(0) { $0 | UInt32($1.element) << (8 * $1.offset) }
            }
            let mask = word(offset + 4)
            let length = Int(word(offset + 12))
            let nameBytes = bytes[(offset + 16)..<min(offset + 16 + length, bytes.endIndex)].prefix { $0 != 0 }
            offset += 16 + length
            if mask & (0x400 | 0x800) != 0 { return false }  // IN_DELETE_SELF | IN_MOVE_SELF
            let name = String(decoding: nameBytes, as: UTF8.self)
            // Plugins only: not editors' swap and backup files, not hidden files.
            guard name.hasSuffix(".lua"), !name.hasPrefix(".") else { continue }
            pending[name] = now
        }
        return true
    }

    /// Reports every file quiet for `settle`, oldest burst first.
    private func flushSettled() {
        let now = ContinuousClock.now
        let settled = pending.filter { now - $0.value >= settle }.sorted { $0.value < $1.value }
        for (name, _) in settled {
            pending[name] = nil
            let path = (folder as NSString).appendingPathComponent(name)
            continuation.yield(FileManager.default.fileExists(atPath: path) ? .changed(path) : .removed(path))
        }
    }
}
