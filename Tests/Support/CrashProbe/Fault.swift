import CLua
import LuaSandbox

/// The `fault` library: `fault.segv()` writes to address 64. Declared outside `main.swift`
/// so its C functions are not main-actor code (an isolation check would trap first).
enum Fault {
    static let library = SandboxLibrary(name: "fault") { state in
        lua_createtable(state, 0, 1)
        lua_pushcclosure(state, segv, 0)
        lua_setfield(state, -2, "segv")
        return 1
    }

    static let segv: @convention(c) (OpaquePointer?) -> Int32 = { _ in
        UnsafeMutablePointer<Int>(bitPattern: 64)!.pointee = 1
        return 0
    }
}
