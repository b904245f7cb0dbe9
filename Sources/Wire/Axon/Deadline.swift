import Synchronization

/// The handler ran past its time budget.
struct DeadlineExceeded: Error {}

/// Runs `work` with a time limit and returns as soon as either finishes, even when `work`
/// ignores cancellation (it is cancelled on timeout, and its late result is dropped).
func withDeadline<T: Sendable>(
    _ timeout: Duration, _ work: @escaping @Sendable () async throws -> T
) async throws -> T {
    let once = ResumeOnce<T>()
    return try await withCheckedThrowingContinuation { continuation in
        once.set(continuation)
        let worker = Task {
            do { once.resume(.success(try await work())) } catch { once.resume(.failure(error)) }
        }
        Task {
            try? await Task.sleep(for: timeout)
            if once.resume(.failure(DeadlineExceeded())) { worker.cancel() }
        }
    }
}

/// A continuation resumed by whichever side gets there first. `set` runs before either
/// side starts, so no result can arrive before the continuation.
private final class ResumeOnce<T: Sendable>: Sendable {
    private let continuation = Mutex<CheckedContinuation<T, any Error>?>(nil)

    func set(_ continuation: CheckedContinuation<T, any Error>) {
        self.continuation.withLock { $0 = continuation }
    }

    /// True if this call resumed the continuation.
    @discardableResult
    func resume(_ result: Result<T, any Error>) -> Bool {
        guard let continuation = continuation.withLock({ $0.take() }) else { return false }
        continuation.resume(with: result)
        return true
    }
}
