import Foundation
import LuaSandbox
import SubnetHost
import Testing

/// storage: blobs stored, chunks proven later, reputation tiers across rounds.
@Suite("plugins/storage.lua")
struct StoragePluginTests {
    @Test func honestStorageClimbsTiersAndForgetfulnessCosts() throws {
        let p = try BundledPlugin("storage")
        let miners = ["keeper", "forgetter", "liar"]
        var last: [Double] = []
        var challenged = 0
        for block in UInt64(1)...UInt64(40) {
            let ctx = p.context(block: block, miners: miners)
            let task = try p.plugin.roundTask(ctx)
            var answers: [(String, LuaValue?)] = []
            for hotkey in miners {
                let own = task.task(for: hotkey)!
                if case .map(let fields) = own, fields["challenge"] != nil { challenged += 1 }
                var answer = try p.honest(own, as: hotkey)
                // The forgetter stores nothing: it drops every blob it was sent.
                if hotkey == "forgetter" {
                    for key in p.store.keys where key.hasPrefix("reference-miner/forgetter/blob/") {
                        try p.store.setValue(nil, forKey: key)
                    }
                    answer = try p.honest(own, as: hotkey)
                }
                if hotkey == "liar" {
                    answer = answer.changing(["proof"]) { _ in .string(String(repeating: "a", count: 64)) }
                }
                answers.append((hotkey, answer))
            }
            last = try p.plugin.score(task: task.value, responses: p.responses(answers, task: task), context: ctx)
        }
        #expect(challenged > 20)
        #expect(last[0] > 0.5, "\(last)")
        #expect(last[1] == 0 && last[2] == 0, "\(last)")
        // The keeper's record: many successes, no failures; the liar's: failures only.
        guard case .map(let keeper)? = try p.store.value(forKey: "miner/keeper/v/v"),
            case .map(let liar)? = try p.store.value(forKey: "miner/liar/v/v")
        else {
            Issue.record("no records")
            return
        }
        #expect((keeper["s"]?.intValue ?? 0) > 10 && keeper["f"]?.intValue == 0)
        #expect(liar["s"]?.intValue == 0 && (liar["f"]?.intValue ?? 0) > 5)
    }

    @Test func malformedAnswersAreRejectedAndUnansweredChallengesFail() throws {
        let p = try BundledPlugin("storage")
        for bad: LuaValue in ["x", 3, [:], ["stored": 1, "proof": ""], ["stored": "a"], [1, 2]] {
            #expect(try p.plugin.validate(bad) == false, "\(bad)")
        }
        // A miner that answers nothing scores 0 and never errors.
        for block in UInt64(1)...UInt64(6) {
            let ctx = p.context(block: block, miners: ["silent"])
            let task = try p.plugin.roundTask(ctx)
            #expect(
                try p.plugin.score(
                    task: task.value, responses: p.responses([("silent", nil)], task: task), context: ctx) == [0])
        }
    }
}
