import Foundation
import LuaSandbox
import SubnetHost
import Testing

/// Calling a loaded plugin's hooks the way a validator does.
@Suite("SubnetPlugin: hooks and their ctx")
struct SubnetPluginHooksTests {
    let echoSum: SubnetPlugin

    init() throws {
        let path = SubnetPluginTests.root.appendingPathComponent("plugins/echo-sum.lua").path
        echoSum = try SubnetPlugin(path: path)
    }

    func plugin(_ source: String) throws(PluginError) -> SubnetPlugin {
        try SubnetPlugin(source: Array(source.utf8), chunkName: "plugins/h.lua")
    }

    @Test func echoSumEndToEnd() throws {
        let ctx = HookContext(netuid: 1, block: 100, validator: "v0")
        let task = try echoSum.task(ctx)
        guard case .map(let fields) = task, case .array(let numbers) = fields["numbers"] else {
            Issue.record("task is \(task)")
            return
        }
        #expect(numbers.count == 8)
        #expect(numbers.allSatisfy { ($0.intValue ?? 0) >= 1 && ($0.intValue ?? 0) <= 100 })
        let honest = try #require(
            try echoSum.answer(task, context: MinerContext(netuid: 1, hotkey: "m", validator: "v0")))
        #expect(honest == ["sum": .integer(numbers.compactMap(\.intValue).reduce(0, +))])
        #expect(try echoSum.validate(honest))
        #expect(try echoSum.validate("garbage") == false)
        let scores = try echoSum.score(task: task, responses: [honest, nil, honest], context: ctx)
        #expect(scores == [1, 0, 1])
        let weights = try echoSum.reward(scores: scores, context: ctx)
        #expect(weights == [0.5, 0, 0.5])
    }

    @Test func sharedRandomIsPerBlockAndRandomIsPerValidator() throws {
        let source = """
            return subnet {
              name = "r",
              task = function(ctx)
                return { shared = ctx.shared_random:int(1, 1000000000), own = ctx.random:int(1, 1000000000),
                         block = ctx.block, netuid = ctx.netuid, validator = ctx.validator, f = ctx.random:float() }
              end,
              score = function() end, reward = function() end,
            }
            """
        let a = try plugin(source)
        let v0 = try a.task(HookContext(netuid: 3, block: 7, validator: "v0"))
        let v1 = try a.task(HookContext(netuid: 3, block: 7, validator: "v1"))
        let later = try a.task(HookContext(netuid: 3, block: 8, validator: "v0"))
        guard case .map(let x) = v0, case .map(let y) = v1, case .map(let z) = later else {
            Issue.record("tasks are not tables")
            return
        }
        #expect(x["shared"] == y["shared"])  // every validator builds the same task
        #expect(x["own"] != y["own"])
        #expect(x["shared"] != z["shared"])
        #expect(x["block"] == 7 && x["netuid"] == 3 && x["validator"] == "v0")
        let f = try #require(x["f"]?.doubleValue)
        #expect(f >= 0 && f < 1)
        // Replayable: a fresh load of the same plugin gives the same numbers.
        #expect(try plugin(source).task(HookContext(netuid: 3, block: 7, validator: "v0")) == v0)
    }

    @Test func theGeneratorIsXoshiro256StarStarSeededBySplitMix64() throws {
        let p = try plugin(
            """
            return subnet { name = "g",
              task = function(ctx) local t = {} for i = 1, 4 do t[i] = ctx.shared_random:int(0, (1 << 52) - 1) end return t end,
              score = function() end, reward = function() end }
            """)
        let ctx = HookContext(netuid: 1, block: 1, validator: "v")
        // An independent implementation of the documented generator.
        var x = UInt64(bitPattern: ctx.sharedSeed)
        func splitmix() -> UInt64 {
            x &+= 0x9E37_79B9_7F4A_7C15
            var z = x
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        var s = [splitmix(), splitmix(), splitmix(), splitmix()]
        func rotl(_ v: UInt64, _ k: UInt64) -> UInt64 { (v << k) | (v >> (64 - k)) }
        func next() -> UInt64 {
            let result = rotl(s[1] &* 5, 7) &* 9
            let t = s[1] << 17
            s[2] ^= s[0]
            s[3] ^= s[1]
            s[1] ^= s[2]
            s[0] ^= s[3]
            s[2] ^= t
            s[3] = rotl(s[3], 45)
            return result
        }
        let expected = (0..<4).map { _ in LuaValue.integer(Int64((next() >> 11) % (1 << 52))) }
        #expect(try p.task(ctx) == .array(expected))
    }

    @Test func hookResultsThatCannotBeUsedAreNamed() throws {
        func failure(_ score: String, _ reward: String = "function(s) return s end") -> PluginError? {
            do {
                let p = try plugin(
                    "return subnet { name = \"b\", task = function() return {} end,\n score = \(score),\n reward = \(reward) }"
                )
                let scores = try p.score(
                    task: [:], responses: [nil, nil], context: HookContext(netuid: 1, block: 1, validator: "v"))
                _ = try p.reward(scores: scores, context: HookContext(netuid: 1, block: 1, validator: "v"))
                return nil
            } catch {
                return error
            }
        }
        let short = failure("function(t, r) return tensor.zeros(1) end")
        #expect(short?.description == "plugins/h.lua:2: 'score' returned 1 values for 2 miners; return one per miner")
        let text = failure("function() return \"high\" end")
        #expect(text?.message == "'score' must return a tensor or a list of numbers (got string)")
        let nan = failure("function() return { 0/0, 1 } end")
        #expect(nan?.message == "'score' value 1 is NaN; scores must be finite numbers")
        let negative = failure("function() return { 1, 1 } end", "function(s) return { -1, 2 } end")
        #expect(negative?.description == "plugins/h.lua:3: 'reward' weight 1 is -1.0; weights must be finite and ≥ 0")
        let crash = failure("function(t, r) return r.x.y end")
        #expect(crash?.location == "plugins/h.lua:2")
        #expect(crash?.sandboxError?.kind == .runtime)
    }

    @Test func badRandomArgumentsPointAtThePlugin() throws {
        let p = try plugin(
            "return subnet { name = \"b\",\n task = function(ctx) return { ctx.random:int(5, 1) } end,\n score = function() end, reward = function() end }"
        )
        do {
            _ = try p.task(HookContext(netuid: 1, block: 1, validator: "v"))
            Issue.record("random:int(5, 1) succeeded")
        } catch {
            #expect(error.location == "plugins/h.lua:2")
            #expect(error.message.contains("random:int(lo, hi) needs lo <= hi"))
        }
    }

    @Test func aPluginCannotHijackTheHostsTensorFunctions() throws {
        // The plugin breaks tensor.from for everyone after it loads; the host's runtime
        // kept the original, so reward still receives a tensor.
        let p = try plugin(
            """
            tensor.from = function() error("hijacked") end
            return subnet { name = "h", task = function() return {} end,
              score = function(t, r) return { 1, 3 } end,
              reward = function(scores) return scores:normalize() end }
            """)
        let ctx = HookContext(netuid: 1, block: 1, validator: "v")
        let weights = try p.reward(scores: try p.score(task: [:], responses: [nil, nil], context: ctx), context: ctx)
        #expect(weights == [0.25, 0.75])
    }
}
