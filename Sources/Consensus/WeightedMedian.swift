/// The stake-weighted median of one column (YUMA.md, step 6), with the buffers its search
/// needs, reused from column to column and epoch to epoch.
///
/// The chain finds it by a mid-pivot search over the column's rows. Which pivots that search
/// meets depends on the rows' order, but what it returns does not: with `below(p)` the stake
/// of scores under `p` and `upTo(p)` the stake of scores at most `p` (exact sums: the stakes
/// are shares, far from saturating), it returns the one score with
/// `below(p) <= minority < upTo(p)`, the smallest score when `minority < 0`, and the largest
/// when `minority >= total`. So ``median(score:stake:count:minority:total:)`` may narrow
/// the column down first: one pass sorts the scores into buckets of equal width (a monotone
/// map, so a bucket's scores are all above the ones before it), the stake per bucket says
/// which bucket holds the median, and the chain's search runs on that bucket alone, starting
/// from the stake below it. A column of 64 validators becomes three linear passes and a
/// search over about four scores, instead of a search over 64.
final class WeightedMedian {
    private(set) var capacity = 0
    private var index: UnsafeMutablePointer<Int>
    private var lower: UnsafeMutablePointer<Int>
    private var upper: UnsafeMutablePointer<Int>
    private var scores: UnsafeMutablePointer<Int64>
    private var stakes: UnsafeMutablePointer<Int64>
    private var bucketOf: UnsafeMutablePointer<Int32>
    private let bucketStake: UnsafeMutablePointer<Int64>
    /// Most buckets a column is cut into.
    static let maxBuckets = 64

    init() {
        index = .allocate(capacity: 1)
        lower = .allocate(capacity: 1)
        upper = .allocate(capacity: 1)
        scores = .allocate(capacity: 1)
        stakes = .allocate(capacity: 1)
        bucketOf = .allocate(capacity: 1)
        bucketStake = .allocate(capacity: Self.maxBuckets)
        capacity = 1
    }

    deinit {
        for buffer in [index, lower, upper] { buffer.deallocate() }
        scores.deallocate()
        stakes.deallocate()
        bucketOf.deallocate()
        bucketStake.deallocate()
    }

    /// Room for columns of `count` rows.
    func reserve(_ count: Int) {
        guard count > capacity else { return }
        for buffer in [index, lower, upper] { buffer.deallocate() }
        scores.deallocate()
        stakes.deallocate()
        bucketOf.deallocate()
        index = .allocate(capacity: count)
        lower = .allocate(capacity: count)
        upper = .allocate(capacity: count)
        scores = .allocate(capacity: count)
        stakes = .allocate(capacity: count)
        bucketOf = .allocate(capacity: count)
        capacity = count
    }

    /// The stake-weighted median of `count` scores (raw Q32.32 bits) with their stakes,
    /// `minority = total − kappa`: what the chain's search returns, found as the type's
    /// comment says.
    func median(
        score: UnsafePointer<Int64>, stake: UnsafePointer<Int64>, count: Int, minority: Int64, total: Int64
    ) -> Int64 {
        precondition(count <= capacity, "WeightedMedian: reserve(\(count)) first")
        if count == 0 { return 0 }
        var smallest = score[0]
        var largest = score[0]
        for t in 1..<count {
            smallest = min(smallest, score[t])
            largest = max(largest, score[t])
        }
        if minority < 0 || smallest == largest { return smallest }
        if minority >= total { return largest }
        let buckets = min(Self.maxBuckets, max(count / 4, 1))
        let range = largest &- smallest
        if buckets < 4 || range < 0 {
            return search(score: score, stake: stake, count: count, minority: minority, lo: 0, hi: total)
        }
        // Bucket b holds the scores s with round((s − smallest) · scale) = b: a non-decreasing
        // map of s (exact or not, a double's product and rounding never reverse an order),
        // from 0 for the smallest to buckets − 1 for the largest. Rounding is adding 1.5 · 2^52
        // and reading the low bits: no conversion to check.
        let scale = Double(buckets - 1) / Double(range)
        let magic = 6_755_399_441_055_744.0
        bucketStake.update(repeating: 0, count: buckets)
        for t in 0..<count {
            let rounded = Double(score[t] &- smallest) * scale + magic
            let b = Int(truncatingIfNeeded: rounded.bitPattern &- magic.bitPattern)
            bucketOf[t] = Int32(truncatingIfNeeded: b)
            bucketStake[b] &+= stake[t]
        }
        // The first bucket whose stake, with all before it, exceeds the minority holds the
        // median (0 <= minority < total: there is one, and it is not empty, as an empty
        // bucket adds no stake).
        var below: Int64 = 0
        var chosen = -1
        for b in 0..<buckets {
            if minority < below &+ bucketStake[b] {
                chosen = b
                break
            }
            below &+= bucketStake[b]
        }
        guard chosen >= 0 else {
            return search(score: score, stake: stake, count: count, minority: minority, lo: 0, hi: total)
        }
        var kept = 0
        for t in 0..<count {
            scores[kept] = score[t]
            stakes[kept] = stake[t]
            kept &+= bucketOf[t] == chosen ? 1 : 0
        }
        return search(
            score: scores, stake: stakes, count: kept, minority: minority, lo: below,
            hi: below &+ bucketStake[chosen])
    }

    /// The chain's mid-pivot search (YUMA.md, step 6) over `count` scores, starting from
    /// stake `lo` below them and `hi` up to their top.
    func search(
        score: UnsafePointer<Int64>, stake: UnsafePointer<Int64>, count: Int, minority: Int64, lo: Int64, hi: Int64
    ) -> Int64 {
        precondition(count <= capacity, "WeightedMedian: reserve(\(count)) first")
        var lo = lo
        var hi = hi
        var count = count
        let idx = index
        for i in 0..<count { idx[i] = i }
        while true {
            if count == 0 { return 0 }
            if count == 1 { return score[idx[0]] }
            let pivot = score[idx[count / 2]]
            // Branch-free partition (which side a score falls is a coin toss for the branch
            // predictor): every index is written to both lists and kept by the one whose
            // count moves, so each side keeps the chain's order. Stakes are normalised
            // shares, non-negative and summing to about 1: plain integer sums never reach
            // the saturation that `Fixed`'s `+` guards against.
            var loStake: Int64 = 0
            var hiStake: Int64 = 0
            var nLower = 0
            var nUpper = 0
            for t in 0..<count {
                let i = idx[t]
                let v = score[i]
                let below = v < pivot ? 1 : 0
                let above = v > pivot ? 1 : 0
                lower[nLower] = i
                upper[nUpper] = i
                nLower &+= below
                nUpper &+= above
                let s = stake[i]
                loStake &+= s & -Int64(below)
                hiStake &+= s & -Int64(above)
            }
            let below = (Fixed(bits: lo) + Fixed(bits: loStake)).bits
            let notAbove = (Fixed(bits: hi) - Fixed(bits: hiStake)).bits
            if below <= minority && minority < notAbove { return pivot }
            if minority < below && nLower > 0 {
                hi = below
                idx.update(from: lower, count: nLower)
                count = nLower
            } else if notAbove <= minority && nUpper > 0 {
                lo = notAbove
                idx.update(from: upper, count: nUpper)
                count = nUpper
            } else {
                return pivot
            }
        }
    }
}
