/// Yuma consensus as the Bittensor chain runs it (`epoch`, sparse path), bit for bit.
///
/// ```swift
/// let output = try Yuma.epoch(input)
/// output.incentive.map(\.double)
/// ```
/// Pure: no I/O, no clock, no randomness. See `../shared/YUMA.md` for the steps.
public enum Yuma {

    public static func epoch(_ input: EpochInput) throws(ConsensusError) -> EpochOutput {
        try compute(input, tracing: false).output
    }

    /// ``epoch(_:)`` with its intermediate matrices, to explain a payout (`synod explain`).
    public static func epochWithTrace(_ input: EpochInput) throws(ConsensusError) -> (EpochOutput, EpochTrace) {
        let (output, trace) = try compute(input, tracing: true)
        return (output, trace!)
    }

    static func compute(_ input: EpochInput, tracing: Bool) throws(ConsensusError) -> (
        output: EpochOutput, trace: EpochTrace?
    ) {
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
        // changes no value, and sorted rows let later steps merge rows in linear time.
        let weights = SparseMatrix(rows: n, capacity: input.weights.reduce(0) { $0 + $1.count })
        for i in 0..<n {
            if input.validatorPermit[i] {
                let start = weights.count
                var sum = Fixed.zero
                let updated = input.lastUpdate[i]
                for e in input.weights[i] where e.uid != i && updated > input.blockAtRegistration[e.uid] {
                    let v = Fixed(Int64(e.value))
                    weights.append(e.uid, v)
                    sum += v
                }
                weights.sortRow(from: start)
                if sum > .zero {
                    let sum = FixedDivisor(sum)
                    for k in start..<weights.count { weights.values[k] = sum.divide(weights.values[k]) }
                }
            }
            weights.endRow()
        }

        // 6. Consensus: stake-weighted median per column.
        let kappa = Fixed(Int64(p.kappa)) / Fixed(65535)
        let consensus = weightedMedianColumns(activeStake, weights, columns: n, majority: kappa)

        // 7/8. Clip, with validator trust and ranks in the same sweep. `staked` keeps each
        // clipped weight times its validator's stake: the terms of the ranks, and classic
        // Yuma's ΔB when the bonds penalty is 1 (the default).
        let clipped = SparseMatrix(rows: n, capacity: weights.count)
        let staked = SparseMatrix(rows: n, capacity: weights.count)
        var validatorTrust = [Fixed](repeating: .zero, count: n)
        var ranks = [Fixed](repeating: .zero, count: n)
        consensus.withUnsafeBufferPointer { threshold in
            ranks.withUnsafeMutableBufferPointer { ranks in
                var c = 0
                for i in 0..<n {
                    var trust = Fixed.zero
                    let s = activeStake[i]
                    for k in weights.range(i) {
                        let j = weights.columns[k]
                        let v = weights.values[k]
                        let t = threshold[j]
                        if t < v && t <= .zero { continue }
                        let value = t < v ? t : v
                        let term = s * value
                        clipped.columns[c] = j
                        clipped.values[c] = value
                        staked.columns[c] = j
                        staked.values[c] = term
                        trust += value
                        ranks[j] += term
                        c += 1
                    }
                    clipped.rowStart[i + 1] = c
                    staked.rowStart[i + 1] = c
                    validatorTrust[i] = trust
                }
                clipped.finish(count: c)
                staked.finish(count: c)
            }
        }
        let incentive = ranks.normalized()

        // 9. Weights for bonds.
        let beta = Fixed(Int64(p.bondsPenalty)) / Fixed(65535)
        let weightsForBonds = interpolate(weights, clipped, ratio: beta)

        // 10/11. Bonds and dividends. Each normalisation is folded into the pass that
        // follows it (the same divisions, in the same order, fewer sweeps over the entries).
        var dividends: [Fixed]
        let emaBonds: SparseMatrix
        /// Divisor per column for the stored form (`nil`: store the EMA as it is).
        var storedScale: [FixedDivisor]? = nil
        let maskedColumn = input.blockAtRegistration.map { $0 > input.lastTempoBlock }
        let bmaRatio = Fixed(bits: Int64(truncatingIfNeeded: ((UInt128(p.bondsMovingAverage) << 64) / 1_000_000) >> 32))
        let alpha = Fixed.one - bmaRatio
        if p.yuma3 {
            let bonds = SparseMatrix(input.bonds, skipping: maskedColumn) { Fixed(u16Proportion: $0) }
            if p.liquidAlpha && consensus.contains(where: { $0 != .zero }) {
                emaBonds = liquidAlphaEma(weightsForBonds, bonds, consensus: consensus, parameters: p)
            } else {
                emaBonds = ema(weightsForBonds, bonds, alpha: alpha)
            }
            // Dividends from the column-normalised EMA; the EMA itself is stored absolute.
            let sums = emaBonds.columnSums(n).map(FixedDivisor.init)
            dividends = incentive.withUnsafeBufferPointer { incentive in
                (0..<n).map { i in
                    var total = Fixed.zero
                    for k in emaBonds.range(i) {
                        let j = emaBonds.columns[k]
                        total += sums[j].divideUnlessZero(emaBonds.values[k]) * incentive[j]
                    }
                    return total * activeStake[i]
                }
            }.normalized()
        } else {
            // Old bonds and ΔB = W_b ⊙ S, each column-normalised inside the EMA merge. With
            // W_b the clipped weights, ΔB and its column sums are the ranks' terms and sums.
            let bonds = SparseMatrix(input.bonds, skipping: maskedColumn) { Fixed(Int64($0)) }
            let bondSums = bonds.columnSums(n).map(FixedDivisor.init)
            let delta = weightsForBonds === clipped ? staked : SparseMatrix(rows: n, capacity: weightsForBonds.count)
            var deltaSums = weightsForBonds === clipped ? ranks : [Fixed](repeating: .zero, count: n)
            if delta !== staked {
                deltaSums.withUnsafeMutableBufferPointer { deltaSums in
                    var c = 0
                    for i in 0..<n {
                        let s = activeStake[i]
                        for k in weightsForBonds.range(i) {
                            let j = weightsForBonds.columns[k]
                            let v = weightsForBonds.values[k] * s
                            delta.columns[c] = j
                            delta.values[c] = v
                            deltaSums[j] += v
                            c += 1
                        }
                        delta.rowStart[i + 1] = c
                    }
                    delta.finish(count: c)
                }
            }
            emaBonds = ema(delta, bonds, alpha: alpha, scales: (deltaSums.map(FixedDivisor.init), bondSums))
            // Normalise the EMA's columns, with dividends and each column's maximum (the
            // stored form scales columns to max 1) in the same sweep.
            // Rows are independent: in parts, each with its own column maxima.
            let sums = emaBonds.columnSums(n).map(FixedDivisor.init)
            let ranges = Parallel.split(n, parts: Parallel.parts(for: emaBonds.count)) { emaBonds.rowStart[$0] }
            var partMaxes = [[Fixed]](repeating: [Fixed](repeating: .zero, count: n), count: ranges.count)
            dividends = [Fixed](repeating: .zero, count: n)
            incentive.withUnsafeBufferPointer { incentive in
                sums.withUnsafeBufferPointer { sums in
                    dividends.withUnsafeMutableBufferPointer { dividends in
                        partMaxes.withUnsafeMutableBufferPointer { partMaxes in
                            Parallel.run(parts: ranges.count) { part in
                                partMaxes[part].withUnsafeMutableBufferPointer { maxes in
                                    for i in ranges[part] {
                                        var total = Fixed.zero
                                        for k in emaBonds.range(i) {
                                            let j = emaBonds.columns[k]
                                            let v = sums[j].divideUnlessZero(emaBonds.values[k])
                                            emaBonds.values[k] = v
                                            total += incentive[j] * v
                                            if maxes[j] < v { maxes[j] = v }
                                        }
                                        dividends[i] = total
                                    }
                                }
                            }
                        }
                    }
                }
            }
            dividends = dividends.normalized()
            storedScale = (0..<n).map { j in FixedDivisor(partMaxes.reduce(.zero) { max($0, $1[j]) }) }
        }

        // 12. Emission.
        let combined = zip(incentive, dividends).map { $0 + $1 }
        let emissionSum = combined.total
        var serverShare = incentive
        var validatorShare = dividends
        var combinedShare = combined.normalized()
        if emissionSum != .zero {
            let emissionSum = FixedDivisor(emissionSum)
            serverShare = incentive.map(emissionSum.divide)
            validatorShare = dividends.map(emissionSum.divide)
        } else {
            let fallback = activeStake.total == .zero ? stake : activeStake
            validatorShare = fallback
            combinedShare = fallback
        }

        // Bonds to store: rows with a new permit get the new bonds; rows losing a permit are
        // cleared; rows that had none and get none keep what was stored.
        var storedBonds: [[SparseEntry]] = input.bonds
        let parts = Parallel.parts(for: emaBonds.count)
        storedBonds.withUnsafeMutableBufferPointer { storedBonds in
            Parallel.run(parts: parts) { part in
                for i in stride(from: part, to: n, by: parts) {
                    if newPermit[i] {
                        storedBonds[i] = emaBonds.storedRow(i, scale: storedScale)
                    } else if input.validatorPermit[i] {
                        storedBonds[i] = []
                    }
                }
            }
        }

        let output = EpochOutput(
            stake: stake, activeStake: activeStake, consensus: consensus, validatorTrust: validatorTrust,
            incentive: incentive, dividends: dividends,
            serverEmission: serverShare.map { $0.scaled(input.emission) },
            validatorEmission: validatorShare.map { $0.scaled(input.emission) },
            emission: combinedShare.map { $0.scaled(input.emission) },
            validatorPermit: newPermit, bonds: storedBonds)
        guard tracing else { return (output, nil) }
        return (
            output,
            EpochTrace(
                weights: weights.fixedRows(), clipped: clipped.fixedRows(), ranks: ranks,
                bonds: emaBonds.fixedRows(), bondsAreNormalized: !p.yuma3)
        )
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

    static func weightedMedianColumns(_ stake: [Fixed], _ score: SparseMatrix, columns: Int, majority: Fixed) -> [Fixed]
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
        var result = [Fixed](repeating: .zero, count: columns)
        if k == 0 || columns == 0 { return result }
        // Column-major scores of the staked rows; a missing entry counts as 0.
        let columnScores = UnsafeMutablePointer<Fixed>.allocate(capacity: columns * k)
        defer { columnScores.deallocate() }
        columnScores.initialize(repeating: .zero, count: columns * k)
        var hasEntries = [Bool](repeating: false, count: columns)
        for (r, i) in rowOf.enumerated() {
            for t in score.range(i) {
                let j = score.columns[t]
                columnScores[j * k + r] = score.values[t]
                hasEntries[j] = true
            }
        }
        // Columns are independent: interleaved over the parts, each with its own scratch.
        let parts = Parallel.parts(for: columns * k)
        let scratches = (0..<parts).map { _ in MedianScratch(count: k) }
        useStake.withUnsafeBufferPointer { stake in
            hasEntries.withUnsafeBufferPointer { hasEntries in
                result.withUnsafeMutableBufferPointer { result in
                    Parallel.run(parts: parts) { part in
                        for c in stride(from: part, to: columns, by: parts) where hasEntries[c] {
                            // A column nobody weighted is all zeros, whose median is 0.
                            result[c] = weightedMedian(
                                stake, columnScores + c * k, scratches[part], minority: minority, lo: .zero,
                                hi: stakeSum)
                        }
                    }
                }
            }
        }
        return result
    }

