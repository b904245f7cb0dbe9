import Foundation
public import Ledger

/// The host's validators' recent rounds of one subnet, as the dashboard shows them: each
/// validator's newest weights, and each miner's newest answer to each validator. Only the
/// outcome of an answer is kept (the rounds table holds no answers).
public struct RoundActivity: Sendable, Hashable, Codable {
    public var validators: [Validator]
    public var miners: [Miner]

    /// One validator's newest round.
    public struct Validator: Sendable, Hashable, Codable {
        public var hotkey: String
        public var block: UInt64
        /// `weights set`, `weights committed`, or why no weights came of it.
        public var outcome: String
        /// Its weights, by miner UID (those above zero).
        public var weights: [Weight]
    }

    public struct Weight: Sendable, Hashable, Codable {
        public var uid: Int
        public var weight: Double
    }

    /// One miner's newest answer to each validator.
    public struct Miner: Sendable, Hashable, Codable {
        public var uid: Int
        public var hotkey: String
        public var answers: [Answer]
    }

    /// How one answer went, for one validator.
    public struct Answer: Sendable, Hashable, Codable {
        public var validator: String
        public var block: UInt64
        /// `valid`, `invalid` or `missing` (see ``outcome(of:)``).
        public var outcome: String
        /// The status as the validator saw it: `ok`, `invalid`, `timeout`, `refused`, …
        public var status: String
        /// Why `validate` refused it, or why it is missing.
        public var reason: String?
        public var latencySeconds: Double?
        public var score: Double
        public var weight: Double
    }

    /// `valid` (an answer scored), `invalid` (an answer refused by `validate`, or poisoned),
    /// or `missing` (no answer: a timeout, a refusal, an unreachable miner).
    public static func outcome(of status: String) -> String {
        switch status {
        case "ok": "valid"
        case "invalid", "poisoned": "invalid"
        default: "missing"
        }
    }

    /// Reads the newest `rounds` rounds of subnet `netuid`.
    public init(ledger: Ledger, netuid: Int, rounds: Int = 64) throws {
        var newestByValidator: [String: RoundRecord] = [:]
        var answers: [Int: (hotkey: String, byValidator: [String: Answer])] = [:]
        // Newest first: the first round seen of a validator, or of a miner with it, is the newest.
        for round in try ledger.rounds(netuid: netuid, limit: rounds) {
            if newestByValidator[round.validator] == nil { newestByValidator[round.validator] = round }
            for miner in round.miners {
                var entry = answers[miner.uid] ?? (miner.hotkey, [:])
                if entry.hotkey == miner.hotkey, entry.byValidator[round.validator] == nil {
                    entry.byValidator[round.validator] = Answer(round: round, miner: miner)
                }
                answers[miner.uid] = entry
            }
        }
        validators = newestByValidator.values.sorted { $0.validator < $1.validator }.map { round in
            Validator(
                hotkey: round.validator, block: round.block, outcome: round.outcome,
                weights: round.miners.filter { $0.weight > 0 }.sorted { $0.uid < $1.uid }.map {
                    Weight(uid: $0.uid, weight: $0.weight)
                })
        }
        miners = answers.keys.sorted().map { uid in
            let entry = answers[uid]!
            return Miner(
                uid: uid, hotkey: entry.hotkey,
                answers: entry.byValidator.values.sorted { $0.validator < $1.validator })
        }
    }
}

extension RoundActivity.Answer {
    init(round: RoundRecord, miner: RoundRecord.Miner) {
        self.init(
            validator: round.validator, block: round.block, outcome: RoundActivity.outcome(of: miner.status),
            status: miner.status, reason: miner.reason, latencySeconds: miner.latency, score: miner.score,
            weight: miner.weight)
    }
}
