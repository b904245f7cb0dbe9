/// A Lua value kept inside a ``Sandbox`` (a compiled chunk, a function, a table), for
/// values that cannot or should not cross into Swift.
///
/// A reference belongs to the sandbox that made it; release it with
/// ``Sandbox/release(_:)`` when done, or let it go with the sandbox.
public struct LuaReference: Sendable, Hashable {
    let id: Int32
}
