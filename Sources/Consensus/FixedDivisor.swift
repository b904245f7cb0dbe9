import CFixedPoint

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A ``Fixed`` divisor prepared once for many divisions: `divisor.divide(a)` is `a / divisor`
/// bit for bit. An epoch divides tens of thousands of entries by a few hundred row and
/// column sums. A 128-by-64-bit `divq` costs 40–90 cycles on many Intel cores (about 10 on
/// recent AMD ones); multiplying by the divisor's reciprocal as a double, rounding, and
/// correcting by the exact integer remainder costs a few cycles on both, and gives the same
/// quotient wherever it applies (a quotient below 2^45: every normalisation's). Outside
/// that, `/` does it.
///
/// ```swift
/// let sum = FixedDivisor(Fixed(3))
/// sum.divide(Fixed(1)) == Fixed(1) / Fixed(3)   // true
/// ```
struct FixedDivisor {
    let divisor: Fixed
    /// The reciprocal, or all zeros to divide by `/` (then no numerator is taken).
    private let prepared: synod_q32_divisor

    init(_ divisor: Fixed) {
        self.init(divisor, byReciprocal: Self.byReciprocal)
    }

    /// A divisor that divides by reciprocal or by `divq` as told (tests compare both).
    init(_ divisor: Fixed, byReciprocal: Bool) {
        self.divisor = divisor
        prepared = byReciprocal && divisor.bits > 0 ? synod_q32_divisor_make(UInt64(divisor.bits)) : synod_q32_divisor()
    }

    /// `a / divisor`, exactly as ``Fixed``'s `/` computes it (0 when the divisor is 0).
    @inline(__always) func divide(_ a: Fixed) -> Fixed {
        // The condition is true for every entry of a normalisation (a <= divisor): one
        // well-predicted branch.
        guard synod_q32_divide_by_takes(UInt64(bitPattern: a.bits), prepared.divisor) != 0 else {
            return a / divisor
        }
        return withUnsafePointer(to: prepared) {
            Fixed(bits: Int64(bitPattern: synod_q32_divide_by(UInt64(a.bits), $0)))
        }
    }

    /// `a / divisor`, or `a` unchanged when the divisor is 0: how the chain's
    /// normalisations treat an all-zero column or row.
    @inline(__always) func divideUnlessZero(_ a: Fixed) -> Fixed {
        divisor == .zero ? a : divide(a)
    }

    /// Whether divisors multiply by their reciprocal (the default) or issue `divq`, as the
    /// environment variable `SYNOD_DIVISION` (`reciprocal` or `divq`) may choose, to compare
    /// them (`make test` runs the consensus tests both ways).
    static let byReciprocal: Bool = {
        getenv("SYNOD_DIVISION").map { String(cString: $0) } != "divq"
    }()
}

extension Yuma {
    /// How this process divides by a row's or column's sum: "reciprocal" or "divq" (both
    /// exact). Benchmarks print it.
    public static var divisionMethod: String {
        (FixedDivisor.byReciprocal ? "reciprocal" : "divq")
            + (getenv("SYNOD_DIVISION") != nil ? " (set by SYNOD_DIVISION)" : " (the default)")
    }
}
