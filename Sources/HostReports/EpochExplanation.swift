import Consensus
import Foundation
public import Ledger

/// Why one UID earned what it earned in a recorded epoch: recomputed from the epoch's input
/// (the same input gives the same output, to the unit). What `synod explain` prints (or writes
/// as JSON, schema `synod.explain/1`) and what a miner's report carries. Proportions are
/// fractions of 1, amounts rao.
public struct EpochExplanation: Sendable, Hashable, Codable {
    public var schema = "synod.explain/1"
    public var netuid: Int
    public var subnet: String
    public var block: UInt64
    public var uid: Int
    /// The UID's hotkey now (the UID may have changed hands since).
    public var hotkey: String?
    /// Rao the epoch emitted, the owner's cut, and what Yuma split.
    public var emission: UInt64
    public var ownerCut: UInt64
    public var split: UInt64
    public var yuma3: Bool
    public var kappa: Double
    /// The UID's stake in the epoch's input (rao).
    public var stake: UInt64
    public var asMiner: Miner?
    public var asValidator: Validator?
    public var serverEmission: UInt64
    public var validatorEmission: UInt64
    /// What the subnet's plugin cost the host in the rounds before this epoch, when the host
    /// kept it.
    public var cost: CostSummary?

    public var earned: UInt64 { serverEmission + validatorEmission }

    public struct Miner: Sendable, Hashable, Codable {
        /// The stake-weighted median (at kappa) of the weights validators gave it.
        public var consensus: Double
        public var validators: [Given]
        public var rank: Double
        /// The sum of every UID's rank.
        public var ranksTotal: Double
        public var incentive: Double
        /// Its rank over its prerank (the rank before clipping): how much of what it was given
        /// survived the consensus.
        public var trust: Double
    }

    /// One validator's weight on the miner.
    public struct Given: Sendable, Hashable, Codable {
        public var uid: Int
        public var activeStake: Double
        /// Its normalised weight on the miner.
        public var weight: Double
        /// The weight clipped at the miner's consensus.
        public var clipped: Double
        /// `activeStake × clipped`: its part of the miner's rank.
        public var contribution: Double
    }

    public struct Validator: Sendable, Hashable, Codable {
        public var activeStake: Double
        /// The share of its weights that survived clipping.
        public var trust: Double
        /// `share` is its part of the miner's bonds (classic Yuma) or its bond (Yuma3).
        public var bondsAreNormalized: Bool
        public var bonds: [Bond]
        public var dividends: Double
    }

    public struct Bond: Sendable, Hashable, Codable {
        public var uid: Int
        public var bond: Double
        /// `bond × the miner's incentive`: what the dividend grows from.
        public var timesIncentive: Double
    }

    /// Explains `uid` in the epoch at `block` (the newest when nil) of subnet `netuid`.
    public init(ledger: Ledger, netuid: Int, block: UInt64?, uid: Int) throws(ReportError) {
        let subnet: SubnetInfo
        let stored: EpochJSONRecord?
        do {
            subnet = try ledger.subnet(netuid: netuid)
            stored = try ledger.epoch(netuid: netuid, block: block)
        } catch let error as LedgerError {
            throw ReportError(error.message)
        } catch {
            throw ReportError("cannot read the ledger: \(error)")
        }
        guard let record = stored else {
            throw ReportError(
                block.map { "subnet \(netuid) has no epoch at block \($0); see `synod ledger show`" }
                    ?? "subnet \(netuid) has run no epoch yet")
        }
        let (input, output, trace) = try record.recomputed(netuid: netuid)
        guard (0..<input.stake.count).contains(uid) else {
            throw ReportError("uid \(uid) is not in that epoch (0..<\(input.stake.count))")
        }
        self.netuid = netuid
        self.subnet = subnet.name
        self.block = record.block
        self.uid = uid
        hotkey = (try? ledger.neurons(netuid: netuid).first { $0.uid == uid }?.hotkey) ?? nil
        emission = record.emission
        ownerCut = record.ownerCut
        split = input.emission
        yuma3 = input.parameters.yuma3
        kappa = Double(input.parameters.kappa) / 65535
        stake = input.stake[uid]
        serverEmission = output.serverEmission[uid]
        validatorEmission = output.validatorEmission[uid]
        asMiner = Self.miner(uid, output, trace)
        asValidator = Self.validator(uid, output, trace)
        cost = (try? ledger.cost(netuid: netuid, block: record.block)).flatMap { $0 }.map { CostSummary([$0]) }
    }

