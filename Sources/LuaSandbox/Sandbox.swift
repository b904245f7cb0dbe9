import CLuaShim
import Foundation
public import Logging

/// A Swift function exposed to Lua. It receives the call's arguments and returns its
/// results; an error it throws becomes a Lua error at the call site (a ``SandboxError``
/// of kind ``SandboxError/Kind/forbidden`` stays `forbidden`).
public typealias HostFunction = ([LuaValue]) throws -> [LuaValue]

/// A Swift function exposed to Lua that reads its arguments and writes its results in
/// place (see ``HostCall``): the allocation-free form of ``HostFunction``.
public typealias HostCallFunction = (inout HostCall) throws -> Void

/// One sandboxed Lua 5.4 state: the unit of isolation for a plugin.
///
/// A sandbox holds its own `lua_State` with only safe globals (see `sandbox/prelude.lua`),
/// a memory cap, and per-operation instruction, time, value-size and output limits
/// (``SandboxLimits``). Every chunk is loaded as text. Any failure, including a limit,
/// surfaces as a ``SandboxError``; the sandbox stays usable for the next operation, and
/// other sandboxes are never affected.
///
/// ```swift
/// let sandbox = try Sandbox(name: "echo-sum")
/// try sandbox.register("double") { args in [.integer((args.first?.intValue ?? 0) * 2)] }
/// let results = try sandbox.execute("return double(21)", chunkName: "example.lua")
/// // results == [.integer(42)]
/// ```
///
/// ## Concurrency
/// `Sandbox` is deliberately not `Sendable`: a Lua state must be used by one task at a
/// time, and the compiler enforces it. Hand a sandbox to another task by transferring it
/// (region-based isolation), or own it in an actor. To stop a running call from elsewhere,
/// use the `Sendable` ``interrupter``.
public final class Sandbox {
    /// The name used in log output and errors (usually the plugin's name).
    public let name: String
    /// The limits applied to each operation. Changing them takes effect at the next one.
    public var limits: SandboxLimits {
        didSet { applyLimits() }
    }

    private let handle: SandboxHandle
    private let context: HostContext
    private var isClosed = false
    /// A closure is reading a call's results in place (``call(_:arguments:reading:)``).
    private var isReading = false
    private var argumentBuffer: [UInt8] = []

    /// Creates a sandbox and builds its environment.
    ///
    /// - Parameters:
    ///   - name: shown in log lines (`sandbox=<name>`) and in errors.
    ///   - limits: checked with ``SandboxLimits/validate()``.
    ///   - libraries: native libraries added to the plugin environment (such as `tensor`).
    ///   - logger: receives the plugin's `print` (info) and `warn` (warning) output.
    /// - Throws: ``SandboxError`` when the limits are invalid, or the environment cannot be
    ///   built within them (for example a memory cap below what the libraries need).
    public init(
        name: String = "sandbox", limits: SandboxLimits = .default, libraries: [SandboxLibrary] = [],
        logger: Logger = Logger(label: "synod.sandbox")
    ) throws(SandboxError) {
        try limits.validate()
        self.name = name
        self.limits = limits
        let context = HostContext(name: name, logger: logger)
        self.context = context
        var raw = Self.cLimits(limits)
        let prelude = SandboxDefinition.prelude
        // The library names must outlive synod_open only; strdup keeps them simple to pass.
        let names = libraries.map { strdup($0.name) }
        defer { names.forEach { free($0) } }
        let table = zip(libraries, names).map { synod_library(name: $1, open: $0.open) }
        let pointer = prelude.utf8CString.withUnsafeBufferPointer { text in
            table.withUnsafeBufferPointer { libs in
                name.withCString { cName in
                    synod_open(
                        &raw, cName, text.baseAddress, text.count - 1, libs.baseAddress, libs.count,
                        Unmanaged.passUnretained(context).toOpaque(), logCallback, hostCallback)
                }
            }
        }
        guard let pointer else {
            throw SandboxError(kind: .memory, message: "out of memory creating a sandbox", sandbox: name)
        }
        self.handle = SandboxHandle(pointer)
        let status = synod_open_status(pointer)
        if status != SYNOD_OK.rawValue {
            let error = failure(status, chunkName: "sandbox/prelude.lua")
            close()
            throw error
        }
    }

