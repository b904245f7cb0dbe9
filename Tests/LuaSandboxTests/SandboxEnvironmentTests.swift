import LuaSandbox
import Testing

@Suite("The plugin environment: only safe globals")
struct SandboxEnvironmentTests {
    let sandbox: Sandbox

    init() throws { sandbox = try Sandbox(name: "env", limits: testLimits()) }

    @Test func globalsAreExactlyTheWhitelist() throws {
        let names = try sandbox.execute(
            "local names = {} for k in pairs(_G) do names[#names + 1] = k end table.sort(names) return names",
            chunkName: "g.lua")
        #expect(
            names == [
                .array([
                    "_G", "_VERSION", "assert", "collectgarbage", "coroutine", "error", "getmetatable", "ipairs",
                    "load", "math", "next", "os", "pairs", "pcall", "print", "rawequal", "rawget", "rawlen",
                    "rawset", "select", "setmetatable", "string", "subnet", "table", "tonumber", "tostring", "type",
                    "utf8", "warn", "xpcall",
                ])
            ])
    }

    @Test func osOffersOnlyTimeClockAndDate() throws {
        let keys = try sandbox.execute(
            "local k = {} for name in pairs(os) do k[#k + 1] = name end table.sort(k) return k", chunkName: "os.lua")
        #expect(keys == [["clock", "date", "time"]])
        #expect(
            try sandbox.execute("return type(os.time()), type(os.clock()), os.date('!%Y', 0)", chunkName: "os.lua")
                == ["number", "number", "1970"])
    }

    @Test(arguments: [
        (
            "io",
            "'io' is not available in the Synod sandbox: files are not available to plugins; keep durable state in the store API"
        ),
        ("os.execute", "'os.execute' is not available in the Synod sandbox: processes are not available to plugins"),
        (
            "string.dump",
            "'string.dump' is not available in the Synod sandbox: bytecode cannot be loaded in the sandbox, so it is not produced either"
        ),
        (
            "require",
            "'require' is not available in the Synod sandbox: plugins are single files; put shared code in the plugin itself"
        ),
    ])
    func forbiddenNamesExplainThemselves(name: String, message: String) {
        let error = sandboxError { try sandbox.execute("local x = \(name)", chunkName: "f.lua") }
        #expect(error?.kind == .forbidden)
        #expect(error?.location == .init(chunk: "f.lua", line: 1))
        #expect(error?.message == message)
    }

    @Test func undefinedGlobalsAreNilAsInLua() throws {
        #expect(try sandbox.execute("return undefined_name == nil", chunkName: "n.lua") == [true])
    }

    @Test func loadRunsTextInThePluginEnvironment() throws {
        try sandbox.execute("shared = 41", chunkName: "a.lua")
        #expect(try sandbox.execute("return load('return shared + 1')()", chunkName: "b.lua") == [42])
        #expect(try sandbox.execute("return load('return 1', 'x', 't', _ENV)()", chunkName: "b.lua") == [1])
        let syntax = try sandbox.execute("return load('return +')", chunkName: "c.lua")
        #expect(syntax.first == .null)
        #expect(syntax.last?.stringValue?.contains("unexpected symbol") == true)
    }

    @Test func binaryChunksFromTheHostAreForbidden() {
        let error = sandboxError { _ = try sandbox.load([0x1b, 0x4c, 0x75, 0x61, 0x54, 0x00], chunkName: "evil.luac") }
        #expect(error?.kind == .forbidden)
        #expect(error?.location == .init(chunk: "evil.luac", line: nil))
        #expect(error?.message.contains("binary (precompiled) chunks are refused") == true)
    }

    @Test func setmetatableRefusesFinalizersButKeepsEverythingElse() throws {
        let result = try sandbox.execute(
            """
            local v = setmetatable({}, { __index = function(_, k) return k .. "!" end })
            local ok, e = pcall(setmetatable, {}, { __gc = print })
            return v.hi, ok
            """, chunkName: "mt.lua")
        #expect(result == ["hi!", false])
    }

    @Test func collectgarbageCountOnly() throws {
        #expect(try sandbox.execute("return type(collectgarbage('count'))", chunkName: "gc.lua") == ["number"])
        #expect(sandboxError { try sandbox.execute("collectgarbage()", chunkName: "gc.lua") }?.kind == .forbidden)
        #expect(sandboxError { try sandbox.execute("collectgarbage('step')", chunkName: "gc.lua") }?.kind == .forbidden)
    }

    @Test func tostringAndFormatHideAddresses() throws {
        let result = try sandbox.execute(
            """
            local t = {}
            return tostring(t) == string.format('%s', t), tostring(t):match('^table: 0x%x+$') ~= nil,
              tostring(print):match('^function: 0x%x+$') ~= nil, string.format('%5s|%d', 'ab', 3)
            """, chunkName: "ts.lua")
        #expect(result == [true, true, true, "   ab|3"])
    }

    @Test func stringMethodsWorkAndCannotBeHijacked() throws {
        let result = try sandbox.execute(
            """
            string.rep = function() return 'hijacked' end
            return ('ab'):rep(2), string.rep('x', 2), getmetatable('')
            """, chunkName: "s.lua")
        #expect(result == ["abab", "hijacked", false])
    }

    @Test func subnetChecksTheContract() throws {
        let ok = try sandbox.execute(
            "return subnet { name = 'x', task = function() end, score = function() end, reward = function() end }.name",
            chunkName: "ok.lua")
        #expect(ok == ["x"])
        let error = sandboxError {
            try sandbox.execute(
                "\nreturn subnet { name = 'x', task = print, score = print }", chunkName: "plugins/bad.lua")
        }
        #expect(error?.kind == .runtime)
        #expect(error?.location == .init(chunk: "plugins/bad.lua", line: 2))
        #expect(error?.message == "subnet{...}: 'reward' must be a function (got nil)")
    }
}
