import Foundation
import LuaSandbox
import Testing

/// The sandbox's pattern matcher is Synod's own (it charges its work to the budget), so it
/// is checked against the reference: Debian's stock `lua5.4` interpreter runs the same
/// script, and every result must be identical.
@Suite("Patterns: identical to stock Lua 5.4")
struct PatternTests {
    static let cases = #"""
        { "find", "hello world", "o w" }, { "find", "hello world", "l+" }, { "find", "hello", "" },
        { "find", "hello", "", 10 }, { "find", "hello", "l", -2 }, { "find", "hello", "l", -100 },
        { "find", "a.b", ".", 1, true }, { "find", "a+b", "+", 1, true }, { "find", "abc", "b", 0 },
        { "find", "hello", "(h)(e)" }, { "find", "hello", "()ll()" }, { "find", "abc", "^b" },
        { "find", "abc", "^a" }, { "find", "abc", "c$" }, { "find", "a$c", "$c" }, { "find", "x^y", "x^" },
        { "match", "key = value", "(%w+)%s*=%s*(%w+)" }, { "match", "  trim  ", "^%s*(.-)%s*$" },
        { "match", "2024-11-25", "(%d+)-(%d+)-(%d+)" }, { "match", "abc", "%a+" }, { "match", "ABC abc", "%u+" },
        { "match", "ABC abc", "%l+" }, { "match", "a1!", "%p" }, { "match", "tab\there", "%c" },
        { "match", "x y", "%S+$" }, { "match", "0xff", "0x(%x+)" }, { "match", "hello", ".-l" },
        { "match", "hello", ".*l" }, { "match", "hello", "l?lo" }, { "match", "aaa", "a-b" },
        { "match", "[test]", "%[(.*)%]" }, { "match", "a-b", "[%-]" }, { "match", "a]b", "[]]" },
        { "match", "abc", "[^a]+" }, { "match", "a-z", "[a%-z]+" }, { "match", "q", "[a-]" },
        { "match", "-", "[a-]" }, { "match", "hello", "[a-f]" }, { "match", "F", "[%l]" },
        { "match", "x(a(b)c)y", "%b()" }, { "match", "no parens", "%b()" }, { "match", "THE (quick) fox", "%f[%a]%a+" },
        { "match", "hello world", "%f[%w]%w+$" }, { "match", "abab", "(ab)%1" }, { "match", "abcabc", "(a)(b)(c)%1%2%3" },
        { "match", "hello", "()" }, { "match", "hello", "(l)(l)()" }, { "match", "", "a*" }, { "match", "", ".?" },
        { "match", "aaa", "^a*$" }, { "match", "x = 1", "^(%w+)" }, { "match", "caf\xc3\xa9", "[\x80-\xff]+" },
        { "match", "a.b", "%." }, { "match", "a%b", "%%" }, { "match", "hello", "h.-o", 2 },
        { "gmatch", "one two  three", "%a+" }, { "gmatch", "k1=v1, k2=v2", "(%w+)=(%w+)" },
        { "gmatch", "abc", "" }, { "gmatch", "a,b,,c", "([^,]*)" }, { "gmatch", "hello", "()l" },
        { "gmatch", "^a^a", "^a" }, { "gmatch", "abcabc", "b", 3 }, { "gmatch", "aaa", "a-" },
        { "gsub", "hello world", "o", "0" }, { "gsub", "hello world", "(%w+)", "<%1>" },
        { "gsub", "hello world", "%w+", "%0 %0", 1 }, { "gsub", "abc", "", "-" }, { "gsub", "abc", ".", "%%" },
        { "gsub", "hello", "l+", "" }, { "gsub", "  x  ", "^%s+", "" }, { "gsub", "abc", "^", ">" },
        { "gsub", "abc", "$", "<" }, { "gsub", "a,b", ",", "%1" }, { "gsub", "x", "x", 5 },
        { "gsub", "abc", "%w", "%2" }, { "gsub", "abc", "b", "%z" }, { "gsubf", "hello world", "%w+" },
        { "gsubt", "$name is $age", "%$(%w+)" }, { "gsubf", "abc", "(b)()" },
        { "find", "abc", "[a" }, { "find", "abc", "%" }, { "find", "abc", "(()" }, { "find", "abc", "%1" },
        { "find", "abc", "a)" }, { "find", "abc", "%f" }, { "find", "abc", "%b" }, { "match", "abc", "(a" },
        """#

    static let script = #"""
        local cases = {
        \#(cases)
        }
        local function ser(...)
          local t = {}
          for i = 1, select('#', ...) do local v = select(i, ...) t[i] = type(v) .. ":" .. tostring(v) end
          return table.concat(t, ",")
        end
        local function run(c)
          local kind, s, p = c[1], c[2], c[3]
          if kind == "gmatch" then
            local r, it = {}, string.gmatch(s, p, c[4])
            while #r < 50 do
              local got = table.pack(it())
              if got[1] == nil then break end
              r[#r + 1] = ser(table.unpack(got, 1, got.n))
            end
            return table.concat(r, ";")
          elseif kind == "gsub" then return ser(string.gsub(s, p, c[4], c[5]))
          elseif kind == "gsubf" then return ser(string.gsub(s, p, function(a, b) return "[" .. a .. tostring(b) .. "]" end))
          elseif kind == "gsubt" then return ser(string.gsub(s, p, { name = "Ada", age = 36 }))
          else return ser(string[kind](s, p, c[4], c[5])) end
        end
        local out = {}
        for i, c in ipairs(cases) do
          local ok, r = pcall(run, c)
          out[i] = ok and r or ("error: " .. tostring(r):gsub("^[^:]*:%d+: ", ""))
        end
        return table.concat(out, "\n")
        """#

    @Test func resultsMatchStockLua() throws {
        let sandbox = try Sandbox(name: "patterns", limits: testLimits())
        let ours = try #require(try sandbox.execute(Self.script, chunkName: "patterns.lua").first?.stringValue)

        let file = FileManager.default.temporaryDirectory.appendingPathComponent("synod-patterns-\(getpid()).lua")
        try Data(
            (Self.script.replacingOccurrences(
                of: "\nreturn table.concat(out, \"\\n\")", with: "\nio.write(table.concat(out, \"\\n\"))")).utf8
        ).write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/lua5.4")
        process.arguments = [file.path]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0, "lua5.4 failed: install Debian's lua5.4 (make deps)")
        let reference = String(decoding: data, as: UTF8.self)

        let ourLines = ours.split(separator: "\n", omittingEmptySubsequences: false)
        let referenceLines = reference.split(separator: "\n", omittingEmptySubsequences: false)
        #expect(ourLines.count == referenceLines.count)
        #expect(ourLines.count > 80)
        for (i, (a, b)) in zip(ourLines, referenceLines).enumerated() {
            #expect(a == b, "case \(i + 1) differs")
        }
    }

    @Test func matchingWorkIsChargedToTheBudget() throws {
        let sandbox = try Sandbox(name: "patterns", limits: testLimits(instructions: 0))
        try sandbox.execute("return ('a'):rep(200):find('.-.-b')", chunkName: "p.lua")
        // Few VM instructions, but tens of thousands of matching steps.
        #expect(sandbox.instructionsUsed > 10_000)
    }
}