    /// Index buffers for the median search, reused across columns.
    final class MedianScratch {
        let idx: UnsafeMutablePointer<Int>
        let lower: UnsafeMutablePointer<Int>
        let upper: UnsafeMutablePointer<Int>
        init(count: Int) {
            idx = .allocate(capacity: max(count, 1))
            lower = .allocate(capacity: max(count, 1))
            upper = .allocate(capacity: max(count, 1))
        }
        deinit {
            idx.deallocate()
            lower.deallocate()
            upper.deallocate()
        }
    }

    /// The stake-weighted median by the chain's mid-pivot search (see YUMA.md, step 6), over
    /// `stake.count` scores.
    static func weightedMedian(
        _ stake: UnsafeBufferPointer<Fixed>, _ score: UnsafePointer<Fixed>, _ scratch: MedianScratch,
        minority: Fixed, lo: Fixed, hi: Fixed
    ) -> Fixed {
        var lo = lo
        var hi = hi
        var count = stake.count
        let idx = scratch.idx
        let lower = scratch.lower
        let upper = scratch.upper
        for i in 0..<count { idx[i] = i }
        while true {
            if count == 0 { return .zero }
            if count == 1 { return score[idx[0]] }
            let pivot = score[idx[count / 2]].bits
            // Branch-free partition (which side a score falls is a coin toss for the branch
            // predictor): every index is written to both lists and kept by the one whose
            // count moves, so each side keeps the chain's order. Stakes are normalised
            // shares, non-negative and summing to about 1: plain integer sums never reach
            // the saturation that `Fixed`'s `+` guards against.
            var loStake: Int64 = 0
            var hiStake: Int64 = 0
            var nLower = 0
            var nUpper = 0
            for t in 0..<count {
                let i = idx[t]
                let v = score[i].bits
                let below = v < pivot ? 1 : 0
                let above = v > pivot ? 1 : 0
                lower[nLower] = i
                upper[nUpper] = i
                nLower &+= below
                nUpper &+= above
                let s = stake[i].bits
                loStake &+= s & -Int64(below)
                hiStake &+= s & -Int64(above)
            }
            let below = lo + Fixed(bits: loStake)
            let notAbove = hi - Fixed(bits: hiStake)
            if below <= minority && minority < notAbove { return Fixed(bits: pivot) }
            if minority < below && nLower > 0 {
                hi = below
                idx.update(from: lower, count: nLower)
                count = nLower
            } else if notAbove <= minority && nUpper > 0 {
                lo = notAbove
                idx.update(from: upper, count: nUpper)
                count = nUpper
            } else {
                return Fixed(bits: pivot)
            }
        }
    }

