import Foundation
import Logging
import LuaSandbox
import Testing

@Suite("Sandbox: running code, values, host functions")
struct SandboxTests {
    @Test func executeReturnsValues() throws {
        let sandbox = try Sandbox(name: "t", limits: testLimits())
        let results = try sandbox.execute("return 1, 2.5, 'three', true, nil, {4, 5}", chunkName: "t.lua")
        #expect(results == [1, 2.5, "three", true, nil, [4, 5]])
    }

    @Test func callsGlobalsWithArguments() throws {
        let sandbox = try Sandbox(name: "t", limits: testLimits())
        try sandbox.execute(
            """
            function add(t) local s = 0 for _, x in ipairs(t.xs) do s = s + x end return { sum = s, label = t.label } end
            """, chunkName: "add.lua")
        let result = try sandbox.call(global: "add", arguments: [["xs": [1, 2, 3.5], "label": "a"]])
        #expect(result == [["sum": 6.5, "label": "a"]])
    }

    @Test func referencesKeepValuesThatCannotCross() throws {
        let sandbox = try Sandbox(name: "t", limits: testLimits())
        let chunk = try sandbox.load("return { double = function(x) return 2 * x end, n = 7 }", chunkName: "p.lua")
        let plugin = try #require(try sandbox.callKeepingResult(chunk))
        let double = try #require(try sandbox.reference("double", in: plugin))
        #expect(try sandbox.call(double, 21) == [42])
        #expect(try sandbox.value("n", in: plugin) == 7)
        #expect(try sandbox.reference("missing", in: plugin) == nil)
        sandbox.release(double)
        sandbox.release(plugin)
        sandbox.release(chunk)
    }

    @Test func globalsCanBeSetFromSwift() throws {
        let sandbox = try Sandbox(name: "t", limits: testLimits())
        try sandbox.setGlobal("config", to: ["kappa": 0.5, "names": ["a", "b"]])
        #expect(try sandbox.execute("return config.kappa, config.names[2]", chunkName: "c.lua") == [0.5, "b"])
        #expect(try sandbox.value("config") == ["kappa": 0.5, "names": ["a", "b"]])
    }

    @Test func globalsCanBeSetToReferencedValues() throws {
        let sandbox = try Sandbox(name: "t", limits: testLimits())
        let chunk = try sandbox.load("return { triple = function(x) return 3 * x end }", chunkName: "p.lua")
        let table = try #require(try sandbox.callKeepingResult(chunk))
        try sandbox.setGlobal("plugin", to: table)
        #expect(try sandbox.execute("return plugin.triple(5)", chunkName: "c.lua") == [15])
        // The same table, not a copy: a change through the global shows through the reference.
        try sandbox.execute("plugin.n = 1", chunkName: "c.lua")
        #expect(try sandbox.value("n", in: table) == 1)
    }

    @Test func hostFunctionsReceiveArgumentsAndReturnResults() throws {
        let sandbox = try Sandbox(name: "t", limits: testLimits())
        try sandbox.register("hypot") { args in
            guard let a = args.first?.doubleValue, let b = args.dropFirst().first?.doubleValue else {
                throw SandboxError(kind: .runtime, message: "hypot expects two numbers")
            }
            return [.number((a * a + b * b).squareRoot()), "ok"]
        }
        #expect(try sandbox.execute("return hypot(3, 4)", chunkName: "h.lua") == [5.0, "ok"])
    }

    @Test func hostFunctionErrorsBecomeLuaErrorsAtTheCallSite() throws {
        let sandbox = try Sandbox(name: "t", limits: testLimits())
        try sandbox.register("fail") { _ in throw SandboxError(kind: .runtime, message: "the host says no") }
        // The plugin can catch it like any Lua error…
        let caught = try sandbox.execute(
            "local ok, e = pcall(function() fail() end) return ok, e", chunkName: "catch.lua")
        #expect(caught == [false, "catch.lua:1: the host says no"])
        // …and uncaught it names the plugin's line.
        let error = sandboxError { try sandbox.execute("\n\nfail()", chunkName: "host.lua") }
        #expect(error?.kind == .runtime)
        #expect(error?.description == "host.lua:3: runtime: the host says no")
    }