    deinit {
        // The state goes first, while the host context it points at is still alive.
        synod_close_state(handle.pointer)
    }

    /// Closes the Lua state and releases its memory now. Later operations throw
    /// ``SandboxError/Kind/closed``. Calling it twice is harmless.
    public func close() {
        guard !isClosed else { return }
        isClosed = true
        // Results being read in place stay until the reading closure returns.
        if !isReading { synod_close_state(handle.pointer) }
    }

    /// A `Sendable` handle that stops this sandbox's running operation from any task.
    public var interrupter: SandboxInterrupter { SandboxInterrupter(handle: handle) }

    /// Bytes the Lua state currently holds.
    public var memoryUsed: Int { Int(synod_memory_used(handle.pointer)) }
    /// The most bytes the Lua state has held at once.
    public var memoryPeak: Int { Int(synod_memory_peak(handle.pointer)) }
    /// Starts ``memoryPeak`` again from ``memoryUsed``, to measure one call's peak.
    public func resetMemoryPeak() { synod_memory_peak_reset(handle.pointer) }
    /// Instructions (and pattern-matching steps) charged to the last operation.
    public var instructionsUsed: UInt64 { synod_instructions_used(handle.pointer) }

    /// When `true`, functions in results are reported as ``LuaValue/function(_:)``
    /// descriptions instead of failing with a ``SandboxError/Kind/value`` error.
    public var describesFunctions = false {
        didSet { synod_describe_functions(handle.pointer, describesFunctions ? 1 : 0) }
    }

    // MARK: - Loading and running

    /// Compiles Lua source text without running it.
    ///
    /// - Parameters:
    ///   - source: Lua source text. Binary (precompiled) chunks are refused as `forbidden`.
    ///   - chunkName: how errors name the chunk, usually its path (`plugins/echo-sum.lua`).
    /// - Returns: a reference to the compiled chunk, to pass to ``call(_:_:)``.
    public func load(_ source: some Collection<UInt8>, chunkName: String) throws(SandboxError) -> LuaReference {
        try ensureOpen()
        var ref: Int32 = 0
        var bytes = Array(source)
        let count = bytes.count
        bytes.append(0)  // never an empty buffer, so the base address is never nil
        let status = bytes.withUnsafeBufferPointer { buffer in
            buffer.withMemoryRebound(to: CChar.self) { chars in
                ("@" + chunkName).withCString { name in
                    synod_load(handle.pointer, chars.baseAddress, count, name, &ref)
                }
            }
        }
        guard status == SYNOD_OK.rawValue else { throw failure(status, chunkName: chunkName) }
        return LuaReference(id: ref)
    }

    /// Compiles Lua source text without running it. See ``load(_:chunkName:)-(Collection<UInt8>,_)``.
    public func load(_ source: String, chunkName: String) throws(SandboxError) -> LuaReference {
        try load(source.utf8, chunkName: chunkName)
    }

    /// Compiles and runs a chunk, returning the values it returns.
    @discardableResult
    public func execute(_ source: String, chunkName: String) throws(SandboxError) -> [LuaValue] {
        let chunk = try load(source.utf8, chunkName: chunkName)
        defer { release(chunk) }
        return try call(chunk, arguments: [])
    }

    /// Calls a referenced function with arguments and returns its results.
    public func call(_ function: LuaReference, arguments: [LuaValue]) throws(SandboxError) -> [LuaValue] {
        try invoke(ref: function.id, global: nil, arguments: arguments)
    }

