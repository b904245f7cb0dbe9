import CProcessHardening
import Foundation

/// The signer process's side of key handling: the keys it holds, and what it does to its
/// own process so they stay in it.
public enum SignerKeys {
    /// The hotkeys `names` of `wallet` under `walletsDirectory`, read from their files; a
    /// missing one is made (and written 0600) when `create` allows it.
    public static func load(names: [String], wallet: String, walletsDirectory: String, create: Bool)
        throws(WireError) -> [String: Hotkey]
    {
        var keys: [String: Hotkey] = [:]
        for name in names {
            guard !name.isEmpty, !name.contains("/"), !name.hasPrefix(".") else {
                throw .keyFile(path: name, reason: "is not a hotkey name")
            }
            let path = KeyFile.path(wallet: wallet, hotkey: name, walletsDirectory: walletsDirectory)
            if FileManager.default.fileExists(atPath: path) || !create {
                keys[name] = try KeyFile.read(at: path)
            } else {
                let key = try Hotkey.generate()
                try KeyFile.write(key, to: path)
                keys[name] = key
            }
        }
        return keys
    }

    /// Hardens the calling process for holding keys: not dumpable (no core file, no ptrace
    /// from the same user), ended when its parent dies, and its memory locked into RAM
    /// (never swapped) when the memory-lock limit allows it. Returns one line for the log.
    public static func hardenProcess() -> String {
        var notes: [String] = []
        notes.append(synod_set_undumpable() == 0 ? "not dumpable" : "dumpable (prctl refused)")
        _ = synod_set_parent_death_signal(SIGTERM)
        var limit: UInt64 = 0
        switch synod_lock_memory(&limit) {
        case 0: notes.append("memory locked")
        case -1: notes.append("memory not locked (RLIMIT_MEMLOCK is \(limit) bytes)")
        case let error: notes.append("memory not locked (\(String(cString: strerror(error))))")
        }
        return notes.joined(separator: ", ")
    }
}
