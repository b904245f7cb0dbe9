import CFixedPoint

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A ``Fixed`` divisor prepared once for many divisions: `divisor.divide(a)` is `a / divisor`
/// bit for bit. An epoch divides tens of thousands of entries by a few hundred row and
/// column sums, and how best to do that depends on the CPU: a 128-by-64-bit `divq` costs
/// 40–90 cycles on many Intel cores but about 10 on recent AMD ones, where multiplying by a
/// precomputed reciprocal and correcting (about 15 cycles anywhere) loses. Both give the
/// same quotient, so the faster one on this machine is measured once, at first use.
///
/// ```swift
/// let sum = FixedDivisor(Fixed(3))
/// sum.divide(Fixed(1)) == Fixed(1) / Fixed(3)   // true
/// ```
struct FixedDivisor {
    let divisor: Fixed
    private let prepared: synod_q32_divisor
    private let byReciprocal: Bool

    init(_ divisor: Fixed) {
        self.init(divisor, byReciprocal: Self.reciprocalIsFaster)
    }

    /// A divisor that divides by reciprocal or by `divq` as told (tests compare both).
    init(_ divisor: Fixed, byReciprocal: Bool) {
        self.divisor = divisor
        self.byReciprocal = byReciprocal && divisor.bits > 0
        prepared = self.byReciprocal ? synod_q32_divisor_make(UInt64(divisor.bits)) : synod_q32_divisor()
    }

    /// `a / divisor`, exactly as ``Fixed``'s `/` computes it (0 when the divisor is 0).
    @inline(__always) func divide(_ a: Fixed) -> Fixed {
        guard byReciprocal else { return a / divisor }
        let b = divisor.bits
        guard a.bits >= 0 else { return a / divisor }
        guard UInt64(a.bits) >> 32 < UInt64(b) else { return Fixed(bits: .max) }
        let q = withUnsafePointer(to: prepared) { synod_q32_divide_by(UInt64(a.bits), $0) }
        return Fixed(bits: q > UInt64(Int64.max) ? .max : Int64(q))
    }

    /// `a / divisor`, or `a` unchanged when the divisor is 0: how the chain's
    /// normalisations treat an all-zero column or row.
    @inline(__always) func divideUnlessZero(_ a: Fixed) -> Fixed {
        divisor == .zero ? a : divide(a)
    }

    /// Whether dividing by reciprocal beats `divq` on this CPU: the best of five timings of
    /// 4,096 divisions each way (about a millisecond, once per process). The environment
    /// variable `SYNOD_DIVISION` (`reciprocal` or `divq`) decides instead, to compare them.
    static let reciprocalIsFaster: Bool = {
        if let chosen = getenv("SYNOD_DIVISION").map({ String(cString: $0) }), ["reciprocal", "divq"].contains(chosen) {
            return chosen == "reciprocal"
        }
        var numerators: [Fixed] = []
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        for _ in 0..<4096 {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            numerators.append(Fixed(bits: Int64(state >> 33)))
        }
        let sums = (0..<64).map { Fixed(bits: Int64(1 << 33) + Int64($0) * 7919) }
        func best(byReciprocal: Bool) -> Duration {
            let divisors = sums.map { FixedDivisor($0, byReciprocal: byReciprocal) }
            let clock = ContinuousClock()
            var fastest = Duration.seconds(1)
            var sink: Int64 = 0
            for _ in 0..<5 {
                let start = clock.now
                for (k, a) in numerators.enumerated() { sink &+= divisors[k & 63].divide(a).bits }
                fastest = min(fastest, clock.now - start)
            }
            blackHole(sink)
            return fastest
        }
        return best(byReciprocal: true) < best(byReciprocal: false)
    }()

    @inline(never) private static func blackHole(_ value: Int64) { _ = value }
}

extension Yuma {
    /// How this process divides by a row's or column's sum and why: "reciprocal" or "divq"
    /// (both exact), measured the faster here or chosen by `SYNOD_DIVISION`. Benchmarks
    /// print it.
    public static var divisionMethod: String {
        (FixedDivisor.reciprocalIsFaster ? "reciprocal" : "divq")
            + (getenv("SYNOD_DIVISION") != nil ? " (set by SYNOD_DIVISION)" : " (measured the faster here)")
    }
}
