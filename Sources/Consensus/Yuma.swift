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
        let k = useStake.count
        var columnScores = [Fixed](repeating: .zero, count: columns * k)
        var hasEntries = [Bool](repeating: false, count: columns)
        for (r, i) in rowOf.enumerated() {
            for cell in score[i] {
                columnScores[cell.j * k + r] = cell.v
                hasEntries[cell.j] = true
            }
        }
        var scratch = MedianScratch(count: k)
        var result = [Fixed](repeating: .zero, count: columns)
        columnScores.withUnsafeBufferPointer { all in
            for c in 0..<columns where hasEntries[c] {
                // A column nobody weighted is all zeros, whose median is 0.
                let column = UnsafeBufferPointer(rebasing: all[(c * k)..<(c * k + k)])
                result[c] = weightedMedian(useStake, column, &scratch, minority: minority, lo: .zero, hi: stakeSum)
            }
        }
        return result
    }

    /// Reused buffers for the median search (no allocation per column).
    struct MedianScratch {
        var idx: [Int]
        var lower: [Int]
        var upper: [Int]
        init(count: Int) {
            idx = Array(0..<count)
            lower = [Int](repeating: 0, count: count)
            upper = [Int](repeating: 0, count: count)
        }
    }

    /// The stake-weighted median by the chain's mid-pivot search (see YUMA.md, step 6).
    static func weightedMedian(
        _ stake: [Fixed], _ score: UnsafeBufferPointer<Fixed>, _ scratch: inout MedianScratch, minority: Fixed,
        lo: Fixed, hi: Fixed
    ) -> Fixed {
        var lo = lo
        var hi = hi
        var count = stake.count
        for i in 0..<count { scratch.idx[i] = i }
        while true {
            if count == 0 { return .zero }
            if count == 1 { return score[scratch.idx[0]] }
            let pivot = score[scratch.idx[count / 2]]
            var loStake = Fixed.zero
            var hiStake = Fixed.zero
            var nLower = 0
            var nUpper = 0
            for t in 0..<count {
                let i = scratch.idx[t]
                let v = score[i]
                if v == pivot { continue }
                if v < pivot {
                    loStake += stake[i]
                    scratch.lower[nLower] = i
                    nLower += 1
                } else {
                    hiStake += stake[i]
                    scratch.upper[nUpper] = i
                    nUpper += 1
                }
            }
            if lo + loStake <= minority && minority < hi - hiStake { return pivot }
            if minority < lo + loStake && nLower > 0 {
                hi = lo + loStake
                for t in 0..<nLower { scratch.idx[t] = scratch.lower[t] }
                count = nLower
            } else if hi - hiStake <= minority && nUpper > 0 {
                lo = hi - hiStake
                for t in 0..<nUpper { scratch.idx[t] = scratch.upper[t] }
                count = nUpper
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

    /// `alpha · new + (1 − alpha) · old` over the union of entries, keeping values > 0, in
    /// ascending column order (as the chain builds it).
    static func ema(_ new: [Row], _ old: [Row], alpha: Fixed) -> [Row] {
        let n = new.count
        let oneMinusAlpha = Fixed.one - alpha
        var dense = [Fixed](repeating: .zero, count: n)
        var touched = [Bool](repeating: false, count: n)
        var list: [Int] = []
        return (0..<n).map { i in
            list.removeAll(keepingCapacity: true)
            for c in new[i] {
                if !touched[c.j] {
                    touched[c.j] = true
                    list.append(c.j)
                }
                dense[c.j] += alpha * c.v
            }
            for c in old[i] {
                if !touched[c.j] {
                    touched[c.j] = true
                    list.append(c.j)
                }
                dense[c.j] += oneMinusAlpha * c.v
            }
            list.sort()
            var out: Row = []
            out.reserveCapacity(list.count)
            for j in list {
                if dense[j] > .zero { out.append((j, dense[j])) }
                dense[j] = .zero
                touched[j] = false
            }
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
        // seenInRow[uid] == row + 1 marks a uid already met in this row (no hashing).
        var seenInRow = [Int](repeating: 0, count: n)
        for (name, rows) in [("weights", input.weights), ("bonds", input.bonds)] {
            for i in seenInRow.indices { seenInRow[i] = 0 }
            for (i, row) in rows.enumerated() {
                for (k, e) in row.enumerated() {
                    if e.uid < 0 || e.uid >= n {
                        throw ConsensusError("\(name)[\(i)][\(k)]: uid \(e.uid) is out of range (0..<\(n))")
                    }
                    if seenInRow[e.uid] == i + 1 {
                        throw ConsensusError("\(name)[\(i)][\(k)]: uid \(e.uid) appears twice in row \(i)")
                    }
                    seenInRow[e.uid] = i + 1
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
