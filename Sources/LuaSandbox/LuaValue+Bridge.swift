import CLuaShim

// The tagged binary format shared with CLuaShim (see `synod_tag` in CLuaShim.h).
extension LuaValue {
    /// Appends the encoding of a value list (count, then values) to `bytes`.
    static func encodeList(_ values: [LuaValue], into bytes: inout [UInt8]) throws(SandboxError) {
        appendUInt32(UInt32(values.count), to: &bytes)
        for value in values { try value.encode(into: &bytes, depth: 0) }
    }

    /// Room for the encoding of a list of up to 16 scalars.
    static let scalarListBytes = 4 + 9 * 16

    /// Encodes a list of up to 16 numbers, booleans and nils into `bytes` (room for
    /// ``scalarListBytes``) and returns its length; `nil`, with nothing promised about
    /// `bytes`, for any other list. The common call's arguments, with no array to grow.
    static func encodeScalars(_ values: [LuaValue], into bytes: UnsafeMutablePointer<UInt8>) -> Int? {
        guard values.count <= 16 else { return nil }
        let raw = UnsafeMutableRawPointer(bytes)
        raw.storeBytes(of: UInt32(values.count).littleEndian, as: UInt32.self)
        var at = 4
        for value in values {
            switch value {
            case .null: bytes[at] = UInt8(SYNOD_TAG_NIL.rawValue)
            case .boolean(let b): bytes[at] = UInt8(b ? SYNOD_TAG_TRUE.rawValue : SYNOD_TAG_FALSE.rawValue)
            case .integer(let i):
                bytes[at] = UInt8(SYNOD_TAG_INTEGER.rawValue)
                raw.storeBytes(of: UInt64(bitPattern: i).littleEndian, toByteOffset: at + 1, as: UInt64.self)
                at += 8
            case .number(let d):
                bytes[at] = UInt8(SYNOD_TAG_NUMBER.rawValue)
                raw.storeBytes(of: d.bitPattern.littleEndian, toByteOffset: at + 1, as: UInt64.self)
                at += 8
            default: return nil
            }
            at += 1
        }
        return at
    }

    func encode(into bytes: inout [UInt8], depth: Int) throws(SandboxError) {
        guard depth <= 1000 else {
            throw SandboxError(kind: .value, message: "value nested more than 1000 levels deep")
        }
        switch self {
        case .null: bytes.append(UInt8(SYNOD_TAG_NIL.rawValue))
        case .boolean(let b): bytes.append(UInt8(b ? SYNOD_TAG_TRUE.rawValue : SYNOD_TAG_FALSE.rawValue))
        case .integer(let i):
            bytes.append(UInt8(SYNOD_TAG_INTEGER.rawValue))
            Self.appendUInt64(UInt64(bitPattern: i), to: &bytes)
        case .number(let d):
            bytes.append(UInt8(SYNOD_TAG_NUMBER.rawValue))
            Self.appendUInt64(d.bitPattern, to: &bytes)
        case .string(let s):
            bytes.append(UInt8(SYNOD_TAG_STRING.rawValue))
            try Self.appendBytes(s.utf8, to: &bytes)
        case .bytes(let b):
            bytes.append(UInt8(SYNOD_TAG_STRING.rawValue))
            try Self.appendBytes(b, to: &bytes)
        case .function(let d):
            // Only descriptions exist on the host side; they go back as plain strings.
            bytes.append(UInt8(SYNOD_TAG_STRING.rawValue))
            try Self.appendBytes(d.utf8, to: &bytes)
        case .array(let items):
            bytes.append(UInt8(SYNOD_TAG_ARRAY.rawValue))
            Self.appendUInt32(UInt32(items.count), to: &bytes)
            for item in items { try item.encode(into: &bytes, depth: depth + 1) }
        case .map(let entries):
            bytes.append(UInt8(SYNOD_TAG_MAP.rawValue))
            Self.appendUInt32(UInt32(entries.count), to: &bytes)
            for (key, value) in entries {
                try Self.appendBytes(key.utf8, to: &bytes)
                try value.encode(into: &bytes, depth: depth + 1)
            }
        }
    }

