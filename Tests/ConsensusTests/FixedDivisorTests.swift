import Testing

@testable import Consensus

/// A prepared divisor gives the quotient `/` gives, for every numerator and divisor, by
/// reciprocal and by `divq` alike.
@Suite("FixedDivisor")
struct FixedDivisorTests {
    @Test func preparedDivisionIsTheQuotientOfDivision() {
        let values = FixedTests.samples(600)
        for b in values {
            let divisor = FixedDivisor(Fixed(bits: b), byReciprocal: true)
            let byDivq = FixedDivisor(Fixed(bits: b), byReciprocal: false)
            for a in values {
                let expected = Fixed(bits: a) / Fixed(bits: b)
                #expect(divisor.divide(Fixed(bits: a)) == expected, "\(a) / \(b)")
                #expect(byDivq.divide(Fixed(bits: a)) == expected, "\(a) / \(b)")
            }
        }
    }

    /// Numerators at the edge of each divisor's range: the largest whose quotient fits, the
    /// divisor itself (1.0), one unit, and the quotients' rounding boundaries.
    @Test func edgesOfTheQuotientRange() {
        for shift in 0..<63 {
            let b = Int64(1) << shift | Int64(shift)  // every width, not only powers of two
            let divisor = FixedDivisor(Fixed(bits: b), byReciprocal: true)
            let top = b < (1 << 31) ? (b << 32) - 1 : Int64.max
            for a in [0, 1, b - 1, b, b + 1, top, top - 1] where a >= 0 {
                #expect(divisor.divide(Fixed(bits: a)) == Fixed(bits: a) / Fixed(bits: b), "\(a) / \(b)")
            }
        }
        for byReciprocal in [true, false] {
            #expect(FixedDivisor(.zero, byReciprocal: byReciprocal).divide(Fixed(5)) == .zero)
            #expect(FixedDivisor(.zero, byReciprocal: byReciprocal).divideUnlessZero(Fixed(5)) == Fixed(5))
        }
    }

    /// Numerators where the quotient steps from q − 1 to q (the smallest a with
    /// a · 2^32 >= q · b, and the one below it), for quotients up to the reciprocal's limit of
    /// 2^45 and past it: where an estimate off by one would show.
    @Test func quotientSteps() {
        var state: UInt64 = 0x5DEE_CE66_D1CE_4E5B
        func next() -> UInt64 {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return state
        }
        for _ in 0..<20_000 {
            let b = Int64(next() >> UInt64(1 + next() % 62)) | 1
            let q = UInt128(next() >> UInt64(16 + next() % 48))
            let product = q * UInt128(UInt64(b))
            let a = (product + (1 << 32) - 1) >> 32
            guard a <= UInt128(Int64.max) else { continue }
            let divisor = FixedDivisor(Fixed(bits: b), byReciprocal: true)
            for numerator in [Int64(a), Int64(a) - 1] where numerator >= 0 {
                let expected = Fixed(bits: numerator) / Fixed(bits: b)
                #expect(divisor.divide(Fixed(bits: numerator)) == expected, "\(numerator) / \(b)")
            }
        }
    }
}
