import Foundation
public import Ledger
public import LuaSandbox

/// Where a plugin's `store` keeps its values. State lives here, not in Lua globals, so a
/// reload, a restart or a crash loses nothing.
public protocol PluginStore: Sendable {
    /// The value stored under `key`, or nil.
    func value(forKey key: String) throws -> LuaValue?
    /// Stores `value` under `key`; `nil` (or `.null`) removes it.
    func setValue(_ value: LuaValue?, forKey key: String) throws
}

/// A subnet's store in the ledger (its key-value table, values as JSON).
public struct LedgerStore: PluginStore {
    public let ledger: Ledger
    public let netuid: Int

    public init(ledger: Ledger, netuid: Int) {
        self.ledger = ledger
        self.netuid = netuid
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
        try ledger.setValue(Data(try value.jsonText().utf8), forKey: Self.prefix + key, netuid: netuid)
    }

    /// Plugin keys live apart from the host's own entries in the same table.
    static let prefix = "plugin/"
}

/// A store in memory, for checks and simulations.
public final class MemoryStore: PluginStore, @unchecked Sendable {
    private let lock = NSLock()
    private var values: [String: LuaValue] = [:]

    public init() {}

    public func value(forKey key: String) throws -> LuaValue? { lock.withLock { values[key] } }

    public func setValue(_ value: LuaValue?, forKey key: String) throws {
        lock.withLock { values[key] = value == .null ? nil : value }
    }
}

extension SubnetPlugin {
    /// Most bytes one stored value may take as JSON.
    public static let maxStoredValueBytes = 1 << 20

    /// Exposes `store` to the sandbox as host functions the runtime wraps.
    static func registerStore(_ store: any PluginStore, in sandbox: Sandbox) throws(SandboxError) {
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
            try store.setValue(value, forKey: key)
            return []
        }
    }
}