    // Byte by byte: the generic append(contentsOf:) costs more than the copy itself here.
    @inline(__always)
    private static func appendUInt32(_ v: UInt32, to bytes: inout [UInt8]) {
        bytes.append(UInt8(truncatingIfNeeded: v))
        bytes.append(UInt8(truncatingIfNeeded: v >> 8))
        bytes.append(UInt8(truncatingIfNeeded: v >> 16))
        bytes.append(UInt8(truncatingIfNeeded: v >> 24))
    }

    @inline(__always)
    private static func appendUInt64(_ v: UInt64, to bytes: inout [UInt8]) {
        appendUInt32(UInt32(truncatingIfNeeded: v), to: &bytes)
        appendUInt32(UInt32(truncatingIfNeeded: v >> 32), to: &bytes)
    }

    private static func appendBytes(_ s: some Collection<UInt8>, to bytes: inout [UInt8]) throws(SandboxError) {
        guard let n = UInt32(exactly: s.count) else {
            throw SandboxError(kind: .value, message: "string of \(s.count) bytes is too long to cross into a sandbox")
        }
        appendUInt32(n, to: &bytes)
        bytes.append(contentsOf: s)
    }

    /// The bytes as a String if they are valid UTF-8. (`String(validating:as:)` is
    /// generic and resolves metadata at run time on every call: too slow for this path.)
    @inline(__always)
    static func text(_ raw: UnsafeRawBufferPointer) -> String? {
        let bytes = raw.assumingMemoryBound(to: UInt8.self)
        var ascii = true
        for b in bytes where b >= 0x80 {
            ascii = false
            break
        }
        let s = String(decoding: bytes, as: UTF8.self)
        if ascii { return s }
        // Lossy decoding replaces invalid sequences, so the bytes differ exactly when invalid.
        return s.utf8.elementsEqual(bytes) ? s : nil
    }

    /// A Lua string's bytes as they cross: text when valid UTF-8, bytes otherwise.
    init(luaString raw: UnsafeRawBufferPointer) {
        self = LuaValue.text(raw).map(LuaValue.string) ?? .bytes(Array(raw))
    }

    /// Decodes a value list produced by CLuaShim.
    static func decodeList(_ buffer: UnsafeRawBufferPointer) throws(SandboxError) -> [LuaValue] {
        var reader = Reader(buffer: buffer)
        let count = try reader.uint32()
        var values: [LuaValue] = []
        values.reserveCapacity(Int(min(count, 256)))
        for _ in 0..<count { values.append(try reader.value(path: "$")) }
        return values
    }

    struct Reader {
        let buffer: UnsafeRawBufferPointer
        var offset = 0

        init(buffer: UnsafeRawBufferPointer, offset: Int = 0) {
            self.buffer = buffer
            self.offset = offset
        }

        @inline(__always)
        mutating func need(_ n: Int) throws(SandboxError) {
            guard buffer.count - offset >= n else {
                throw SandboxError(kind: .internal, message: "malformed value from the sandbox (truncated)")
            }
        }

        @inline(__always)
        mutating func uint8() throws(SandboxError) -> UInt8 {
            try need(1)
            defer { offset += 1 }
            return buffer[offset]
        }

        @inline(__always)
        mutating func uint32() throws(SandboxError) -> UInt32 {
            try need(4)
            defer { offset += 4 }
            return UInt32(littleEndian: buffer.loadUnaligned(fromByteOffset: offset, as: UInt32.self))
        }

        @inline(__always)
        mutating func uint64() throws(SandboxError) -> UInt64 {
            try need(8)
            defer { offset += 8 }
            return UInt64(littleEndian: buffer.loadUnaligned(fromByteOffset: offset, as: UInt64.self))
        }

        mutating func rawBytes() throws(SandboxError) -> UnsafeRawBufferPointer {
            let n = Int(try uint32())
            try need(n)
            defer { offset += n }
            return UnsafeRawBufferPointer(rebasing: buffer[offset..<offset + n])
        }

