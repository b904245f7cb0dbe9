import Foundation
public import Ledger

/// One miner's own view of a subnet (schema `synod.miner/1`), served to the miner's hotkey
/// only (`GET /v1/subnets/{netuid}/report`, btauth/1-signed): how each of the host's
/// validators judged its recent answers, what it earned in the last epochs, and why (the
/// `explain` breakdown of the newest). It holds nothing of another miner's answers: the
/// consensus figures in the breakdown are the ones every validator already sees on the chain.
public struct MinerReport: Sendable, Hashable, Codable {
    public var schema = "synod.miner/1"
    public var netuid: Int
    public var subnet: String
    public var hotkey: String
    public var uid: Int
    public var head: UInt64
    /// Per validator: how its recent answers went.
    public var validators: [Validator]
    /// Its recent answers, newest first.
    public var answers: [RoundActivity.Answer]
    /// What it earned in the newest epochs since it registered, oldest first.
    public var epochs: [Share]
    /// The newest of those epochs, explained.
    public var explanation: EpochExplanation?

    public struct Validator: Sendable, Hashable, Codable {
        public var validator: String
        public var answers: Int
        public var valid: Int
        public var invalid: Int
        public var missing: Int
        public var meanScore: Double
        /// The validator's weight on it in its newest round, and the round's block.
        public var lastWeight: Double
        public var lastBlock: UInt64
        /// Why its newest refused answer was refused, if one was.
        public var lastReason: String?
    }

    public struct Share: Sendable, Hashable, Codable {
        public var block: UInt64
        public var incentive: Double
        public var dividends: Double
        /// Rao it earned in the epoch.
        public var emission: UInt64
        /// Its part of what the epoch paid, a fraction of 1.
        public var share: Double
    }

    /// The report of `hotkey` on subnet `netuid`: its answers in the newest `rounds` rounds
    /// (at most `answers` kept), and its `epochs` newest epochs.
    public init(
        ledger: Ledger, netuid: Int, hotkey: String, rounds: Int = 200, answers answerLimit: Int = 100, epochs: Int = 10
    ) throws(ReportError) {
        let subnet: SubnetInfo
        let neuron: NeuronInfo
        let records: [RoundRecord]
        let shares: [EpochShares]
        do {
            subnet = try ledger.subnet(netuid: netuid)
            guard let found = try ledger.neuron(netuid: netuid, hotkey: hotkey) else {
                throw ReportError(
                    "\(hotkey) is not registered on subnet \(netuid); register it (`synod register` or the chain API)")
            }
            neuron = found
            head = try ledger.chainHead()
            records = try ledger.rounds(netuid: netuid, limit: rounds)
            // Epochs before it registered paid the UID's previous holder.
            shares = try EpochShares.recent(ledger: ledger, netuid: netuid, limit: epochs).filter {
                $0.block >= found.registeredAt
            }
        } catch let error as ReportError {
            throw error
        } catch let error as LedgerError {
            throw ReportError(error.message)
        } catch {
            throw ReportError("cannot read the ledger: \(error)")
        }
        self.netuid = netuid
        self.subnet = subnet.name
        self.hotkey = hotkey
        uid = neuron.uid
        var answers: [RoundActivity.Answer] = []
        for round in records {
            for miner in round.miners where miner.hotkey == hotkey {
                answers.append(RoundActivity.Answer(round: round, miner: miner))
            }
        }
        self.answers = Array(answers.prefix(max(answerLimit, 0)))
        validators = Dictionary(grouping: answers, by: \.validator).map { validator, own in
            Validator(
                validator: validator, answers: own.count, valid: own.filter { $0.outcome == "valid" }.count,
                invalid: own.filter { $0.outcome == "invalid" }.count,
                missing: own.filter { $0.outcome == "missing" }.count,
                meanScore: own.map(\.score).reduce(0, +) / Double(own.count), lastWeight: own[0].weight,
                lastBlock: own[0].block, lastReason: own.first { $0.outcome != "valid" }?.reason)
        }.sorted { $0.validator < $1.validator }
        let uid = neuron.uid
        self.epochs = shares.compactMap { epoch in
            guard uid < epoch.incentive.count else { return nil }
            return Share(
                block: epoch.block, incentive: epoch.incentive[uid], dividends: epoch.dividends[uid],
                emission: epoch.emitted[uid],
                share: epoch.emission > 0 ? Double(epoch.emitted[uid]) / Double(epoch.emission) : 0)
        }
        explanation = try self.epochs.last.map { newest throws(ReportError) in
            try EpochExplanation(ledger: ledger, netuid: netuid, block: newest.block, uid: uid)
        }
    }
}

extension MinerReport {
    /// The report as `synod report` prints it.
    public var lines: [String] {
        var out = [
            "subnet \(netuid) (\(subnet)) · \(hotkey) · uid \(uid) · head \(head)",
            "",
            "validators (their recent rounds):",
        ]
        if validators.isEmpty { out.append("  none of the host's validators has asked it yet") }
        for v in validators {
            var line =
                "  \(v.validator): \(v.answers) answers — \(v.valid) valid, \(v.invalid) invalid, \(v.missing) missing;"
                + " mean score \(Self.f(v.meanScore)); weight \(Self.f(v.lastWeight)) at block \(v.lastBlock)"
            if let reason = v.lastReason { line += "; last refusal: \(reason)" }
            out.append(line)
        }
        out.append("")
        out.append("epochs (newest last):")
        if epochs.isEmpty { out.append("  none since it registered") }
        for e in epochs {
            out.append(
                "  block \(e.block): incentive \(Self.f(e.incentive)), dividends \(Self.f(e.dividends)),"
                    + " earned \(e.emission) rao (\(Self.f(e.share * 100))% of the epoch)")
        }
        if let explanation {
            out.append("")
            out.append(contentsOf: explanation.lines)
        }
        return out
    }

    private static func f(_ x: Double) -> String { String(format: "%.4f", x) }
}
