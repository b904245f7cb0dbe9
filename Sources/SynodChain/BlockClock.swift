import Synchronization

/// Where a block schedule's time comes from: the system's monotonic clock under `synod up`,
/// a ``ManualBlockClock`` in tests (which then drive blocks without sleeping).
public protocol BlockClock: Sendable {
    /// Time since the clock started.
    func elapsed() -> Duration
    /// Returns once `elapsed()` has reached `deadline` (or throws when cancelled).
    func sleep(until deadline: Duration) async throws
}

/// The system's monotonic clock.
public struct SystemBlockClock: BlockClock {
    private let start = ContinuousClock.now
    public init() {}
    public func elapsed() -> Duration { ContinuousClock.now - start }
    public func sleep(until deadline: Duration) async throws {
        try await ContinuousClock().sleep(until: start + deadline)
    }
}

/// A clock that moves only when a test says so: sleepers wake when ``advance(by:)`` takes
/// the time past their deadline.
public final class ManualBlockClock: BlockClock {
    private struct State {
        var now: Duration = .zero
        var sleepers: [(deadline: Duration, wake: CheckedContinuation<Void, Never>)] = []
    }

    private let state = Mutex(State())

    public init() {}

    public func elapsed() -> Duration { state.withLock { $0.now } }

    public func sleep(until deadline: Duration) async throws {
        await withCheckedContinuation { continuation in
            let now = state.withLock { state -> Bool in
                if state.now >= deadline { return true }
                state.sleepers.append((deadline, continuation))
                return false
            }
            if now { continuation.resume() }
        }
        try Task.checkCancellation()
    }

    /// Moves time on by `duration`, waking every sleeper whose deadline has come.
    public func advance(by duration: Duration) {
        let due = state.withLock { state in
            state.now += duration
            let now = state.now
            let due = state.sleepers.filter { $0.deadline <= now }
            state.sleepers.removeAll { $0.deadline <= now }
            return due
        }
        for sleeper in due { sleeper.wake.resume() }
    }

    /// How many are asleep (a test waits for the loop to be asleep before advancing).
    public var sleeping: Int { state.withLock { $0.sleepers.count } }
}
