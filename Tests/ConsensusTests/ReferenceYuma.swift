// A straightforward Yuma (the implementation before the pointer-based one, kept as a test
// oracle): the fast `Yuma.epoch` must agree with it bit for bit on random inputs.
@testable import Consensus

enum ReferenceYuma {

    static func epoch(_ input: EpochInput) throws(ConsensusError) -> EpochOutput {
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
        // Rows are kept sorted by column: fixed-point addition is exact, so entry order
        // changes no value, and sorted rows let the EMA merge rows in linear time.
        var weights = ReferenceMatrix(rows: n, capacity: input.weights.reduce(0) { $0 + $1.count })
        for i in 0..<n {
            if input.validatorPermit[i] {
                let start = weights.values.count
                var sum = Fixed.zero
                for e in input.weights[i] where e.uid != i && input.lastUpdate[i] > input.blockAtRegistration[e.uid] {
                    let v = Fixed(Int64(e.value))
                    weights.append(e.uid, v)
                    sum += v
                }
                weights.sortRow(from: start)
                if sum > .zero {
                    for k in start..<weights.values.count { weights.values[k] = weights.values[k] / sum }
                }
            }
            weights.endRow()
        }

        // 6. Consensus: stake-weighted median per column.
        let kappa = Fixed(Int64(p.kappa)) / Fixed(65535)
        let consensus = weightedMedianColumns(activeStake, weights, columns: n, majority: kappa)

        // 7. Clip.
        var clipped = ReferenceMatrix(rows: n, capacity: weights.values.count)
        for i in 0..<n {
            for k in weights.range(i) {
                let j = weights.columns[k]
                let v = weights.values[k]
                let t = consensus[j]
                if t < v {
                    if t > .zero { clipped.append(j, t) }
                } else {
                    clipped.append(j, v)
                }
            }
            clipped.endRow()
        }

        // 8. Validator trust, ranks, incentive.
        var validatorTrust = [Fixed](repeating: .zero, count: n)
        var ranks = [Fixed](repeating: .zero, count: n)
        for i in 0..<n {
            for k in clipped.range(i) {
                validatorTrust[i] += clipped.values[k]
                ranks[clipped.columns[k]] += activeStake[i] * clipped.values[k]
            }
        }
        let incentive = ranks.normalized()

        // 9. Weights for bonds.
        let beta = Fixed(Int64(p.bondsPenalty)) / Fixed(65535)
        let weightsForBonds = interpolate(weights, clipped, columns: n, ratio: beta)

        // 10/11. Bonds and dividends.
        var dividends: [Fixed]
        var emaBonds: ReferenceMatrix
        let maskedColumn = input.blockAtRegistration.map { $0 > input.lastTempoBlock }
        let bmaRatio = Fixed(bits: Int64(truncatingIfNeeded: ((UInt128(p.bondsMovingAverage) << 64) / 1_000_000) >> 32))
        let alpha = Fixed.one - bmaRatio
        if p.yuma3 {
            let bonds = ReferenceMatrix(input.bonds, skipping: maskedColumn) { Fixed(u16Proportion: $0) }
            if p.liquidAlpha && consensus.contains(where: { $0 != .zero }) {
                emaBonds = liquidAlphaEma(weightsForBonds, bonds, consensus: consensus, parameters: p)
            } else {
                emaBonds = ema(weightsForBonds, bonds, alpha: alpha)
            }
            var normalized = emaBonds
            normalized.normalizeColumns(n)
            dividends = (0..<n).map { i in
                var total = Fixed.zero
                for k in normalized.range(i) { total += normalized.values[k] * incentive[normalized.columns[k]] }
                return total * activeStake[i]
            }.normalized()
        } else {
            var bonds = ReferenceMatrix(input.bonds, skipping: maskedColumn) { Fixed(Int64($0)) }
            bonds.normalizeColumns(n)
            var delta = weightsForBonds
            for i in 0..<n { for k in delta.range(i) { delta.values[k] = delta.values[k] * activeStake[i] } }
            delta.normalizeColumns(n)
            emaBonds = ema(delta, bonds, alpha: alpha)
            emaBonds.normalizeColumns(n)
            dividends = (0..<n).map { i in
                var total = Fixed.zero
                for k in emaBonds.range(i) { total += incentive[emaBonds.columns[k]] * emaBonds.values[k] }
                return total
            }.normalized()
            emaBonds.maxUpscaleColumns(n)
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
                storedBonds[i] = emaBonds.range(i).map {
                    SparseEntry(uid: emaBonds.columns[$0], value: emaBonds.values[$0].u16Proportion)
                }
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

    static func weightedMedianColumns(_ stake: [Fixed], _ score: ReferenceMatrix, columns: Int, majority: Fixed)
        -> [Fixed]
    {
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
            for t in score.range(i) {
                let j = score.columns[t]
                columnScores[j * k + r] = score.values[t]
                hasEntries[j] = true
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

    static func interpolate(_ a: ReferenceMatrix, _ b: ReferenceMatrix, columns: Int, ratio: Fixed) -> ReferenceMatrix {
        if ratio == .zero { return a }
        if ratio == .one { return b }
        var out = ReferenceMatrix(rows: a.rowCount)
        var x = [Fixed](repeating: .zero, count: columns)
        var y = [Fixed](repeating: .zero, count: columns)
        for i in 0..<a.rowCount {
            for k in a.range(i) { x[a.columns[k]] = a.values[k] }
            for k in b.range(i) { y[b.columns[k]] = b.values[k] }
            for j in 0..<columns {
                let v = x[j] + ratio * (y[j] - x[j])
                if v > .zero { out.append(j, v) }
            }
            for k in a.range(i) { x[a.columns[k]] = .zero }
            for k in b.range(i) { y[b.columns[k]] = .zero }
            out.endRow()
        }
        return out
    }

    /// `alpha · new + (1 − alpha) · old` over the union of entries, keeping values > 0, in
    /// ascending column order (as the chain builds it). Rows are merged in one pass, so
    /// both inputs must have sorted rows.
    static func ema(_ new: ReferenceMatrix, _ old: ReferenceMatrix, alpha: Fixed) -> ReferenceMatrix {
        let oneMinusAlpha = Fixed.one - alpha
        var out = ReferenceMatrix(rows: new.rowCount, capacity: new.values.count + old.values.count)
        for i in 0..<new.rowCount {
            var a = new.range(i).lowerBound
            var b = old.range(i).lowerBound
            let aEnd = new.range(i).upperBound
            let bEnd = old.range(i).upperBound
            while a < aEnd || b < bEnd {
                let ja = a < aEnd ? new.columns[a] : Int.max
                let jb = b < bEnd ? old.columns[b] : Int.max
                let j = min(ja, jb)
                var v = Fixed.zero
                if ja == j {
                    v += alpha * new.values[a]
                    a += 1
                }
                if jb == j {
                    v += oneMinusAlpha * old.values[b]
                    b += 1
                }
                if v > .zero { out.append(j, v) }
            }
            out.endRow()
        }
        return out
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

struct ReferenceMatrix {
    var rowStart: [Int] = [0]
    var columns: [Int] = []
    var values: [Fixed] = []

    init(rows: Int, capacity: Int = 0) {
        rowStart.reserveCapacity(rows + 1)
        columns.reserveCapacity(capacity)
        values.reserveCapacity(capacity)
    }

    /// Stored u16 rows, skipping masked columns, each value converted by `convert`.
    init(_ rows: [[SparseEntry]], skipping masked: [Bool], convert: (UInt16) -> Fixed) {
        self.init(rows: rows.count, capacity: rows.reduce(0) { $0 + $1.count })
        for row in rows {
            let start = values.count
            for e in row where !masked[e.uid] { append(e.uid, convert(e.value)) }
            sortRow(from: start)
            endRow()
        }
    }

    /// Sorts the entries appended since `start` by column (a no-op when already sorted,
    /// as stored rows usually are).
    mutating func sortRow(from start: Int) {
        let end = values.count
        guard end - start > 1 else { return }
        var sorted = true
        for k in (start + 1)..<end where columns[k - 1] > columns[k] {
            sorted = false
            break
        }
        if sorted { return }
        let pairs = (start..<end).map { (columns[$0], values[$0]) }.sorted { $0.0 < $1.0 }
        for (offset, pair) in pairs.enumerated() {
            columns[start + offset] = pair.0
            values[start + offset] = pair.1
        }
    }

    var rowCount: Int { rowStart.count - 1 }

    @inline(__always) func range(_ i: Int) -> Range<Int> { rowStart[i]..<rowStart[i + 1] }

    mutating func append(_ column: Int, _ value: Fixed) {
        columns.append(column)
        values.append(value)
    }

    mutating func endRow() { rowStart.append(values.count) }

    /// Each column divided by its sum (columns summing to 0 are left alone).
    mutating func normalizeColumns(_ count: Int) {
        var sums = [Fixed](repeating: .zero, count: count)
        for k in values.indices { sums[columns[k]] += values[k] }
        for k in values.indices where sums[columns[k]] != .zero { values[k] = values[k] / sums[columns[k]] }
    }

    /// Each column divided by its maximum (columns whose maximum is 0 are left alone).
    mutating func maxUpscaleColumns(_ count: Int) {
        var maxes = [Fixed](repeating: .zero, count: count)
        for k in values.indices where maxes[columns[k]] < values[k] { maxes[columns[k]] = values[k] }
        for k in values.indices where maxes[columns[k]] != .zero { values[k] = values[k] / maxes[columns[k]] }
    }
}
extension ReferenceYuma {
    /// The liquid-alpha bond update of Yuma3 (YUMA.md step 11): each entry of a validator's
    /// weight row moves its bond with its own `alpha`, chosen by a sigmoid of how far the
    /// weight sits from consensus (buying) or below the bond (selling).
    ///
    /// Only entries present in the weight row survive (absent ones are dropped, not decayed);
    /// values are capped at 1 and kept when > 0. Both inputs must have sorted rows.
    static func liquidAlphaEma(
        _ weights: ReferenceMatrix, _ bonds: ReferenceMatrix, consensus: [Fixed], parameters p: EpochParameters
    ) -> ReferenceMatrix {
        let sigmoid = Yuma.AlphaSigmoid(parameters: p)
        var out = ReferenceMatrix(rows: weights.rowCount, capacity: weights.values.count)
        for i in 0..<weights.rowCount {
            var b = bonds.range(i).lowerBound
            let bEnd = bonds.range(i).upperBound
            for k in weights.range(i) {
                let j = weights.columns[k]
                let w = weights.values[k]
                while b < bEnd && bonds.columns[b] < j { b += 1 }
                let bond = b < bEnd && bonds.columns[b] == j ? bonds.values[b] : .zero
                let alpha = sigmoid.alpha(consensus: consensus[j], weight: w, bond: bond)
                let decayed = (Fixed.one - alpha) * bond
                let increase = max(alpha * w, .zero)
                let value = min(decayed + increase, .one)
                if value > .zero { out.append(j, value) }
            }
            out.endRow()
        }
        return out
    }

}
