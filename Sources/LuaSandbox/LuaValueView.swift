import CLuaShim

/// A read-only view of one of a call's results, read where it lies in the sandbox: the
/// fields you read are looked up, nothing else is copied or encoded, and no arrays or
/// dictionaries are allocated.
///
/// Views exist only inside the closure passed to
/// ``Sandbox/call(_:arguments:reading:)``; do not keep them.
///
/// ```swift
/// let total = try sandbox.call(pair, arguments: [2, 3]) { results in
///     (results[0]?["sum"]?.integer ?? 0) + (results[0]?["prod"]?.integer ?? 0)
/// }
/// ```
/// A view sees a table as a call's results would cross: an array when its keys are exactly
/// `1...n`, otherwise a map whose integer keys read as their decimal text.
public struct LuaValueView {
    let sandbox: OpaquePointer
    let item: synod_view_item

    /// The value's Lua type name.
    public var typeName: String { item.typeName }

    /// Whether the value is `nil`.
    public var isNil: Bool { item.type == LUA_TNIL }

    /// The value as an integer (integers, and floats with an exact integer value).
    public var integer: Int64? {
        guard item.type == LUA_TNUMBER else { return nil }
        return item.is_integer != 0 ? item.integer : Int64(exactly: item.number)
    }

    /// The value as a float (integers convert).
    public var number: Double? {
        guard item.type == LUA_TNUMBER else { return nil }
        return item.is_integer != 0 ? Double(item.integer) : item.number
    }

    /// The value as a boolean, when it is one.
    public var boolean: Bool? { item.type == LUA_TBOOLEAN ? item.integer != 0 : nil }

    /// The value as text, when it is a UTF-8 string.
    public var string: String? {
        guard item.type == LUA_TSTRING else { return nil }
        return LuaValue.text(UnsafeRawBufferPointer(start: item.bytes, count: item.length))
    }

    /// Field `key` of a map (`nil` when absent, or not a map).
    public subscript(key: String) -> LuaValueView? {
        guard item.type == LUA_TTABLE else { return nil }
        var found = synod_view_item()
        var key = key
        let present = key.withUTF8 { synod_view_field(sandbox, item.slot, $0.baseAddress, $0.count, &found) }
        return present != 0 ? LuaValueView(sandbox: sandbox, item: found) : nil
    }

    /// Element `index` (0-based) of an array (`nil` when out of range or not an array).
    public subscript(index: Int) -> LuaValueView? {
        guard item.type == LUA_TTABLE else { return nil }
        var found = synod_view_item()
        guard synod_view_element(sandbox, item.slot, Int64(index), &found) != 0 else { return nil }
        return LuaValueView(sandbox: sandbox, item: found)
    }

    /// The whole value, built as a ``LuaValue`` (as ``Sandbox/call(_:arguments:)`` would
    /// return it, with the same errors for values that cannot cross).
    public func value() throws(SandboxError) -> LuaValue {
        switch item.type {
        case LUA_TNIL: return .null
        case LUA_TBOOLEAN: return .boolean(item.integer != 0)
        case LUA_TNUMBER: return item.is_integer != 0 ? .integer(item.integer) : .number(item.number)
        case LUA_TSTRING:
            return LuaValue(luaString: UnsafeRawBufferPointer(start: item.bytes, count: item.length))
        default:
            let status = synod_view_encode(sandbox, item.slot)
            guard status == SYNOD_OK.rawValue else {
                throw Sandbox.failure(at: sandbox, status, chunkName: nil, sandbox: "")
            }
            var length = 0
            let bytes = synod_output(sandbox, &length)
            return try LuaValue.decodeList(UnsafeRawBufferPointer(start: bytes, count: length)).first ?? .null
        }
    }
}

/// The results of a call, read in place (see ``LuaValueView``).
public struct LuaResultsView {
    let sandbox: OpaquePointer
    /// How many values the function returned.
    public let count: Int

    init(sandbox: OpaquePointer) {
        self.sandbox = sandbox
        self.count = Int(synod_view_count(sandbox))
    }

    /// Result `index` (0-based), or `nil` past the last one.
    public subscript(index: Int) -> LuaValueView? {
        guard index >= 0, index < count else { return nil }
        var found = synod_view_item()
        guard synod_view_result(sandbox, Int32(index), &found) != 0 else { return nil }
        return LuaValueView(sandbox: sandbox, item: found)
    }
}

extension synod_view_item {
    /// The Lua type name of the value read.
    var typeName: String {
        switch type {
        case LUA_TNIL: "nil"
        case LUA_TBOOLEAN: "boolean"
        case LUA_TNUMBER: "number"
        case LUA_TSTRING: "string"
        case LUA_TTABLE: "table"
        case LUA_TFUNCTION: "function"
        case LUA_TUSERDATA, LUA_TLIGHTUSERDATA: "userdata"
        case LUA_TTHREAD: "thread"
        default: "no value"
        }
    }
}
