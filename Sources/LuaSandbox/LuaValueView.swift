import CLuaShim

/// A read-only view of a value in the sandbox's result buffer: read the fields you need
/// without building a ``LuaValue`` (no arrays or dictionaries are allocated).
///
/// Views exist only inside the closure passed to
/// ``Sandbox/call(_:arguments:reading:)``; do not keep them.
///
/// ```swift
/// let total = try sandbox.call(pair, arguments: [2, 3]) { results in
///     (results[0]?["sum"]?.integer ?? 0) + (results[0]?["prod"]?.integer ?? 0)
/// }
/// ```
public struct LuaValueView {
    let buffer: UnsafeRawBufferPointer
    let offset: Int

    private var tag: UInt32 { UInt32(buffer[offset]) }

    /// The value's Lua type name.
    public var typeName: String {
        switch tag {
        case SYNOD_TAG_NIL.rawValue: "nil"
        case SYNOD_TAG_FALSE.rawValue, SYNOD_TAG_TRUE.rawValue: "boolean"
        case SYNOD_TAG_INTEGER.rawValue, SYNOD_TAG_NUMBER.rawValue: "number"
        case SYNOD_TAG_STRING.rawValue: "string"
        case SYNOD_TAG_FUNCTION.rawValue: "function"
        default: "table"
        }
    }

    /// Whether the value is `nil`.
    public var isNil: Bool { tag == SYNOD_TAG_NIL.rawValue }

    /// The value as an integer (integers, and floats with an exact integer value).
    public var integer: Int64? {
        switch tag {
        case SYNOD_TAG_INTEGER.rawValue: Int64(bitPattern: word)
        case SYNOD_TAG_NUMBER.rawValue: Int64(exactly: Double(bitPattern: word))
        default: nil
        }
    }

    /// The value as a float (integers convert).
    public var number: Double? {
        switch tag {
        case SYNOD_TAG_INTEGER.rawValue: Double(Int64(bitPattern: word))
        case SYNOD_TAG_NUMBER.rawValue: Double(bitPattern: word)
        default: nil
        }
    }

    /// The value as a boolean, when it is one.
    public var boolean: Bool? {
        switch tag {
        case SYNOD_TAG_TRUE.rawValue: true
        case SYNOD_TAG_FALSE.rawValue: false
        default: nil
        }
    }

    /// The value as text, when it is a UTF-8 string.
    public var string: String? {
        guard tag == SYNOD_TAG_STRING.rawValue else { return nil }
        return LuaValue.text(bytes(at: offset + 1))
    }

    /// Field `key` of a table (`nil` when absent or not a table).
    public subscript(key: String) -> LuaValueView? {
        guard tag == SYNOD_TAG_MAP.rawValue else { return nil }
        var reader = LuaValue.Reader(buffer: buffer, offset: offset + 1)
        guard let count = try? reader.uint32() else { return nil }
        var utf8Key = key
        return utf8Key.withUTF8 { wanted -> LuaValueView? in
            for _ in 0..<count {
                guard let name = try? reader.rawBytes() else { return nil }
                if name.elementsEqual(UnsafeRawBufferPointer(wanted)) {
                    return LuaValueView(buffer: buffer, offset: reader.offset)
                }
                guard (try? reader.skipValue()) != nil else { return nil }
            }
            return nil
        }
    }

    /// Element `index` (0-based) of an array (`nil` when out of range or not an array).
    public subscript(index: Int) -> LuaValueView? {
        guard tag == SYNOD_TAG_ARRAY.rawValue, index >= 0 else { return nil }
        var reader = LuaValue.Reader(buffer: buffer, offset: offset + 1)
        guard let count = try? reader.uint32(), index < count else { return nil }
        for _ in 0..<index { guard (try? reader.skipValue()) != nil else { return nil } }
        return LuaValueView(buffer: buffer, offset: reader.offset)
    }

    /// The whole value, built as a ``LuaValue``.
    public func value() throws(SandboxError) -> LuaValue {
        var reader = LuaValue.Reader(buffer: buffer, offset: offset)
        return try reader.value(path: "$")
    }

    private var word: UInt64 { UInt64(littleEndian: buffer.loadUnaligned(fromByteOffset: offset + 1, as: UInt64.self)) }

    private func bytes(at position: Int) -> UnsafeRawBufferPointer {
        let length = Int(UInt32(littleEndian: buffer.loadUnaligned(fromByteOffset: position, as: UInt32.self)))
        return UnsafeRawBufferPointer(rebasing: buffer[(position + 4)..<(position + 4 + length)])
    }
}

/// The results of a call, viewed in place (see ``LuaValueView``).
public struct LuaResultsView {
    let buffer: UnsafeRawBufferPointer
    /// How many values the function returned.
    public let count: Int

    init(buffer: UnsafeRawBufferPointer) throws(SandboxError) {
        self.buffer = buffer
        var reader = LuaValue.Reader(buffer: buffer)
        self.count = Int(try reader.uint32())
    }

    /// Result `index` (0-based), or `nil` past the last one.
    public subscript(index: Int) -> LuaValueView? {
        guard index >= 0, index < count else { return nil }
        var reader = LuaValue.Reader(buffer: buffer, offset: 4)
        for _ in 0..<index { guard (try? reader.skipValue()) != nil else { return nil } }
        return LuaValueView(buffer: buffer, offset: reader.offset)
    }
}
