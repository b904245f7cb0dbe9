/// A native library offered to plugins as one global table, such as `tensor`.
///
/// The library is written in C against the Lua API (so no Lua error ever crosses a Swift
/// frame): `open` runs inside the new sandbox, under protection, and pushes the table.
/// Its C functions may charge their work with `synod_lua_charge` and should keep their
/// memory in Lua userdata, so that it counts against the sandbox's memory cap.
///
/// ```swift
/// let sandbox = try Sandbox(name: "scores", libraries: [.tensor])
/// ```
public struct SandboxLibrary: Sendable {
    /// The global name plugins use.
    public let name: String
    /// The C function that pushes the library's table (a `lua_CFunction`).
    public let open: @convention(c) (OpaquePointer?) -> Int32

    public init(name: String, open: @convention(c) (OpaquePointer?) -> Int32) {
        self.name = name
        self.open = open
    }
}
