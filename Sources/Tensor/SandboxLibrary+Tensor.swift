import CTensorLua
public import LuaSandbox

extension SandboxLibrary {
    /// The `tensor` module for plugins: Float32 vectors and matrices as userdata, backed by
    /// the same kernels as ``Tensor``. Tensor memory counts against the sandbox's cap and
    /// every operation is charged to its instruction budget (one instruction per 8 elements).
    public static let tensor = SandboxLibrary(name: "tensor", open: synod_luaopen_tensor)
}
