/// Makes a chain's blocks on a fixed schedule: block N (counted from the start) at
/// `start + N × blockTime`, whatever the work in between took, so blocks never drift. A
/// block made later than its time says by how much (``Tick/late``): the host logs and
/// counts it.
public struct BlockSchedule: Sendable {
    public var blockTime: Duration
    public var clock: any BlockClock

    public init(blockTime: Duration, clock: any BlockClock = SystemBlockClock()) {
        self.blockTime = blockTime
        self.clock = clock
    }

    /// One block's moment on the schedule.
    public struct Tick: Sendable {
        /// Blocks made since the start (1 for the first).
        public var index: UInt64
        /// How far past its time the block came (zero when on time).
        public var late: Duration
    }

    /// Sleeps until each next block is due and calls `make` for it, until `count` blocks
    /// (nil: until cancelled or `make` returns false).
    public func run(count: UInt64? = nil, _ make: (Tick) async throws -> Bool) async throws {
        var index: UInt64 = 0
        while !Task.isCancelled {
            if let count, index >= count { return }
            index += 1
            let due = blockTime * Int(clamping: index)
            try await clock.sleep(until: due)
            let late = clock.elapsed() - due
            guard try await make(Tick(index: index, late: late > .zero ? late : .zero)) else { return }
        }
    }
}
