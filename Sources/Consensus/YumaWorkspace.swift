import Synchronization

/// The buffers one epoch computes in, kept for the next: an epoch at 1024 UIDs fills some
/// 10 MB of matrices, and memory that large comes fresh from the kernel (mapped and zeroed
/// page by page) every time it is allocated anew. ``borrow(_:)`` lends a workspace from a
/// small pool, so epochs running at the same time each get their own.
final class YumaWorkspace: @unchecked Sendable {
    // @unchecked: a workspace is used by one epoch at a time, handed over through the pool's
    // mutex.
    let weights = SparseMatrix()
    let clipped = SparseMatrix()
    let staked = SparseMatrix()
    let interpolated = SparseMatrix()
    let bonds = SparseMatrix()
    let delta = SparseMatrix()
    let ema = SparseMatrix()
    /// One median search per part of the columns.
    private(set) var medians: [WeightedMedian] = []
    /// Column-major scores of the staked rows, for the median.
    private var scores = UnsafeMutablePointer<Int64>.allocate(capacity: 1)
    private var scoresCapacity = 1

    deinit { scores.deallocate() }

    /// `parts` median searches with room for columns of `rows` rows.
    func medians(parts: Int, rows: Int) -> [WeightedMedian] {
        while medians.count < parts { medians.append(WeightedMedian()) }
        for median in medians.prefix(parts) { median.reserve(rows) }
        return Array(medians.prefix(parts))
    }

    /// Room for `count` column scores (not cleared).
    func columnScores(_ count: Int) -> UnsafeMutablePointer<Int64> {
        if count > scoresCapacity {
            scores.deallocate()
            scoresCapacity = count
            scores = .allocate(capacity: count)
        }
        return scores
    }

    /// Bytes held, to keep only workspaces of ordinary size.
    var bytes: Int {
        [weights, clipped, staked, interpolated, bonds, delta, ema].reduce(0) { $0 + $1.bytes }
            + scoresCapacity * 8 + medians.reduce(0) { $0 + $1.capacity * 44 }
    }

    private static let pool = Mutex<[YumaWorkspace]>([])
    /// At most this many idle workspaces are kept, each at most `keptBytes`: an epoch of
    /// 4096 UIDs × 256 validators, dense, fills about 90 MB (kept: that size measured a third
    /// faster with its buffers reused); anything larger is handed back to the system.
    private static let keptCount = 2
    private static let keptBytes = 128 << 20

    /// `body` with a workspace no other epoch is using.
    static func borrow<Result>(_ body: (YumaWorkspace) -> Result) -> Result {
        let workspace = pool.withLock { $0.popLast() } ?? YumaWorkspace()
        let result = body(workspace)
        if workspace.bytes <= keptBytes {
            pool.withLock { idle in
                if idle.count < keptCount { idle.append(workspace) }
            }
        }
        return result
    }
}
