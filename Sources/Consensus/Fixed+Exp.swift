extension Fixed {
    /// `e` as the chain's fixed-point library holds it: 23 fractional bits (`I9F23`),
    /// widened to Q32.32. `exp(1)` returns exactly this, not the series' value.
    static let eConstant = Fixed(bits: 22_802_600 << 9)

    /// `e^x` computed exactly as the chain's `substrate_fixed::transcendental::exp` does for
    /// `I32F32`, so liquid alpha's sigmoid matches it bit for bit.
    ///
    /// The series `1 + x + x²/2! + …` runs for the terms 2 through 31 (no early stop), on
    /// `|x|`: each term is the previous one times `|x|` (truncated) divided by `i`
    /// (truncated). For negative `x` the result is `1 / e^|x|`. `exp(0)` is 1 and `exp(1)` is
    /// ``eConstant``. Returns `nil` where the chain's function fails: a term or the sum
    /// leaves the Q32.32 range (somewhere between
    /// `|x| = 20` and 21; liquid alpha clamps its argument to ±20).
    public static func exp(_ x: Fixed) -> Fixed? {
        if x.bits == 0 { return .one }
        if x == .one { return eConstant }
        guard x.bits != .min else { return nil }
        let negative = x.bits < 0
        let operand = negative ? -x.bits : x.bits
        var (result, overflow) = operand.addingReportingOverflow(Fixed.one.bits)
        if overflow { return nil }
        var term = operand
        for i in 2..<Int64(32) {
            let product = (Int128(term) * Int128(operand)) >> 32
            guard product <= Int128(Int64.max) else { return nil }
            term = Int64(product) / i
            (result, overflow) = result.addingReportingOverflow(term)
            if overflow { return nil }
        }
        if negative {
            // 1 / result: the quotient fits, since result > 1 here.
            return Fixed.one / Fixed(bits: result)
        }
        return Fixed(bits: result)
    }
}
