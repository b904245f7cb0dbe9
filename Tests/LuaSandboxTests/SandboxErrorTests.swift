import LuaSandbox
import Testing

@Suite("SandboxError: kinds, locations, tracebacks")
struct SandboxErrorTests {
    let sandbox: Sandbox

    init() throws { sandbox = try Sandbox(name: "errors", limits: testLimits(instructions: 2_000_000)) }

    @Test func syntaxErrorsNameFileAndLine() {
        let error = sandboxError { try sandbox.execute("local a = 1\nlocal b = = 2", chunkName: "plugins/bad.lua") }
        #expect(error?.kind == .syntax)
        #expect(error?.location == .init(chunk: "plugins/bad.lua", line: 2))
        #expect(error?.message == "unexpected symbol near '='")
        #expect(error?.description == "plugins/bad.lua:2: syntax: unexpected symbol near '='")
    }

    @Test func runtimeErrorsCarryATraceback() {
        let source = """
            local function inner() local t = nil; local v = t.x; return v end
            local function outer() local v = inner(); return v end
            local r = outer()
            return r
            """
        let error = sandboxError { try sandbox.execute(source, chunkName: "trace.lua") }
        #expect(error?.kind == .runtime)
        #expect(error?.location == .init(chunk: "trace.lua", line: 1))
        #expect(error?.message == "attempt to index a nil value (local 't')")
        #expect(error?.traceback.first == "trace.lua:1: in upvalue 'inner'")
        #expect(error?.traceback.contains("trace.lua:2: in local 'outer'") == true)
        #expect(error?.traceback.last == "trace.lua:3: in main chunk")
        #expect(error?.sandbox == "errors")
    }

    /// The prelude is compiled once per process and loaded compiled after: a sandbox made
    /// from the compiled prelude refuses and reports exactly as one made from its source.
    @Test func aSandboxFromTheCompiledPreludeBehavesTheSame() throws {
        let later = try Sandbox(name: "later", limits: testLimits(instructions: 2_000_000))
        let first = sandboxError { try sandbox.execute("subnet(5)", chunkName: "p.lua") }
        let second = sandboxError { try later.execute("subnet(5)", chunkName: "p.lua") }
        #expect(first?.message == "subnet{...} expects a table describing the subnet, got number")
        #expect(first?.location == second?.location && first?.message == second?.message)
        #expect(try later.execute("return type(subnet)", chunkName: "p.lua") == [.string("function")])
        // Its environment is the prelude's: what it forbids stays forbidden.
        let io = sandboxError { try later.execute("return io", chunkName: "p.lua") }
        #expect(io?.kind == .forbidden && io?.message.contains("'io' is not available") == true)
    }

    @Test func errorWithLevelTwoBlamesTheCaller() {
        let source = "local function check(x) if not x then error('need x', 2) end end\n\ncheck(nil)"
        let error = sandboxError { try sandbox.execute(source, chunkName: "lvl.lua") }
        #expect(error?.location == .init(chunk: "lvl.lua", line: 3))
        #expect(error?.message == "need x")
    }

    @Test func errorObjectsThatAreNotStringsAreDescribed() {
        let error = sandboxError { try sandbox.execute("error({ code = 7 })", chunkName: "obj.lua") }
        #expect(error?.kind == .runtime)
        #expect(error?.location == .init(chunk: "obj.lua", line: 1))
        #expect(error?.message.hasPrefix("error object is a table value") == true)
    }

    @Test func limitErrorsSayWhichLimitAndWhere() {
        let error = sandboxError {
            try sandbox.execute("local x = 0\nwhile true do x = x + 1 end", chunkName: "spin.lua")
        }
        #expect(error?.kind == .instructions)
        #expect(error?.kind.isLimit == true)
        #expect(error?.location == .init(chunk: "spin.lua", line: 2))
        #expect(
            error?.message.hasPrefix("instruction limit exceeded: the call ran more than 2000000 instructions") == true)
    }

    @Test func memoryErrorsAreCleanAndTheSandboxRecovers() throws {
        let small = try Sandbox(name: "small", limits: testLimits(memoryMiB: 4))
        let error = sandboxError {
            try small.execute("local t = {}\nfor i = 1, 1e7 do t[i] = { i } end", chunkName: "grow.lua")
        }
        #expect(error?.kind == .memory)
        #expect(error?.location?.chunk == "grow.lua")
        #expect(error?.message.hasPrefix("memory limit exceeded: the sandbox may use at most 4194304 bytes") == true)
        #expect(try small.execute("return #string.rep('y', 1000)", chunkName: "after.lua") == [1000])
    }

    @Test func pluginsCanCatchMemoryErrors() throws {
        let small = try Sandbox(name: "small", limits: testLimits(memoryMiB: 4))
        let result = try small.execute(
            "local ok, e = pcall(string.rep, 'x', 64 * 1024 * 1024) return ok, e", chunkName: "m.lua")
        #expect(result == [false, "not enough memory"])
    }

    @Test func errorKindsMatchWithPatterns() {
        let error: any Error = SandboxError(kind: .timeout, message: "late")
        switch error {
        case SandboxError.Kind.timeout: break
        default: Issue.record("expected to match .timeout")
        }
    }

    @Test func locationsSplitOnlyOnLuaStylePrefixes() {
        let error = sandboxError { try sandbox.execute("error('a:b: c', 0)", chunkName: "x.lua") }
        // No "<chunk>:<digits>: " prefix: the whole text is the message.
        #expect(error?.message == "a:b: c")
    }
}
