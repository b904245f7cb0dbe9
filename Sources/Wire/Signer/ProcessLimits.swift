import CProcessHardening

/// Process-wide settings a server makes on itself.
public enum ProcessLimits {
    /// Gives memory the allocator holds free back to the system: after a burst of
    /// allocations, resident memory then says what the process uses.
    public static func releaseFreeMemory() { _ = synod_release_free_memory() }

    /// Raises the soft limit on open descriptors to the hard limit; returns the limit now in
    /// force, or nil when it cannot be read or raised.
    @discardableResult
    public static func raiseOpenFiles() -> Int? {
        let limit = synod_raise_open_files_limit()
        return limit < 0 ? nil : Int(limit)
    }
}
