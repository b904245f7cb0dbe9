import Foundation
import Testing

@testable import Consensus

/// Liquid alpha (Yuma3): the fixed-point `exp` and the multi-epoch bond and dividend
/// trajectories of the chain's own Yuma3 tests (`tests/epoch.rs`, "yuma_3" scenarios),
/// replayed by feeding each epoch's stored bonds and permits into the next.
@Suite("Yuma3 and liquid alpha")
struct YumaLiquidAlphaTests {
    // MARK: exp

    @Test func expSpecialCases() {
        #expect(Fixed.exp(.zero) == .one)
        #expect(Fixed.exp(.one) == Fixed.eConstant)
        #expect(Fixed.eConstant.bits == 11_674_931_200)  // floor(e · 2^23) · 2^9
        #expect(Fixed.exp(Fixed(bits: .min)) == nil)
        #expect(Fixed.exp(Fixed(20)) != nil)  // the chain clamps the sigmoid's argument to ±20
        #expect(Fixed.exp(Fixed(21)) == nil)  // a term times 21 leaves the range before the sum does
    }

    @Test func expFollowsTheTruncatedSeries() throws {
        // An independent evaluation of the same series with Int128 arithmetic.
        func reference(_ bits: Int64) -> Int64 {
            let x = Int128(abs(bits))
            var sum = x + (1 << 32)
            var term = x
            for i in 2..<32 {
                term = ((term * x) >> 32) / Int128(i)
                sum += term
            }
            if bits < 0 { return Int64((Int128(1) << 64) / sum) }
            return Int64(sum)
        }
        for bits: Int64 in [
            1, 7, 1 << 31, 3 << 31, -(1 << 31), -(5 << 32), 5 << 32, -(20 << 32), 20 << 32, 123_456_789,
        ] {
            let value = try #require(Fixed.exp(Fixed(bits: bits)))
            #expect(value.bits == reference(bits), "exp(\(Fixed(bits: bits)))")
        }
        // Close to the real function (not exact: the series is truncated at every step).
        for x in stride(from: -10.0, through: 10.0, by: 0.5) where x != 0 && x != 1 {
            let fixed = Fixed(bits: Int64(x * 4_294_967_296))
            let value = try #require(Fixed.exp(fixed)).double
            let expected = Foundation.exp(x)
            #expect(abs(value - expected) <= max(1e-6, expected * 1e-7), "exp(\(x))")
        }
    }

    @Test func sigmoidAtTheDefaults() {
        var p = EpochParameters()
        p.alphaLow = 6553
        p.alphaHigh = 19660
        let sigmoid = Yuma.AlphaSigmoid(parameters: p)
        #expect(sigmoid.slope == Fixed(-10))
        // Weight at consensus, no bond: diff 0 → sigmoid(−5) ≈ 0.0067 → alpha ≈ 0.1013.
        let buying = sigmoid.alpha(consensus: .one, weight: .one, bond: .zero).double
        #expect(abs(buying - 0.10134) < 1e-4)
        // Weight far above consensus: diff 1 → alpha close to high.
        let far = sigmoid.alpha(consensus: .zero, weight: .one, bond: .zero).double
        #expect(abs(far - 0.29866) < 1e-4)
        // The result stays in [low, high] for a negative steepness too.
        p.alphaSigmoidSteepness = -32768
        let inverted = Yuma.AlphaSigmoid(parameters: p)
        let a = inverted.alpha(consensus: .zero, weight: .one, bond: .zero)
        #expect(a >= Fixed(u16Proportion: 6553) && a <= Fixed(u16Proportion: 19660))
    }

    // MARK: Chain scenarios

    /// The chain tests' setup: kappa 32767, bonds penalty 0, bonds moving average 975000,
    /// steepness 1000, alpha 0.1…0.3 (stored 6553, 19660), 3 validator permits, tempo 1.
    struct Scenario {
        var stake: [UInt64]
        var liquidAlpha = true
        var state: EpochInput
        var block: UInt64 = 2

