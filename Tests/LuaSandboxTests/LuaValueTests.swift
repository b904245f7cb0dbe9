import LuaSandbox
import Testing

@Suite("Values crossing between Lua and Swift")
struct LuaValueTests {
    let sandbox: Sandbox

    init() throws { sandbox = try Sandbox(name: "values", limits: testLimits()) }

    func roundTrip(_ value: LuaValue) throws -> LuaValue {
        try sandbox.execute("function id(...) return ... end", chunkName: "id.lua")
        return try sandbox.call(global: "id", arguments: [value]).first ?? .null
    }

    @Test(arguments: [
        LuaValue.null, true, false, 0, -1, .integer(.max), .integer(.min), 0.5, -0.0, 1e300,
        .number(.infinity), "", "héllo ✓", "with\0nul", [1, 2, 3], ["a": 1, "b": [true, "x"]],
        [["nested": [[1], [2, [3]]]]],
    ])
    func valuesRoundTrip(value: LuaValue) throws {
        #expect(try roundTrip(value) == value)
    }

    /// Lists of up to 16 numbers, booleans and nils are encoded without an array; longer or
    /// mixed lists take the general path. Both must arrive as sent, nils included.
    @Test(arguments: [0, 1, 15, 16, 17, 40])
    func scalarArgumentListsArriveWhole(count: Int) throws {
        try sandbox.execute("function all(...) return select('#', ...), {...} end", chunkName: "all.lua")
        let pool: [LuaValue] = [.integer(.min), .integer(.max), -0.0, .number(.infinity), true, false, .null, 7]
        let scalars = (0..<count).map { pool[$0 % pool.count] }
        for arguments in [scalars, scalars + ["text"]] {
            let results = try sandbox.call(global: "all", arguments: arguments)
            #expect(results.first == .integer(Int64(arguments.count)))
            // Lua's {...} drops trailing nils and gaps make it a map: compare element-wise.
            for (i, argument) in arguments.enumerated() {
                let back = results[1][i] ?? results[1]["\(i + 1)"] ?? .null
                #expect(back == argument, "argument \(i + 1) of \(arguments.count)")
            }
        }
    }

    @Test func nanRoundTripsAsNaN() throws {
        let back = try roundTrip(.number(.nan))
        #expect(back.doubleValue?.isNaN == true)
    }

    @Test func invalidUTF8CrossesAsBytes() throws {
        #expect(try roundTrip(.bytes([0xff, 0x00, 0xfe])) == .bytes([0xff, 0x00, 0xfe]))
        #expect(try sandbox.execute("return '\\xff'", chunkName: "b.lua") == [.bytes([0xff])])
    }

    @Test func tableShapes() throws {
        let result = try sandbox.execute(
            "return {}, {10, 20}, {[1] = 'a', [3] = 'c'}, {x = 1, [2] = 'two'}", chunkName: "shapes.lua")
        #expect(result == [.map([:]), [10, 20], ["1": "a", "3": "c"], ["x": 1, "2": "two"]])
    }

    @Test func integersAndFloatsStayDistinct() throws {
        #expect(
            try sandbox.execute("return 3, 3.0, 2^53, 7 // 2", chunkName: "n.lua") == [3, 3.0, 9007199254740992.0, 3])
    }

    @Test func cyclesAreRefusedWithAPath() {
        let error = sandboxError {
            try sandbox.execute("local t = { a = { b = {} } } t.a.b.c = t return t", chunkName: "c.lua")
        }
        #expect(error?.kind == .value)
        #expect(error?.message == "cycle: a table contains itself (at $.a.b.c)")
    }

    @Test func sharedSubtablesAreNotCycles() throws {
        let result = try sandbox.execute("local s = {1} return { s, s }", chunkName: "s.lua")
        #expect(result == [[[1], [1]]])
    }

    @Test func depthIsLimited() throws {
        var limits = testLimits()
        limits.maxValueDepth = 3
        let shallow = try Sandbox(name: "shallow", limits: limits)
        #expect(try shallow.execute("return {{{1}}}", chunkName: "d.lua") == [[[[1]]]])
        let error = sandboxError { try shallow.execute("return {{{{1}}}}", chunkName: "d.lua") }
        #expect(error?.kind == .value)
        #expect(error?.message == "value nested too deeply: more than 3 levels (at $[1][1][1])")
    }

    @Test func sizeIsLimited() throws {
        var limits = testLimits()
        limits.maxValueBytes = 1000
        let small = try Sandbox(name: "small", limits: limits)
        let error = sandboxError { try small.execute("return string.rep('x', 2000)", chunkName: "big.lua") }
        #expect(error?.kind == .value)
        #expect(error?.message == "value too large: more than 1000 bytes would cross into the host (at $)")
    }

    @Test func functionsAndOtherTypesDoNotCross() throws {
        let error = sandboxError { try sandbox.execute("return { hooks = { task = print } }", chunkName: "f.lua") }
        #expect(error?.kind == .value)
        #expect(error?.message == "a function cannot cross into the host (at $.hooks.task)")
        let thread = sandboxError { try sandbox.execute("return coroutine.create(print)", chunkName: "f.lua") }
        #expect(thread?.message == "a thread value cannot cross into the host (at $)")
        let key = sandboxError { try sandbox.execute("return { [true] = 1 }", chunkName: "f.lua") }
        #expect(key?.message.hasPrefix("a table key of type boolean cannot cross into the host") == true)
    }

    @Test func functionsCanBeDescribed() throws {
        sandbox.describesFunctions = true
        let result = try sandbox.execute("return {\n f = function() end, g = print }", chunkName: "d.lua")
        #expect(result == [["f": .function("function: d.lua:2"), "g": .function("function: builtin")]])
    }

    @Test func conflictingKeysAreRefused() {
        let error = sandboxError { try sandbox.execute("return { [1] = 'a', ['1'] = 'b', x = 1 }", chunkName: "k.lua") }
        #expect(error?.kind == .value)
        #expect(error?.message == "the table at $ has both 1 and \"1\" as keys; keep one")
    }

    @Test func jsonIsDeterministicAndExact() throws {
        let value: LuaValue = ["b": [1, 2.5, "x\"y\n"], "a": nil, "c": ["z": true], "d": .map([:])]
        #expect(try value.jsonText() == #"{"a":null,"b":[1,2.5,"x\"y\n"],"c":{"z":true},"d":{}}"#)
        #expect(try LuaValue.string("\u{01}é").jsonText() == "\"\\u0001é\"")
    }

    @Test func jsonRefusesWhatItCannotHold() {
        let nan = sandboxError { _ = try LuaValue.array([1, .number(.nan)]).jsonText() }
        #expect(nan?.message == "nan at $[2] cannot be written as JSON")
        let bytes = sandboxError { _ = try LuaValue.map(["k": .bytes([0xff])]).jsonText() }
        #expect(bytes?.message == "the string at $.k is not valid UTF-8 and cannot be written as JSON")
    }
}

