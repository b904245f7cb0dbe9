import CFixedPoint
import Testing

@testable import Consensus

/// The four-lane kernels (`CFixedPoint/kernels.c`) against the scalar arithmetic they stand
/// in for: every entry a kernel takes must be the scalar path's bits, at the edges of the
/// kernels' bounds too; and ordinary entries must be taken (on a CPU with AVX2 and FMA), or
/// the kernels would be a no-op nobody noticed.
@Suite("ColumnDivisors")
struct ColumnDivisorsTests {
    static let vector = synod_q32_vector_available() != 0

    struct Generator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return state ^ (state >> 29)
        }
        /// A non-negative value of random width below 2^bits, sometimes an edge of the kernels'
        /// bounds, sometimes negative.
        mutating func value(below bits: Int = 63) -> Int64 {
            switch next() % 16 {
            case 0: return [0, 1, 1 << 32, (1 << 32) - 1, (1 << 33) - 1, 1 << 33][Int(next() % 6)]
            case 1: return [(1 << 52) - 1, 1 << 52, (1 << 53) - 1, 1 << 53, .max][Int(next() % 5)]
            case 2: return -Int64(next() >> 40)
            default: return Int64(next() >> UInt64(64 - bits + Int(next() % UInt64(bits))))
            }
        }
        /// A divisor: 0, small, near the exactness bound, or a large multiple of 2^10 or 2^32
        /// (column sums of stored u16 bonds).
        mutating func divisor() -> Int64 {
            switch next() % 8 {
            case 0: return 0
            case 1: return Int64(next() >> 11) << 10 | (next() % 2 == 0 ? 0 : 1)
            case 2: return Int64(next() >> 33) << 32
            case 3: return .max
            default: return value(below: 56)
            }
        }
    }

    static func divisors(_ bits: [Int64]) -> ColumnDivisors {
        ColumnDivisors(bits.map { FixedDivisor(Fixed(bits: $0), byReciprocal: true) })
    }

    /// 3,000 rounds of `body` (a third of them ordinary: inputs every kernel must take),
    /// each returning how many entries its kernel took; on a CPU with the kernels, they
    /// must have taken plenty.
    static func rounds(seed: UInt64, _ body: (inout Generator, _ round: Int, _ ordinary: Bool) -> Int) {
        var g = Generator(state: seed)
        var taken = 0
        for round in 0..<3_000 { taken += body(&g, round, round % 3 == 0) }
        #expect(!vector || taken > 10_000)
    }

    @Test func eachQuotientTakenIsTheQuotient() {
        var g = Generator(state: 1)
        var taken = 0
        for _ in 0..<20_000 {
            let b = max(g.divisor(), 1)
            let divisor = FixedDivisor(Fixed(bits: b), byReciprocal: true)
            var values = (0..<8).map { _ in g.value() }
            let original = values
            let k = synod_q32_divide_each(&values, 8, b, ColumnDivisors.scale(of: Fixed(bits: b)))
            taken += k
            for i in 0..<8 {
                let expected = i < k ? divisor.divide(Fixed(bits: original[i])).bits : original[i]
                #expect(values[i] == expected, "\(original[i]) / \(b)")
            }
        }
        // Shares divided by their sum: always within the bounds.
        var shares: [Int64] = [1 << 32, 3 << 30, 12345, 0]
        let k = synod_q32_divide_each(&shares, 4, 7 << 32, ColumnDivisors.scale(of: Fixed(bits: 7 << 32)))
        #expect(!Self.vector || (k == 4 && taken > 10_000))
    }

    /// Numerators where the quotient steps from q − 1 to q, for quotients up to the kernels'
    /// bound and divisors past 2^53: where an estimate off by one would show.
    @Test func quotientStepsThroughTheKernel() {
        var g = Generator(state: 2)
        var taken = 0
        for _ in 0..<20_000 {
            let kind = g.next() % 3
            // Wide divisors past 2^53: multiples of 2^10 (a double holds them) or odd (it does
            // not); and ones above 2^62 a double would round by 2^9, with quotients near 2^21,
            // where a kernel that took them would be one off about once in ten.
            let b =
                switch kind {
                case 0: Int64(g.next() >> UInt64(11 + g.next() % 52)) | 1
                case 1: Int64(g.next() >> 12) << 10 | Int64(g.next() % 2)
                default: Int64(1 << 62 | (g.next() >> 12) << 10 | 1 << 9 | 1)
                }
            let q = UInt128(kind == 2 ? 1 << 20 | g.next() >> 44 : g.next() >> UInt64(19 + g.next() % 45))
            let a = (q * UInt128(UInt64(b)) + (1 << 32) - 1) >> 32
            guard a > 0, a < 1 << 52 else { continue }
            var values = [Int64(a), Int64(a) - 1, Int64(a) + 1, Int64(a)]
            let original = values
            let k = synod_q32_divide_each(&values, 4, b, ColumnDivisors.scale(of: Fixed(bits: b)))
            taken += k
            for i in 0..<k {
                #expect(values[i] == (Fixed(bits: original[i]) / Fixed(bits: b)).bits, "\(original[i]) / \(b)")
            }
        }
        #expect(!Self.vector || taken > 20_000)
    }

    @Test func scaledAverageTakenIsTheScalarMerge() {
        Self.rounds(seed: 3) { g, round, ordinary in
            let n = 64
            // Ordinary: a share of the column's sum (ΔB's), a stored bond of its column's sum of bonds.
            let xd = Self.divisors((0..<n).map { _ in ordinary ? Int64(g.next() >> 24) + (1 << 40) : g.divisor() })
            let yd = Self.divisors(
                (0..<n).map { _ in ordinary ? (Int64(g.next() >> 44) | 1 << 16) << 32 : g.divisor() })
            let alpha = Fixed(bits: Int64(g.next() % (1 << 32)) + (round % 7 == 0 && !ordinary ? 1 << 32 : 0))
            let first = Int(g.next() % 16)
            let count = 4 + Int(g.next() % 40)
            var columns = (0..<count).map { first + $0 }
            var x = (0..<count).map { _ in ordinary ? Int64(g.next() >> 24) : g.value(below: 54) }
            var y = (0..<count).map { _ in ordinary ? Int64(g.next() >> 48) << 32 : g.value(below: 54) }
            var sums = (0..<n).map { _ in ordinary ? Int64(g.next() >> 30) : g.value() }
            var maxes = (0..<n).map { _ in g.value(below: 36) }
            let (sums0, maxes0) = (sums, maxes)
            var outColumns = [Int64](repeating: -1, count: count)
            var outValues = [Int64](repeating: -1, count: count)
            let k = columns.withUnsafeMutableBufferPointer { c in
                synod_q32_scaled_average(
                    .bits(c.baseAddress!), &x, &y, count, alpha.bits, (.one - alpha).bits, xd.lanes, yd.lanes,
                    &outColumns, &outValues, &sums, &maxes)
            }
            if ordinary { #expect(!Self.vector || k == count / 4 * 4) }
            var expectedSums = sums0
            var expectedMaxes = maxes0
            for i in 0..<k {
                let j = columns[i]
                // The scalar rule the merge uses.
                let v = xd.divisors.withUnsafeBufferPointer { xs in
                    yd.divisors.withUnsafeBufferPointer { ys in
                        Yuma.ScaledAverage(
                            alpha: alpha, oneMinusAlpha: .one - alpha, newScale: xs, oldScale: ys, lanes: nil
                        ).combine(j, Fixed(bits: x[i]), Fixed(bits: y[i]))
                    }
                }
                #expect(v == Fixed(bits: outValues[i]) && v > .zero, "entry \(i) of round \(round)")
                #expect(outColumns[i] == Int64(j))
                expectedSums[j] = (Fixed(bits: expectedSums[j]) + v).bits
                expectedMaxes[j] = max(expectedMaxes[j], v.bits)
            }
            #expect(sums == expectedSums && maxes == expectedMaxes, "round \(round)")
            #expect(outValues[k...].allSatisfy { $0 == -1 })
            return k
        }
    }

    @Test func normalizeDotTakenIsTheScalarSweep() {
        Self.rounds(seed: 4) { g, round, ordinary in
            let n = 64
            let sums = Self.divisors((0..<n).map { _ in ordinary ? Int64(g.next() >> 28) + (1 << 36) : g.divisor() })
            let weight = (0..<n).map { _ in ordinary ? Int64(g.next() >> 32) : g.value(below: 36) }
            let first = Int(g.next() % 16)
            let count = 4 + Int(g.next() % 40)
            var columns = (0..<count).map { first + $0 }
            var values = (0..<count).map { _ in ordinary ? Int64(g.next() >> 30) : g.value(below: 54) }
            let original = values
            let start = round % 5 == 0 && !ordinary ? g.value() : 0
            var total = start
            let k = columns.withUnsafeMutableBufferPointer { c in
                synod_q32_normalize_dot(.bits(c.baseAddress!), &values, count, sums.lanes, weight, &total)
            }
            if ordinary { #expect(!Self.vector || k == count / 4 * 4) }
            var expected = Fixed(bits: start)
            for i in 0..<count {
                let j = columns[i]
                guard i < k else {
                    #expect(values[i] == original[i])
                    continue
                }
                let v = sums.divisors[j].divideUnlessZero(Fixed(bits: original[i]))
                #expect(values[i] == v.bits, "entry \(i) of round \(round)")
                expected += Fixed(bits: weight[j]) * v
            }
            #expect(total == expected.bits, "round \(round)")
            return k
        }
    }

    @Test func clipTakenIsTheScalarClip() {
        Self.rounds(seed: 5) { g, round, ordinary in
            let n = 64
            let threshold = (0..<n).map { _ in ordinary ? Int64(g.next() >> 32) + 1 : g.value(below: 36) }
            let stake = Fixed(bits: ordinary ? Int64(g.next() >> 32) : g.value(below: 35))
            let first = Int(g.next() % 16)
            let count = 4 + Int(g.next() % 40)
            var columns = (0..<count).map { first + $0 }
            let weights = (0..<count).map { _ in ordinary ? Int64(g.next() >> 32) : g.value(below: 36) }
            var ranks = (0..<n).map { _ in Int64(bitPattern: g.next()) }
            let ranks0 = ranks
            var clipped = [Int64](repeating: -1, count: count)
            var staked = [Int64](repeating: -1, count: count)
            var outColumns = [Int64](repeating: -1, count: count)
            let trust0 = Int64(bitPattern: g.next())
            var trust = trust0
            let k = columns.withUnsafeMutableBufferPointer { c in
                synod_q32_clip(
                    .bits(c.baseAddress!), weights, count, threshold, stake.bits, &clipped, &staked, &outColumns,
                    &ranks, &trust)
            }
            if ordinary { #expect(!Self.vector || k == count / 4 * 4) }
            var expectedRanks = ranks0
            var expectedTrust = trust0
            for i in 0..<k {
                let j = columns[i]
                let (v, t) = (Fixed(bits: weights[i]), Fixed(bits: threshold[j]))
                #expect(!(t < v && t <= .zero), "a dropped entry taken, round \(round)")
                let value = t < v ? t : v
                #expect(clipped[i] == value.bits && staked[i] == (stake * value).bits, "entry \(i) of round \(round)")
                #expect(outColumns[i] == Int64(j))
                expectedRanks[j] &+= (stake * value).bits
                expectedTrust &+= value.bits
            }
            #expect(ranks == expectedRanks && trust == expectedTrust, "round \(round)")
            return k
        }
    }

    @Test func proportionsTakenAreTheStoredValues() {
        Self.rounds(seed: 6) { g, round, ordinary in
            let n = 64
            let scale = Self.divisors((0..<n).map { _ in ordinary ? Int64(g.next() >> 30) + (1 << 32) : g.divisor() })
            let first = Int(g.next() % 16)
            let count = 4 + Int(g.next() % 40)
            var columns = (0..<count).map { first + $0 }
            let values = (0..<count).map { _ in ordinary ? Int64(g.next() >> 32) : g.value(below: 54) }
            var out = [SparseEntry](repeating: SparseEntry(uid: -1, value: 7), count: count)
            let k = columns.withUnsafeMutableBufferPointer { c in
                out.withUnsafeMutableBufferPointer { out in
                    synod_q32_proportions(
                        .bits(c.baseAddress!), values, count, scale.lanes,
                        UnsafeMutableRawPointer(out.baseAddress!).assumingMemoryBound(to: synod_stored_entry.self))
                }
            }
            if ordinary { #expect(!Self.vector || k == count / 4 * 4) }
            for i in 0..<count {
                let expected =
                    i < k
                    ? SparseEntry(
                        uid: columns[i],
                        value: scale.divisors[columns[i]].divideUnlessZero(Fixed(bits: values[i])).u16Proportion)
                    : SparseEntry(uid: -1, value: 7)
                #expect(out[i] == expected, "entry \(i) of round \(round)")
            }
            return k
        }
    }

    @Test func loadTakenIsTheScalarLoad() {
        #expect(ColumnDivisors.storedLayoutMatches, "SparseEntry's layout changed: the load kernel is off")
        Self.rounds(seed: 7) { g, round, ordinary in
            let n = 64
            let count = 4 + Int(g.next() % 40)
            var uid = Int(g.next() % 8)
            let entries = (0..<count).map { _ -> SparseEntry in
                // Mostly consecutive; sometimes a gap, a step back or a repeat.
                if !ordinary && g.next() % 8 == 0 { uid += [-2, 0, 2][Int(g.next() % 3)] }
                defer { uid += 1 }
                return SparseEntry(uid: min(max(uid, 0), n - 1), value: UInt16(truncatingIfNeeded: g.next()))
            }
            let skip = ordinary || g.next() % 2 == 0 ? Int64(-1) : Int64(g.next() % UInt64(n))
            let updated = g.next() % 1000 + 500
            let registered = (0..<n).map { _ in ordinary || g.next() % 16 != 0 ? g.next() % 500 : g.next() }
            let masked = (0..<n).map { _ in !ordinary && g.next() % 16 == 0 }
            let useRegistered = round % 2 == 0
            var sums = (0..<n).map { _ in ordinary ? Int64(g.next() >> 20) : g.value() }
            let sums0 = sums
            var columns = [Int64](repeating: -1, count: count)
            var values = [Int64](repeating: -1, count: count)
            let last0 = ordinary ? -1 : Int64(g.next() % 4) - 1
            var last = last0
            var total = Int64(g.next() >> 40)
            let total0 = total
            let k = entries.withUnsafeBufferPointer { row in
                masked.withUnsafeBufferPointer { masked in
                    synod_q32_load(
                        ColumnDivisors.stored(row)!, count, &last, skip, useRegistered ? registered : nil, updated,
                        useRegistered ? nil : UnsafeRawPointer(masked.baseAddress!).assumingMemoryBound(to: UInt8.self),
                        &columns, &values, &sums, &total)
                }
            }
            if ordinary { #expect(!Self.vector || k == count / 4 * 4) }
            var expectedSums = sums0
            var expectedLast = last0
            var expectedTotal = total0
            for i in 0..<k {
                let e = entries[i]
                let kept = Int64(e.uid) != skip && (useRegistered ? updated > registered[e.uid] : !masked[e.uid])
                #expect(kept && Int64(e.uid) > expectedLast, "entry \(i) of round \(round) should not be taken")
                #expect(columns[i] == Int64(e.uid) && values[i] == Int64(e.value) << 32, "entry \(i) of round \(round)")
                expectedSums[e.uid] = (Fixed(bits: expectedSums[e.uid]) + Fixed(bits: Int64(e.value) << 32)).bits
                expectedTotal &+= Int64(e.value)
                expectedLast = Int64(e.uid)
            }
            #expect(sums == expectedSums && last == expectedLast && total == expectedTotal, "round \(round)")
            return k
        }
    }
}
