import LuaSandbox
import Testing

@Suite("Reading results in place")
struct LuaValueViewTests {
    @Test func fieldsElementsAndScalars() throws {
        let sandbox = try Sandbox(name: "views", limits: testLimits())
        let f = try sandbox.load(
            "return { sum = 5, name = 'ok', list = { 10, 20.5, true }, nested = { deep = { x = -1 } } }, 7, nil",
            chunkName: "v.lua")
        let read = try sandbox.call(f, arguments: []) { results in
            (
                results.count, results[0]?["sum"]?.integer, results[0]?["name"]?.string,
                results[0]?["list"]?[1]?.number, results[0]?["list"]?[2]?.boolean,
                results[0]?["nested"]?["deep"]?["x"]?.integer, results[1]?.integer, results[2]?.isNil,
                results[3] == nil, results[0]?["missing"] == nil, results[0]?["list"]?[3] == nil,
                results[0]?["name"]?.integer, results[0]?.typeName
            )
        }
        #expect(read.0 == 3)
        #expect(read.1 == 5)
        #expect(read.2 == "ok")
        #expect(read.3 == 20.5)
        #expect(read.4 == true)
        #expect(read.5 == -1)
        #expect(read.6 == 7)
        #expect(read.7 == true)
        #expect(read.8 && read.9 && read.10)
        #expect(read.11 == nil)
        #expect(read.12 == "table")
        let whole = try sandbox.call(f, arguments: []) { try $0[0]?["list"]?.value() }
        #expect(whole == [10, 20.5, true])
    }

    /// A view sees tables as they cross: integer keys of a map read as their text, an array
    /// has elements and no fields, a table with a hole or extra keys is a map.
    @Test func tablesReadAsTheyCross() throws {
        let sandbox = try Sandbox(name: "views", limits: testLimits())
        let f = try sandbox.load(
            "return { [1] = 'a', [3] = 'c' }, { 'x', 'y' }, { 'p', n = 2 }, {}, 2.5, 'caf\\xff'", chunkName: "v.lua")
        let read = try sandbox.call(f, arguments: []) { r in
            (
                r[0]?["1"]?.string, r[0]?["3"]?.string, r[0]?[0] == nil, r[1]?[1]?.string, r[1]?["1"] == nil,
                r[2]?["1"]?.string, r[2]?["n"]?.integer, r[2]?[0] == nil, r[3]?["x"] == nil, r[3]?[0] == nil,
                r[4]?.integer == nil, r[4]?.number, r[5]?.string == nil, try r[5]?.value(), try r[0]?.value()
            )
        }
        #expect(read.0 == "a" && read.1 == "c" && read.2)
        #expect(read.3 == "y" && read.4)
        #expect(read.5 == "p" && read.6 == 2 && read.7)
        #expect(read.8 && read.9 && read.10 && read.11 == 2.5 && read.12)
        #expect(read.13 == LuaValue.bytes(Array("caf".utf8) + [0xFF]))
        #expect(read.14 == ["1": "a", "3": "c"])
    }

    /// Reading one table again and again takes one slot of the sandbox's stack, not one per
    /// read: a long loop over an array's elements neither grows the sandbox nor fails.
    @Test func readingATableAgainTakesNoMoreRoom() throws {
        let sandbox = try Sandbox(name: "views", limits: testLimits(memoryMiB: 2))
        let f = try sandbox.load(
            "local list = {} for i = 1, 1000 do list[i] = { v = i } end return { list = list }", chunkName: "v.lua")
        let before = sandbox.memoryUsed
        let (total, grown) = try sandbox.call(f, arguments: []) { r -> (Int64, Int) in
            var total: Int64 = 0
            for _ in 0..<100 {
                for i in 0..<1000 { total += r[0]?["list"]?[i]?["v"]?.integer ?? 0 }
            }
            return (total, sandbox.memoryUsed - before)
        }
        #expect(total == 100 * 500_500)
        // The list, its thousand tables and a thousand slots for them; not a hundred thousand.
        #expect(grown < 200_000, "grew \(grown) bytes")
    }

