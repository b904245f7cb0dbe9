import Testing

@testable import Consensus

/// The chain's classic-Yuma bond test (`tests/epoch.rs`, `test_bonds`, from the releases whose
/// bonds follow YUMA.md step 10: ΔB = W ⊙ S, column-normalised), replayed epoch by epoch:
/// four validators with stake 1, 2, 3, 4 weight four servers 0.1 … 0.4; then, one at a
/// time, they switch to self-weights (which are dropped) and the others' bonds grow
/// relative to theirs. The chain's asserted u16 bonds and rao emissions come out exactly.
@Suite("Yuma: the chain's bond trajectory, to the unit")
struct YumaChainBondsTests {
    struct Chain {
        var input: EpochInput
        var block: UInt64 = 1

        init(stake: [UInt64] = [1, 2, 3, 4, 0, 0, 0, 0], registeredAt: UInt64 = 1) {
            let n = stake.count
            var p = EpochParameters()
            p.maxAllowedValidators = n
            block = registeredAt
            input = EpochInput(
                currentBlock: registeredAt, emission: 1_000_000_000, stake: stake,
                weights: Array(repeating: [], count: n), validatorPermit: Array(repeating: false, count: n),
                lastUpdate: Array(repeating: registeredAt, count: n),
                blockAtRegistration: Array(repeating: registeredAt, count: n), lastTempoBlock: 0, parameters: p)
        }

        mutating func setWeights(_ uid: Int, _ targets: [Int], _ values: [UInt16]) {
            input.weights[uid] = zip(targets, Yuma.maxUpscaleToU16(values)).map { SparseEntry(uid: $0, value: $1) }
            input.lastUpdate[uid] = block
        }

        mutating func epoch() throws -> EpochOutput {
            input.currentBlock = block
            input.lastTempoBlock = block > 0 ? block - 1 : 0
            let out = try Yuma.epoch(input)
            input.bonds = out.bonds
            input.validatorPermit = out.validatorPermit
            return out
        }

        func bond(_ i: Int, _ j: Int) -> UInt16? { input.bonds[i].first { $0.uid == j }?.value }
    }

    @Test func bondsFollowTheChainExactly() throws {
        var chain = Chain()
        _ = try chain.epoch()  // the first epoch hands out permits
        #expect(chain.input.validatorPermit == [true, true, true, true, false, false, false, false])
        chain.block = 2
        for v in 0..<4 { chain.setWeights(v, [4, 5, 6, 7], [65535 / 4, 65535 / 2, (65535 / 4) * 3, 65535]) }
        let first = try chain.epoch()
        #expect((0..<4).map { chain.bond($0, 4) } == [16383, 32767, 49151, 65535])
        #expect(
            first.emission == [
                49_999_998, 99_999_999, 150_000_000, 200_000_001, 49_998_779, 100_000_610, 149_996_337, 200_004_272,
            ])

        // Validators 1, 2, 3 (uids 0, 1, 2) switch to self-weight one after another.
        chain.setWeights(0, [0], [65535])
        chain.block += 1
        _ = try chain.epoch()
        #expect((0..<4).map { chain.bond($0, 4) } == [14582, 32767, 49151, 65535])

        chain.setWeights(1, [1], [65535])
        chain.block += 1
        _ = try chain.epoch()
        #expect((0..<4).map { chain.bond($0, 4) } == [12603, 28321, 49151, 65535])

        chain.setWeights(2, [2], [65535])
        chain.block += 1
        let noConsensus = try chain.epoch()
        #expect((0..<4).map { chain.bond($0, 7) } == [12602, 28320, 49150, 65535])
        // One validator's weights are not a majority: no consensus, emission follows stake.
        #expect(noConsensus.emission == [99_999_999, 199_999_999, 299_999_999, 399_999_999, 0, 0, 0, 0])

        // Validator 3 (uid 2) weights server 4 (uid 7) only.
        chain.setWeights(2, [7], [65535])
        chain.block += 1
        let switched = try chain.epoch()
        #expect((0..<4).map { chain.bond($0, 7) } == [10951, 24609, 49150, 65535])
        #expect(switched.emission == [36_443_733, 81_898_628, 163_565_493, 218_092_144, 0, 0, 0, 500_000_000])

        chain.block += 1
        _ = try chain.epoch()
        #expect((0..<4).map { chain.bond($0, 7) } == [9559, 21482, 49150, 65535])

        chain.block += 1
        let last = try chain.epoch()
        #expect((0..<4).map { chain.bond($0, 7) } == [8376, 18824, 49150, 65535])
        #expect(last.emission == [29_518_068, 66_336_137, 173_203_134, 230_942_659, 0, 0, 0, 500_000_000])
    }

    /// The chain's `test_active_stake`: validators whose weights are older than the
    /// activity cutoff (5000 blocks) lose their active stake, and with it their share of
    /// new bonds; the asserted u16 dividends, rao emissions and bonds come out exactly.
    @Test func inactiveValidatorsLoseTheirShare() throws {
        var chain = Chain(stake: [1, 1, 1, 1], registeredAt: 0)
        _ = try chain.epoch()
        #expect(chain.input.validatorPermit == [true, true, true, true])
        chain.block = 1
        for v in 0..<2 { chain.setWeights(v, [2, 3], [32767, 32767]) }
        let first = try chain.epoch()
        #expect(first.dividends[0...1].map(\.u16Proportion) == [32767, 32767])
        #expect(first.emission == [250_000_000, 250_000_000, 250_000_000, 250_000_000])
        #expect(chain.input.bonds[0...1].allSatisfy { $0.map(\.value) == [65535, 65535] })

        // Block 5002: only uid 0 renews its weights; uid 1 (last update 1) is inactive.
        chain.block = 5002
        chain.setWeights(0, [2, 3], [32767, 32767])
        let second = try chain.epoch()
        #expect(second.dividends.map(\.u16Proportion)[0...1] == [36044, 29490])
        #expect(second.emission[0...1] == [274_999_999, 224_999_999])
        #expect(chain.input.bonds[0].map(\.value) == [65535, 65535])
        #expect(chain.input.bonds[1].map(\.value) == [53619, 53619])

        // uid 1 renews too; at block 5003 both are active again.
        chain.setWeights(1, [2, 3], [32767, 32767])
        chain.block = 5003
        let third = try chain.epoch()
        #expect(third.dividends.map(\.u16Proportion)[0...1] == [35716, 29818])
        #expect(third.emission[0...1] == [272_501_132, 227_498_866])
        #expect(chain.input.bonds[0].map(\.value) == [65535, 65535])
        #expect(chain.input.bonds[1].map(\.value) == [54712, 54712])
    }
}
