import Foundation
public import Ledger
import Logging
public import LuaSandbox

/// Where a plugin's `store` keeps its values. State lives here, not in Lua globals, so a
/// reload, a restart or a crash loses nothing.
public protocol PluginStore: Sendable {
    /// The value stored under `key`, or nil.
    func value(forKey key: String) throws -> LuaValue?
    /// Stores `value` under `key`; `nil` (or `.null`) removes it.
    func setValue(_ value: LuaValue?, forKey key: String) throws
    /// Stores several values at once: all of them, or (when one is refused) none.
    func setValues(_ entries: [(key: String, value: LuaValue?)]) throws
}

/// How much one subnet's plugin may keep in its store. Without a bound, a plugin could
/// grow the host's ledger until the disk is full (24 MB and 24,000 keys in 30 s were seen).
public struct StoreQuota: Sendable, Hashable {
    /// Most keys at once.
    public var maxKeys: Int
    /// Most bytes at once, keys and JSON values together.
    public var maxBytes: Int

    public init(maxKeys: Int = 10_000, maxBytes: Int = 16 << 20) {
        self.maxKeys = maxKeys
        self.maxBytes = maxBytes
    }

    public static let `default` = StoreQuota()

    /// Throws the refusal a plugin sees when a write would leave `keys` keys of `bytes`.
    func admit(keys: Int, bytes: Int, key: String) throws(StoreQuotaExceeded) {
        if keys > maxKeys {
            throw StoreQuotaExceeded(
                "store.set(\"\(key.prefix(40))\"): the subnet's store holds its quota of \(maxKeys) keys; "
                    + "delete keys with store.set(key, nil) or keep fewer, larger values")
        }
        if bytes > maxBytes {
            throw StoreQuotaExceeded(
                "store.set(\"\(key.prefix(40))\"): the subnet's store would hold \(bytes) bytes, over its quota of "
                    + "\(maxBytes); delete values with store.set(key, nil) or keep less")
        }
    }
}

/// A write the store's quota refuses (the message is what the plugin and the log see).
public struct StoreQuotaExceeded: Error, Sendable, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}

/// A subnet's store in the ledger (its key-value table, values as JSON).
public struct LedgerStore: PluginStore {
    public let ledger: Ledger
    public let netuid: Int
    public let quota: StoreQuota

    public init(ledger: Ledger, netuid: Int, quota: StoreQuota = .default) {
        self.ledger = ledger
        self.netuid = netuid
        self.quota = quota
    }

    public func value(forKey key: String) throws -> LuaValue? {
        guard let data = try ledger.value(forKey: Self.prefix + key, netuid: netuid) else { return nil }
        return try LuaValue(json: Array(data))
    }

    public func setValue(_ value: LuaValue?, forKey key: String) throws {
        guard let value, value != .null else {
            try ledger.setValue(nil, forKey: Self.prefix + key, netuid: netuid)
            return
        }
        let quota = self.quota
        try ledger.setValue(
            Data(try value.jsonText().utf8), forKey: Self.prefix + key, netuid: netuid, prefix: Self.prefix
        ) { keys, bytes in
            // The ledger counts its own key prefix; the quota speaks of the plugin's keys.
            try quota.admit(keys: keys, bytes: bytes - keys * Self.prefix.utf8.count, key: key)
        }
    }

    /// The plugin's keys under `prefix`, in order, each with its value's size as JSON.
    public func keys(prefix: String = "") throws -> [(key: String, bytes: Int)] {
        try ledger.keys(netuid: netuid, prefix: Self.prefix + prefix).map {
            (String($0.key.dropFirst(Self.prefix.count)), $0.bytes)
        }
    }

    public func setValues(_ entries: [(key: String, value: LuaValue?)]) throws {
        let quota = self.quota
        let encoded = try entries.map { entry -> (String, Data?) in
            guard let value = entry.value, value != .null else { return (Self.prefix + entry.key, nil) }
            return (Self.prefix + entry.key, Data(try value.jsonText().utf8))
        }
        try ledger.setValues(encoded, netuid: netuid, prefix: Self.prefix) { keys, bytes in
            try quota.admit(keys: keys, bytes: bytes - keys * Self.prefix.utf8.count, key: entries.last?.key ?? "")
        }
    }

