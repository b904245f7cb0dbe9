import Testing

@testable import Consensus

/// The worked examples of YUMA.md (from the chain's own tests).
@Suite("Yuma consensus")
struct YumaTests {
    func close(_ a: [Fixed], _ b: [Double], tolerance: Double = 1e-6) -> Bool {
        a.count == b.count && zip(a, b).allSatisfy { abs($0.double - $1) <= tolerance }
    }

    func threeValidatorsTwoMiners(v2: [UInt16]) -> EpochInput {
        let row = { (w: [UInt16]) in [SparseEntry(uid: 3, value: w[0]), SparseEntry(uid: 4, value: w[1])] }
        return EpochInput(
            currentBlock: 1, emission: 1_000_000_000, stake: [1_000_000_000, 1_000_000_000, 1_000_000_000, 0, 0],
            weights: [row([65535, 0]), row([0, 65535]), row(v2), [], []],
            lastUpdate: [1, 1, 1, 1, 1])
    }

    @Test func exampleOneMajorityAgreement() throws {
        let out = try Yuma.epoch(threeValidatorsTwoMiners(v2: [65535, 0]))
        #expect(close(out.consensus, [0, 0, 0, 1, 0]))
        #expect(close(out.validatorTrust, [1, 0, 1, 0, 0]))
        #expect(close(out.dividends, [0.5, 0, 0.5, 0, 0]))
        let total = Double(out.emission.reduce(0, +))
        #expect(zip(out.emission, [0.25, 0, 0.25, 0.5, 0]).allSatisfy { abs(Double($0) / total - $1) < 1e-6 })
    }

    @Test func exampleTwoSplitVote() throws {
        let out = try Yuma.epoch(threeValidatorsTwoMiners(v2: [65535, 65535]))
        #expect(close(out.dividends, [0.25, 0.25, 0.5, 0, 0]))
        let total = Double(out.emission.reduce(0, +))
        #expect(zip(out.emission, [0.125, 0.125, 0.25, 0.25, 0.25]).allSatisfy { abs(Double($0) / total - $1) < 1e-6 })
    }

    @Test func exampleThreeNoWeightsFollowsStake() throws {
        let out = try Yuma.epoch(
            EpochInput(
                currentBlock: 1, emission: 1_000_000_000, stake: [1_000_000_000, 1_000_000_000], weights: [[], []]))
        #expect(close(out.consensus, [0, 0]))
        #expect(out.emission == [500_000_000, 500_000_000])
    }

