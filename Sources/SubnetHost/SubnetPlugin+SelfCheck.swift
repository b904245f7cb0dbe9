import Ledger
import LuaSandbox
import SynodChain
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
    public var groups: [Group]
}

extension PluginHost {
    /// Runs one ``ValidatorStep`` on an in-memory chain against simulated miners and checks
    /// the incentive it sets up: four answer with the plugin's reference `miner`, two do not
    /// answer, one sends garbage (a string, put through `validate`). The weights must sum
    /// to 1 (or all be 0), and no offline or garbage miner may earn more than an honest one.
    /// Without a `miner` hook, only offline miners are simulated.
    ///
    /// The host runs this on every new version before it replaces the old one, as the
    /// subnet's own netuid at the chain's current block, for a validator whose address is
    /// made afresh each time: the check looks like any validator's round, so a plugin
    /// cannot behave for the check and differently for real validators.
    public nonisolated func selfCheck(netuid: Int = 1, block: UInt64 = 1) async throws(PluginError) -> SelfCheckReport {
        let d = definition
        let validator = SS58Address(publicKey: (0..<32).map { _ in UInt8.random(in: 0...255) }).string
        var labels: [MinerStrategy] = []
        if d.hooks["miner"] != nil { labels += Array(repeating: .honest, count: 4) }
        labels += [.offline, .offline]
        if d.hooks["miner"] != nil { labels.append(.garbage) }

        let chain = MemoryChain(head: block)
        var strategies: [String: MinerStrategy] = [:]
        let report: ValidatorStep.Report
        do {
            try chain.createSubnet(name: d.name, owner: validator, config: .init(), netuid: netuid)
            try chain.join(
                netuid: netuid, hotkey: validator, coldkey: validator, stake: 1_000_000_000, validatorPermit: true)
            for (i, label) in labels.enumerated() {
                let hotkey = "\(label.description)-\(i)"
                strategies[hotkey] = label
                try chain.join(netuid: netuid, hotkey: hotkey, coldkey: hotkey)
                try chain.serve(netuid: netuid, hotkey: hotkey, endpoint: SimulatedMiners.endpoint(i))
            }
            report = try await ValidatorStep(hotkey: validator).run(
                netuid: netuid, plugin: self, chain: chain,
                miners: SimulatedMiners(plugin: self, strategies: strategies))
        } catch let error as PluginError {
            throw error
        } catch {
            throw PluginError(d.name, "internal: the self-check's chain refused its setup: \(error)")
        }
        for (label, reply) in zip(labels, report.replies) where label == .honest {
            switch reply {
            case .failed(_, let detail):
                throw d.hookError("miner", "the reference 'miner' fails on the plugin's own task: \(detail)")
            case .answered(let honest, _, _):
                if report.responses[labels.firstIndex(of: .honest)!] == nil {
                    throw d.hookError(
                        "validate", "'validate' rejects the reference miner's answer \(SubnetPlugin.preview(honest))")
                }
            }
        }
        if let i = labels.firstIndex(of: .honest), report.miners[i].answer != nil {
            try await checkAdversarial(honest: report.miners[i], report: report)
        }
        let weights = report.weights
        let total = weights.reduce(0, +)
        if total != 0 && abs(total - 1) > 1e-4 {
            throw d.hookError("reward", "'reward' weights sum to \(total); they must sum to 1 (or all be 0)")
        }
        var groups: [SelfCheckReport.Group] = []
        for label in [MinerStrategy.honest, .offline, .garbage] {
            let members = labels.indices.filter { labels[$0] == label }
            guard !members.isEmpty else { continue }
            groups.append(
                .init(
                    label: label.description, count: members.count,
                    score: members.map { report.scores[$0] }.reduce(0, +) / Double(members.count),
                    weight: members.map { weights[$0] }.reduce(0, +) / Double(members.count)))
        }
        if let honest = labels.indices.filter({ labels[$0] == .honest }).map({ weights[$0] }).min(),
            let other = labels.indices.filter({ labels[$0] != .honest }).max(by: { weights[$0] < weights[$1] }),
            weights[other] > honest
        {
            throw d.hookError(
                "reward",
                "\(Self.article(labels[other].description)) \(labels[other].description) miner earns more (weight \(weights[other])) than an honest one (\(honest)): "
                    + "the incentive rewards not answering")
        }
        if let honest = labels.indices.filter({ labels[$0] == .honest }).map({ weights[$0] }).min(), honest > 0,
            let other = labels.indices.first(where: { labels[$0] != .honest && weights[$0] >= honest })
        {
            throw d.hookError(
                "reward",
                "\(Self.article(labels[other].description)) \(labels[other].description) miner earns as much (weight \(weights[other])) as an honest one: the "
                    + "incentive does not tell answering from not answering")
        }
        return SelfCheckReport(context: HookContext(netuid: netuid, block: block, validator: validator), groups: groups)
    }
}

extension PluginHost {
    /// Puts answers an attacker would send (``AdversarialAnswers``) through `validate`, and
    /// every one it accepts through `score` beside the honest answer: a plugin whose hooks
    /// fail on them would let one miner sink every validator's round.
    nonisolated func checkAdversarial(honest: MinerResponse, report: ValidatorStep.Report) async throws(PluginError) {
        let d = definition
        // The adversary answers the honest miner's own task (per-miner tasks included).
        let task = honest.task ?? report.task
        for (label, answer) in AdversarialAnswers.made(from: honest.answer ?? .null) {
            let shown = SubnetPlugin.preview(answer)
            let accepted: Bool
            do {
                accepted = try await validate(answer, task: task)
            } catch {
                throw d.hookError(
                    "validate",
                    "'validate' fails on \(label) answer \(shown) instead of rejecting it: \(error.message)")
            }
            guard accepted else { continue }
            var adversary = honest
            adversary.uid = honest.uid + 1
            adversary.answer = answer
            let responses = [honest, adversary]
            var context = report.context
            context.miners = responses.map { ($0.uid, $0.hotkey) }
            do {
                _ = try await score(task: report.task, responses: responses, context: context)
            } catch {
                throw d.hookError(
                    "score",
                    "'score' fails on \(label) answer \(shown), which 'validate' accepts: \(error.message); "
                        + "reject such answers in validate, or score them 0")
            }
        }
    }
}

extension SubnetPlugin {
    static func preview(_ value: LuaValue) -> String {
        let text = (try? value.jsonText()) ?? "\(value)"
        return text.count > 80 ? String(text.prefix(77)) + "…" : text
    }
}

extension SubnetDefinition {
    /// An error about one hook, located where the plugin defines it.
    func hookError(_ hook: String, _ message: String) -> PluginError {
        PluginError(hooks[hook] ?? name, message)
    }
}

extension PluginHost {
    /// "a" or "an", as the word that follows wants.
    nonisolated static func article(_ word: String) -> String {
        word.first.map { "aeiou".contains($0) } == true ? "an" : "a"
    }
}
