import CFixedPoint

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
        return YumaWorkspace.borrow { compute(input, tracing: tracing, in: $0) }
    }

    static func compute(_ input: EpochInput, tracing: Bool, in workspace: YumaWorkspace) -> (
        output: EpochOutput, trace: EpochTrace?
    ) {
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
        // Row i has its place at the entries of the rows before it, so rows are loaded in
        // parts on several cores.
        let weights = workspace.weights
        let slots = SparseMatrix.slots(of: input.weights)
        weights.reset(rows: n, capacity: slots[n])
        let weightParts = Parallel.split(n, parts: Parallel.parts(for: slots[n])) { slots[$0] }
        input.blockAtRegistration.withUnsafeBufferPointer { registered in
            let (starts, ends, columns, values) = (weights.rowStart, weights.rowEnd, weights.columns, weights.values)
            Parallel.run(parts: weightParts.count) { part in
                for i in weightParts[part] {
                    let start = slots[i]
                    var c = start
                    if input.validatorPermit[i] {
                        // u16 values: their sum stays below 2^32, and `Fixed`'s saturating sum of
                        // them is that sum in Q32.32, or the largest value from 2^31 on.
                        var sum: Int64 = 0
                        var sorted = true
                        var last: Int64 = -1
                        let updated = input.lastUpdate[i]
                        // At most the row's count: its slot's size.
                        input.weights[i].withUnsafeBufferPointer { row in
                            ColumnDivisors.sweep(0, row.count, vector: ColumnDivisors.vectorStoredRows) { k in
                                let taken = synod_q32_load(
                                    ColumnDivisors.stored(row)! + k, row.count &- k, &last, Int64(i),
                                    registered.baseAddress, updated, nil, .bits(columns + c), .bits(values + c), nil,
                                    &sum)
                                c &+= taken
                                return taken
                            } scalar: { k in
                                let e = row[k]
                                guard e.uid != i && updated > registered[e.uid] else { return }
                                columns[c] = e.uid
                                values[c] = Fixed(bits: Int64(e.value) << 32)
                                sum &+= Int64(e.value)
                                sorted = sorted && Int64(e.uid) > last
                                last = Int64(e.uid)
                                c &+= 1
                            }
                        }
                        if !sorted { weights.sortEntries(start..<c) }
                        if sum > 0 {
                            let sum = FixedDivisor(Fixed(bits: sum < 1 << 31 ? sum << 32 : .max))
                            let vector =
                                ColumnDivisors.vectorKernels
                                ? synod_q32_divide_each(
                                    .bits(values + start), c &- start, sum.divisor.bits,
                                    ColumnDivisors.scale(of: sum.divisor))
                                : 0
                            for k in (start &+ vector)..<c { values[k] = sum.divide(values[k]) }
                        }
                    }
                    starts[i] = start
                    ends[i] = c
                }
            }
        }
        weights.finish(extent: slots[n])

        // 6. Consensus: stake-weighted median per column.
        let kappa = Fixed(Int64(p.kappa)) / Fixed(65535)
        let consensus = weightedMedianColumns(activeStake, weights, columns: n, majority: kappa, in: workspace)

        // 7/8. Clip, with validator trust and ranks in the same sweep. `staked` keeps each
        // clipped weight times its validator's stake: the terms of the ranks, and classic
        // Yuma's ΔB when the bonds penalty is 1 (the default).
        let clipped = workspace.clipped
        let staked = workspace.staked
        clipped.reset(rows: n, capacity: weights.extent)
        staked.reset(rows: n, capacity: weights.extent)
        var validatorTrust = [Fixed](repeating: .zero, count: n)
        var ranks = [Fixed](repeating: .zero, count: n)
        consensus.withUnsafeBufferPointer { threshold in
            activeStake.withUnsafeBufferPointer { activeStake in
                ranks.withUnsafeMutableBufferPointer { ranks in
                    validatorTrust.withUnsafeMutableBufferPointer { validatorTrust in
                        clip(
                            weights, at: threshold.baseAddress!, stake: activeStake.baseAddress!, into: clipped,
                            staked: staked, trust: validatorTrust.baseAddress!, ranks: ranks.baseAddress!)
                    }
                }
            }
        }
        let incentive = ranks.normalized()

        // 9. Weights for bonds.
        let beta = Fixed(Int64(p.bondsPenalty)) / Fixed(65535)
        let weightsForBonds = interpolate(weights, clipped, ratio: beta, into: workspace.interpolated)

        // 10/11. Bonds and dividends. Each normalisation is folded into the pass that
        // follows it (the same divisions, in the same order, fewer sweeps over the entries).
        var dividends: [Fixed]
        let emaBonds: SparseMatrix
        // Bonds to store: rows with a new permit get the new bonds (written by the branch
        // below), rows losing one are cleared after it, others keep what was stored.
        var storedBonds: [[SparseEntry]] = input.bonds
        let maskedColumn = input.blockAtRegistration.map { $0 > input.lastTempoBlock }
        let bmaRatio = Fixed(bits: Int64(truncatingIfNeeded: ((UInt128(p.bondsMovingAverage) << 64) / 1_000_000) >> 32))
        let alpha = Fixed.one - bmaRatio
        if p.yuma3 {
            let bonds = workspace.bonds
            bonds.load(input.bonds, skipping: maskedColumn, as: .proportion)
            if p.liquidAlpha && consensus.contains(where: { $0 != .zero }) {
                emaBonds = liquidAlphaEma(weightsForBonds, bonds, consensus: consensus, parameters: p)
            } else {
                emaBonds = ema(weightsForBonds, bonds, alpha: alpha, into: workspace.ema)
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
            // Yuma3 stores the EMA itself, absolute.
            let rowParts = Parallel.split(n, parts: Parallel.parts(for: emaBonds.count)) { emaBonds.rowStart[$0] }
            storedBonds.withUnsafeMutableBufferPointer { storedBonds in
                Parallel.run(parts: rowParts.count) { part in
                    for i in rowParts[part] {
                        if newPermit[i] { storedBonds[i] = emaBonds.storedRow(i) }
                    }
                }
            }
        } else {
            // Old bonds and ΔB = W_b ⊙ S, each column-normalised inside the EMA merge. With
            // W_b the clipped weights, ΔB and its column sums are the ranks' terms and sums.
            let bonds = workspace.bonds
            let bondSums = bonds.load(input.bonds, skipping: maskedColumn, as: .integer)
            let delta = weightsForBonds === clipped ? staked : workspace.delta
            if delta !== staked { delta.reset(rows: n, capacity: weightsForBonds.count) }
            var deltaSums = weightsForBonds === clipped ? ranks : [Fixed](repeating: .zero, count: n)
            if delta !== staked {
                deltaSums.withUnsafeMutableBufferPointer { deltaSums in
                    var c = 0
                    for i in 0..<n {
                        let s = activeStake[i]
                        delta.rowStart[i] = c
                        for k in weightsForBonds.range(i) {
                            let j = weightsForBonds.columns[k]
                            let v = weightsForBonds.values[k] * s
                            delta.columns[c] = j
                            delta.values[c] = v
                            deltaSums[j] += v
                            c += 1
                        }
                        delta.rowEnd[i] = c
                    }
                    delta.finish(extent: c)
                }
            }
            var emaSums = [Fixed](repeating: .zero, count: n)
            var emaMaxes = [Fixed](repeating: .zero, count: n)
            emaBonds = emaSums.withUnsafeMutableBufferPointer { emaSums in
                emaMaxes.withUnsafeMutableBufferPointer { emaMaxes in
                    ema(
                        delta, bonds, alpha: alpha, scales: (ColumnDivisors(deltaSums), ColumnDivisors(bondSums)),
                        into: workspace.ema, sums: emaSums.baseAddress!, maxes: emaMaxes.baseAddress!)
                }
            }
            // One sweep normalises the EMA's columns, sums the dividends and writes the rows to
            // store, each column scaled to max 1. Its maximum is known before the sweep: a
            // division by the same sum never changes which entry is largest, so the largest
            // normalised entry is the largest entry normalised.
            let columnSums = ColumnDivisors(emaSums)
            let sums = columnSums.divisors
            let scale = ColumnDivisors((0..<n).map { FixedDivisor(sums[$0].divideUnlessZero(emaMaxes[$0])) })
            let lanes = ColumnDivisors.vectorKernels ? columnSums.lanes : nil
            // Rows are independent: in contiguous parts (rows side by side written from two
            // cores would share cache lines).
            let rowParts = Parallel.split(n, parts: Parallel.parts(for: emaBonds.count)) { emaBonds.rowStart[$0] }
            dividends = [Fixed](repeating: .zero, count: n)
            incentive.withUnsafeBufferPointer { incentive in
                sums.withUnsafeBufferPointer { sums in
                    withExtendedLifetime(scale) {
                        dividends.withUnsafeMutableBufferPointer { dividends in
                            storedBonds.withUnsafeMutableBufferPointer { storedBonds in
                                let (starts, ends, columns, values) = (
                                    emaBonds.rowStart, emaBonds.rowEnd, emaBonds.columns, emaBonds.values
                                )
                                Parallel.run(parts: rowParts.count) { part in
                                    for i in rowParts[part] {
                                        let entries = starts[i]..<ends[i]
                                        var total = Fixed.zero
                                        let end = entries.upperBound
                                        ColumnDivisors.sweep(entries.lowerBound, end, vector: lanes != nil) { k in
                                            synod_q32_normalize_dot(
                                                .bits(columns + k), .bits(values + k), end &- k, lanes!,
                                                .bits(incentive.baseAddress!), &total.bits)
                                        } scalar: { k in
                                            let j = columns[k]
                                            let v = sums[j].divideUnlessZero(values[k])
                                            values[k] = v
                                            total += incentive[j] * v
                                        }
                                        dividends[i] = total
                                        if newPermit[i] {
                                            storedBonds[i] = storedRow(
                                                columns + entries.lowerBound, values + entries.lowerBound,
                                                count: entries.count, scale: scale)
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
            dividends = dividends.normalized()
        }

        // Rows losing a permit are cleared (rows that had none and get none keep theirs).
        for i in 0..<n where !newPermit[i] && input.validatorPermit[i] { storedBonds[i] = [] }

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

    /// A row of the column-normalised EMA as stored u16 proportions, each divided by its
    /// column's `scale` first (unless that is 0): each column's largest becomes 65535.
    static func storedRow(
        _ columns: UnsafeMutablePointer<Int>, _ values: UnsafeMutablePointer<Fixed>, count: Int,
        scale: ColumnDivisors
    ) -> [SparseEntry] {
        [SparseEntry](unsafeUninitializedCapacity: count) { row, written in
            ColumnDivisors.sweep(0, count, vector: ColumnDivisors.vectorStoredRows) { k in
                synod_q32_proportions(
                    .bits(columns + k), .bits(values + k), count &- k, scale.lanes,
                    UnsafeMutableRawPointer(row.baseAddress! + k).assumingMemoryBound(to: synod_stored_entry.self))
            } scalar: { k in
                row[k] = SparseEntry(
                    uid: columns[k], value: scale.divisors[columns[k]].divideUnlessZero(values[k]).u16Proportion)
            }
            written = count
        }
    }

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

    /// Steps 7 and 8 in one sweep: `weights` clipped at each column's `threshold` into
    /// `clipped` (an entry clipped to a threshold <= 0 is dropped), each clipped weight times
    /// its row's stake into `staked`, the rows' sums into `trust` and the columns' sums of
    /// `staked` into `ranks` (zeroed by the caller). Each row keeps its place in `weights`,
    /// so rows are clipped in parts on several cores.
    static func clip(
        _ weights: SparseMatrix, at threshold: UnsafePointer<Fixed>, stake: UnsafePointer<Fixed>,
        into clipped: SparseMatrix, staked: SparseMatrix, trust: UnsafeMutablePointer<Fixed>,
        ranks: UnsafeMutablePointer<Fixed>
    ) {
        let n = weights.rowCount
        let (wStart, wEnd, wColumns, wValues) = (weights.rowStart, weights.rowEnd, weights.columns, weights.values)
        let (cStart, cEnd, cColumns, cValues) = (clipped.rowStart, clipped.rowEnd, clipped.columns, clipped.values)
        let (sStart, sEnd, sColumns, sValues) = (staked.rowStart, staked.rowEnd, staked.columns, staked.values)
        let rowParts = Parallel.split(n, parts: Parallel.parts(for: weights.count)) { wStart[$0] }
        let partRanks = PartColumns(parts: rowParts.count, columns: n, zero: Fixed.zero)
        let vector = ColumnDivisors.vectorKernels
        // Normalised weights and stakes are shares (at most 1 each, a row's weights and the
        // stakes summing to about 1): no sum here comes near the saturation `Fixed` guards
        // against, so they are plain integer additions, in any order.
        Parallel.run(parts: rowParts.count) { part in
            let ranks = partRanks.columns(forPart: part, result: ranks)
            for i in rowParts[part] {
                var rowTrust: Int64 = 0
                let s = stake[i]
                var c = wStart[i]
                cStart[i] = c
                sStart[i] = c
                let end = wEnd[i]
                ColumnDivisors.sweep(wStart[i], end, vector: vector) { k in
                    // The clipped and staked rows share their columns.
                    let taken = synod_q32_clip(
                        .bits(wColumns + k), .bits(wValues + k), end &- k, .bits(threshold), s.bits,
                        .bits(cValues + c), .bits(sValues + c), .bits(cColumns + c), .bits(ranks), &rowTrust)
                    (sColumns + c).update(from: cColumns + c, count: taken)
                    c &+= taken
                    return taken
                } scalar: { k in
                    let j = wColumns[k]
                    let v = wValues[k]
                    let t = threshold[j]
                    if t < v && t <= .zero { return }
                    let value = t < v ? t : v
                    let term = s * value
                    cColumns[c] = j
                    cValues[c] = value
                    sColumns[c] = j
                    sValues[c] = term
                    rowTrust &+= value.bits
                    ranks[j].bits &+= term.bits
                    c &+= 1
                }
                cEnd[i] = c
                sEnd[i] = c
                trust[i] = Fixed(bits: rowTrust)
            }
        }
        partRanks.fold(into: ranks) { $0.bits &+= $1.bits }
        clipped.finish(extent: weights.extent)
        staked.finish(extent: weights.extent)
    }

    static func weightedMedianColumns(
        _ stake: [Fixed], _ score: SparseMatrix, columns: Int, majority: Fixed, in workspace: YumaWorkspace
    ) -> [Fixed] {
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
        // Column-major scores of the staked rows; a missing entry counts as 0. Only columns
        // someone weighted are read, so only theirs are zeroed when that is fewer (work in
        // proportion to the weights set, not to UIDs × validators).
        let columnScores = workspace.columnScores(columns * k)
        var hasEntries = [Bool](repeating: false, count: columns)
        let (starts, ends, scoreColumns, scoreValues) = (score.rowStart, score.rowEnd, score.columns, score.values)
        let entries = rowOf.reduce(0) { $0 + ends[$1] - starts[$1] }
        let sparse = entries < columns * k / 2
        // Columns are independent: in contiguous parts (results side by side from two cores
        // would share cache lines), each part scattering its columns' scores and searching
        // them. Rows are sorted by column, so a part's entries in a row are one run of it.
        // Four parts per core, each taken by whichever core is free: columns differ in cost
        // (one nobody weights costs next to nothing), so equal column counts are not equal work.
        let parts = Parallel.parts(for: entries) > 1 ? Parallel.width * 4 : 1
        let medians = workspace.medians(parts: parts, rows: k)
        let runs = UnsafeMutablePointer<Range<Int>>.allocate(capacity: parts * k)
        defer { runs.deallocate() }
        useStake.withUnsafeBufferPointer { stake in
            stake.withMemoryRebound(to: Int64.self) { stake in
                hasEntries.withUnsafeMutableBufferPointer { hasEntries in
                    result.withUnsafeMutableBufferPointer { result in
                        Parallel.run(parts: parts) { part in
                            let first = columns * part / parts
                            let end = columns * (part + 1) / parts
                            // Each staked row's entries in this part's columns.
                            let run = runs + part * k
                            for r in 0..<k {
                                let i = rowOf[r]
                                run[r] =
                                    firstColumn(
                                        atLeast: first, scoreColumns, starts[i], ends[i])..<firstColumn(
                                        atLeast: end, scoreColumns, starts[i], ends[i])
                            }
                            if sparse {
                                for r in 0..<k {
                                    for t in run[r] {
                                        let j = scoreColumns[t]
                                        if !hasEntries[j] { (columnScores + j * k).update(repeating: 0, count: k) }
                                        hasEntries[j] = true
                                    }
                                }
                            } else {
                                (columnScores + first * k).update(repeating: 0, count: (end - first) * k)
                            }
                            // Eight rows at a time, their t-th entries together: rows weighting
                            // the same miners then write each column's eight neighbouring slots
                            // one after another, a cache line at a time, where row by row every
                            // write would land on a line of its own.
                            for firstRow in stride(from: 0, to: k, by: 8) {
                                let block = firstRow..<min(firstRow + 8, k)
                                if let (column, count) = commonColumns(block, run, scoreColumns) {
                                    // Every row of the block weights the same consecutive
                                    // columns: no column to read, no end to check per entry.
                                    for t in 0..<count {
                                        let slots = columnScores + (column &+ t) &* k
                                        for r in block { slots[r] = scoreValues[run[r].lowerBound &+ t].bits }
                                    }
                                    for j in column..<(column + count) where !hasEntries[j] { hasEntries[j] = true }
                                    continue
                                }
                                let longest = block.reduce(0) { max($0, run[$1].count) }
                                for t in 0..<longest {
                                    for r in block {
                                        let entry = run[r].lowerBound &+ t
                                        guard entry < run[r].upperBound else { continue }
                                        let j = scoreColumns[entry]
                                        columnScores[j &* k &+ r] = scoreValues[entry].bits
                                        // Written once: parts on other cores share its lines.
                                        if !hasEntries[j] { hasEntries[j] = true }
                                    }
                                }
                            }
                            for c in first..<end where hasEntries[c] {
                                // A column nobody weighted is all zeros, whose median is 0.
                                result[c] = Fixed(
                                    bits: medians[part].median(
                                        score: columnScores + c * k, stake: stake.baseAddress!, count: k,
                                        minority: minority.bits, total: stakeSum.bits))
                            }
                        }
                    }
                }
            }
        }
        return result
    }

    /// The first column and the number of columns of the runs of `block`'s rows, when every
    /// run holds the same consecutive columns (rows are in strictly ascending column order,
    /// so a run of `count` entries from column c to c + count − 1 holds all of them).
    @inline(__always) static func commonColumns(
        _ block: Range<Int>, _ run: UnsafeMutablePointer<Range<Int>>, _ columns: UnsafeMutablePointer<Int>
    ) -> (Int, Int)? {
        let count = run[block.lowerBound].count
        guard count > 0 else { return nil }
        let column = columns[run[block.lowerBound].lowerBound]
        for r in block {
            let entries = run[r]
            guard entries.count == count, columns[entries.lowerBound] == column,
                columns[entries.upperBound &- 1] == column &+ count &- 1
            else { return nil }
        }
        return (column, count)
    }

    /// The first entry in `lower..<upper` of a row in strictly ascending column order whose
    /// column is at least `column` (`upper` if none). A dense row holds `column` exactly
    /// `column − columns[lower]` entries past its first, so that slot is looked at first;
    /// otherwise a binary search whose steps are selects, not branches (which way a step goes
    /// is a coin toss for the branch predictor: branching cost a quarter of the median's time).
    @inline(__always) static func firstColumn(
        atLeast column: Int, _ columns: UnsafeMutablePointer<Int>, _ lower: Int, _ upper: Int
    ) -> Int {
        guard lower < upper else { return lower }
        let offset = column &- columns[lower]
        if offset <= 0 { return lower }
        // Strictly ascending: every entry before one holding `column` is below it.
        if offset < upper &- lower && columns[lower &+ offset] == column { return lower &+ offset }
        // The answer stays in base...base + count.
        var base = lower
        var count = upper &- lower
        while count > 1 {
            let half = count &>> 1
            base = columns[base &+ half] < column ? base &+ half : base
            count &-= half
        }
        return base &+ (columns[base] < column ? 1 : 0)
    }

    /// `a + ratio · (b − a)` entry by entry, keeping values > 0 (`ratio` 0 is `a`, 1 is `b`).
    /// Only the union of both rows' columns can be non-zero, so rows are merged.
    static func interpolate(_ a: SparseMatrix, _ b: SparseMatrix, ratio: Fixed, into out: SparseMatrix) -> SparseMatrix
    {
        if ratio == .zero { return a }
        if ratio == .one { return b }
        return a.merged(with: b, Interpolation(ratio: ratio), into: out)
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
        scales: (new: ColumnDivisors, old: ColumnDivisors)? = nil, into out: SparseMatrix,
        sums: UnsafeMutablePointer<Fixed>? = nil, maxes: UnsafeMutablePointer<Fixed>? = nil
    ) -> SparseMatrix {
        let oneMinusAlpha = Fixed.one - alpha
        // An absent entry is 0, and 0 stays 0 through each step: no case for it.
        guard let (newScale, oldScale) = scales else {
            return new.merged(
                with: old, Average(alpha: alpha, oneMinusAlpha: oneMinusAlpha), into: out, sums: sums, maxes: maxes)
        }
        return withExtendedLifetime((newScale, oldScale)) {
            newScale.divisors.withUnsafeBufferPointer { newDivisors in
                oldScale.divisors.withUnsafeBufferPointer { oldDivisors in
                    new.merged(
                        with: old,
                        ScaledAverage(
                            alpha: alpha, oneMinusAlpha: oneMinusAlpha, newScale: newDivisors, oldScale: oldDivisors,
                            lanes: ColumnDivisors.vectorKernels ? (newScale.lanes, oldScale.lanes) : nil),
                        into: out, sums: sums, maxes: maxes)
                }
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
        /// The same divisors for the four-lane kernel, when it runs.
        let lanes: (new: synod_q32_columns, old: synod_q32_columns)?
        @inline(__always) func combine(_ j: Int, _ x: Fixed, _ y: Fixed) -> Fixed {
            alpha * newScale[j].divideUnlessZero(x) + oneMinusAlpha * oldScale[j].divideUnlessZero(y)
        }
        @inline(__always) func combineRun(
            _ columns: UnsafeMutablePointer<Int>, _ here: UnsafeMutablePointer<Fixed>,
            _ other: UnsafeMutablePointer<Fixed>, count: Int, into outColumns: UnsafeMutablePointer<Int>,
            _ outValues: UnsafeMutablePointer<Fixed>, sums: UnsafeMutablePointer<Fixed>,
            maxes: UnsafeMutablePointer<Fixed>
        ) -> Int {
            guard let lanes, count >= 4 else { return 0 }
            return Int(
                synod_q32_scaled_average(
                    .bits(columns), .bits(here), .bits(other), count, alpha.bits, oneMinusAlpha.bits, lanes.new,
                    lanes.old, .bits(outColumns), .bits(outValues), .bits(sums), .bits(maxes)))
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
            if let bad = firstBadEntry(rows, uids: n) {
                throw ConsensusError(
                    bad.repeated
                        ? "\(name)[\(bad.row)][\(bad.index)]: uid \(bad.uid) appears twice in row \(bad.row)"
                        : "\(name)[\(bad.row)][\(bad.index)]: uid \(bad.uid) is out of range (0..<\(n))")
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
    /// The first entry of `rows` whose uid is out of range or repeats in its row. Rows are
    /// checked in parts on several cores; the first part with a bad entry has the first.
    static func firstBadEntry(_ rows: [[SparseEntry]], uids n: Int) -> (row: Int, index: Int, uid: Int, repeated: Bool)?
    {
        typealias Bad = (row: Int, index: Int, uid: Int, repeated: Bool)
        let before = SparseMatrix.slots(of: rows)
        let parts = Parallel.split(rows.count, parts: Parallel.parts(for: before[rows.count])) { before[$0] }
        var found = [Bad?](repeating: nil, count: parts.count)
        found.withUnsafeMutableBufferPointer { found in
            Parallel.run(parts: parts.count) { part in
                // seen[uid] == row + 1 marks a uid already met in this row (no hashing, no clearing).
                let seen = UnsafeMutablePointer<Int>.allocate(capacity: n)
                defer { seen.deallocate() }
                seen.initialize(repeating: 0, count: n)
                for i in parts[part] {
                    let mark = i + 1
                    let bad = rows[i].withUnsafeBufferPointer { row -> Bad? in
                        // Strictly ascending uids within range (how the chain and Synod store
                        // rows) repeat none: one comparison each, no marks.
                        var last = -1
                        var ascending = true
                        for e in row {
                            ascending = ascending && e.uid > last
                            last = e.uid
                        }
                        if ascending && last < n { return nil }
                        for k in row.indices {
                            let uid = row[k].uid
                            guard UInt(bitPattern: uid) < UInt(n) else { return (i, k, uid, false) }
                            if seen[uid] == mark { return (i, k, uid, true) }
                            seen[uid] = mark
                        }
                        return nil
                    }
                    if let bad {
                        found[part] = bad
                        return
                    }
                }
            }
        }
        return found.lazy.compactMap { $0 }.first
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