    /// `a + ratio · (b − a)` entry by entry, keeping values > 0 (`ratio` 0 is `a`, 1 is `b`).
    /// Only the union of both rows' columns can be non-zero, so rows are merged.
    static func interpolate(_ a: SparseMatrix, _ b: SparseMatrix, ratio: Fixed) -> SparseMatrix {
        if ratio == .zero { return a }
        if ratio == .one { return b }
        return a.merged(with: b, Interpolation(ratio: ratio))
    }

    struct Interpolation: MergeRule {
        let ratio: Fixed
        @inline(__always) func combine(_ column: Int, _ x: Fixed, _ y: Fixed) -> Fixed { x + ratio * (y - x) }
    }

    /// `alpha · new + (1 − alpha) · old` over the union of entries, keeping values > 0, in
    /// ascending column order (as the chain builds it). With `scales`, each entry is first
    /// divided by its column's value there (unless that is 0): the
    /// column normalisation of classic Yuma, folded into the merge. Rows are merged in one
    /// pass, so both inputs must have sorted rows.
    static func ema(
        _ new: SparseMatrix, _ old: SparseMatrix, alpha: Fixed,
        scales: (new: [FixedDivisor], old: [FixedDivisor])? = nil
    ) -> SparseMatrix {
        let oneMinusAlpha = Fixed.one - alpha
        // An absent entry is 0, and 0 stays 0 through each step: no case for it.
        guard let (newScale, oldScale) = scales else {
            return new.merged(with: old, Average(alpha: alpha, oneMinusAlpha: oneMinusAlpha))
        }
        return newScale.withUnsafeBufferPointer { newScale in
            oldScale.withUnsafeBufferPointer { oldScale in
                new.merged(
                    with: old,
                    ScaledAverage(alpha: alpha, oneMinusAlpha: oneMinusAlpha, newScale: newScale, oldScale: oldScale))
            }
        }
    }