    /// Plugin keys live apart from the host's own entries in the same table. (A miner's
    /// corner, `store.miner(hotkey)`, is `miner/<hotkey>/…` under it: ``Ledger/minerStatePrefix``.)
    static let prefix = "plugin/"
}

/// A store in memory, for checks and simulations.
public final class MemoryStore: PluginStore, @unchecked Sendable {
    // @unchecked: every access to `values` and `sizes` holds `lock`.
    private let lock = NSLock()
    private var values: [String: LuaValue] = [:]
    private var sizes: [String: Int] = [:]
    private var bytes = 0
    public let quota: StoreQuota

    public init(quota: StoreQuota = .default) { self.quota = quota }

    public func value(forKey key: String) throws -> LuaValue? { lock.withLock { values[key] } }

    /// Every key, in order.
    public var keys: [String] { lock.withLock { values.keys.sorted() } }

    public func setValue(_ value: LuaValue?, forKey key: String) throws {
        guard let value, value != .null else {
            lock.withLock {
                bytes -= sizes.removeValue(forKey: key) ?? 0
                values[key] = nil
            }
            return
        }
        // Counted as the ledger counts it: the key and the value's JSON.
        let size = key.utf8.count + (try value.jsonText().utf8.count)
        try lock.withLock {
            let old = sizes[key]
            try quota.admit(keys: values.count + (old == nil ? 1 : 0), bytes: bytes - (old ?? 0) + size, key: key)
            values[key] = value
            sizes[key] = size
            bytes += size - (old ?? 0)
        }
    }
}

extension MemoryStore {
    public func setValues(_ entries: [(key: String, value: LuaValue?)]) throws {
        var undo: [(String, LuaValue?)] = []
        do {
            for entry in entries {
                undo.append((entry.key, try value(forKey: entry.key)))
                try setValue(entry.value, forKey: entry.key)
            }
        } catch {
            for (key, old) in undo.reversed() { try? setValue(old, forKey: key) }
            throw error
        }
    }
}

extension SubnetPlugin {
    /// Most bytes one stored value may take as JSON.
    public static let maxStoredValueBytes = 1 << 20

    /// Exposes `store` to the sandbox as host functions the runtime wraps. A write the
    /// store's quota refuses fails in the plugin with the reason, and is logged to
    /// `quotaLog` (rate-limited there: a plugin retrying in a loop is one line a second).
    static func registerStore(_ store: any PluginStore, in sandbox: Sandbox, quotaLog: RateLimitedLogger)
        throws(SandboxError)
    {
        try sandbox.register("__synod_store_get") { arguments in
            guard arguments.count == 1, case .string(let key) = arguments[0], !key.isEmpty, key.utf8.count <= 256 else {
                throw SandboxError(kind: .runtime, message: "store.get(key) takes a key: a string of 1 to 256 bytes")
            }
            return [try store.value(forKey: key) ?? .null]
        }
        try sandbox.register("__synod_store_set") { arguments in
            guard arguments.count >= 1, case .string(let key) = arguments[0], !key.isEmpty, key.utf8.count <= 256 else {
                throw SandboxError(
                    kind: .runtime, message: "store.set(key, value) takes a key: a string of 1 to 256 bytes")
            }
            let value = arguments.count > 1 ? arguments[1] : .null
            if value != .null {
                let size = try value.jsonText().utf8.count
                guard size <= maxStoredValueBytes else {
                    throw SandboxError(
                        kind: .runtime,
                        message: "store.set: the value takes \(size) bytes as JSON; at most \(maxStoredValueBytes)")
                }
            }
            do {
                try store.setValue(value, forKey: key)
            } catch let refusal as StoreQuotaExceeded {
                quotaLog.warning("\(refusal.description)", metadata: ["sandbox": "\(sandbox.name)"])
                throw SandboxError(kind: .runtime, message: refusal.description)
            }
            return []
        }
    }
}
