public import LuaSandbox
import Wire

/// What a plugin's self-check ran and saw.
public struct SelfCheckReport: Sendable, Hashable {
    /// One kind of simulated miner: how many, and the score and weight each got.
    public struct Group: Sendable, Hashable {
        public var label: String
        public var count: Int
        public var score: Double
        public var weight: Double
    }

    public var context: HookContext
    public var task: LuaValue
    public var groups: [Group]
}

extension SubnetPlugin {
    /// Runs one validator step on simulated miners and checks the incentive it sets up:
    /// four answer with the plugin's reference `miner`, two do not answer, one sends
    /// garbage (a string, put through `validate`). The weights must sum to 1 (or all be 0),
    /// and no silent or garbage miner may earn more than an honest one. Without a `miner`
    /// hook, only silent miners are simulated.
    ///
    /// The host runs this on every new version before it replaces the old one, as the
    /// subnet's own netuid at the chain's current block, for a validator whose address is
    /// made afresh each time: the check looks like any validator's round, so a plugin
    /// cannot behave for the check and differently for real validators.
    public func selfCheck(netuid: Int = 1, block: UInt64 = 1) throws(PluginError) -> SelfCheckReport {
        let validator = SS58Address(publicKey: (0..<32).map { _ in UInt8.random(in: 0...255) }).string
        let context = HookContext(netuid: netuid, block: block, validator: validator)
        let task = try task(context)
        var labels: [String] = []
        var responses: [LuaValue?] = []
        if let honest = try answer(task) {
            guard try validate(honest) else {
                throw hookError("validate", "'validate' rejects the reference miner's answer \(Self.preview(honest))")
            }
            labels += Array(repeating: "honest", count: 4)
            responses += Array(repeating: honest, count: 4)
        }
        labels += ["silent", "silent"]
        responses += [nil, nil]
        if definition.hooks["miner"] != nil {
            let garbage: LuaValue = "not an answer"
            labels.append("garbage")
            // `Optional.none`, not `nil`: LuaValue is nil-literal-expressible (`.null`).
            responses.append(try validate(garbage) ? garbage : Optional.none)
        }
        let scores = try score(task: task, responses: responses, context: context)
        let weights = try reward(scores: scores, context: context)
        let total = weights.reduce(0, +)
        if total != 0 && abs(total - 1) > 1e-4 {
            throw hookError("reward", "'reward' weights sum to \(total); they must sum to 1 (or all be 0)")
        }
        var groups: [SelfCheckReport.Group] = []
        for label in ["honest", "silent", "garbage"] {
            let members = labels.indices.filter { labels[$0] == label }
            guard !members.isEmpty else { continue }
            groups.append(
                .init(
                    label: label, count: members.count,
                    score: members.map { scores[$0] }.reduce(0, +) / Double(members.count),
                    weight: members.map { weights[$0] }.reduce(0, +) / Double(members.count)))
        }
        if let honest = labels.indices.filter({ labels[$0] == "honest" }).map({ weights[$0] }).min(),
            let other = labels.indices.filter({ labels[$0] != "honest" }).max(by: { weights[$0] < weights[$1] }),
            weights[other] > honest
        {
            throw hookError(
                "reward",
                "a \(labels[other]) miner earns more (weight \(weights[other])) than an honest one (\(honest)): "
                    + "the incentive rewards not answering")
        }
        return SelfCheckReport(context: context, task: task, groups: groups)
    }

    static func preview(_ value: LuaValue) -> String {
        let text = (try? value.jsonText()) ?? "\(value)"
        return text.count > 80 ? String(text.prefix(77)) + "…" : text
    }
}
