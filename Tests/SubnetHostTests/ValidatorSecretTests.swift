import Foundation
import LuaSandbox
import SubnetHost
import Testing

/// `ctx.secret`: the validator's own randomness, which miners cannot reproduce.
@Suite("ValidatorSecret: ctx.secret")
struct ValidatorSecretTests {
    let plugin: SubnetPlugin

    init() throws {
        // The task shows the first draws of each generator.
        let source = """
            return subnet { name = "s",
              task = function(ctx)
                return { secret = ctx.secret:int(0, 1 << 40), random = ctx.random:int(0, 1 << 40),
                         shared = ctx.shared_random:int(0, 1 << 40) }
              end,
              score = function(t, r) return tensor.zeros(#r) end, reward = function(s) return s end }
            """
        plugin = try SubnetPlugin(source: Array(source.utf8), chunkName: "plugins/s.lua")
    }

    func draw(_ secret: ValidatorSecret?, block: UInt64 = 7, validator: String = "v") throws -> [String: LuaValue] {
        guard
            case .map(let values) = try plugin.task(
                HookContext(netuid: 1, block: block, validator: validator, secret: secret))
        else { return [:] }
        return values
    }

    @Test func theSameSecretReplaysAndNoOtherInputReproducesIt() throws {
        let mine = ValidatorSecret.random()
        let first = try draw(mine)
        #expect(try draw(mine) == first)  // the validator replays its round
        #expect(try draw(mine, block: 8)["secret"] != first["secret"])  // a new draw each block
        // Everything a miner knows (netuid, block, validator hotkey) gives the same public
        // draws, but another secret — or none — does not give the validator's.
        let guessed = try draw(ValidatorSecret.random())
        #expect(guessed["random"] == first["random"] && guessed["shared"] == first["shared"])
        #expect(guessed["secret"] != first["secret"])
        #expect(try draw(nil)["secret"] != first["secret"])
        #expect(try draw(nil)["secret"] != draw(nil)["secret"])  // no secret: fresh each time
    }

    @Test func aStoredSecretIsPrivateAndKept() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("synod-secret-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let first = try ValidatorSecret.stored(dataDirectory: folder.path, hotkey: "5Validator")
        #expect(try ValidatorSecret.stored(dataDirectory: folder.path, hotkey: "5Validator") == first)
        #expect(try ValidatorSecret.stored(dataDirectory: folder.path, hotkey: "5Other") != first)
        let path = folder.appendingPathComponent("secrets/5Validator").path
        let mode = try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int
        #expect(mode == 0o600)
        try Data([1, 2, 3]).write(to: URL(fileURLWithPath: path))
        #expect(throws: (any Error).self) {
            try ValidatorSecret.stored(dataDirectory: folder.path, hotkey: "5Validator")
        }
    }
}
