import CCrashMarker
import Foundation
public import Ledger

/// Crash quarantine: if the host dies of a fatal signal (a memory fault, a trap, an abort)
/// while a plugin version runs, that version is named in a marker file; the next start
/// records it as suspect and does not load it again until its file changes.
///
/// Only the thread that runs the plugin is marked, so a crash elsewhere blames nobody, and
/// a crash in one subnet's plugin quarantines that version alone: the other subnets start
/// normally.
public enum CrashMarker {
    /// The marker file of a data folder.
    public static func path(dataDirectory: String) -> String {
        (dataDirectory as NSString).appendingPathComponent("crash-marker")
    }

    /// Installs the fatal-signal handlers, writing to `path`.
    public static func install(path: String) throws(PluginError) {
        let status = synod_crash_marker_install(path)
        guard status == 0 else {
            throw PluginError(path, "cannot set up crash quarantine: \(String(cString: strerror(status)))")
        }
    }

    /// The marker line's label for version `sha256` of subnet `netuid`, made once per
    /// version (hook calls are the hot path: they only copy these bytes).
    struct Label: Sendable {
        let bytes: [CChar]

        init(netuid: Int, sha256: String) {
            bytes = Array("\(netuid) \(sha256)".utf8CString.dropLast())
        }
    }

    /// Runs `body` marked with `label` (a version of a subnet).
    static func during<T, E: Error>(_ label: Label, _ body: () throws(E) -> T) throws(E) -> T {
        label.bytes.withUnsafeBufferPointer { synod_crash_marker_enter($0.baseAddress, $0.count) }
        defer { synod_crash_marker_leave() }
        return try body()
    }

    /// A version the host died in.
    public struct Crash: Sendable, Hashable {
        public var netuid: Int
        public var sha256: String
        public var signal: Int32

        /// The reason recorded for it and shown by `synod status`.
        public var reason: String {
            let name = String(cString: strsignal(signal))
            return "the host died of signal \(signal) (\(name)) while this version ran; it is not loaded again "
                + "until the plugin file changes"
        }
    }

    /// Reads the crashes recorded at `path`, records each in `ledger` as a suspect version,
    /// and empties the file. Lines that do not parse are skipped.
    @discardableResult
    public static func collect(path: String, into ledger: Ledger) throws -> [Crash] {
        guard let data = FileManager.default.contents(atPath: path), !data.isEmpty else { return [] }
        var crashes: [Crash] = []
        for line in String(decoding: data, as: UTF8.self).split(separator: "\n") {
            let words = line.split(separator: " ")
            guard words.count == 3, let netuid = Int(words[0]), let signal = Int32(words[2]) else { continue }
            let crash = Crash(netuid: netuid, sha256: String(words[1]), signal: signal)
            if !crashes.contains(crash) { crashes.append(crash) }
        }
        for crash in crashes {
            try ledger.recordPluginVersion(
                netuid: crash.netuid, sha256: crash.sha256, outcome: "suspect", message: crash.reason)
        }
        // Recorded: the file starts over (truncated in place: the open handler keeps appending).
        truncate(path, 0)
        return crashes
    }

    /// Whether version `sha256` of subnet `netuid` is quarantined.
    public static func isQuarantined(netuid: Int, sha256: String, in ledger: Ledger) throws -> Bool {
        try ledger.pluginVersionRecords(netuid: netuid).contains { $0.sha256 == sha256 && $0.outcome == "suspect" }
    }
}