    /// Calls a referenced function with arguments and returns its results.
    public func call(_ function: LuaReference, _ arguments: LuaValue...) throws(SandboxError) -> [LuaValue] {
        try invoke(ref: function.id, global: nil, arguments: arguments)
    }

    /// Calls a referenced function and reads its results in place, without building
    /// ``LuaValue``s: the fast path for reading a few fields of a result.
    ///
    /// ```swift
    /// let sum = try sandbox.call(pair, arguments: [2, 3]) { $0[0]?["sum"]?.integer }
    /// ```
    /// The results stay in the sandbox while `body` runs: nothing is encoded, and a field is
    /// looked up when it is read. The views are valid only inside `body`, and the sandbox
    /// takes no other operation until `body` returns (closing it then waits for the end).
    /// Throws what ``call(_:arguments:)`` throws for a failed call, what `body` throws, and a
    /// ``SandboxError/Kind/memory`` error when reading needed memory the sandbox could not have.
    public func call<R>(
        _ function: LuaReference, arguments: [LuaValue], reading body: (LuaResultsView) throws -> R
    ) throws -> R {
        try send(ref: function.id, global: nil, arguments: arguments, results: SYNOD_RESULTS_IN_PLACE)
        let pointer = handle.pointer
        isReading = true
        defer {
            synod_view_end(pointer)
            isReading = false
            if isClosed { synod_close_state(pointer) }
        }
        let result: R
        do {
            result = try body(LuaResultsView(sandbox: pointer))
        } catch var error as SandboxError {
            if error.sandbox.isEmpty { error.sandbox = name }
            throw error
        }
        if synod_view_failed(pointer) != 0 {
            throw SandboxError(
                kind: .memory,
                message: "reading the results in place needed more memory than the sandbox's limit allows; "
                    + "read fewer tables, or raise the memory limit", sandbox: name)
        }
        return result
    }

    /// Calls the global function `name` with arguments and returns its results.
    public func call(global name: String, arguments: [LuaValue] = []) throws(SandboxError) -> [LuaValue] {
        try invoke(ref: 0, global: name, arguments: arguments)
    }

    /// Calls a referenced function and keeps its first result inside the sandbox,
    /// returning a reference to it (`nil` when the result is `nil`). Use this for values
    /// that cannot cross, such as the table of functions a plugin returns.
    public func callKeepingResult(_ function: LuaReference, arguments: [LuaValue] = []) throws(SandboxError)
        -> LuaReference?
    {
        let out = try send(ref: function.id, global: nil, arguments: arguments, results: SYNOD_RESULTS_KEEP_FIRST)
        return out == 0 ? nil : LuaReference(id: out)
    }

    /// Reads field `key` of a referenced table, or the global `key` when `table` is `nil`.
    public func value(_ key: String, in table: LuaReference? = nil) throws(SandboxError) -> LuaValue {
        try ensureOpen()
        let status = key.withCString { synod_get(handle.pointer, table?.id ?? 0, $0, 0, nil) }
        guard status == SYNOD_OK.rawValue else { throw failure(status, chunkName: nil) }
        return try output().first ?? .null
    }

    /// A reference to field `key` of a referenced table (or to global `key`), `nil` if unset.
    public func reference(_ key: String, in table: LuaReference? = nil) throws(SandboxError) -> LuaReference? {
        try ensureOpen()
        var out: Int32 = 0
        let status = key.withCString { synod_get(handle.pointer, table?.id ?? 0, $0, 1, &out) }
        guard status == SYNOD_OK.rawValue else { throw failure(status, chunkName: nil) }
        return out == 0 ? nil : LuaReference(id: out)
    }

    /// Sets a global of the plugin environment.
    public func setGlobal(_ name: String, to value: LuaValue) throws(SandboxError) {
        try ensureOpen()
        var encoded: [UInt8] = []
        try LuaValue.encodeList([value], into: &encoded)
        let status = encoded.withUnsafeBufferPointer { buffer in
            name.withCString { synod_set_global(handle.pointer, $0, buffer.baseAddress, buffer.count) }
        }
        guard status == SYNOD_OK.rawValue else { throw failure(status, chunkName: nil) }
    }