        /// Reads a value, but for tables and functions only reports their type (as an empty
        /// table or description) without building them: used for typed argument access.
        /// The 8 bytes of the next value when it is an integer or a float tagged `tag`
        /// (moving past it), else nil (staying put): the host functions' fast path.
        @inline(__always)
        mutating func tagged(_ tag: synod_tag) -> UInt64? {
            guard buffer.count - offset >= 9, buffer[offset] == UInt8(tag.rawValue) else { return nil }
            defer { offset += 9 }
            return UInt64(littleEndian: buffer.loadUnaligned(fromByteOffset: offset + 1, as: UInt64.self))
        }

        mutating func scalar() throws(SandboxError) -> LuaValue {
            let start = offset
            let tag = try uint8()
            switch UInt32(tag) {
            case SYNOD_TAG_ARRAY.rawValue, SYNOD_TAG_MAP.rawValue:
                offset = start
                try skipValue()
                return .map([:])
            default:
                offset = start
                return try value(path: "$")
            }
        }

        /// Moves past one value without decoding it.
        @inline(__always)
        mutating func skipValue() throws(SandboxError) {
            // A number, the common argument, in place; anything else the long way.
            if tagged(SYNOD_TAG_INTEGER) != nil || tagged(SYNOD_TAG_NUMBER) != nil { return }
            try skipOther()
        }

        private mutating func skipOther() throws(SandboxError) {
            let tag = try uint8()
            switch UInt32(tag) {
            case SYNOD_TAG_NIL.rawValue, SYNOD_TAG_FALSE.rawValue, SYNOD_TAG_TRUE.rawValue: return
            case SYNOD_TAG_INTEGER.rawValue, SYNOD_TAG_NUMBER.rawValue:
                try need(8)
                offset += 8
            case SYNOD_TAG_STRING.rawValue, SYNOD_TAG_FUNCTION.rawValue: _ = try rawBytes()
            case SYNOD_TAG_ARRAY.rawValue:
                for _ in 0..<(try uint32()) { try skipValue() }
            case SYNOD_TAG_MAP.rawValue:
                for _ in 0..<(try uint32()) {
                    _ = try rawBytes()
                    try skipValue()
                }
            default:
                throw SandboxError(kind: .internal, message: "malformed value from the sandbox (tag \(tag))")
            }
        }

        mutating func value(path: @autoclosure () -> String) throws(SandboxError) -> LuaValue {
            let tag = try uint8()
            switch UInt32(tag) {
            case SYNOD_TAG_NIL.rawValue: return .null
            case SYNOD_TAG_FALSE.rawValue: return .boolean(false)
            case SYNOD_TAG_TRUE.rawValue: return .boolean(true)
            case SYNOD_TAG_INTEGER.rawValue: return .integer(Int64(bitPattern: try uint64()))
            case SYNOD_TAG_NUMBER.rawValue: return .number(Double(bitPattern: try uint64()))
            case SYNOD_TAG_STRING.rawValue:
                return LuaValue(luaString: try rawBytes())
            case SYNOD_TAG_FUNCTION.rawValue:
                return .function(String(decoding: try rawBytes(), as: UTF8.self))
            case SYNOD_TAG_ARRAY.rawValue:
                let n = try uint32()
                var items: [LuaValue] = []
                items.reserveCapacity(Int(min(n, 4096)))
                for i in 0..<n { items.append(try value(path: "\(path())[\(i + 1)]")) }
                return .array(items)
            case SYNOD_TAG_MAP.rawValue:
                let n = try uint32()
                // Sized at creation (reserving afterwards reallocated: measured 7 % of a call
                // with a two-field table result).
                var entries = [String: LuaValue](minimumCapacity: Int(min(n, 4096)))
                for _ in 0..<n {
                    let raw = try rawBytes()
                    guard let key = LuaValue.text(raw) else {
                        throw SandboxError(
                            kind: .value, message: "a table key at \(path()) is not valid UTF-8; use text keys")
                    }
                    let item = try value(path: "\(path()).\(key)")
                    if entries.updateValue(item, forKey: key) != nil {
                        throw SandboxError(
                            kind: .value,
                            message: "the table at \(path()) has both \(key) and \"\(key)\" as keys; keep one")
                    }
                }
                return .map(entries)
            default:
                throw SandboxError(kind: .internal, message: "malformed value from the sandbox (tag \(tag))")
            }
        }
    }
}
