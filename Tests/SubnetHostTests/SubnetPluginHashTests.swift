import LuaSandbox
import SubnetHost
import Testing

/// `hash.sha256` and `hash.blake2b`: the host's digests, charged to the call's budget.
@Suite("SubnetPlugin: hash")
struct SubnetPluginHashTests {
    func task(_ body: String) throws -> LuaValue {
        let source = """
            return subnet { name = "h",
              task = function(ctx) \(body) end,
              score = function(t, r) return tensor.zeros(#r) end, reward = function(s) return s end }
            """
        let plugin = try SubnetPlugin(source: Array(source.utf8), chunkName: "plugins/h.lua")
        return try plugin.task(HookContext(netuid: 1, block: 1, validator: "v"))
    }

    @Test func digestsMatchTheStandardVectors() throws {
        #expect(
            try task("return hash.sha256('abc')")
                == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(
            try task("return hash.blake2b('abc')")
                == .string(
                    "ba80a53f981c4d0d6a2797b69f12f6e94c212f14685ac4b74b12bb6fdbffa2d1"
                        + "7d87c5392aab792dc252d5de4533cc9518d38aa8dbf1925ab92386edd4009923"))
        #expect(
            try task("return hash.sha256('')") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
    }

    @Test func aBadArgumentIsNamedAtThePluginsLine() {
        #expect {
            _ = try task("return hash.sha256(42)")
        } throws: { error in
            (error as? PluginError)?.description.contains("hash.sha256(s) takes one string") == true
        }
    }

    @Test func hashingIsChargedToTheBudget() {
        // 64 MiB hashed in a loop of a few iterations: cheap in Lua instructions, expensive
        // in bytes, so only the host's charge can stop it.
        #expect {
            _ = try task(
                "local s = string.rep('x', 1 << 20); for i = 1, 100000 do hash.sha256(s) end; return 1")
        } throws: { error in
            (error as? PluginError)?.sandboxError?.kind == .instructions
        }
    }
}
