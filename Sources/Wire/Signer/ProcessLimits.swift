import CProcessHardening

/// Process-wide settings a server makes on itself.
public enum ProcessLimits {
    /// Raises the soft limit on open descriptors to the hard limit; returns the limit now in
    /// force, or nil when it cannot be read or raised.
    @discardableResult
    public static func raiseOpenFiles() -> Int? {
        let limit = synod_raise_open_files_limit()
        return limit < 0 ? nil : Int(limit)
    }
}