    @Test func hostFunctionsCanRefuseAsForbidden() throws {
        let sandbox = try Sandbox(name: "t", limits: testLimits())
        try sandbox.register("secret") { _ in throw SandboxError(kind: .forbidden, message: "no secrets here") }
        let error = sandboxError { try sandbox.execute("return secret()", chunkName: "s.lua") }
        #expect(error?.kind == .forbidden)
        #expect(error?.message == "no secrets here")
    }

    @Test func hostFunctionsCannotReenterTheirSandbox() throws {
        let sandbox = try Sandbox(name: "t", limits: testLimits())
        nonisolated(unsafe) let unowned = Unmanaged.passUnretained(sandbox)
        try sandbox.register("reenter") { _ in
            try unowned.takeUnretainedValue().execute("return 1", chunkName: "inner.lua")
        }
        let error = sandboxError { try sandbox.execute("return reenter()", chunkName: "outer.lua") }
        #expect(error?.kind == .runtime)
        #expect(error?.message.contains("already running an operation") == true)
        #expect(try sandbox.execute("return 'still fine'", chunkName: "after.lua") == ["still fine"])
    }

    @Test func printGoesToTheLogTaggedWithTheSandboxName() throws {
        let capture = LogCapture()
        let sandbox = try Sandbox(name: "echo-sum", limits: testLimits(), logger: capture.logger)
        try sandbox.execute("print('hello', 42, nil, true) warn('careful')", chunkName: "p.lua")
        let lines = capture.lines
        #expect(lines.count == 2)
        #expect(lines.first?.message == "hello\t42\tnil\ttrue")
        #expect(lines.first?.level == .info)
        #expect(lines.first?.metadata["sandbox"] == "echo-sum")
        #expect(lines.last?.message == "careful")
        #expect(lines.last?.level == .warning)
    }

    @Test func printOutputIsCappedPerCall() throws {
        let capture = LogCapture()
        var limits = testLimits()
        limits.maxOutputBytes = 1000
        let sandbox = try Sandbox(name: "chatty", limits: limits, logger: capture.logger)
        try sandbox.execute("for i = 1, 100 do print(('x'):rep(100)) end", chunkName: "p.lua")
        let lines = capture.lines
        let printed = lines.filter { $0.level == .info }.map(\.message.utf8.count).reduce(0, +)
        #expect(printed == 1000)
        #expect(
            lines.filter { $0.level == .notice }.map(\.message) == [
                "[output truncated: more than 1000 bytes printed in one call]"
            ])
        // The cap is per call: the next call prints again.
        try sandbox.execute("print('again')", chunkName: "p.lua")
        #expect(capture.lines.last?.message == "again")
    }

    @Test func memoryUseIsTrackedAndReleased() throws {
        let sandbox = try Sandbox(name: "t", limits: testLimits())
        let idle = sandbox.memoryUsed
        #expect(idle > 0)
        try sandbox.execute("big = string.rep('x', 4 * 1024 * 1024)", chunkName: "m.lua")
        #expect(sandbox.memoryUsed >= idle + 4 * 1024 * 1024)
        try sandbox.execute("big = nil", chunkName: "m.lua")
        #expect(sandbox.memoryPeak >= idle + 4 * 1024 * 1024)
    }

    @Test func closedSandboxRefusesWork() throws {
        let sandbox = try Sandbox(name: "gone", limits: testLimits())
        sandbox.close()
        sandbox.close()
        let error = sandboxError { try sandbox.execute("return 1", chunkName: "x.lua") }
        #expect(error?.kind == .closed)
        #expect(error?.message == "the sandbox 'gone' is closed; create a new one")
    }

    @Test func invalidLimitsAreRefusedWithTheirName() {
        var limits = testLimits()
        limits.memoryBytes = 1000
        let error = sandboxError { _ = try Sandbox(limits: limits) }
        #expect(error?.kind == .value)
        #expect(error?.message == "memory limit must be at least 256 KiB (got 1000 bytes)")
    }

    @Test func limitsChangeBetweenCalls() throws {
        let sandbox = try Sandbox(name: "t", limits: testLimits(instructions: 1_000_000))
        let loop = "local n = 0 for i = 1, 3000000 do n = n + i end return n"
        #expect(sandboxError { try sandbox.execute(loop, chunkName: "l.lua") }?.kind == .instructions)
        sandbox.limits.instructions = 100_000_000
        #expect(try sandbox.execute(loop, chunkName: "l.lua") == [.integer(4_500_001_500_000)])
        #expect(sandbox.instructionsUsed > 3_000_000)
    }
}
