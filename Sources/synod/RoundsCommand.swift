import ArgumentParser
import Foundation
import Ledger

/// `synod rounds`: what a subnet's validators did in their recent rounds, from a host's ledger.
struct RoundsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rounds",
        abstract: "Show a subnet's recent validator rounds: per miner its status, score and weight.",
        discussion: """
            Every validator round of `synod up` is recorded (the newest 2000 per subnet): the \
            block, the validator, the plugin version that scored it, a digest of the task, what \
            came of the weights, and per miner its status (ok, invalid, timeout, poisoned, …) \
            with the reason, its latency, the follow-up challenges it was sent, its score and \
            its weight. Newest first.

            Exit status: 0 printed; 2 bad usage (no such data folder or subnet).
            """
    )

    @Option(help: "The data folder of `synod up`.")
    var data = ".synod"

    @Option(help: "The subnet.")
    var netuid: Int

    @Option(help: "Only this miner's line in each round.")
    var uid: Int?

    @Option(help: "Only rounds at this block.")
    var block: UInt64?

    @Option(help: "Only this validator's rounds (its hotkey).")
    var validator: String?

    @Option(help: "At most this many rounds.")
    var limit = 10

    func run() throws {
        let (ledger, _) = try LedgerFile.open(dataDirectory: data)
        guard (try? ledger.subnet(netuid: netuid)) != nil else {
            throw ValidationError("no subnet \(netuid) in \(data); `synod status --data \(data)` lists them.")
        }
        let rounds = try ledger.rounds(netuid: netuid, block: block, validator: validator, limit: limit)
        guard !rounds.isEmpty else {
            print("no round of subnet \(netuid) recorded" + (block.map { " at block \($0)" } ?? ""))
            return
        }
        for (i, round) in rounds.enumerated() {
            if i > 0 { print("") }
            for line in Self.lines(round, uid: uid) { print(line) }
        }
    }

    /// One round as people read it: a heading, then a table of its miners (or of one).
    static func lines(_ round: RoundRecord, uid: Int? = nil) -> [String] {
        let heading =
            "block \(round.block) · validator \(round.validator) · plugin \(round.plugin.prefix(12)) · "
            + "task \(round.taskDigest.prefix(12)) · \(round.outcome)"
        let miners = round.miners.filter { uid == nil || $0.uid == uid }
        guard !miners.isEmpty else { return [heading, "  uid \(uid ?? -1) was not queried in this round"] }
        let header = ["uid", "hotkey", "status", "latency", "challenges", "score", "weight", "reason"]
        let rows = miners.map { m in
            [
                String(m.uid), String(m.hotkey.prefix(12)), m.status,
                m.latency.map { String(format: "%.3fs", $0) } ?? "-",
                String(m.challenges), String(format: "%.4f", m.score), String(format: "%.4f", m.weight),
                m.reason.map { String($0.prefix(100)) } ?? "",
            ]
        }
        return [heading] + TextTable.lines([header] + rows).map { "  " + $0 }
    }
}
