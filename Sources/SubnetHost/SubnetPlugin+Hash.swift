import LuaSandbox
import Wire

extension SubnetPlugin {
    /// Instructions charged per byte hashed: the string crosses into Swift and is hashed,
    /// about as long per byte as a few Lua instructions take, so hashing 25 MiB costs as
    /// much of the budget (10^8 by default) as it does of the clock.
    static let hashCostPerByte: UInt64 = 4

    /// Exposes SHA-256 and BLAKE2b-512 to the runtime (`hash.sha256(s)`, `hash.blake2b(s)`,
    /// lowercase hex), computed by the host's libcrypto and charged to the call's budget.
    static func registerHash(in sandbox: Sandbox) throws(SandboxError) {
        for (name, digest) in [
            ("__synod_sha256", { (bytes: [UInt8]) in SHA256.digest(bytes) }),
            ("__synod_blake2b", { (bytes: [UInt8]) in BLAKE2b.digest(bytes) }),
        ] {
            try sandbox.register(name) { [unowned sandbox] arguments in
                guard arguments.count == 1, case .string(let text) = arguments[0] else {
                    let function = name == "__synod_sha256" ? "hash.sha256" : "hash.blake2b"
                    throw SandboxError(kind: .runtime, message: "\(function)(s) takes one string")
                }
                let bytes = Array(text.utf8)
                try sandbox.charge(instructions: 64 + UInt64(bytes.count) * hashCostPerByte)
                return [.string(Hex.encode(digest(bytes)))]
            }
        }
    }
}
