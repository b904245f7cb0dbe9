import LuaSandbox
import Wire

/// Who calls a hook and when: what a hook's `ctx` is built from.
///
/// `ctx.random` is seeded from (netuid, validator, block), so one validator's run can be
/// replayed exactly; `ctx.shared_random` from (netuid, block) only, so every validator
/// builds the same task at the same block; `ctx.secret` from the validator's own secret
/// and (netuid, block): replayable by that validator, unpredictable to anyone else (without
/// a secret — outside a validator's round — from fresh randomness). Seeds are the first 8
/// bytes of a SHA-256.
public struct HookContext: Sendable, Hashable {
    public var netuid: Int
    public var block: UInt64
    /// The validator's hotkey (ss58), or any stable name outside a live subnet.
    public var validator: String
    /// The miners of the round, in the order `score`'s responses and `reward`'s scores come
    /// (`ctx.miners`: `{ uid = …, hotkey = … }` each); empty outside a validator's round.
    public var miners: [(uid: Int, hotkey: String)]
    /// The validator's private secret (``ValidatorSecret``), when the round has one.
    public var secret: ValidatorSecret?

    public init(
        netuid: Int, block: UInt64, validator: String, miners: [(uid: Int, hotkey: String)] = [],
        secret: ValidatorSecret? = nil
    ) {
        self.netuid = netuid
        self.block = block
        self.validator = validator
        self.miners = miners
        self.secret = secret
    }

    /// The seed of `ctx.secret`.
    public var secretSeed: Int64 {
        guard let secret else { return Int64.random(in: .min ... .max) }
        return Self.seed(bytes: secret.bytes + Array("synod/secret/\(netuid)/\(block)".utf8))
    }

    public static func == (a: HookContext, b: HookContext) -> Bool {
        a.netuid == b.netuid && a.block == b.block && a.validator == b.validator
            && a.miners.map(\.uid) == b.miners.map(\.uid) && a.miners.map(\.hotkey) == b.miners.map(\.hotkey)
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(netuid)
        hasher.combine(block)
        hasher.combine(validator)
        for miner in miners {
            hasher.combine(miner.uid)
            hasher.combine(miner.hotkey)
        }
    }

    /// The seed of `ctx.shared_random`.
    public var sharedSeed: Int64 { Self.seed("synod/shared-random/\(netuid)/\(block)") }
    /// The seed of `ctx.random`.
    public var validatorSeed: Int64 { Self.seed("synod/random/\(netuid)/\(block)/\(validator)") }

    var luaValue: LuaValue {
        [
            "netuid": .integer(Int64(netuid)), "block": .integer(Int64(clamping: block)),
            "validator": .string(validator), "seed": .integer(validatorSeed), "shared_seed": .integer(sharedSeed),
            "secret_seed": .integer(secretSeed),
            "miners": .array(
                miners.map { .map(["uid": .integer(Int64($0.uid)), "hotkey": .string($0.hotkey)]) }),
        ]
    }

    static func seed(_ text: String) -> Int64 { seed(bytes: Array(text.utf8)) }

    static func seed(bytes: [UInt8]) -> Int64 {
        SHA256.digest(bytes).prefix(8).reduce(Int64(0)) { ($0 << 8) | Int64($1) }
    }
}