    /// While its results are read in place a sandbox takes no other operation (it would
    /// release them); it does again once the closure returns, or throws.
    @Test func theSandboxWaitsForTheReadingToEnd() throws {
        let sandbox = try Sandbox(name: "views", limits: testLimits())
        let f = try sandbox.load("return { v = 1 }", chunkName: "v.lua")
        let refused = try sandbox.call(f, arguments: []) { r -> (SandboxError?, Int64?) in
            var refusal: SandboxError?
            do { _ = try sandbox.call(f, arguments: []) } catch let error as SandboxError { refusal = error } catch {}
            return (refusal, r[0]?["v"]?.integer)
        }
        #expect(refused.0?.kind == .internal)
        #expect(refused.0?.message.contains("being read in place") == true)
        #expect(refused.1 == 1)
        struct Stop: Error {}
        #expect(throws: Stop.self) { try sandbox.call(f, arguments: []) { _ in throw Stop() } }
        #expect(try sandbox.call(f, arguments: [])[0]["v"] == 1)
        // A failed call leaves nothing to read, and the sandbox usable.
        let bad = try sandbox.load("error('no')", chunkName: "bad.lua")
        #expect(throws: SandboxError.self) { try sandbox.call(bad, arguments: []) { $0.count } }
        #expect(try sandbox.call(f, arguments: []) { $0[0]?["v"]?.integer } == 1)
    }

    /// Closing the sandbox while reading waits for the closure: its views stay readable,
    /// and the sandbox is closed after.
    @Test func closingWhileReadingWaitsForTheEnd() throws {
        let sandbox = try Sandbox(name: "views", limits: testLimits())
        let f = try sandbox.load("return { name = 'kept' }", chunkName: "v.lua")
        let name = try sandbox.call(f, arguments: []) { r -> String? in
            sandbox.close()
            return r[0]?["name"]?.string
        }
        #expect(name == "kept")
        #expect(throws: SandboxError.self) { try sandbox.call(f, arguments: []) }
    }

    /// What cannot cross still cannot when asked for as a whole value: the same error as a
    /// call that encodes its results, naming the sandbox.
    @Test func aValueThatCannotCrossFailsAsACallWould() throws {
        let sandbox = try Sandbox(name: "views", limits: testLimits())
        let f = try sandbox.load("return { run = function() end }", chunkName: "v.lua")
        let typeName = try sandbox.call(f, arguments: []) { $0[0]?["run"]?.typeName }
        #expect(typeName == "function")
        do {
            _ = try sandbox.call(f, arguments: []) { try $0[0]?.value() }
            Issue.record("a function crossed")
        } catch let error as SandboxError {
            #expect(error.kind == .value)
            #expect(error.message.contains("a function cannot cross"))
            #expect(error.sandbox == "views")
        }
    }

    /// Reading needs a slot per table read; when the sandbox's memory cap leaves no room for
    /// them, the call fails with a memory error instead of reading wrong values.
    @Test func readingPastTheMemoryCapFailsTheCall() throws {
        let sandbox = try Sandbox(name: "views", limits: testLimits(memoryMiB: 4))
        // Tables until the cap is almost reached, then no more room for slots.
        let f = try sandbox.load(
            """
            local all = {}
            while collectgarbage('count') < 4 * 1024 - 24 do all[#all + 1] = {} end
            return all
            """, chunkName: "v.lua")
        do {
            let read = try sandbox.call(f, arguments: []) { r -> Int in
                var i = 0
                while r[0]?[i] != nil { i += 1 }
                return i
            }
            Issue.record("read \(read) tables past the cap")
        } catch let error as SandboxError {
            #expect(error.kind == .memory)
            #expect(error.message.contains("in place"))
        }
        // The sandbox is fine afterwards.
        #expect(try sandbox.execute("return 1 + 1", chunkName: "after.lua") == [2])
    }
}
