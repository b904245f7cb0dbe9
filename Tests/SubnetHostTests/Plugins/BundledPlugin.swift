import Foundation
import LuaSandbox
import SubnetHost

/// A bundled plugin loaded for its tests, with helpers to run its hooks on hand-made answers.
struct BundledPlugin {
    let plugin: SubnetPlugin
    let store: MemoryStore

    init(_ name: String) throws {
        store = MemoryStore()
        let path = SubnetPluginTests.root.appendingPathComponent("plugins/\(name).lua").path
        plugin = try SubnetPlugin(path: path, store: store)
    }

    func context(block: UInt64, miners: [String], validator: String = "v") -> HookContext {
        HookContext(
            netuid: 1, block: block, validator: validator, miners: miners.enumerated().map { ($0 + 2, $1) },
            secret: .derived("tests/\(validator)"))
    }

    /// One response per miner: its answer if `validate` accepts it, else invalid.
    func responses(_ answers: [(hotkey: String, answer: LuaValue?)], task: RoundTask) throws -> [MinerResponse] {
        try answers.enumerated().map { i, entry in
            let own = task.task(for: entry.hotkey)
            var response = MinerResponse(
                uid: i + 2, hotkey: entry.hotkey, status: "silent",
                task: { if case .perMiner = task { own } else { nil } }())
            if let answer = entry.answer {
                if try plugin.validate(answer, task: own ?? .null) {
                    response.status = "ok"
                    response.answer = answer
                } else {
                    response.status = "invalid"
                }
            }
            return response
        }
    }

    func honest(_ task: LuaValue, as hotkey: String) throws -> LuaValue {
        try plugin.answer(task, context: MinerContext(netuid: 1, hotkey: hotkey, validator: "v"))!
    }
}

extension LuaValue {
    /// A copy with the number at `path` (keys or 1-based indices) changed by `change`.
    func changing(_ path: [String], _ change: (LuaValue) -> LuaValue) -> LuaValue {
        guard let head = path.first else { return change(self) }
        switch self {
        case .map(var fields):
            fields[head] = fields[head]?.changing(Array(path.dropFirst()), change)
            return .map(fields)
        case .array(var items):
            if let i = Int(head), items.indices.contains(i - 1) {
                items[i - 1] = items[i - 1].changing(Array(path.dropFirst()), change)
            }
            return .array(items)
        default: return self
        }
    }
}