    struct Average: MergeRule {
        let alpha: Fixed
        let oneMinusAlpha: Fixed
        @inline(__always) func combine(_ column: Int, _ x: Fixed, _ y: Fixed) -> Fixed {
            alpha * x + oneMinusAlpha * y
        }
    }

    struct ScaledAverage: MergeRule {
        let alpha: Fixed
        let oneMinusAlpha: Fixed
        let newScale: UnsafeBufferPointer<FixedDivisor>
        let oldScale: UnsafeBufferPointer<FixedDivisor>
        @inline(__always) func combine(_ j: Int, _ x: Fixed, _ y: Fixed) -> Fixed {
            alpha * newScale[j].divideUnlessZero(x) + oneMinusAlpha * oldScale[j].divideUnlessZero(y)
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

extension Yuma {
    /// Weights as the chain stores them: scaled so the largest is 65535, rounded
    /// (`vec_u16_max_upscale_to_u16`, in Q32.32; all zeros stay zeros).
    public static func maxUpscaleToU16(_ values: [UInt16]) -> [UInt16] {
        guard let top = values.max(), top > 0 else { return values.map { _ in 0 } }
        let u16Max = Fixed(65535)
        let max = Fixed(Int64(top))
        // Rounding to nearest, ties away from zero: add one half, then floor.
        func rounded(_ x: Fixed) -> UInt16 { UInt16(clamping: (x.bits + (1 << 31)) >> 32) }
        if max > Fixed(32768) {
            let scale = u16Max / max
            return values.map { rounded(Fixed(Int64($0)) * scale) }
        }
        return values.map { rounded((Fixed(Int64($0)) * u16Max) / max) }
    }
}
