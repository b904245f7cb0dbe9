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
    /// How many arguments Lua passed.
    public let count: Int
    private let arguments: UnsafeRawBufferPointer
    /// Where the results go: written in place into the sandbox's result buffer.
    private let sandbox: OpaquePointer
    // The sandbox's host side: alive for the whole call (the sandbox holds it), so neither
    // retained nor released on this path, which runs for every host call.
    private unowned(unsafe) let context: HostContext
    private let function: Int
    private var resultCount: UInt32 = 0
    private var outOfMemory = false

    /// The name the function was registered under.
    public var name: String { context.functions[function].name }

    init(context: HostContext, function: Int, arguments: UnsafeRawBufferPointer, sandbox: OpaquePointer)
        throws(SandboxError)
    {
        self.context = context
        self.function = function
        self.arguments = arguments
        self.sandbox = sandbox
        var reader = LuaValue.Reader(buffer: arguments)
        self.count = Int(try reader.uint32())
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
        if let bits = reader.tagged(SYNOD_TAG_INTEGER) { return Int64(bitPattern: bits) }
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
        if let bits = reader.tagged(SYNOD_TAG_NUMBER) { return Double(bitPattern: bits) }
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
        // Encoded into the context's reusable buffer, then appended.
        var encoded: [UInt8] = []
        swap(&encoded, &context.resultBuffer)
        defer {
            encoded.removeAll(keepingCapacity: true)
            swap(&encoded, &context.resultBuffer)
        }
        try value.encode(into: &encoded, depth: 0)
        let written = encoded.withUnsafeBufferPointer {
            synod_host_result_encoded(sandbox, $0.baseAddress, $0.count)
        }
        record(written)
    }

    /// Appends an integer result.
    public mutating func push(integer: Int64) { record(synod_host_result_integer(sandbox, integer)) }

    /// Appends a float result.
    public mutating func push(number: Double) { record(synod_host_result_number(sandbox, number)) }

    /// Appends a string result.
    public mutating func push(string: String) throws(SandboxError) {
        try push(.string(string))
    }

    private mutating func record(_ written: Int32) {
        if written == 0 { outOfMemory = true }
        resultCount += 1
    }

    /// Writes the result count; false when the results could not all be written.
    consuming func finish() -> Bool {
        synod_host_result_count(sandbox, resultCount)
        return !outOfMemory
    }

    private func reader(at index: Int) throws(SandboxError) -> LuaValue.Reader {
        guard index >= 0, index < count else {
            throw badArgument(index, "value expected, got no value")
        }
        // Past the count (read in init), then past the arguments before this one.
        var reader = LuaValue.Reader(buffer: arguments, offset: 4)
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
