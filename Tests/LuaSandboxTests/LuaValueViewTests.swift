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
}
