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
    /// The sandbox: arguments are read where Lua passed them, results written in place.
    private let sandbox: OpaquePointer
    // The sandbox's host side: alive for the whole call (the sandbox holds it), so neither
    // retained nor released on this path, which runs for every host call.
    private unowned(unsafe) let context: HostContext
    private let function: Int
    private var outOfMemory = false

    /// The name the function was registered under.
    public var name: String { context.functions[function].name }

    init(context: HostContext, function: Int, count: Int, sandbox: OpaquePointer) {
        self.context = context
        self.function = function
        self.count = count
        self.sandbox = sandbox
    }

    /// Argument `index` (0-based) as a value; `nil` past the last argument.
    public func value(at index: Int) throws(SandboxError) -> LuaValue {
        guard index >= 0, index < count else { return .null }
        var reader = try encoded()
        for _ in 0..<index { try reader.skipValue() }
        return try reader.value(path: "$")
    }

    /// All arguments as values.
    public func values() throws(SandboxError) -> [LuaValue] {
        var reader = try encoded()
        var out: [LuaValue] = []
        out.reserveCapacity(count)
        for _ in 0..<count { out.append(try reader.value(path: "$")) }
        return out
    }

    /// Argument `index` as an integer (a float with an exact integer value is accepted, as in Lua).
    public func integer(at index: Int) throws(SandboxError) -> Int64 {
        var value: Int64 = 0
        if synod_host_integer(sandbox, Int32(clamping: index), &value) != 0 { return value }
        let item = try argument(at: index)
        guard item.type == LUA_TNUMBER else { throw mismatch(index, "number", item) }
        if item.is_integer != 0 { return item.integer }
        guard let i = Int64(exactly: item.number) else {
            throw badArgument(index, "number has no integer representation")
        }
        return i
    }

    /// Argument `index` as a float (integers convert).
    public func number(at index: Int) throws(SandboxError) -> Double {
        let item = try argument(at: index)
        guard item.type == LUA_TNUMBER else { throw mismatch(index, "number", item) }
        return item.is_integer != 0 ? Double(item.integer) : item.number
    }

    /// Argument `index` as text (a string that is not valid UTF-8 is refused).
    public func string(at index: Int) throws(SandboxError) -> String {
        let item = try argument(at: index)
        guard item.type == LUA_TSTRING else { throw mismatch(index, "string", item) }
        guard let text = LuaValue.text(UnsafeRawBufferPointer(start: item.bytes, count: item.length)) else {
            throw badArgument(index, "string is not valid UTF-8")
        }
        return text
    }

    /// Appends a result.
    public mutating func push(_ value: LuaValue) throws(SandboxError) {
        switch value {
        case .integer(let i): return push(integer: i)
        case .number(let d): return push(number: d)
        default: break
        }
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
    }

    /// Whether every result could be written.
    consuming func finish() -> Bool { !outOfMemory }

    /// Argument `index`, read where Lua passed it.
    private func argument(at index: Int) throws(SandboxError) -> synod_view_item {
        var item = synod_view_item()
        guard synod_host_argument(sandbox, Int32(clamping: index), &item) != 0 else {
            throw badArgument(index, "value expected, got no value")
        }
        return item
    }

    /// The arguments encoded (once per call), for building whole values.
    private func encoded() throws(SandboxError) -> LuaValue.Reader {
        var bytes: UnsafePointer<UInt8>?
        var length = 0
        guard synod_host_encode_arguments(sandbox, &bytes, &length) == SYNOD_OK.rawValue else {
            var messageLength = 0
            let message = synod_error_message(sandbox, &messageLength)
            let reason = String(decoding: UnsafeRawBufferPointer(start: message, count: messageLength), as: UTF8.self)
            throw SandboxError(kind: .runtime, message: "bad argument to '\(name)': \(reason)")
        }
        // Past the count.
        return LuaValue.Reader(buffer: UnsafeRawBufferPointer(start: bytes, count: length), offset: 4)
    }

    private func mismatch(_ index: Int, _ expected: String, _ item: synod_view_item) -> SandboxError {
        badArgument(index, "\(expected) expected, got \(item.typeName)")
    }

    private func badArgument(_ index: Int, _ detail: String) -> SandboxError {
        SandboxError(kind: .runtime, message: "bad argument #\(index + 1) to '\(name)' (\(detail))")
    }
}
