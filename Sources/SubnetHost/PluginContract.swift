/// The plugin contract, declared once: the fields of the table a plugin returns, its hooks
/// with what each receives, the hooks not supported yet, and the fields of `ctx`.
///
/// The loader (``SubnetPlugin``) checks a plugin against it, the runtime chunk builds `ctx`
/// from it, `synod check` prints by it; tests check the sandbox prelude's `subnet{}` and
/// `docs/plugin-api.md` against it, so a hook or field the docs list and the code lacks (or
/// the reverse) fails a test.
public enum PluginContract {
    /// One hook a plugin may define.
    public struct Hook: Sendable, Hashable {
        public var name: String
        public var required: Bool
        /// The arguments it receives, by name as the docs write them.
        public var arguments: [String]
    }

    /// Every hook the host calls.
    public static let hooks: [Hook] = [
        Hook(name: "task", required: true, arguments: ["ctx"]),
        Hook(name: "score", required: true, arguments: ["task", "responses", "ctx"]),
        Hook(name: "reward", required: true, arguments: ["scores", "ctx"]),
        Hook(name: "miner", required: false, arguments: ["task", "ctx"]),
        Hook(name: "validate", required: false, arguments: ["response", "task"]),
        Hook(name: "challenge", required: false, arguments: ["task", "response", "ctx"]),
        Hook(name: "on_load", required: false, arguments: ["ctx"]),
        Hook(name: "on_epoch", required: false, arguments: ["result", "ctx"]),
    ]

    /// Hooks a plugin may not define yet, each with the reason a person reads: refused by
    /// name, rather than accepted and never called.
    public static let unsupportedHooks: [(name: String, reason: String)] = [
        (
            "migrate",
            "'migrate' is not supported yet: the store carries over between versions as it is; "
                + "convert old state in on_load instead"
        ),
        (
            "consensus",
            "'consensus' is not supported yet: every subnet settles by the chain's Yuma; choose a variant "
                + "with hyperparameters.yuma3 or liquid_alpha instead"
        ),
    ]

    /// The table's fields other than hooks, with what each must be.
    public static let fields: [(name: String, expects: String)] = [
        ("name", "a string of letters, digits, '-' or '_'"),
        ("version", "a string such as \"1.0.0\""),
        ("tempo", "a whole number of blocks from 1 to 65535"),
        ("timeout", "a number of seconds above 0 and at most 600"),
        ("hyperparameters", "a table of name = value"),
        ("contract", "1 or 2: the version of this contract the plugin is written for"),
        ("adversaries", "a table of name = function(task, ctx): attacks synod sim can run as miners"),
    ]

    /// The contract versions a plugin may declare (`contract = 2`); 1 when it says nothing.
    /// Version 2 gives `score` one table per miner (``MinerResponse``) instead of the bare
    /// answer or `false`.
    public static let versions = 1...2

    /// Blocks between epochs a plugin may ask for.
    public static let tempo = 1...65535
    /// Most seconds a miner may be given to answer.
    public static let maxTimeout = 600.0

    /// The fields of the `ctx` every hook that takes one receives.
    public static let contextFields = [
        "netuid", "block", "validator", "miners", "random", "shared_random", "secret", "moving_average",
    ]

    /// The fields of the `ctx` the reference `miner` receives: the miner's own hotkey and
    /// the validator asking (a miner sees nothing of a validator's round).
    public static let minerContextFields = ["netuid", "hotkey", "validator"]

    /// Most follow-up challenges (`challenge`) one miner gets in one validator round; each
    /// is one more request, with the subnet's `timeout`.
    public static let maxChallenges = 3

    /// Hooks that only a contract-2 plugin may define, with why.
    public static let contract2Hooks: [(name: String, reason: String)] = [
        (
            "challenge",
            "'challenge' needs contract = 2 in the plugin's table: only a contract-2 'score' sees the follow-up answers"
        )
    ]

    public static var requiredHooks: [String] { hooks.filter(\.required).map(\.name) }
    public static var optionalHooks: [String] { hooks.filter { !$0.required }.map(\.name) }
}
