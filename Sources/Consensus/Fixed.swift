import CFixedPoint

/// A Q32.32 fixed-point number (`I32F32` in the chain's code): an `Int64` holding the value
/// times 2^32. Every epoch computation uses it, so results match the chain to the last bit.
///
/// Arithmetic saturates at the type's bounds. Multiplication keeps a 128-bit intermediate
/// and discards the low 32 bits (rounding toward −∞); division computes `(a << 32) / b`
/// in 128 bits, truncating, and gives 0 when dividing by 0 (the chain's `safe_div`).
///
/// ```swift
/// let third = Fixed(1) / Fixed(3)      // 0.333333333255…
/// third.u16Proportion                  // 21844 (floor(x · 65535))
/// ```
public struct Fixed: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// The raw value: the number times 2^32.
    public var bits: Int64

    public init(bits: Int64) { self.bits = bits }

    /// An integer value.
    public init(_ integer: Int64) { self.bits = Fixed.saturate(Int128(integer) << 32) }

    public static let zero = Fixed(bits: 0)
    public static let one = Fixed(1)

    /// `x / 65535`: a stored u16 read as a proportion.
    public init(u16Proportion x: UInt16) { self = Fixed.u16Max.divide(Fixed(Int64(x))) }

    /// 65535, prepared for division: every stored proportion is read through it.
    static let u16Max = FixedDivisor(Fixed(65535))

    /// `floor(self · 65535)`, saturated to 0…65535: a proportion as the chain stores it.
    public var u16Proportion: UInt16 {
        let scaled = (self * Fixed(65535)).bits >> 32
        return UInt16(clamping: scaled)
    }

    /// The value as a Double (for display only; never fed back into the computation).
    public var double: Double { Double(bits) / 4_294_967_296 }

    public var description: String { "\(double)" }

    static func saturate(_ x: Int128) -> Int64 {
        if x > Int128(Int64.max) { return .max }
        if x < Int128(Int64.min) { return .min }
        return Int64(x)
    }

    // The epoch's inner loops are these three operations, so each is the cheapest exact
    // form: the hardware's overflow flag for saturation, one widening multiply.
    @inline(__always) public static func + (a: Fixed, b: Fixed) -> Fixed {
        let (sum, overflow) = a.bits.addingReportingOverflow(b.bits)
        // On overflow both operands had the sign the true sum has.
        return Fixed(bits: overflow ? (a.bits < 0 ? .min : .max) : sum)
    }
    @inline(__always) public static func - (a: Fixed, b: Fixed) -> Fixed {
        let (difference, overflow) = a.bits.subtractingReportingOverflow(b.bits)
        return Fixed(bits: overflow ? (a.bits < 0 ? .min : .max) : difference)
    }
    @inline(__always) public static func * (a: Fixed, b: Fixed) -> Fixed {
        // The 128-bit product shifted right by 32 (floor): it fits in 64 bits exactly when
        // the high word's top 33 bits are all equal (all copies of the sign).
        let (high, low) = a.bits.multipliedFullWidth(by: b.bits)
        let shifted = Int64(bitPattern: (UInt64(bitPattern: high) << 32) | (low >> 32))
        guard high >> 31 == high >> 63 else { return Fixed(bits: high < 0 ? .min : .max) }
        return Fixed(bits: shifted)
    }
    @inline(__always) public static func / (a: Fixed, b: Fixed) -> Fixed {
        if a.bits >= 0 && b.bits > 0 {
            // The common case in an epoch: one hardware 128÷64 division (the quotient fits when
            // the high word is below the divisor) instead of a general 128-bit division call.
            let divisor = UInt64(b.bits)
            let high = UInt64(a.bits) >> 32
            if high < divisor {
                let q = synod_q32_divide(UInt64(a.bits), divisor)
                return Fixed(bits: q > UInt64(Int64.max) ? .max : Int64(q))
            }
            return Fixed(bits: .max)
        }
        return dividedInGeneral(a, b)
    }

    /// `/` for a divisor of 0 (the chain's `safe_div`: 0) or a negative operand: rare, kept out
    /// of line so the common case inlines into the epoch's loops.
    @inline(never) static func dividedInGeneral(_ a: Fixed, _ b: Fixed) -> Fixed {
        if b.bits == 0 { return .zero }
        return Fixed(bits: saturate((Int128(a.bits) << 32) / Int128(b.bits)))
    }
    public static func += (a: inout Fixed, b: Fixed) { a = a + b }

    public static func < (a: Fixed, b: Fixed) -> Bool { a.bits < b.bits }

    /// `floor(self · amount)` as the chain computes rao (I96F32), saturated to UInt64.
    public func scaled(_ amount: UInt64) -> UInt64 {
        if bits <= 0 { return 0 }
        let product = UInt128(UInt64(bits)) * UInt128(amount)
        let integer = product >> 32
        return integer > UInt128(UInt64.max) ? .max : UInt64(integer)
    }
}

extension Array where Element == Fixed {
    /// The sum, saturating.
    var total: Fixed { reduce(.zero, +) }

    /// Each element divided by the sum, unless the sum is 0 (then unchanged).
    func normalized() -> [Fixed] {
        let sum = total
        if sum == .zero { return self }
        let divisor = FixedDivisor(sum)
        return map(divisor.divide)
    }
}
