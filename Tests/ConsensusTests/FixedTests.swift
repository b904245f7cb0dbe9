import Testing

@testable import Consensus

/// The saturating Q32.32 operations against their definition in 128-bit integers.
@Suite("Fixed arithmetic")
struct FixedTests {
    static func saturated(_ x: Int128) -> Int64 {
        x > Int128(Int64.max) ? .max : (x < Int128(Int64.min) ? .min : Int64(x))
    }

    /// Values of every magnitude and sign, and the bounds themselves.
    static func samples(_ count: Int) -> [Int64] {
        var state: UInt64 = 0x5EED
        var values: [Int64] = [0, 1, -1, .max, .min, .max - 1, .min + 1, 1 << 32, -(1 << 32), 1 << 31, 1 << 62]
        while values.count < count {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            let magnitude = Int64(bitPattern: state) >> Int64((state >> 7) % 63)
            values.append(magnitude)
        }
        return values
    }

    @Test func addSubtractAndMultiplySaturateExactlyAsWideIntegers() {
        let values = Self.samples(400)
        for a in values {
            for b in values {
                let (x, y) = (Fixed(bits: a), Fixed(bits: b))
                #expect((x + y).bits == Self.saturated(Int128(a) + Int128(b)), "\(a) + \(b)")
                #expect((x - y).bits == Self.saturated(Int128(a) - Int128(b)), "\(a) - \(b)")
                #expect((x * y).bits == Self.saturated((Int128(a) * Int128(b)) >> 32), "\(a) * \(b)")
            }
        }
    }

    /// A stored proportion, `floor(x · 65535)` clamped to u16, is the 128-bit product's
    /// whatever the value: in the plain 64-bit range of its fast path, at its edges, beyond.
    @Test func u16ProportionIsTheWideProduct() {
        var state: UInt64 = 99
        func next() -> UInt64 {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return state
        }
        let edges: [Int64] = [
            0, 1, -1, 1 << 32, (1 << 32) - 1, (1 << 47) - 1, 1 << 47, -(1 << 47) + 1, -(1 << 47), .max, .min,
        ]
        let random = (0..<20_000).map { _ in Int64(bitPattern: next()) >> Int64(next() % 63) }
        for bits in edges + random {
            // x · 65535 in Q32.32: the 128-bit product of the bits and 65535 · 2^32, shifted
            // back by 32 (exact here), saturated; then its integer part, clamped.
            let expected = UInt16(clamping: Self.saturated(Int128(bits) * 65535) >> 32)
            #expect(Fixed(bits: bits).u16Proportion == expected, "\(bits)")
        }
    }
}
