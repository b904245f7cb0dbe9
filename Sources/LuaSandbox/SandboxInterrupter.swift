import CLuaShim

/// Stops a sandbox's running operation from any task or thread.
///
/// The operation fails with ``SandboxError/Kind/interrupted`` at its next budget check
/// (within about a thousand Lua instructions, or a few thousand pattern-matching steps).
/// If nothing is running, the next operation that runs Lua code is interrupted.
///
/// ```swift
/// let stop = sandbox.interrupter
/// Task { try await Task.sleep(for: .seconds(1)); stop.interrupt() }
/// ```
public struct SandboxInterrupter: Sendable {
    let handle: SandboxHandle

    /// Requests the interruption. Safe from any thread, at any time, even after the
    /// sandbox is closed.
    public func interrupt() { synod_interrupt(handle.pointer) }
}
