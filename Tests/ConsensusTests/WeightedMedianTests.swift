import Testing

@testable import Consensus

/// The bucketed median must return what the chain's search returns on the whole column, for
/// every column: ties, zeros, zero stakes, a minority below 0 or at the total, columns of
/// every length around the bucketing's threshold.
@Suite("WeightedMedian")
struct WeightedMedianTests {
    @Test(arguments: 0..<4)
    func bucketedMedianIsTheChainsSearch(seed: Int) {
        var state = UInt64(seed) &* 0x9E37_79B9_7F4A_7C15 &+ 7
        func next() -> UInt64 {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return state >> 11
        }
        let median = WeightedMedian()
        median.reserve(300)
        for case_ in 0..<2000 {
            let count = Int(next() % 300)
            // Few distinct values (ties), spread values, or a column mostly of zeros.
            let style = next() % 3
            let scores = (0..<count).map { _ -> Int64 in
                switch style {
                case 0: return Int64(next() % 4) << 30
                case 1: return Int64(next() % (1 << 33))
                default: return next() % 4 == 0 ? Int64(next() % (1 << 32)) : 0
                }
            }
            let raw = (0..<count).map { _ in next() % 5 == 0 ? 0 : Int64(next() % 1_000_000) }
            let sum = max(raw.reduce(0, +), 1)
            // Normalised shares, as the epoch gives them.
            let stakes = raw.map { Int64((UInt128(UInt64($0)) << 32 / UInt128(UInt64(sum)))) }
            let total = stakes.reduce(0, +)
            let kappa: Int64 = [0, 1 << 31, (1 << 32) - 1, 1 << 32, Int64(next() % (1 << 32))][Int(next() % 5)]
            let minority = total - kappa
            let expected = median.search(
                score: scores, stake: stakes, count: count, minority: minority, lo: 0, hi: total)
            let found = median.median(score: scores, stake: stakes, count: count, minority: minority, total: total)
            #expect(found == expected, "case \(case_): \(count) scores, style \(style), minority \(minority)")
            if found != expected { return }
        }
    }
}
