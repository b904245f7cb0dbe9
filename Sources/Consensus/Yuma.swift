/// Yuma consensus as the Bittensor chain runs it (`epoch`, sparse path), bit for bit.
///
/// ```swift
/// let output = try Yuma.epoch(input)
/// output.incentive.map(\.double)
/// ```
/// Pure: no I/O, no clock, no randomness. See `../shared/YUMA.md` for the steps.
public enum Yuma {
    /// A sparse matrix row: (column, value), in the order the chain's code keeps them.
    typealias Row = [(j: Int, v: Fixed)]

    public static func epoch(_ input: EpochInput) throws(ConsensusError) -> EpochOutput {
        try validate(input)
        let p = input.parameters
        let n = input.stake.count

        // 1. Active.
        let active = input.lastUpdate.map { $0 &+ p.activityCutoff >= input.currentBlock }

        // 2. Stake normalised in Q64.64, then truncated to Q32.32.
        let stake = normalizedStake(input.stake)

        // 3. New permits: top-k by stake among non-zero stakes.
        let newPermit = topKNonzero(stake, k: p.maxAllowedValidators)

        // 4. Active stake.
        var activeStake = stake
        for i in 0..<n where !active[i] || !input.validatorPermit[i] { activeStake[i] = .zero }
        activeStake = activeStake.normalized()

        // 5. Weights: permitted rows, no self-weight, not older than the miner, normalised.
        var weights: [Row] = Array(repeating: [], count: n)
        for i in 0..<n where input.validatorPermit[i] {
            var row: Row = []
            for e in input.weights[i] where e.uid != i && !(input.lastUpdate[i] <= input.blockAtRegistration[e.uid]) {
                row.append((e.uid, Fixed(Int64(e.value))))
            }
            let sum = row.reduce(Fixed.zero) { $0 + $1.v }
            if sum > .zero { row = row.map { ($0.j, $0.v / sum) } }
            weights[i] = row
        }

        // 6. Consensus: stake-weighted median per column.
        let kappa = Fixed(Int64(p.kappa)) / Fixed(65535)
        let consensus = weightedMedianColumns(activeStake, weights, columns: n, majority: kappa)

        // 7. Clip.
        let clipped: [Row] = weights.map { row in
            row.compactMap { cell in
                let t = consensus[cell.j]
                if t < cell.v { return t > .zero ? (cell.j, t) : nil }
                return cell
            }
        }

        // 8. Validator trust, ranks, incentive.
        let validatorTrust = clipped.map { $0.reduce(Fixed.zero) { $0 + $1.v } }
        var ranks = Array(repeating: Fixed.zero, count: n)
        for (i, row) in clipped.enumerated() { for cell in row { ranks[cell.j] += activeStake[i] * cell.v } }
        let incentive = ranks.normalized()

        // 9. Weights for bonds.
        let beta = Fixed(Int64(p.bondsPenalty)) / Fixed(65535)
        let weightsForBonds = interpolate(weights, clipped, columns: n, ratio: beta)

        // 10/11. Bonds and dividends.
        var dividends: [Fixed]
        var emaBonds: [Row]
        let maskedColumn = input.blockAtRegistration.map { $0 > input.lastTempoBlock }
        let bmaRatio = Fixed(bits: Int64(truncatingIfNeeded: ((UInt128(p.bondsMovingAverage) << 64) / 1_000_000) >> 32))
        let alpha = Fixed.one - bmaRatio
        if p.yuma3 {
            if p.liquidAlpha {
                throw ConsensusError(
                    "params.liquid_alpha: liquid alpha is not supported yet (its sigmoid needs the chain's fixed-point exp); set it to false"
                )
            }
            let bonds: [Row] = input.bonds.map { row in
                row.filter { !maskedColumn[$0.uid] }.map { ($0.uid, Fixed(u16Proportion: $0.value)) }
            }
            emaBonds = ema(weightsForBonds, bonds, alpha: alpha)
            let emaNormalized = columnNormalized(emaBonds, columns: n)
            let totalBonds = emaNormalized.map { row in row.reduce(Fixed.zero) { $0 + $1.v * incentive[$1.j] } }
            dividends = zip(totalBonds, activeStake).map { $0 * $1 }.normalized()
        } else {
            var bonds: [Row] = input.bonds.map { row in
                row.filter { !maskedColumn[$0.uid] }.map { ($0.uid, Fixed(Int64($0.value))) }
            }
            bonds = columnNormalized(bonds, columns: n)
            var delta: [Row] = weightsForBonds.enumerated().map { i, row in row.map { ($0.j, $0.v * activeStake[i]) } }
            delta = columnNormalized(delta, columns: n)
            emaBonds = columnNormalized(ema(delta, bonds, alpha: alpha), columns: n)
            dividends = emaBonds.map { row in row.reduce(Fixed.zero) { $0 + incentive[$1.j] * $1.v } }.normalized()
            emaBonds = columnMaxUpscaled(emaBonds, columns: n)
        }

        // 12. Emission.
        let combined = zip(incentive, dividends).map { $0 + $1 }
        let emissionSum = combined.total
        var serverShare = incentive
        var validatorShare = dividends
        var combinedShare = combined.normalized()
        if emissionSum != .zero {
            serverShare = incentive.map { $0 / emissionSum }
            validatorShare = dividends.map { $0 / emissionSum }
        } else {
            let fallback = activeStake.total == .zero ? stake : activeStake
            validatorShare = fallback
            combinedShare = fallback
        }

        // Bonds to store: rows with a new permit get the new bonds; rows losing a permit are
        // cleared; rows that had none and get none keep what was stored.
        var storedBonds: [[SparseEntry]] = input.bonds
        for i in 0..<n {
            if newPermit[i] {
                storedBonds[i] = emaBonds[i].map { SparseEntry(uid: $0.j, value: $0.v.u16Proportion) }
            } else if input.validatorPermit[i] {
                storedBonds[i] = []
            }
        }

        return EpochOutput(
            stake: stake, activeStake: activeStake, consensus: consensus, validatorTrust: validatorTrust,
            incentive: incentive, dividends: dividends,
            serverEmission: serverShare.map { $0.scaled(input.emission) },
            validatorEmission: validatorShare.map { $0.scaled(input.emission) },
            emission: combinedShare.map { $0.scaled(input.emission) },
            validatorPermit: newPermit, bonds: storedBonds)
    }

