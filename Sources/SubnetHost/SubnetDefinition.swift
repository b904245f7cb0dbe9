public import Ledger

/// What a plugin declares about its subnet, checked and converted to the chain's units.
///
/// A plugin returns `subnet { name = …, version = …, tempo = …, timeout = …,
/// hyperparameters = { … }, task = …, score = …, reward = …, … }`; this is that table
/// once it has passed every check, with the hyperparameters turned into a ``SubnetConfig``.
public struct SubnetDefinition: Sendable, Hashable {
    public var name: String
    public var version: String
    /// Seconds a miner has to answer a validator's request.
    public var timeout: Double
    /// Tempo and hyperparameters in the ledger's units (u16 proportions, millionths, blocks).
    public var config: SubnetConfig
    /// Each hook the plugin defines, with where it is defined (`plugins/x.lua:12`).
    public var hooks: [String: String]
    /// SHA-256 of the plugin's source, lowercase hex: identifies the version in the ledger.
    public var sha256: String
    /// The contract version the plugin is written for (``PluginContract/versions``).
    public var contract: Int = 1
    /// The plugin's own attacks (`adversaries = { name = function(task, ctx) … end }`), by
    /// name, with where each is defined: `synod sim --miners name:N` runs them.
    public var adversaries: [String: String] = [:]

    /// Hooks every subnet must define (see ``PluginContract``).
    public static var requiredHooks: [String] { PluginContract.requiredHooks }
    /// Hooks a subnet may define.
    public static var optionalHooks: [String] { PluginContract.optionalHooks }
    /// Seconds a miner gets when the plugin does not say.
    public static let defaultTimeout = 12.0
}
