import Testing

@testable import Consensus

/// A prepared divisor gives the quotient `/` gives, for every numerator and divisor, by
/// reciprocal and by `divq` alike (whichever this machine prefers, the other is checked too).
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
}
