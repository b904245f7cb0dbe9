import Foundation
import LuaSandbox
import Testing

@Suite("Many sandboxes in one process")
struct SandboxIsolationTests {
    @Test func sandboxesShareNothing() throws {
        let a = try Sandbox(name: "a", limits: testLimits())
        let b = try Sandbox(name: "b", limits: testLimits())
        try a.execute("x = 'a'; string.upper = nil", chunkName: "a.lua")
        #expect(
            try b.execute("return x, ('q'):upper(), type(string.upper)", chunkName: "b.lua") == [nil, "Q", "function"])
    }

    @Test func aSandboxThatBreaksALimitDoesNotDisturbAnother() throws {
        let healthy = try Sandbox(name: "healthy", limits: testLimits())
        try healthy.execute("total = 0", chunkName: "h.lua")
        let hostile = try Sandbox(name: "hostile", limits: testLimits(memoryMiB: 4, instructions: 1_000_000))
        for attack in ["while true do end", "local s = 'x' while true do s = s .. s end", "error('boom')"] {
            #expect(sandboxError { try hostile.execute(attack, chunkName: "attack.lua") } != nil)
            try healthy.execute("total = total + 1", chunkName: "h.lua")
        }
        #expect(try healthy.value("total") == 3)
    }

    @Test func sandboxesRunInParallelTasks() async throws {
        let results = try await withThrowingTaskGroup(of: (Int, LuaValue?).self) { group in
            for i in 0..<8 {
                group.addTask {
                    let sandbox = try Sandbox(name: "p\(i)", limits: testLimits(instructions: 5_000_000))
                    if i % 2 == 1 {
                        // Half of them attack; they must fail alone.
                        let kind = sandboxError { try sandbox.execute("while true do end", chunkName: "spin.lua") }?
                            .kind
                        return (i, kind == .instructions ? .string("contained") : nil)
                    }
                    let sum = try sandbox.execute(
                        "local s = 0 for k = 1, 100000 do s = s + k * \(i) end return s", chunkName: "sum.lua")
                    return (i, sum.first)
                }
            }
            var out: [Int: LuaValue?] = [:]
            for try await (i, v) in group { out[i] = v }
            return out
        }
        for i in 0..<8 {
            let expected: LuaValue = i % 2 == 1 ? "contained" : .integer(5_000_050_000 * Int64(i))
            #expect(results[i] == expected)
        }
    }

    @Test func interrupterStopsARunningCallFromAnotherTask() async throws {
        var limits = testLimits(instructions: 0, timeout: 0)
        limits.instructions = 0
        let sandbox = try Sandbox(name: "endless", limits: limits)
        let stop = sandbox.interrupter
        let call = Task.detached { () -> (SandboxError.Kind?, LuaValue?) in
            let kind = sandboxError { try sandbox.execute("while true do end", chunkName: "endless.lua") }?.kind
            let after = try? sandbox.execute("return 'alive'", chunkName: "after.lua").first
            return (kind, after)
        }
        try await Task.sleep(for: .milliseconds(200))
        stop.interrupt()
        let (kind, after) = await call.value
        #expect(kind == .interrupted)
        #expect(after == "alive")
    }

    @Test func creatingAndClosingManySandboxesIsCheapAndClean() throws {
        for i in 0..<500 {
            let sandbox = try Sandbox(name: "s\(i)", limits: testLimits())
            #expect(sandbox.memoryUsed < 64 * 1024)
            if i % 2 == 0 { sandbox.close() }
        }
    }
}
