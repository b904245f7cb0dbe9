/// A value that crosses between Swift and a sandbox.
///
/// Lua tables cross as ``array(_:)`` when their keys are exactly `1...n` (n ≥ 1) and as
/// ``map(_:)`` otherwise; integer keys of a map become their decimal text. An empty table
/// becomes an empty map. Lua strings are bytes: valid UTF-8 crosses as ``string(_:)``,
/// anything else as ``bytes(_:)``. Functions, coroutines and userdata do not cross, except
/// that a sandbox asked to describe functions reports each as ``function(_:)``.
///
/// ```swift
/// let task: LuaValue = ["numbers": [3, 4, 5], "label": "sum"]
/// let results = try sandbox.call(global: "score", task)
/// ```
public enum LuaValue: Sendable, Hashable {
    /// Lua `nil`.
    case null
    case boolean(Bool)
    /// A Lua integer (64-bit).
    case integer(Int64)
    /// A Lua float.
    case number(Double)
    /// A Lua string holding valid UTF-8.
    case string(String)
    /// A Lua string that is not valid UTF-8.
    case bytes([UInt8])
    /// A Lua sequence `{v1, v2, …}`.
    case array([LuaValue])
    /// A Lua table with string (or non-sequence integer) keys.
    case map([String: LuaValue])
    /// A description of a Lua function (`"function: plugins/x.lua:12"`); Lua to host only.
    case function(String)
}

extension LuaValue {
    /// The Lua type name of the value, as `type()` would report it.
    public var typeName: String {
        switch self {
        case .null: "nil"
        case .boolean: "boolean"
        case .integer, .number: "number"
        case .string, .bytes: "string"
        case .array, .map: "table"
        case .function: "function"
        }
    }

    /// The value as an integer, when it is an integer or a float with an exact integer value.
    public var intValue: Int64? {
        switch self {
        case .integer(let i): i
        case .number(let d): Int64(exactly: d)
        default: nil
        }
    }

    /// The value as a float, when it is a number.
    public var doubleValue: Double? {
        switch self {
        case .integer(let i): Double(i)
        case .number(let d): d
        default: nil
        }
    }

    /// The value as text, when it is a UTF-8 string.
    public var stringValue: String? {
        if case .string(let s) = self { return s }
        return nil
    }

    /// Looks up a key of a map (`nil` for other values and missing keys).
    public subscript(key: String) -> LuaValue? {
        if case .map(let m) = self { return m[key] }
        return nil
    }

    /// Looks up a 0-based position of an array (`nil` for other values or out of range).
    public subscript(index: Int) -> LuaValue? {
        if case .array(let a) = self, a.indices.contains(index) { return a[index] }
        return nil
    }
}

extension LuaValue: ExpressibleByNilLiteral {
    public init(nilLiteral: ()) { self = .null }
}

extension LuaValue: ExpressibleByBooleanLiteral {
    public init(booleanLiteral value: Bool) { self = .boolean(value) }
}

extension LuaValue: ExpressibleByIntegerLiteral {
    public init(integerLiteral value: Int64) { self = .integer(value) }
}

extension LuaValue: ExpressibleByFloatLiteral {
    public init(floatLiteral value: Double) { self = .number(value) }
}

extension LuaValue: ExpressibleByStringLiteral {
    public init(stringLiteral value: String) { self = .string(value) }
}

extension LuaValue: ExpressibleByArrayLiteral {
    public init(arrayLiteral elements: LuaValue...) { self = .array(elements) }
}

extension LuaValue: ExpressibleByDictionaryLiteral {
    public init(dictionaryLiteral elements: (String, LuaValue)...) {
        self = .map(Dictionary(elements, uniquingKeysWith: { _, last in last }))
    }
}
