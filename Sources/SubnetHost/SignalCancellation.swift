import UnixSignals

/// Runs `body` until it returns, or until SIGINT or SIGTERM cancels it: a long-running
/// command (`synod validate`) stops at its next cancellation point and returns what it
/// has, instead of dying mid-write. The signals are trapped before `body` starts.
public func withSignalCancellation<T: Sendable>(
    log: @escaping @Sendable (String) -> Void, _ body: @escaping @Sendable () async throws -> T
) async throws -> T {
    let signals = await UnixSignalsSequence(trapping: .sigint, .sigterm)
    let work = Task { try await body() }
    let listener = Task {
        for await signal in signals {
            log("received \(signal): stopping")
            work.cancel()
        }
    }
    defer { listener.cancel() }
    return try await withTaskCancellationHandler {
        try await work.value
    } onCancel: {
        work.cancel()
    }
}
