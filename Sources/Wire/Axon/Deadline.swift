import Synchronization

/// The handler ran past its time budget.
struct DeadlineExceeded: Error {}

/// Runs `work` with a time limit and returns as soon as either finishes, even when `work`
/// ignores cancellation (it is cancelled on timeout, and its late result is dropped). The
/// timer is cancelled as soon as the work finishes, so a busy axon does not accumulate
/// sleeping timers.
func withDeadline<T: Sendable>(
    _ timeout: Duration, _ work: @escaping @Sendable () async throws -> T
) async throws -> T {
    let race = DeadlineRace<T>()
    return try await withCheckedThrowingContinuation { continuation in
        race.set(continuation)
        let worker = Task {
            let result: Result<T, any Error>
            do { result = .success(try await work()) } catch { result = .failure(error) }
            if race.resume(result) { race.cancelTimer() }
        }
        race.setTimer(
            Task {
                do { try await Task.sleep(for: timeout) } catch { return }
                if race.resume(.failure(DeadlineExceeded())) { worker.cancel() }
            })
    }
}

/// A continuation resumed by whichever side finishes first, and the timer to stop when
/// the work wins. `set` runs before either side starts.
private final class DeadlineRace<T: Sendable>: Sendable {
    private struct State {
        var continuation: CheckedContinuation<T, any Error>?
        var timer: Task<Void, Never>?
        var finished = false
    }

    private let state = Mutex(State())

    func set(_ continuation: CheckedContinuation<T, any Error>) {
        state.withLock { $0.continuation = continuation }
    }

    func setTimer(_ timer: Task<Void, Never>) {
        let finished = state.withLock { state in
            state.timer = timer
            return state.finished
        }
        if finished { timer.cancel() }
    }

    func cancelTimer() {
        state.withLock { $0.timer.take() }?.cancel()
    }

    /// True if this call resumed the continuation.
    @discardableResult
    func resume(_ result: Result<T, any Error>) -> Bool {
        let continuation = state.withLock { state -> CheckedContinuation<T, any Error>? in
            state.finished = true
            return state.continuation.take()
        }
        guard let continuation else { return false }
        continuation.resume(with: result)
        return true
    }
}