    @Test func exampleFourWeightedMedianKernel() {
        func median(_ stake: [Double], _ score: [Double]) -> Double {
            let s = stake.map { Fixed(bits: Int64(($0 * 4_294_967_296).rounded())) }
            let c = score.map { Fixed(bits: Int64(($0 * 4_294_967_296).rounded())) }
            let minority = s.total - Fixed(bits: Int64((0.51 * 4_294_967_296).rounded()))
            let search = WeightedMedian()
            search.reserve(s.count)
            let stakes = s.map(\.bits)
            let scores = c.map(\.bits)
            let found = search.search(
                score: scores, stake: stakes, count: s.count, minority: minority.bits, lo: 0, hi: s.total.bits)
            #expect(
                search.median(
                    score: scores, stake: stakes, count: s.count, minority: minority.bits, total: s.total.bits)
                    == found)
            return Fixed(bits: found).double
        }
        #expect(abs(median([0.2, 0.2, 0.2, 0.2, 0.2], [0.8, 0.2, 1.0, 0.6, 0.4]) - 0.6) < 1e-9)
        #expect(abs(median([0.51, 0.49], [0.5, 1.0]) - 0.5) < 1e-9)
        #expect(abs(median([0.49, 0.51], [0.5, 1.0]) - 1.0) < 1e-9)
        #expect(abs(median([0.49, 0.01, 0.5], [0.5, 0.7, 1.0]) - 0.7) < 1e-9)
    }

    @Test func exampleFiveColumnClip() throws {
        // Clip rows [0,2,3],[4,5,6],[7,8,9],[10,11,12] at thresholds [0,5,12].
        let rows: [[Int64]] = [[0, 2, 3], [4, 5, 6], [7, 8, 9], [10, 11, 12]]
        let thresholds: [Fixed] = [Fixed(0), Fixed(5), Fixed(12)]
        let clipped = rows.map { row in
            row.enumerated().compactMap { j, v -> Int64? in
                let value = Fixed(v)
                if thresholds[j] < value { return thresholds[j] > .zero ? thresholds[j].bits >> 32 : 0 }
                return v
            }
        }
        #expect(clipped == [[0, 2, 3], [0, 5, 6], [0, 5, 9], [0, 5, 12]])
    }

    @Test func theTraceExplainsTheOutput() throws {
        let input = threeValidatorsTwoMiners(v2: [65535, 65535])
        let (output, trace) = try Yuma.epochWithTrace(input)
        #expect(output == (try Yuma.epoch(input)))
        // Incentive is the normalised ranks; clipped weights never exceed the weights.
        let total = trace.ranks.reduce(Fixed.zero, +)
        #expect(trace.ranks.map { $0 / total } == output.incentive)
        for (row, clippedRow) in zip(trace.weights, trace.clipped) {
            for entry in clippedRow {
                #expect(entry.value <= (row.first { $0.uid == entry.uid }?.value ?? .zero))
            }
        }
        #expect(trace.weights[2].map(\.uid) == [3, 4])
        #expect(trace.bondsAreNormalized)
    }

    @Test func fixedPointFollowsTheChainRules() {
        #expect((Fixed(1) / Fixed(3)).bits == 1_431_655_765)  // floor(2^32 / 3)
        #expect(Fixed(1) / Fixed.zero == .zero)
        #expect((Fixed(1) / Fixed(3)).u16Proportion == 21844)
        #expect(Fixed.one.u16Proportion == 65535)
        #expect(Fixed(u16Proportion: 65535) == .one)
        #expect((Fixed(bits: 3) * Fixed(bits: 1 << 31)).bits == 1)  // truncates
        #expect(Fixed(bits: 1 << 31).scaled(3) == 1)  // floor(0.5 * 3)
    }

    @Test func stakeIsNormalisedInQ64ThenTruncated() {
        let s = Yuma.normalizedStake([1, 2])
        #expect(s[0].bits == 1_431_655_765)
        #expect(s[1].bits == 2_863_311_530)
    }

    @Test func permitsGoToTheTopStakesAndTheLowerUidLosesTies() {
        let s = [Fixed(0), Fixed(5), Fixed(5), Fixed(3)]
        #expect(Yuma.topKNonzero(s, k: 2) == [false, true, true, false])
        #expect(Yuma.topKNonzero([Fixed(5), Fixed(5), Fixed(5)], k: 2) == [false, true, true])
        #expect(Yuma.topKNonzero([Fixed(0), Fixed(1)], k: 4) == [false, true])
    }

    @Test func bondsAndPermitsRoundTripIntoTheNextEpoch() throws {
        var input = threeValidatorsTwoMiners(v2: [65535, 0])
        let first = try Yuma.epoch(input)
        #expect(first.bonds[0] == [SparseEntry(uid: 3, value: 65535)])
        input.bonds = first.bonds
        input.validatorPermit = first.validatorPermit
        input.currentBlock = 2
        input.lastTempoBlock = 1
        let second = try Yuma.epoch(input)
        #expect(close(second.dividends, [0.5, 0, 0.5, 0, 0]))
    }

    @Test(arguments: [
        ("weights", "weights: has 2 entries, expected 5 (one per uid, like stake)"),
        ("uid", "weights[0][0]: uid 9 is out of range (0..<5)"),
        ("duplicate", "weights[1][1]: uid 3 appears twice in row 1"),
    ])
    func badInputsNameTheFieldAndIndex(kind: String, message: String) {
        var input = threeValidatorsTwoMiners(v2: [65535, 0])
        switch kind {
        case "weights": input.weights = [[], []]
        case "uid": input.weights[0] = [SparseEntry(uid: 9, value: 1)]
        default: input.weights[1] = [SparseEntry(uid: 3, value: 1), SparseEntry(uid: 3, value: 2)]
        }
        #expect(throws: ConsensusError(message)) { try Yuma.epoch(input) }
    }

    /// Rows are checked in parts on several cores: the first bad entry is still the one named,
    /// whichever part finds a bad entry first.
    @Test func theFirstBadEntryIsNamedWhenRowsAreCheckedInParts() {
        let n = 200
        var input = EpochInput(
            currentBlock: 1, emission: 1, stake: (0..<n).map { _ in 1 },
            weights: (0..<n).map { _ in (0..<n).map { SparseEntry(uid: $0, value: 1) } })
        #expect(Parallel.parts(for: n * n) > 1 || Parallel.width == 1)
        input.weights[170][5] = SparseEntry(uid: 900, value: 1)
        input.weights[120][7] = SparseEntry(uid: 3, value: 1)
        #expect(throws: ConsensusError("weights[120][7]: uid 3 appears twice in row 120")) { try Yuma.epoch(input) }
        input.weights[120][7] = SparseEntry(uid: 7, value: 1)
        #expect(throws: ConsensusError("weights[170][5]: uid 900 is out of range (0..<200)")) {
            try Yuma.epoch(input)
        }
    }

    /// The median finds each row's run of a part's columns by a guess for dense rows and a
    /// select-stepped binary search otherwise: both must give the first entry at or past the
    /// column, as a scan does, for dense rows, rows with gaps, runs starting past 0, and
    /// columns before, inside, between and after the entries.
    @Test func firstColumnIsTheFirstEntryAtOrPastTheColumn() {
        var state: UInt64 = 99
        func next() -> Int {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Int(state >> 33)
        }
        for case_ in 0..<3000 {
            let gap = case_ % 3 == 0 ? 1 : 1 + next() % 4
            var column = next() % 20
            var row: [Int] = [-1, -1]  // entries before the range searched
            for _ in 0..<(next() % 70) {
                row.append(column)
                column += next() % gap == 0 ? 1 : gap
            }
            let end = row.count
            row.append(contentsOf: [Int.max, Int.max])  // entries past it
            row.withUnsafeMutableBufferPointer { row in
                for wanted in -1...(column + 2) {
                    let expected = (2..<end).first { row[$0] >= wanted } ?? end
                    let found = Yuma.firstColumn(atLeast: wanted, row.baseAddress!, 2, end)
                    #expect(found == expected, "case \(case_): column \(wanted) in \(Array(row[2..<end]))")
                    if found != expected { return }
                }
            }
        }
    }
}

@Suite("Fixed division")
struct FixedDivisionTests {
    @Test func fastPathAgreesWithWideDivision() {
        var state: UInt64 = 12345
        func next() -> UInt64 {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return state
        }
        for _ in 0..<20_000 {
            let a = Fixed(bits: Int64(next() >> UInt64(1 + next() % 40)))
            let b = Fixed(bits: Int64(max(1, next() >> UInt64(1 + next() % 50))))
            let wide = (Int128(a.bits) << 32) / Int128(b.bits)
            let expected = wide > Int128(Int64.max) ? Int64.max : Int64(wide)
            #expect((a / b).bits == expected, "\(a.bits) / \(b.bits)")
        }
        #expect((Fixed(-3) / Fixed(2)).bits == -(3 << 31))  // negative: the wide path, truncating
    }
}