    // MARK: - Steps

    static func normalizedStake(_ raw: [UInt64]) -> [Fixed] {
        let sum = raw.reduce(UInt128(0)) { $0 + UInt128($1) }
        if sum == 0 { return Array(repeating: .zero, count: raw.count) }
        // (r << 64) / sum is the Q64.64 share; dropping 32 fractional bits gives Q32.32.
        return raw.map { Fixed(bits: Int64(((UInt128($0) << 64) / sum) >> 32)) }
    }

    static func topKNonzero(_ stake: [Fixed], k: Int) -> [Bool] {
        let n = stake.count
        var result = stake.map { $0 != .zero }
        if n <= k { return result }
        // Stable ascending sort; the first n - k lose (on equal stake the lower UID loses).
        let order = (0..<n).sorted { stake[$0] != stake[$1] ? stake[$0] < stake[$1] : $0 < $1 }
        for idx in order.prefix(n - k) { result[idx] = false }
        return result
    }

    static func weightedMedianColumns(_ stake: [Fixed], _ score: [Row], columns: Int, majority: Fixed) -> [Fixed] {
        var useStake: [Fixed] = []
        var rowOf: [Int] = []
        for (i, s) in stake.enumerated() where s > .zero {
            useStake.append(s)
            rowOf.append(i)
        }
        useStake = useStake.normalized()
        let stakeSum = useStake.total
        let minority = stakeSum - majority
        var columnScores = Array(repeating: Array(repeating: Fixed.zero, count: useStake.count), count: columns)
        for (k, i) in rowOf.enumerated() { for cell in score[i] { columnScores[cell.j][k] = cell.v } }
        let all = Array(0..<useStake.count)
        return columnScores.map { weightedMedian(useStake, $0, all, minority: minority, lo: .zero, hi: stakeSum) }
    }

