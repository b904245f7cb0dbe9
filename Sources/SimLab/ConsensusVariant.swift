import Consensus
public import Ledger

/// One way the chain may settle epochs, compared side by side (`--compare classic,yuma3`):
/// the plugin's hyperparameters with Yuma 3 and liquid alpha switched as the variant says.
public struct ConsensusVariant: Sendable, Hashable, CustomStringConvertible {
    public var name: String
    /// nil: as the plugin sets it.
    public var yuma3: Bool?
    public var liquidAlpha: Bool?

    /// The plugin's own settings, unchanged.
    public static let plugin = ConsensusVariant(name: "plugin", yuma3: nil, liquidAlpha: nil)

    public static let known: [ConsensusVariant] = [
        ConsensusVariant(name: "classic", yuma3: false, liquidAlpha: false),
        ConsensusVariant(name: "yuma3", yuma3: true, liquidAlpha: false),
        ConsensusVariant(name: "liquid-alpha", yuma3: false, liquidAlpha: true),
        ConsensusVariant(name: "yuma3+liquid-alpha", yuma3: true, liquidAlpha: true),
    ]

    public var description: String { name }

    public init(name: String, yuma3: Bool?, liquidAlpha: Bool?) {
        self.name = name
        self.yuma3 = yuma3
        self.liquidAlpha = liquidAlpha
    }

    public init(parsing text: String) throws(LabError) {
        if text == "plugin" {
            self = .plugin
            return
        }
        guard let variant = Self.known.first(where: { $0.name == text }) else {
            throw LabError(
                "'\(text)' is not a consensus variant; use "
                    + (["plugin"] + Self.known.map(\.name)).joined(separator: ", "))
        }
        self = variant
    }

    /// `config` settled this way.
    public func applied(to config: SubnetConfig) -> SubnetConfig {
        var config = config
        if let yuma3 { config.parameters.yuma3 = yuma3 }
        if let liquidAlpha { config.parameters.liquidAlpha = liquidAlpha }
        return config
    }
}
