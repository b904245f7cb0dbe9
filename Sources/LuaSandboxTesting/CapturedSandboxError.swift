public import LuaSandbox

/// Runs `body` and returns the ``SandboxError`` it throws, or `nil` if it succeeds: for
/// tests that assert on an error's kind, message and location.
///
/// ```swift
/// let error = sandboxError { try sandbox.execute("error('x')", chunkName: "x.lua") }
/// #expect(error?.kind == .runtime)
/// ```
/// Any other error type comes back as a ``SandboxError`` of kind `internal`, which no
/// test expects, so it fails visibly.
public func sandboxError(_ body: () throws -> Void) -> SandboxError? {
    do {
        try body()
        return nil
    } catch let error as SandboxError {
        return error
    } catch {
        return SandboxError(kind: .internal, message: "unexpected error type: \(error)")
    }
}
