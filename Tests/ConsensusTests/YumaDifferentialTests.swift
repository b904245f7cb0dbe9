import Testing

@testable import Consensus

/// The optimised `Yuma.epoch` against `ReferenceYuma` (the plain implementation it replaced)
/// on random inputs covering every branch: unsorted rows, explicit zeros, self-weights,
/// masks, penalties between 0 and 1, classic and Yuma3, liquid alpha, tiny and empty subnets.
@Suite("Yuma, optimised vs reference")
struct YumaDifferentialTests {
    struct Generator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return state >> 11
        }
        mutating func below(_ n: Int) -> Int { Int(next() % UInt64(max(n, 1))) }
        mutating func chance(_ percent: Int) -> Bool { below(100) < percent }
        mutating func u16() -> UInt16 {
            switch below(4) {
            case 0: return 0
            case 1: return 65535
            default: return UInt16(truncatingIfNeeded: next())
            }
        }
    }

    /// A random subnet of up to 40 UIDs (some tiny or empty), or of `uids`, each row weighting
    /// a random share of the UIDs (at least `density` percent).
    static func randomInput(_ g: inout Generator, uids: Int? = nil, density least: Int = 10) -> EpochInput {
        let n = uids ?? (g.below(5) == 0 ? g.below(4) : 1 + g.below(40))
        let block = UInt64(13_000 + g.below(10_000))
        let stake = (0..<n).map { _ in g.chance(30) ? 0 : UInt64(1 + g.below(1_000_000_000)) }
        func row(_ density: Int) -> [SparseEntry] {
            var entries: [SparseEntry] = []
            for j in 0..<n where g.chance(density) { entries.append(SparseEntry(uid: j, value: g.u16())) }
            if g.chance(30) { entries.reverse() }
            return entries
        }
        let density = least + g.below(100 - least)
        let weights = (0..<n).map { _ in g.chance(20) ? [] : row(density) }
        let bonds = (0..<n).map { _ in g.chance(30) ? [] : row(density) }
        var p = EpochParameters()
        p.kappa = g.chance(50) ? 32767 : g.u16()
        p.bondsMovingAverage = UInt64(g.below(1_000_001))
        p.bondsPenalty = g.u16()
        p.yuma3 = g.chance(50)
        p.liquidAlpha = g.chance(60)
        p.alphaLow = UInt16(1638 + g.below(30_000))
        p.alphaHigh = p.alphaLow + UInt16(g.below(30_000))
        p.alphaSigmoidSteepness = Int16(truncatingIfNeeded: g.chance(50) ? 1000 : Int(g.next()))
        p.maxAllowedValidators = g.below(n + 3)
        p.activityCutoff = UInt64(g.below(6000))
        return EpochInput(
            currentBlock: block, emission: g.chance(10) ? 0 : UInt64(g.below(1 << 40)), stake: stake,
            weights: weights, bonds: bonds, validatorPermit: (0..<n).map { _ in g.chance(70) },
            lastUpdate: (0..<n).map { _ in block - UInt64(g.below(7000)) },
            blockAtRegistration: (0..<n).map { _ in block - UInt64(g.below(12000)) },
            lastTempoBlock: block - UInt64(g.below(400)), parameters: p)
    }

    @Test(arguments: 0..<8)
    func randomEpochsAgree(seed: Int) throws {
        var g = Generator(state: UInt64(seed) &* 0x9E37_79B9_7F4A_7C15 &+ 1)
        for case_ in 0..<150 {
            var input = Self.randomInput(&g)
            // Three epochs in a row, feeding stored bonds and permits forward.
            for epoch in 0..<3 {
                let fast = try Yuma.epoch(input)
                let reference = try ReferenceYuma.epoch(input)
                #expect(fast == reference, "seed \(seed) case \(case_) epoch \(epoch): outputs differ")
                if fast != reference { return }
                input.bonds = fast.bonds
                input.validatorPermit = fast.validatorPermit
                input.currentBlock += 1
            }
        }
    }

    /// Random subnets of 120 to 200 UIDs: enough entries that every step is split in parts
    /// over the cores (rows loaded, clipped and merged in parts, the median's columns), with
    /// the small subnets' unsorted rows, masks, penalties and rules.
    @Test(arguments: 0..<2)
    func largeRandomEpochsSplitOverTheCoresAgree(seed: Int) throws {
        var g = Generator(state: UInt64(seed) &* 0x2545_F491_4F6C_DD1D &+ 3)
        for case_ in 0..<6 {
            var input = Self.randomInput(&g, uids: 120 + g.below(80), density: 50)
            #expect(Parallel.parts(for: input.weights.reduce(0) { $0 + $1.count }) == Parallel.width)
            for epoch in 0..<2 {
                let fast = try Yuma.epoch(input)
                #expect(fast == (try ReferenceYuma.epoch(input)), "seed \(seed) case \(case_) epoch \(epoch)")
                input.bonds = fast.bonds
                input.validatorPermit = fast.validatorPermit
                input.currentBlock += 1
            }
        }
    }

    /// `n` UIDs whose first `validators` stake and weight every miner.
    static func denseSubnet(n: Int, validators: Int, seed: UInt64, parameters: EpochParameters) -> EpochInput {
        var g = Generator(state: seed)
        let stake = (0..<n).map { $0 < validators ? UInt64(1 + g.below(1_000_000_000)) : 0 }
        let weights = (0..<n).map { i in
            i < validators ? (validators..<n).map { SparseEntry(uid: $0, value: g.u16()) } : []
        }
        return EpochInput(
            currentBlock: 100, emission: 1_000_000_000, stake: stake, weights: weights, parameters: parameters)
    }

    /// `epochs` epochs in a row, bonds and permits fed forward, each the reference's bits.
    static func agree(from input: EpochInput, epochs: Int) throws {
        var input = input
        for _ in 0..<epochs {
            let fast = try Yuma.epoch(input)
            #expect(fast == (try ReferenceYuma.epoch(input)))
            input.bonds = fast.bonds
            input.validatorPermit = fast.validatorPermit
        }
    }

    /// Large enough (128 validators × 572 miners) that the median's columns and the bonds'
    /// rows are split over the cores.
    @Test func subnetSplitOverTheCoresAgrees() throws {
        #expect(Parallel.parts(for: 128 * 572) == Parallel.width)
        try Self.agree(
            from: Self.denseSubnet(n: 700, validators: 128, seed: 7, parameters: EpochParameters()), epochs: 2)
    }

    @Test func denseSubnetAgrees() throws {
        // A bonds penalty of 1 (65535) takes classic Yuma's shortcut (ΔB from the ranks'
        // terms).
        for (yuma3, penalty) in [(false, 40000), (false, 65535), (true, 40000)] as [(Bool, UInt16)] {
            var p = EpochParameters()
            p.yuma3 = yuma3
            p.liquidAlpha = yuma3
            p.bondsPenalty = penalty
            try Self.agree(from: Self.denseSubnet(n: 256, validators: 64, seed: 42, parameters: p), epochs: 3)
        }
    }
}