        init(stake: [UInt64], liquidAlpha: Bool = true) throws {
            self.stake = stake
            self.liquidAlpha = liquidAlpha
            var p = EpochParameters()
            p.kappa = 32767
            p.bondsPenalty = 0
            p.bondsMovingAverage = 975_000
            p.alphaSigmoidSteepness = 1000
            p.alphaLow = 6553
            p.alphaHigh = 19660
            p.yuma3 = true
            p.liquidAlpha = liquidAlpha
            p.maxAllowedValidators = 3
            let n = stake.count
            // Registered at block 1 without permits; the first epoch hands them out.
            state = EpochInput(
                currentBlock: block, emission: 1_000_000_000, stake: stake,
                weights: Array(repeating: [], count: n), validatorPermit: Array(repeating: false, count: n),
                lastUpdate: Array(repeating: 1, count: n), blockAtRegistration: Array(repeating: 1, count: n),
                lastTempoBlock: block - 1, parameters: p)
            _ = try advance()
        }

        /// Sets a validator's weights on the miners (`set_weights` stores them max-upscaled,
        /// zeros included) at the current block.
        mutating func setWeights(_ rows: [[UInt16]], on miners: [Int]) {
            for (uid, row) in rows.enumerated() {
                let stored = Yuma.maxUpscaleToU16(row)
                state.weights[uid] = zip(miners, stored).map { SparseEntry(uid: $0, value: $1) }
                state.lastUpdate[uid] = block
            }
        }

        /// Moves to the next block and runs the epoch there, storing its bonds and permits.
        mutating func advance() throws -> EpochOutput {
            block += 1
            state.currentBlock = block
            state.lastTempoBlock = block - 1
            let out = try Yuma.epoch(state)
            state.bonds = out.bonds
            state.validatorPermit = out.validatorPermit
            return out
        }