    /// Sets a global of the plugin environment to a referenced value (a table or function
    /// that lives inside the sandbox, such as a plugin's returned table).
    public func setGlobal(_ name: String, to reference: LuaReference) throws(SandboxError) {
        try ensureOpen()
        let status = name.withCString { synod_set_global_ref(handle.pointer, $0, reference.id) }
        guard status == SYNOD_OK.rawValue else { throw failure(status, chunkName: nil) }
    }

    /// Charges `instructions` of host-side work (a host function's hashing, say) to the
    /// running call, so work done in Swift counts against the same budget as Lua's. Throws
    /// the budget's error when it runs out; a host function passes it on.
    public func charge(instructions: UInt64) throws(SandboxError) {
        guard synod_charge(handle.pointer, instructions) == 0 else {
            throw SandboxError(
                kind: .instructions, message: "the call's instruction budget ran out (in the host function)")
        }
    }

    /// Exposes a Swift function to Lua as the global `name`.
    ///
    /// The function runs synchronously on the calling task while Lua waits. It must not use
    /// this sandbox (doing so fails with ``SandboxError/Kind/internal``).
    public func register(_ name: String, _ body: @escaping HostFunction) throws(SandboxError) {
        try registerCall(name) { call in
            let results = try body(try call.values())
            for result in results { try call.push(result) }
        }
    }

    /// Exposes a Swift function to Lua as the global `name`, with typed, allocation-free
    /// access to arguments and results. Prefer it for functions called in hot loops.
    ///
    /// ```swift
    /// try sandbox.registerCall("add") { call in
    ///     try call.push(integer: call.integer(at: 0) + call.integer(at: 1))
    /// }
    /// ```
    public func registerCall(_ name: String, _ body: @escaping HostCallFunction) throws(SandboxError) {
        try ensureOpen()
        context.functions.append(RegisteredFunction(name: name, body: body))
        let id = Int32(context.functions.count - 1)
        let status = name.withCString { synod_register(handle.pointer, $0, id) }
        guard status == SYNOD_OK.rawValue else { throw failure(status, chunkName: nil) }
    }

    /// Releases a reference; the value may then be collected. Releasing twice is harmless
    /// only if no new reference reused the slot, so release each reference once.
    public func release(_ reference: LuaReference) {
        guard !isClosed else { return }
        synod_unref(handle.pointer, reference.id)
    }

    // MARK: - Internals

    private func ensureOpen() throws(SandboxError) {
        if isClosed {
            throw SandboxError(
                kind: .closed, message: "the sandbox '\(name)' is closed; create a new one", sandbox: name)
        }
    }

    private func invoke(ref: Int32, global: String?, arguments: [LuaValue]) throws(SandboxError) -> [LuaValue] {
        try send(ref: ref, global: global, arguments: arguments)
        return try output()
    }

    /// Runs the call; its encoded results are then in the sandbox's output buffer, or, as
    /// `results` asks, its first result is kept as a reference (returned; 0 for nil) or all
    /// are kept to be read in place.
    @discardableResult
    private func send(
        ref: Int32, global: String?, arguments: [LuaValue], results: synod_results = SYNOD_RESULTS_ENCODE
    ) throws(SandboxError) -> Int32 {
        try ensureOpen()
        let keep = Int32(results.rawValue)
        let (status, out): (Int32, Int32)
        if let length = LuaValue.encodeScalars(arguments, into: handle.scalarArguments) {
            (status, out) = run(ref, global, handle.scalarArguments, length, keep)
        } else {
            // Reuse one buffer across calls; take it out first, so a re-entrant call (refused
            // by C anyway) could never touch it while it is lent to C.
            var encoded: [UInt8] = []
            swap(&encoded, &argumentBuffer)
            defer {
                encoded.removeAll(keepingCapacity: true)
                swap(&encoded, &argumentBuffer)
            }
            try LuaValue.encodeList(arguments, into: &encoded)
            (status, out) = encoded.withUnsafeBufferPointer { run(ref, global, $0.baseAddress, $0.count, keep) }
        }
        guard status == SYNOD_OK.rawValue else { throw failure(status, chunkName: nil) }
        return out
    }

