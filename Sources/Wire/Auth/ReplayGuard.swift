import Synchronization

/// Remembers accepted (hotkey, nonce) pairs for as long as they could still pass the
/// freshness check, in bounded memory.
///
/// An entry is needed only until its nonce is older than the freshness window: after that
/// the request is refused as stale before the replay check. So entries are filed in
/// one-second buckets by the wall-clock instant they become stale and dropped bucket by
/// bucket. When `capacity` unexpired entries are held, new pairs are refused
/// (``BTAuthRejection/Reason/overloaded``) rather than evicting live entries, which would
/// let a replay through. The set is sharded so concurrent verifications rarely contend.
public final class ReplayGuard: Sendable {
    struct Key: Hashable {
        let sender: String
        let nonce: Int64
    }

    struct Shard: ~Copyable {
        var seen: Set<Key> = []
        var buckets: [Int64: [Key]] = [:]
        var oldestBucket: Int64 = .max

        mutating func prune(before second: Int64) {
            guard oldestBucket < second else { return }
            for bucket in buckets.keys where bucket < second {
                for key in buckets.removeValue(forKey: bucket)! { seen.remove(key) }
            }
            oldestBucket = buckets.keys.min() ?? .max
        }
    }

    final class ShardBox: Sendable {
        let state = Mutex(Shard())
    }

    private let shards: [ShardBox]
    private let capacityPerShard: Int
    /// How long after its nonce an entry is kept, in nanoseconds.
    public let retention: Int64

    /// - Parameters:
    ///   - retention: how long after its nonce a pair is remembered; at least the
    ///     verifier's maximum age.
    ///   - capacity: the most pairs remembered at once (about 100 bytes each).
    public init(retention: Duration, capacity: Int = 262_144) {
        let shardCount = 16
        self.shards = (0..<shardCount).map { _ in ShardBox() }
        self.capacityPerShard = max(1, capacity / shardCount)
        self.retention = retention.nanoseconds
    }

    /// Records the pair if it was never seen. Returns `.replayed` if it was, `.overloaded`
    /// if it cannot be remembered, nil when recorded.
    func record(sender: String, nonce: Int64, now: Int64) -> BTAuthRejection.Reason? {
        let key = Key(sender: sender, nonce: nonce)
        let shard = shards[Int(UInt(bitPattern: key.hashValue) % UInt(shards.count))]
        let nowSecond = now / 1_000_000_000
        let expirySecond = (nonce &+ retention) / 1_000_000_000 + 1
        return shard.state.withLock { state -> BTAuthRejection.Reason? in
            state.prune(before: nowSecond)
            if state.seen.contains(key) { return .replayed }
            if state.seen.count >= capacityPerShard { return .overloaded }
            state.seen.insert(key)
            state.buckets[expirySecond, default: []].append(key)
            state.oldestBucket = min(state.oldestBucket, expirySecond)
            return nil
        }
    }

    /// The number of pairs currently remembered (for tests and metrics).
    public var count: Int { shards.reduce(0) { total, shard in total + shard.state.withLock { $0.seen.count } } }
}

extension Duration {
    var nanoseconds: Int64 {
        let (seconds, attoseconds) = components
        return seconds * 1_000_000_000 + attoseconds / 1_000_000_000
    }
}
