import Ledger
public import SynodChain

/// When a validator acts, and commit–reveal: on a subnet with `commit_reveal_weights_enabled`
/// a round's weights are committed as a hash (the salt and weights kept in ``PendingReveals``)
/// and revealed in the epoch the chain opens for them.
extension ValidatorStep {
    /// The first block at which this validator has something to do on the subnet: a round
    /// (its weights, or a commitment, past the rate limit) or a reveal whose epoch has come
    /// (or the block at which the next epoch settles, while one waits). `.max` when the
    /// hotkey is not registered.
    public func nextWork(_ metagraph: Metagraph) async -> UInt64 {
        guard let me = metagraph.neuron(hotkey: hotkey) else { return .max }
        let config = metagraph.subnet.config
        guard config.commitReveal else { return ChainRules.firstWeightsBlock(me, config: config) }
        let pending = (try? await reveals.pending(netuid: metagraph.netuid, hotkey: hotkey)) ?? []
        let round = ChainRules.firstCommitBlock(me, lastCommit: pending.map(\.block).max(), config: config)
        let windows = pending.map {
            ChainRules.revealWindow(madeIn: $0.epoch, config: config, epochs: metagraph.subnet.epochs)
        }
        if windows.contains(where: { if case .early = $0 { false } else { true } }) { return metagraph.block }
        if !windows.isEmpty {
            return min(round, metagraph.subnet.lastEpochBlock + UInt64(max(config.tempo, 1)))
        }
        return round
    }

    /// What a validator does at a block: reveals the commitments whose epoch has come
    /// (forgetting expired ones), then runs a round (``run(netuid:plugin:chain:miners:metagraph:)``)
    /// when its weights — or a commitment — are due. Nil when no round was due.
    public func act(
        netuid: Int, plugin: PluginHost, chain: any Chain, miners: any MinerSource, metagraph: Metagraph
    ) async throws -> Report? {
        var metagraph = metagraph
        guard var me = metagraph.neuron(hotkey: hotkey) else { return nil }
        let config = metagraph.subnet.config
        var due: Bool
        if config.commitReveal {
            if try await reveal(netuid: netuid, chain: chain, metagraph: metagraph) {
                // The reveal updated the weights at this block: the rate limit counts from it.
                me.lastUpdate = metagraph.block
                me.hasWeights = true
                metagraph.neurons[me.uid] = me
            }
            let pending = try await reveals.pending(netuid: netuid, hotkey: hotkey)
            due =
                metagraph.block
                >= ChainRules.firstCommitBlock(me, lastCommit: pending.map(\.block).max(), config: config)
        } else {
            due = ChainRules.weightsDue(me, block: metagraph.block, config: config)
        }
        guard due else { return nil }
        return try await run(netuid: netuid, plugin: plugin, chain: chain, miners: miners, metagraph: metagraph)
    }

    /// Reveals every kept commitment whose epoch has come and forgets those that expired or
    /// that the chain refuses (saying why in the log). Whether any was revealed.
    func reveal(netuid: Int, chain: any Chain, metagraph: Metagraph) async throws -> Bool {
        var revealed = false
        for pending in try await reveals.pending(netuid: netuid, hotkey: hotkey) {
            switch ChainRules.revealWindow(
                madeIn: pending.epoch, config: metagraph.subnet.config, epochs: metagraph.subnet.epochs)
            {
            case .early: continue
            case .expired:
                failures?.warning(
                    "subnet \(netuid) · \(hotkey.prefix(8))…: the weights committed at block \(pending.block) expired "
                        + "before they could be revealed",
                    key: "\(netuid)/\(hotkey)/reveal-expired")
            case .open:
                do {
                    try await chain.revealWeights(
                        netuid: netuid, hotkey: hotkey, uids: pending.uids, values: pending.values, salt: pending.salt,
                        versionKey: pending.versionKey)
                    revealed = true
                } catch let error as ChainError {
                    failures?.warning(
                        "subnet \(netuid) · \(hotkey.prefix(8))…: the chain refused the reveal of the weights "
                            + "committed at block \(pending.block): \(error.message)",
                        key: "\(netuid)/\(hotkey)/reveal-refused")
                }
            }
            try await reveals.forget(pending)
        }
        return revealed
    }

    /// Commits weights: kept first (so a crash between the two still reveals), then the hash
    /// is sent; a refused commitment is forgotten again.
    func commit(netuid: Int, uids: [Int], values: [UInt16], metagraph: Metagraph, chain: any Chain) async throws {
        var generator = SystemRandomNumberGenerator()
        let salt = (0..<16).map { _ in UInt8.random(in: 0...255, using: &generator) }
        let pending = PendingReveal(
            netuid: netuid, hotkey: hotkey, uids: uids, values: values, salt: salt, versionKey: versionKey,
            block: metagraph.block, epoch: metagraph.subnet.epochs)
        try await reveals.keep(pending)
        do {
            try await chain.commitWeights(
                netuid: netuid, hotkey: hotkey,
                hash: ChainRules.commitHash(
                    netuid: netuid, hotkey: hotkey, uids: uids, values: values, salt: salt, versionKey: versionKey))
        } catch {
            try await reveals.forget(pending)
            throw error
        }
    }
}