    /// `synod_call` on encoded arguments: its status and the reference it kept.
    private func run(_ ref: Int32, _ global: String?, _ bytes: UnsafePointer<UInt8>?, _ count: Int, _ keep: Int32)
        -> (Int32, Int32)
    {
        var out: Int32 = 0
        let status =
            if let global {
                global.withCString { synod_call(handle.pointer, 0, $0, bytes, count, keep, &out) }
            } else {
                synod_call(handle.pointer, ref, nil, bytes, count, keep, &out)
            }
        return (status, out)
    }

    private func output() throws(SandboxError) -> [LuaValue] {
        var length = 0
        let bytes = synod_output(handle.pointer, &length)
        do {
            return try LuaValue.decodeList(UnsafeRawBufferPointer(start: bytes, count: length))
        } catch {
            var e = error
            e.sandbox = name
            throw e
        }
    }

    private func applyLimits() {
        var raw = Self.cLimits(limits)
        synod_set_limits(handle.pointer, &raw)
    }

    private static func cLimits(_ l: SandboxLimits) -> synod_limits {
        synod_limits(
            memory_bytes: l.memoryBytes, instructions: l.instructions, timeout_seconds: l.timeoutSeconds,
            max_value_depth: UInt32(clamping: l.maxValueDepth), max_value_bytes: l.maxValueBytes,
            max_output_bytes: l.maxOutputBytes)
    }

    private func failure(_ status: Int32, chunkName: String?) -> SandboxError {
        Self.failure(at: handle.pointer, status, chunkName: chunkName, sandbox: name)
    }

    /// The error the sandbox at `p` reports for `status` (its last error).
    static func failure(at p: OpaquePointer, _ status: Int32, chunkName: String?, sandbox name: String)
        -> SandboxError
    {
        var length = 0
        let messagePointer = synod_error_message(p, &length)
        let raw = String(decoding: UnsafeRawBufferPointer(start: messagePointer, count: length), as: UTF8.self)
        var (location, message) = SandboxError.splitLocation(raw)
        let line = Int(synod_error_line(p))
        if location == nil, line > 0 {
            location = .init(chunk: String(cString: synod_error_chunk(p)), line: line)
        }
        if location == nil, let chunkName { location = .init(chunk: chunkName, line: nil) }
        var tracebackLength = 0
        let tracebackPointer = synod_error_traceback(p, &tracebackLength)
        let traceback = String(
            decoding: UnsafeRawBufferPointer(start: tracebackPointer, count: tracebackLength), as: UTF8.self
        ).split(separator: "\n").map(String.init)
        return SandboxError(
            kind: Self.kind(of: status), message: message, location: location, traceback: traceback,
            sandbox: name)
    }

    private static func kind(of status: Int32) -> SandboxError.Kind {
        switch UInt32(status) {
        case SYNOD_ERR_SYNTAX.rawValue: .syntax
        case SYNOD_ERR_RUNTIME.rawValue: .runtime
        case SYNOD_ERR_MEMORY.rawValue: .memory
        case SYNOD_ERR_INSTRUCTIONS.rawValue: .instructions
        case SYNOD_ERR_TIMEOUT.rawValue: .timeout
        case SYNOD_ERR_FORBIDDEN.rawValue: .forbidden
        case SYNOD_ERR_INTERRUPTED.rawValue: .interrupted
        case SYNOD_ERR_VALUE.rawValue: .value
        default: .internal
        }
    }
}