        /// Runs one epoch and checks the stored bonds of the validators on the miners and the
        /// dividends against the chain test's targets (its tolerance: 1e-3).
        mutating func check(
            bonds targetBonds: [[Double]], dividends targetDividends: [Double], miners: [Int],
            sourceLocation: SourceLocation = #_sourceLocation
        ) throws {
            let out = try advance()
            for (i, target) in targetBonds.enumerated() {
                let row = out.bonds[i]
                let actual = miners.map { j in Double(row.first { $0.uid == j }?.value ?? 0) / 65535 }
                #expect(
                    zip(actual, target).allSatisfy { abs($0 - $1) <= 1e-3 }, "bonds[\(i)] \(actual) vs \(target)",
                    sourceLocation: sourceLocation)
            }
            let dividends = out.dividends.map { Double($0.u16Proportion) / 65535 }
            #expect(
                zip(dividends, targetDividends).allSatisfy { abs($0 - $1) <= 1e-3 },
                "dividends \(dividends) vs \(targetDividends)", sourceLocation: sourceLocation)
        }
    }

    static let allToFirst: [[UInt16]] = Array(repeating: [65535, 0], count: 3)
    static let allToSecond: [[UInt16]] = Array(repeating: [0, 65535], count: 3)

    @Test func kappaMovesFirst() throws {
        var s = try Scenario(stake: [8, 1, 1, 0, 0])
        let moves: [[[UInt16]]?] = [
            Self.allToFirst, [[0, 65535], [65535, 0], [65535, 0]], [[0, 65535], [0, 65535], [65535, 0]],
            Self.allToSecond, nil, nil,
        ]
        let bonds: [[[Double]]] = [
            [[0.1013, 0], [0.1013, 0], [0.1013, 0]],
            [[0.0908, 0.1013], [0.3697, 0], [0.3697, 0]],
            [[0.0815, 0.1924], [0.3170, 0.1013], [0.5580, 0]],
            [[0.0731, 0.2742], [0.2765, 0.1924], [0.4306, 0.1013]],
            [[0.0656, 0.3478], [0.2435, 0.2742], [0.3589, 0.1924]],
            [[0.0588, 0.4139], [0.2157, 0.3478], [0.3089, 0.2742]],
        ]
        let dividends: [[Double]] = [
            [0.8, 0.1, 0.1, 0, 0], [1, 0, 0, 0, 0], [0.9382, 0.0618, 0, 0, 0],
            [0.8819, 0.0773, 0.0407, 0, 0], [0.8564, 0.0844, 0.0592, 0, 0], [0.8418, 0.0884, 0.0697, 0, 0],
        ]
        for epoch in 0..<6 {
            if let w = moves[epoch] { s.setWeights(w, on: [3, 4]) }
            try s.check(bonds: bonds[epoch], dividends: dividends[epoch], miners: [3, 4])
        }
    }

    @Test func kappaMovesSecond() throws {
        var s = try Scenario(stake: [8, 1, 1, 0, 0])
        let moves: [[[UInt16]]?] = [
            Self.allToFirst, [[65535, 0], [0, 65535], [65535, 0]], [[0, 65535], [0, 65535], [65535, 0]],
            Self.allToSecond, nil, nil,
        ]
        let bonds: [[[Double]]] = [
            [[0.1013, 0], [0.1013, 0], [0.1013, 0]],
            [[0.1924, 0], [0.0908, 0.2987], [0.1924, 0]],
            [[0.1715, 0.1013], [0.0815, 0.3697], [0.4336, 0]],
            [[0.1531, 0.1924], [0.0731, 0.4336], [0.3608, 0.1013]],
            [[0.1369, 0.2742], [0.0656, 0.4910], [0.3103, 0.1924]],
            [[0.1225, 0.3478], [0.0588, 0.5426], [0.2712, 0.2742]],
        ]
        let dividends: [[Double]] = [
            [0.8, 0.1, 0.1, 0, 0], [0.8446, 0.0498, 0.1056, 0, 0], [0.6868, 0.3132, 0, 0, 0],
            [0.7421, 0.2090, 0.0489, 0, 0], [0.7625, 0.1706, 0.0669, 0, 0], [0.7730, 0.1508, 0.0762, 0, 0],
        ]
        for epoch in 0..<6 {
            if let w = moves[epoch] { s.setWeights(w, on: [3, 4]) }
            try s.check(bonds: bonds[epoch], dividends: dividends[epoch], miners: [3, 4])
        }
    }

    @Test func kappaMovesLast() throws {
        var s = try Scenario(stake: [8, 1, 1, 0, 0])
        let moves: [[[UInt16]]?] = [
            Self.allToFirst, [[65535, 0], [0, 65535], [65535, 0]], [[65535, 0], [0, 65535], [0, 65535]],
            Self.allToSecond, nil, nil,
        ]
        let bonds: [[[Double]]] = [
            [[0.1013, 0], [0.1013, 0], [0.1013, 0]],
            [[0.1924, 0], [0.0908, 0.2987], [0.1924, 0]],
            [[0.2742, 0], [0.0815, 0.5081], [0.1715, 0.2987]],
            [[0.2416, 0.1013], [0.0731, 0.5580], [0.1531, 0.3697]],
            [[0.2141, 0.1924], [0.0656, 0.6028], [0.1369, 0.4336]],
            [[0.1903, 0.2742], [0.0588, 0.6430], [0.1225, 0.4910]],
        ]
        let dividends: [[Double]] = [
            [0.8, 0.1, 0.1, 0, 0], [0.8446, 0.0498, 0.1056, 0, 0], [0.8966, 0.0333, 0.0701, 0, 0],
            [0.4663, 0.3210, 0.2127, 0, 0], [0.5976, 0.2340, 0.1683, 0, 0], [0.6592, 0.1932, 0.1475, 0, 0],
        ]
        for epoch in 0..<6 {
            if let w = moves[epoch] { s.setWeights(w, on: [3, 4]) }
            try s.check(bonds: bonds[epoch], dividends: dividends[epoch], miners: [3, 4])
        }
    }

    @Test func oneEpochSwitch() throws {
        var s = try Scenario(stake: [33, 33, 34, 0, 0])
        let bonds: [[[Double]]] = [
            [[0.1013, 0], [0.1013, 0], [0.1013, 0]],
            [[0.1924, 0], [0.1924, 0], [0.1924, 0]],
            [[0.2742, 0], [0.2742, 0], [0.1715, 0.2987]],
            [[0.3478, 0], [0.3478, 0], [0.2554, 0.2618]],
            [[0.4139, 0], [0.4139, 0], [0.3309, 0.2312]],
            [[0.4733, 0], [0.4733, 0], [0.3987, 0.2051]],
        ]
        let dividends: [[Double]] = [
            [0.33, 0.33, 0.34, 0, 0], [0.33, 0.33, 0.34, 0, 0], [0.3782, 0.3782, 0.2436, 0, 0],
            [0.3628, 0.3628, 0.2745, 0, 0], [0.3541, 0.3541, 0.2917, 0, 0], [0.3487, 0.3487, 0.3026, 0, 0],
        ]
        for epoch in 0..<6 {
            s.setWeights(epoch == 2 ? [[65535, 0], [65535, 0], [0, 65535]] : Self.allToFirst, on: [3, 4])
            try s.check(bonds: bonds[epoch], dividends: dividends[epoch], miners: [3, 4])
        }
    }

    @Test func liquidAlphaDisabled() throws {
        var s = try Scenario(stake: [33, 33, 34, 0, 0], liquidAlpha: false)
        let bonds: [[[Double]]] = [
            [[0.0250, 0], [0.0250, 0], [0.0250, 0]],
            [[0.0494, 0], [0.0494, 0], [0.0494, 0]],
            [[0.0731, 0], [0.0731, 0], [0.0481, 0.0250]],
            [[0.0963, 0], [0.0963, 0], [0.0719, 0.0244]],
            [[0.1189, 0], [0.1189, 0], [0.0951, 0.0238]],
            [[0.1409, 0], [0.1409, 0], [0.1178, 0.0232]],
        ]
        let dividends: [[Double]] = [
            [0.33, 0.33, 0.34, 0, 0], [0.33, 0.33, 0.34, 0, 0], [0.3734, 0.3734, 0.2532, 0, 0],
            [0.3611, 0.3611, 0.2779, 0, 0], [0.3541, 0.3541, 0.2919, 0, 0], [0.3495, 0.3495, 0.3009, 0, 0],
        ]
        for epoch in 0..<6 {
            s.setWeights(epoch == 2 ? [[65535, 0], [65535, 0], [0, 65535]] : Self.allToFirst, on: [3, 4])
            try s.check(bonds: bonds[epoch], dividends: dividends[epoch], miners: [3, 4])
        }
    }

    @Test func stableMiner() throws {
        var s = try Scenario(stake: [8, 1, 1, 0, 0, 0])
        let half: UInt16 = 32767
        let firstAndThird: [UInt16] = [half, 0, half]
        let secondAndThird: [UInt16] = [0, half, half]
        let moves: [[[UInt16]]?] = [
            Array(repeating: firstAndThird, count: 3), [firstAndThird, secondAndThird, firstAndThird],
            [secondAndThird, secondAndThird, firstAndThird], Array(repeating: secondAndThird, count: 3), nil, nil,
        ]
        let bonds: [[[Double]]] = [
            [[0.0507, 0, 0.0507], [0.0507, 0, 0.0507], [0.0507, 0, 0.0507]],
            [[0.0962, 0, 0.0962], [0.0455, 0.1000, 0.0962], [0.0962, 0, 0.0962]],
            [[0.0863, 0.0507, 0.1371], [0.0408, 0.1405, 0.1371], [0.1770, 0, 0.1371]],
            [[0.0774, 0.0962, 0.1739], [0.0367, 0.1770, 0.1739], [0.1579, 0.0507, 0.1739]],
            [[0.0694, 0.1371, 0.2069], [0.0329, 0.2097, 0.2069], [0.1411, 0.0962, 0.2069]],
            [[0.0623, 0.1739, 0.2366], [0.0296, 0.2391, 0.2366], [0.1263, 0.1371, 0.2366]],
        ]
        let dividends: [[Double]] = [
            [0.8, 0.1, 0.1, 0, 0, 0], [0.8226, 0.0745, 0.1028, 0, 0, 0], [0.7750, 0.1685, 0.0565, 0, 0, 0],
            [0.7864, 0.1372, 0.0764, 0, 0, 0], [0.7912, 0.1241, 0.0847, 0, 0, 0], [0.7937, 0.1173, 0.0890, 0, 0, 0],
        ]
        for epoch in 0..<6 {
            if let w = moves[epoch] { s.setWeights(w, on: [3, 4, 5]) }
            try s.check(bonds: bonds[epoch], dividends: dividends[epoch], miners: [3, 4, 5])
        }
    }
}