    static func weightedMedian(
        _ stake: [Fixed], _ score: [Fixed], _ start: [Int], minority: Fixed, lo: Fixed, hi: Fixed
    ) -> Fixed {
        var idx = start
        var lo = lo
        var hi = hi
        while true {
            if idx.isEmpty { return .zero }
            if idx.count == 1 { return score[idx[0]] }
            let pivot = score[idx[idx.count / 2]]
            var loStake = Fixed.zero
            var hiStake = Fixed.zero
            var lower: [Int] = []
            var upper: [Int] = []
            for i in idx where score[i] != pivot {
                if score[i] < pivot {
                    loStake += stake[i]
                    lower.append(i)
                } else {
                    hiStake += stake[i]
                    upper.append(i)
                }
            }
            if lo + loStake <= minority && minority < hi - hiStake { return pivot }
            if minority < lo + loStake && !lower.isEmpty {
                hi = lo + loStake
                idx = lower
            } else if hi - hiStake <= minority && !upper.isEmpty {
                lo = hi - hiStake
                idx = upper
            } else {
                return pivot
            }
        }
    }

    static func interpolate(_ a: [Row], _ b: [Row], columns: Int, ratio: Fixed) -> [Row] {
        if ratio == .zero { return a }
        if ratio == .one { return b }
        return zip(a, b).map { rowA, rowB in
            var x = Array(repeating: Fixed.zero, count: columns)
            var y = Array(repeating: Fixed.zero, count: columns)
            for c in rowA { x[c.j] = c.v }
            for c in rowB { y[c.j] = c.v }
            var out: Row = []
            for j in 0..<columns {
                let v = x[j] + ratio * (y[j] - x[j])
                if v > .zero { out.append((j, v)) }
            }
            return out
        }
    }

    static func columnNormalized(_ m: [Row], columns: Int) -> [Row] {
        var sums = Array(repeating: Fixed.zero, count: columns)
        for row in m { for c in row { sums[c.j] += c.v } }
        return m.map { row in row.map { sums[$0.j] == .zero ? $0 : ($0.j, $0.v / sums[$0.j]) } }
    }

    static func columnMaxUpscaled(_ m: [Row], columns: Int) -> [Row] {
        var maxes = Array(repeating: Fixed.zero, count: columns)
        for row in m { for c in row where maxes[c.j] < c.v { maxes[c.j] = c.v } }
        return m.map { row in row.map { maxes[$0.j] == .zero ? $0 : ($0.j, $0.v / maxes[$0.j]) } }
    }

    /// `alpha · new + (1 − alpha) · old` over the union of entries, keeping values > 0.
    static func ema(_ new: [Row], _ old: [Row], alpha: Fixed) -> [Row] {
        let n = new.count
        let oneMinusAlpha = Fixed.one - alpha
        return (0..<n).map { i in
            var row = Array(repeating: Fixed.zero, count: n)
            for c in new[i] { row[c.j] += alpha * c.v }
            for c in old[i] { row[c.j] += oneMinusAlpha * c.v }
            var out: Row = []
            for (j, v) in row.enumerated() where v > .zero { out.append((j, v)) }
            return out
        }
    }

    // MARK: - Validation

    static func validate(_ input: EpochInput) throws(ConsensusError) {
        let n = input.stake.count
        func length(_ name: String, _ count: Int) throws(ConsensusError) {
            if count != n {
                throw ConsensusError("\(name): has \(count) entries, expected \(n) (one per uid, like stake)")
            }
        }
        try length("weights", input.weights.count)
        try length("bonds", input.bonds.count)
        try length("validator_permit", input.validatorPermit.count)
        try length("last_update", input.lastUpdate.count)
        try length("block_at_registration", input.blockAtRegistration.count)
        if n > 65536 { throw ConsensusError("stake: \(n) uids; at most 65536 (uids are u16)") }
        for (name, rows) in [("weights", input.weights), ("bonds", input.bonds)] {
            for (i, row) in rows.enumerated() {
                var seen = Set<Int>()
                for (k, e) in row.enumerated() {
                    if e.uid < 0 || e.uid >= n {
                        throw ConsensusError("\(name)[\(i)][\(k)]: uid \(e.uid) is out of range (0..<\(n))")
                    }
                    if !seen.insert(e.uid).inserted {
                        throw ConsensusError("\(name)[\(i)][\(k)]: uid \(e.uid) appears twice in row \(i)")
                    }
                }
            }
        }
        if input.stake.reduce(UInt128(0), { $0 + UInt128($1) }) > UInt128(Int64.max) {
            throw ConsensusError("stake: the total exceeds 2^63 - 1 raw units")
        }
        if input.parameters.maxAllowedValidators < 0 {
            throw ConsensusError("params.max_allowed_validators: must not be negative")
        }
    }
}