@available(*, unavailable, message: "a Sandbox is used by one task at a time; transfer it or own it in an actor")
extension Sandbox: Sendable {}

/// The host side of a sandbox that C calls back into: its functions and its logger.
/// Only touched on the thread running the sandbox's current operation.
final class HostContext {
    let name: String
    let logger: Logger
    /// The registered functions, by id. Read on every host call and only appended to by
    /// `registerCall` (never during a call): exclusivity is not checked at run time.
    @exclusivity(unchecked) var functions: [RegisteredFunction] = []
    /// Bytes of a pushed value, reused from call to call.
    var resultBuffer: [UInt8] = []

    init(name: String, logger: Logger) {
        self.name = name
        self.logger = logger
    }
}

/// A host function as registered: one object, so a call holds one reference.
final class RegisteredFunction {
    let name: String
    let body: HostCallFunction

    init(name: String, body: @escaping HostCallFunction) {
        self.name = name
        self.body = body
    }
}

/// Owns the C sandbox structure. The Lua state inside is closed by ``Sandbox``; the
/// structure itself lives until the last interrupter is gone, so `interrupt()` never
/// touches freed memory.
final class SandboxHandle: @unchecked Sendable {
    // @unchecked: the pointer is only dereferenced by the owning Sandbox (one task at a
    // time) and by synod_interrupt, which writes a single C atomic; the argument buffer is
    // used by the owning Sandbox alone.
    let pointer: OpaquePointer
    /// Where a call's arguments are encoded when they are all numbers, booleans or nil.
    let scalarArguments = UnsafeMutablePointer<UInt8>.allocate(capacity: LuaValue.scalarListBytes)

    init(_ pointer: OpaquePointer) { self.pointer = pointer }
    deinit {
        synod_close(pointer)
        scalarArguments.deallocate()
    }
}

private let logCallback: synod_log_fn = { host, level, text, length in
    guard let host, let text else { return }
    let context = Unmanaged<HostContext>.fromOpaque(host).takeUnretainedValue()
    let line = String(decoding: UnsafeRawBufferPointer(start: text, count: length), as: UTF8.self)
    let logLevel: Logger.Level = level == 0 ? .info : (level == 1 ? .warning : .notice)
    context.logger.log(level: logLevel, "\(line)", metadata: ["sandbox": "\(context.name)"])
}

private let hostCallback: synod_host_fn = { host, id, count, sandbox in
    guard let host, let sandbox else { return 1 }
    // The sandbox holds its context for as long as C can call back: borrowed, not retained.
    return Unmanaged<HostContext>.fromOpaque(host)._withUnsafeGuaranteedRef {
        $0.call(Int(id), arguments: Int(count), sandbox)
    }
}

extension HostContext {
    /// Runs host function `id`: its results are written in place, or an error message is.
    func call(_ id: Int, arguments: Int, _ sandbox: OpaquePointer) -> Int32 {
        func reply(_ text: String) {
            var text = text
            text.withUTF8 { _ = synod_set_host_result(sandbox, $0.baseAddress, $0.count) }
        }
        do {
            var call = HostCall(context: self, function: id, count: arguments, sandbox: sandbox)
            // Borrowed, not retained: `functions` only grows between calls, and this path
            // runs for every host call (a retain and release of the function and its
            // closure cost a fifth of it).
            let function = functions.withUnsafeBufferPointer { Unmanaged.passUnretained($0[id]) }
            try function._withUnsafeGuaranteedRef { function throws in try function.body(&call) }
            guard call.finish() else {
                reply("out of memory while returning the results of '\(function.takeUnretainedValue().name)'")
                return 1
            }
            return 0
        } catch let error as SandboxError {
            reply(error.message)
            return error.kind == .forbidden ? 2 : 1
        } catch {
            reply("\(error)")
            return 1
        }
    }
}
