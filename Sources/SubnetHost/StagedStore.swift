import Foundation
public import LuaSandbox
import Synchronization

/// A store whose writes wait in a scratch overlay until the version that made them is
/// accepted: a candidate's `on_load` runs against it, sees its own writes on top of the
/// subnet's state, and touches the real store only at ``commit()`` (one transaction), or
/// never when the version is rejected (``discard()``). After the commit, reads and writes
/// go straight to the real store.
public final class StagedStore: PluginStore {
    private struct State {
        /// Pending writes by key (`nil`: a removal), in the order made.
        var overlay: [String: LuaValue?] = [:]
        var order: [String] = []
        var staging = true
    }

    public let base: any PluginStore
    private let state = Mutex(State())

    public init(over base: any PluginStore) { self.base = base }

    public func value(forKey key: String) throws -> LuaValue? {
        let staged: LuaValue?? = state.withLock { $0.staging ? $0.overlay[key] : nil }
        if let staged { return staged }
        return try base.value(forKey: key)
    }

    public func setValue(_ value: LuaValue?, forKey key: String) throws {
        let staged = state.withLock { state in
            guard state.staging else { return false }
            if state.overlay.updateValue(value == .null ? nil : value, forKey: key) == nil { state.order.append(key) }
            return true
        }
        if !staged { try base.setValue(value, forKey: key) }
    }

    public func setValues(_ entries: [(key: String, value: LuaValue?)]) throws {
        for entry in entries { try setValue(entry.value, forKey: entry.key) }
    }

    /// Writes what was staged to the real store, all at once, and stops staging. Throws (and
    /// keeps staging) when the real store refuses, its quota say.
    public func commit() throws {
        let entries = state.withLock { state in state.order.map { (key: $0, value: state.overlay[$0]!) } }
        try base.setValues(entries)
        state.withLock { $0 = State(staging: false) }
    }

    /// Forgets what was staged.
    public func discard() { state.withLock { $0 = State() } }
}
