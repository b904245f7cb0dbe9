import LuaSandbox
import Testing

@Suite("HostCall: typed host functions")
struct HostCallTests {
    let sandbox: Sandbox

    init() throws {
        sandbox = try Sandbox(name: "calls", limits: testLimits())
        try sandbox.registerCall("add") { call in
            try call.push(integer: call.integer(at: 0) + call.integer(at: 1))
        }
        try sandbox.registerCall("describe") { call in
            call.push(number: try call.number(at: 0) * 2)
            try call.push(string: "\(call.count) args, first \(try call.value(at: 0).typeName)")
            try call.push(call.value(at: 5))
        }
    }

    @Test func typedArgumentsAndResults() throws {
        #expect(try sandbox.execute("return add(40, 2)", chunkName: "a.lua") == [42])
        #expect(try sandbox.execute("return add(40.0, 2)", chunkName: "a.lua") == [42])
        #expect(
            try sandbox.execute("return describe(1.5, 'x')", chunkName: "d.lua") == [3.0, "2 args, first number", nil])
    }

    @Test(arguments: [
        ("add(1, 'x')", "bad argument #2 to 'add' (number expected, got string)"),
        ("add(1)", "bad argument #2 to 'add' (value expected, got no value)"),
        ("add(1.5, 1)", "bad argument #1 to 'add' (number has no integer representation)"),
        ("add({}, 1)", "bad argument #1 to 'add' (number expected, got table)"),
        ("add(nil, 1)", "bad argument #1 to 'add' (number expected, got nil)"),
    ])
    func badArgumentsAreReportedLikeLua(source: String, message: String) {
        let error = sandboxError { try sandbox.execute("\n" + source, chunkName: "bad.lua") }
        #expect(error?.kind == .runtime)
        #expect(error?.location == .init(chunk: "bad.lua", line: 2))
        #expect(error?.message == message)
    }

    /// Scalar arguments take a short path into the host, everything else the full encoder:
    /// both arrive the same, in order, and a mix falls back whole.
    @Test func scalarAndOtherArgumentsArriveAlike() throws {
        try sandbox.registerCall("echo") { call in
            for value in try call.values() { try call.push(value) }
        }
        #expect(
            try sandbox.execute("return echo(nil, true, false, -7, 2.5, 1e308)", chunkName: "e.lua")
                == [nil, true, false, -7, 2.5, 1e308])
        #expect(
            try sandbox.execute("return echo(1, 'two', {3}, 4.5)", chunkName: "e.lua")
                == [1, "two", .array([3]), 4.5])
        let many = (1...20).map(String.init).joined(separator: ", ")
        #expect(
            try sandbox.execute("return echo(\(many))", chunkName: "e.lua")
                == (1...20).map { LuaValue.integer(Int64($0)) })
        // Numbers go straight to Lua until something is buffered; after that, everything is.
        #expect(try sandbox.execute("return echo('a', 1, 2.5)", chunkName: "e.lua") == ["a", 1, 2.5])
        let bad = sandboxError { try sandbox.execute("return echo(1, print)", chunkName: "e.lua") }
        #expect(
            bad?.message == "bad argument to 'echo': a function cannot cross into the host (at $2)",
            "\(String(describing: bad))")
    }

    /// Arguments are read where Lua passed them: an argument the function does not read is
    /// never encoded (a function may follow the numbers it reads), and a host function
    /// called from a coroutine reads that coroutine's arguments and returns to it.
    @Test func argumentsAreReadWhereTheyLie() throws {
        #expect(try sandbox.execute("return add(1, 2, print)", chunkName: "a.lua") == [3])
        #expect(
            try sandbox.execute(
                "return coroutine.wrap(function(a) return add(a, coroutine.yield(add(a, 1))) end)(10)",
                chunkName: "co.lua") == [11])
        #expect(
            try sandbox.execute(
                """
                local co = coroutine.wrap(function(a) local b = coroutine.yield(add(a, 1)) return add(a, b) end)
                return co(10), co(5)
                """, chunkName: "co.lua") == [11, 15])
    }

    @Test func hotLoopsOfHostCallsStayCorrect() throws {
        let result = try sandbox.execute(
            "local s = 0 for i = 1, 100000 do s = add(s, i) end return s", chunkName: "loop.lua")
        #expect(result == [.integer(5_000_050_000)])
    }
}
