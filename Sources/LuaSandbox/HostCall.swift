import CLuaShim

/// One call from Lua into a host function registered with ``Sandbox/registerCall(_:_:)``:
/// typed access to the arguments and a writer for the results, without building arrays.
///
/// ```swift
/// try sandbox.registerCall("add") { call in
///     try call.push(integer: call.integer(at: 0) + call.integer(at: 1))
/// }
/// ```
/// Type mismatches throw errors worded as Lua's own (`bad argument #2 to 'add' (number
/// expected, got string)`), raised at the plugin's call site.
public struct HostCall: ~Copyable {
    /// The name the function was registered under.
    public let name: String
    /// How many arguments Lua passed.
    public let count: Int
    private let arguments: UnsafeRawBufferPointer
    var results: [UInt8]
    var resultCount: UInt32 = 0

    init(name: String, arguments: UnsafeRawBufferPointer, results: consuming [UInt8]) throws(SandboxError) {
        self.name = name
        self.arguments = arguments
        var reader = LuaValue.Reader(buffer: arguments)
        self.count = Int(try reader.uint32())
        self.results = results
        self.results.removeAll(keepingCapacity: true)
        for _ in 0..<4 { self.results.append(0) }  // the result count, patched at the end
    }

    /// Argument `index` (0-based) as a value; `nil` past the last argument.
    public func value(at index: Int) throws(SandboxError) -> LuaValue {
        guard index >= 0, index < count else { return .null }
        var reader = try reader(at: index)
        return try reader.value(path: "$")
    }

    /// All arguments as values.
    public func values() throws(SandboxError) -> [LuaValue] {
        var reader = LuaValue.Reader(buffer: arguments)
        _ = try reader.uint32()
        var out: [LuaValue] = []
        out.reserveCapacity(count)
        for _ in 0..<count { out.append(try reader.value(path: "$")) }
        return out
    }

    /// Argument `index` as an integer (a float with an exact integer value is accepted, as in Lua).
    public func integer(at index: Int) throws(SandboxError) -> Int64 {
        var reader = try reader(at: index)
        switch try reader.scalar() {
        case .integer(let i): return i
        case .number(let d):
            if let i = Int64(exactly: d) { return i }
            throw badArgument(index, "number has no integer representation")
        case let other: throw badArgument(index, "number expected, got \(other.typeNameForArgument)")
        }
    }

    /// Argument `index` as a float (integers convert).
    public func number(at index: Int) throws(SandboxError) -> Double {
        var reader = try reader(at: index)
        switch try reader.scalar() {
        case .integer(let i): return Double(i)
        case .number(let d): return d
        case let other: throw badArgument(index, "number expected, got \(other.typeNameForArgument)")
        }
    }

    /// Argument `index` as text (a string that is not valid UTF-8 is refused).
    public func string(at index: Int) throws(SandboxError) -> String {
        var reader = try reader(at: index)
        switch try reader.scalar() {
        case .string(let s): return s
        case .bytes: throw badArgument(index, "string is not valid UTF-8")
        case let other: throw badArgument(index, "string expected, got \(other.typeNameForArgument)")
        }
    }

    /// Appends a result.
    public mutating func push(_ value: LuaValue) throws(SandboxError) {
        try value.encode(into: &results, depth: 0)
        resultCount += 1
    }

    /// Appends an integer result.
    public mutating func push(integer: Int64) {
        results.append(UInt8(SYNOD_TAG_INTEGER.rawValue))
        withUnsafeBytes(of: UInt64(bitPattern: integer).littleEndian) { results.append(contentsOf: $0) }
        resultCount += 1
    }

    /// Appends a float result.
    public mutating func push(number: Double) {
        results.append(UInt8(SYNOD_TAG_NUMBER.rawValue))
        withUnsafeBytes(of: number.bitPattern.littleEndian) { results.append(contentsOf: $0) }
        resultCount += 1
    }

    /// Appends a string result.
    public mutating func push(string: String) throws(SandboxError) {
        try push(.string(string))
    }

    /// The encoded results, with their count filled in (moved out: no copy).
    consuming func finish() -> [UInt8] {
        let count = resultCount.littleEndian
        for i in 0..<4 { results[i] = UInt8(truncatingIfNeeded: count >> (8 * UInt32(i))) }
        return results
    }

    private func reader(at index: Int) throws(SandboxError) -> LuaValue.Reader {
        guard index >= 0, index < count else {
            throw badArgument(index, "value expected, got no value")
        }
        var reader = LuaValue.Reader(buffer: arguments)
        _ = try reader.uint32()
        for _ in 0..<index { try reader.skipValue() }
        return reader
    }

    private func badArgument(_ index: Int, _ detail: String) -> SandboxError {
        SandboxError(kind: .runtime, message: "bad argument #\(index + 1) to '\(name)' (\(detail))")
    }
}

extension LuaValue {
    fileprivate var typeNameForArgument: String {
        if case .null = self { return "nil" }
        return typeName
    }
}
