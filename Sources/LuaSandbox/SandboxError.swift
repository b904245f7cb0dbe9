/// An operation on a ``Sandbox`` failed.
///
/// The ``kind`` is for programs (switch on it, or match with `~=`); ``message`` and
/// ``description`` are for people and are not a stable format: do not parse them.
///
/// ```swift
/// do {
///     try sandbox.execute("while true do end", chunkName: "loop.lua")
/// } catch let error as SandboxError where error.kind == .instructions {
///     print(error)  // loop.lua:1: instructions: instruction limit exceeded: …
/// }
/// ```
public struct SandboxError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What went wrong, for programs. Extensible: switch with a `default` case.
    public struct Kind: Sendable, Hashable, CustomStringConvertible {
        /// The source does not parse.
        public static let syntax = Kind(rawValue: "syntax")
        /// The script raised an error, or misused a value.
        public static let runtime = Kind(rawValue: "runtime")
        /// The sandbox's memory cap was reached.
        public static let memory = Kind(rawValue: "memory")
        /// The per-call instruction budget ran out.
        public static let instructions = Kind(rawValue: "instructions")
        /// The per-call wall-clock deadline passed.
        public static let timeout = Kind(rawValue: "timeout")
        /// The script reached for something the sandbox withholds (files, bytecode, …).
        public static let forbidden = Kind(rawValue: "forbidden")
        /// The host interrupted the call (``SandboxInterrupter/interrupt()``).
        public static let interrupted = Kind(rawValue: "interrupted")
        /// A value could not cross between Lua and Swift (cycle, too deep, too large, a function).
        public static let value = Kind(rawValue: "value")
        /// The sandbox was used after ``Sandbox/close()``.
        public static let closed = Kind(rawValue: "closed")
        /// A bug in Synod itself; please report it.
        public static let `internal` = Kind(rawValue: "internal")

        /// The kind's name, as printed in messages and JSON (`"instructions"`).
        public let rawValue: String
        public var description: String { rawValue }

        init(rawValue: String) { self.rawValue = rawValue }

        /// Whether this kind means a limit was hit (memory, instructions or time).
        public var isLimit: Bool { self == .memory || self == .instructions || self == .timeout }
    }

    /// A place in Lua source: the chunk name as Lua prints it, and a line when known.
    public struct Location: Sendable, Hashable, CustomStringConvertible {
        public var chunk: String
        public var line: Int?
        public init(chunk: String, line: Int?) {
            self.chunk = chunk
            self.line = line
        }
        /// `chunk:line`, or just `chunk` when the line is unknown.
        public var description: String { line.map { "\(chunk):\($0)" } ?? chunk }
    }

    public var kind: Kind
    /// What went wrong and what to do, without the location prefix.
    public var message: String
    /// Where in the Lua source it went wrong, when known.
    public var location: Location?
    /// The Lua call stack at the error, innermost first (at most a dozen lines).
    public var traceback: [String]
    /// The name of the sandbox the error came from.
    public var sandbox: String

    public init(
        kind: Kind, message: String, location: Location? = nil, traceback: [String] = [],
        sandbox: String = ""
    ) {
        self.kind = kind
        self.message = message
        self.location = location
        self.traceback = traceback
        self.sandbox = sandbox
    }

    /// One line: `chunk:line: kind: message` (the location is left out when unknown).
    public var description: String {
        if let location { return "\(location): \(kind): \(message)" }
        return "\(kind): \(message)"
    }
}

extension SandboxError.Kind {
    /// Matches an error against a kind: `case SandboxError.Kind.memory = error`.
    public static func ~= (kind: SandboxError.Kind, error: any Error) -> Bool {
        (error as? SandboxError)?.kind == kind
    }
}

extension SandboxError {
    /// Splits a Lua message of the form `chunk:line: text` into a location and text.
    static func splitLocation(_ message: String) -> (Location?, String) {
        // Lua's prefix is "<chunkid>:<line>: ". The chunk id may itself contain colons
        // (`[string "a:b"]`), so look for the first ":<digits>: " run.
        let scalars = Array(message.utf8)
        var i = 0
        while i < scalars.count {
            if scalars[i] == UInt8(ascii: ":") {
                var j = i + 1
                while j < scalars.count, scalars[j] >= 0x30, scalars[j] <= 0x39 { j += 1 }
                if j > i + 1, j + 1 < scalars.count, scalars[j] == UInt8(ascii: ":"),
                    scalars[j + 1] == UInt8(ascii: " "), i > 0
                {
                    let chunk = String(decoding: scalars[0..<i], as: UTF8.self)
                    let line = Int(String(decoding: scalars[(i + 1)..<j], as: UTF8.self))
                    let rest = String(decoding: scalars[(j + 2)...], as: UTF8.self)
                    return (Location(chunk: chunk, line: line), rest)
                }
            }
            i += 1
        }
        return (nil, message)
    }
}