    private static func miner(_ uid: Int, _ output: EpochOutput, _ trace: EpochTrace) -> Miner? {
        let given = trace.weights.enumerated().compactMap { i, row in
            row.first { $0.uid == uid && $0.value > .zero }.map { (i, $0.value) }
        }
        guard !given.isEmpty else { return nil }
        var prerank = 0.0
        let validators = given.map { i, w in
            let clipped = trace.clipped[i].first { $0.uid == uid }?.value ?? .zero
            prerank += (output.activeStake[i] * w).double
            return Given(
                uid: i, activeStake: output.activeStake[i].double, weight: w.double, clipped: clipped.double,
                contribution: (output.activeStake[i] * clipped).double)
        }
        let rank = trace.ranks[uid].double
        return Miner(
            consensus: output.consensus[uid].double, validators: validators, rank: rank,
            ranksTotal: trace.ranks.reduce(Fixed.zero, +).double, incentive: output.incentive[uid].double,
            trust: prerank > 0 ? rank / prerank : 0)
    }

    private static func validator(_ uid: Int, _ output: EpochOutput, _ trace: EpochTrace) -> Validator? {
        guard output.activeStake[uid] > .zero || output.dividends[uid] > .zero else { return nil }
        return Validator(
            activeStake: output.activeStake[uid].double, trust: output.validatorTrust[uid].double,
            bondsAreNormalized: trace.bondsAreNormalized,
            bonds: trace.bonds[uid].filter { output.incentive[$0.uid] > .zero }.map {
                Bond(uid: $0.uid, bond: $0.value.double, timesIncentive: ($0.value * output.incentive[$0.uid]).double)
            }, dividends: output.dividends[uid].double)
    }

    /// The explanation for people, as `synod explain` prints it.
    public var lines: [String] {
        var lines = [
            "subnet \(netuid) (\(subnet)), epoch at block \(block) — uid \(uid)"
                + (hotkey.map { " (now \($0))" } ?? ""),
            "  \(emission) rao emitted: owner \(ownerCut), the rest (\(split)) by Yuma\(yuma3 ? "3" : "")",
        ]
        if let m = asMiner {
            lines.append(
                "  as a miner: consensus \(f(m.consensus)) — the stake-weighted median (kappa \(String(format: "%.2f", kappa))) of the weights validators gave it"
            )
            lines.append("    validator  active stake  weight  clipped  × stake")
            for g in m.validators {
                lines.append(
                    "    uid \(pad(g.uid, 6)) \(f(g.activeStake))        \(f(g.weight))  \(f(g.clipped))   \(f(g.contribution))"
                )
            }
            lines.append(
                "    rank \(f(m.rank)) of \(f(m.ranksTotal)) → incentive \(f(m.incentive)) → \(serverEmission) rao (trust \(f(m.trust)))"
            )
        } else {
            lines.append("  as a miner: no validator's weights reached it")
        }
        if let v = asValidator {
            lines.append(
                "  as a validator: active stake \(f(v.activeStake)), trust \(f(v.trust)) (its weights that survived clipping)"
            )
            if v.bonds.isEmpty {
                lines.append("    no bonds yet: dividends come from bonds built over epochs")
            } else {
                let kind = v.bondsAreNormalized ? "share of the miner's bonds" : "bond (absolute)"
                lines.append("    miner      \(kind)  × incentive")
                for b in v.bonds {
                    lines.append(
                        "    uid \(pad(b.uid, 6)) \(f(b.bond))\(String(repeating: " ", count: max(1, kind.count - 4)))\(f(b.timesIncentive))"
                    )
                }
            }
            lines.append("    dividends \(f(v.dividends)) → \(validatorEmission) rao")
        } else {
            lines.append(
                "  as a validator: no active stake (stake \(stake) raw; a permit and weights newer than the activity cutoff are needed)"
            )
        }
        lines.append("  earned \(earned) rao (serving \(serverEmission), validating \(validatorEmission))")
        if let cost {
            lines.append("  cost of the subnet's rounds before this epoch: \(cost.line)")
            for hook in cost.hooks {
                lines.append(
                    "    " + hook.hook.padding(toLength: max(10, hook.hook.count), withPad: " ", startingAt: 0)
                        + String(
                            format: " %5d calls  %.4f CPU s  %llu instructions  peak %d KiB", hook.calls,
                            hook.cpuSeconds, hook.instructions, hook.peakMemoryBytes / 1024))
            }
        }
        return lines
    }

    private func f(_ x: Double) -> String { String(format: "%.4f", x) }
    private func pad(_ n: Int, _ width: Int) -> String {
        String(n).padding(toLength: width, withPad: " ", startingAt: 0)
    }
}