@Suite("LuaValue from JSON")
struct LuaValueJSONParsingTests {
    @Test func readsWhatJSONTextWrites() throws {
        let value: LuaValue = ["sum": 455, "ok": true, "ratio": 0.5, "names": ["a", "b"], "nested": ["x": -3]]
        #expect(try LuaValue(json: Array(try value.jsonText().utf8)) == value)
    }

    @Test func numbersBooleansAndEmptyArrays() throws {
        #expect(
            try LuaValue(json: Array("[1, 1.5, true, false, 0, 1e3, -7]".utf8))
                == [1, 1.5, true, false, 0, .number(1000), -7])  // 1e3 is a float in JSON and in Lua
        #expect(try LuaValue(json: Array("[]".utf8)) == .map([:]))
        #expect(try LuaValue(json: Array("\"text\"".utf8)) == "text")
        #expect(try LuaValue(json: Array("9007199254740993.5".utf8)).doubleValue != nil)
    }

    @Test func refusesWhatIsNotJSONOrTooDeep() {
        #expect(throws: SandboxError.self) { try LuaValue(json: Array("{\"a\":".utf8)) }
        let deep = String(repeating: "[", count: 40) + String(repeating: "]", count: 40)
        do {
            _ = try LuaValue(json: Array(deep.utf8), maxDepth: 16)
            Issue.record("40 levels passed a 16-level limit")
        } catch {
            #expect(error.kind == .value)
            #expect(error.message == "the JSON nests deeper than 16 levels")
        }
    }

    /// Found by the JSON fuzzer: Foundation's parser read "[1,]" and "0\0junk"; what a miner
    /// sends is now read only when it is strict JSON, and read exactly.
    @Test func jsonIsReadOnlyWhenStrictAndNumbersExactly() throws {
        for text in ["[1,]", "{\"a\":1,}", "0\u{0}junk", "[1] x"] {
            let error = sandboxError { _ = try LuaValue(json: Array(text.utf8)) }
            #expect(error?.kind == .value, "\(text.debugDescription)")
            #expect(error?.message.hasPrefix("the bytes are not JSON (") == true)
        }
        let big = try LuaValue(json: Array("123456789012345678901234567890".utf8))
        #expect(big == .number(123456789012345678901234567890.0))
        #expect(try LuaValue(json: Array(big.jsonText().utf8)) == big)
    }

    /// Synod reads JSON itself (Foundation's reader cost a miner's answer a dictionary of
    /// `Any` and a cast per value): integers exactly, escapes, and what it refuses.
    @Test func integersEscapesAndWhatCannotBeRead() throws {
        func read(_ text: String) throws -> LuaValue { try LuaValue(json: Array(text.utf8)) }
        #expect(try read("9007199254740993") == .integer(9_007_199_254_740_993))  // 2^53 + 1, exactly
        #expect(try read("9223372036854775807") == .integer(.max))
        #expect(try read("-9223372036854775808") == .integer(.min))
        #expect(try read("9223372036854775808") == .number(9_223_372_036_854_775_808.0))
        #expect(try read("-0") == .integer(0))
        #expect(try read("-0.0").doubleValue?.sign == .minus)
        #expect(try read("1.0") == .number(1))
        #expect(try read("2.5e-3") == .number(0.0025))
        #expect(try read("1E+2") == .number(100))
        #expect(try read("1e-400") == .number(0))
        #expect(try read(#" { "a" : [ 1 , "x" ] , "a" : { } } "#) == .map(["a": .map([:])]))  // the last "a"
        #expect(try read(#""\"\\\/\b\f\n\r\t""#) == "\"\\/\u{8}\u{c}\n\r\t")
        #expect(try read(#""a\u0000b\u00e9\u20AC\ud83d\ude00 é""#) == "a\u{0}bé€😀 é")
        #expect(try read(#"{"\u006b":"v"}"#) == ["k": "v"])
        for (text, why) in [
            ("1e400", "the number 1e400 is beyond a double's range at byte 0"),
            ("[0, -1E309]", "the number -1E309 is beyond a double's range at byte 4"),
            (#"["\ud800"]"#, "\\u escape of a high surrogate without its low half at byte 2"),
            (#""x\ud800\u0041""#, "\\u escape of a high surrogate without its low half at byte 2"),
            (#""\udc00""#, "\\u escape of a low surrogate without its high half at byte 1"),
        ] {
            let error = sandboxError { _ = try read(text) }
            #expect(error?.kind == .value, "\(text)")
            #expect(error?.message == "the bytes are not JSON (\(why))", "\(text)")
        }
    }
}
