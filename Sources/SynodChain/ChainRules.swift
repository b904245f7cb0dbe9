public import Consensus
import Foundation
public import Ledger

/// The chain's rules, as pure functions over what a chain holds: which UID a registration
/// takes, whether a validator's weights are accepted, when weights and epochs are due, what
/// an endpoint may be. Every chain applies these and no other copy exists; settlement is
/// ``Settlement`` (in `Consensus`).
public enum ChainRules {
    /// The UID a registration at `block` takes: the next free one while the subnet has room;
    /// when it is full, the non-immune UID with the lowest emission (ties: earliest
    /// registration, then lowest UID), unless only `minNonImmuneUIDs` or fewer are
    /// non-immune — then the immune UID chosen the same way. A UID is immune while
    /// `block − registered_at < immunity_period`. `replaces` says whether a UID is pruned.
    public static func registrationSlot(netuid: Int, config: SubnetConfig, neurons: [NeuronInfo], block: UInt64)
        throws(ChainError) -> (uid: Int, replaces: Bool)
    {
        if neurons.count < config.maxAllowedUIDs { return (neurons.count, false) }
        let lastNonImmune = Int64(block) - Int64(config.immunityPeriod)
        let immune = { (n: NeuronInfo) in Int64(n.registeredAt) > lastNonImmune }
        let nonImmuneCount = neurons.filter { !immune($0) }.count
        let pool = neurons.filter { immune($0) == (nonImmuneCount <= config.minNonImmuneUIDs) }
        let victim = pool.min { a, b in
            (a.emission, a.registeredAt, a.uid) < (b.emission, b.registeredAt, b.uid)
        }
        guard let victim else {
            throw ChainError(
                .refused,
                "subnet \(netuid) is full (\(neurons.count) UIDs) and no UID can be replaced: only "
                    + "\(config.minNonImmuneUIDs) or fewer are past their immunity period "
                    + "(\(config.immunityPeriod) blocks) and none is immune; raise max_allowed_uids")
        }
        return (victim.uid, true)
    }

    /// The refusal of a second registration of `hotkey` (it holds `uid`).
    public static func alreadyRegistered(_ hotkey: String, netuid: Int, uid: Int) -> ChainError {
        ChainError(.conflict, "hotkey \(hotkey) is already registered on subnet \(netuid) as uid \(uid)")
    }

    /// Checks a validator's weights as the chain does and returns the row to store: sorted
    /// by UID and max-upscaled to u16 (the chain's one normalisation, rounded).
    ///
    /// Refused: lengths that differ, a caller without a validator permit, a UID that is not
    /// registered or appears twice, fewer than `minAllowedWeights`, a `versionKey` below the
    /// subnet's `weightsVersion`, and (when `rateLimited`) a second setting within
    /// `weightsRateLimit` blocks.
    public static func checkedWeights(
        netuid: Int, config: SubnetConfig, caller: NeuronInfo, registered: Int, uids: [Int], values: [UInt16],
        versionKey: UInt64, block: UInt64, rateLimited: Bool = true
    ) throws(ChainError) -> [SparseEntry] {
        guard uids.count == values.count else {
            throw ChainError(
                .invalid, "uids has \(uids.count) entries but values has \(values.count); pass one value per uid")
        }
        guard caller.validatorPermit else {
            throw ChainError(
                .refused, "\(caller.hotkey) (uid \(caller.uid)) has no validator permit on subnet \(netuid)")
        }
        var seen = Set<Int>()
        for (k, target) in uids.enumerated() {
            guard target >= 0, target < registered else {
                throw ChainError(
                    .invalid, "uids[\(k)]: uid \(target) is not registered on subnet \(netuid) (0..<\(registered))")
            }
            guard seen.insert(target).inserted else {
                throw ChainError(.invalid, "uids[\(k)]: uid \(target) appears twice")
            }
        }
        guard uids.count >= config.minAllowedWeights else {
            throw ChainError(.invalid, "at least \(config.minAllowedWeights) weights are required, got \(uids.count)")
        }
        guard versionKey >= config.weightsVersion else {
            throw ChainError(
                .refused,
                "version key \(versionKey) is below subnet \(netuid)'s weights_version \(config.weightsVersion); "
                    + "upgrade to the subnet's current release")
        }
        guard !rateLimited || weightsDue(caller, block: block, config: config) else {
            let next = caller.lastUpdate + UInt64(config.weightsRateLimit)
            throw ChainError(
                .refused,
                "weights of uid \(caller.uid) were set at block \(caller.lastUpdate); wait until block \(next) "
                    + "(rate limit \(config.weightsRateLimit) blocks)")
        }
        let stored = Yuma.maxUpscaleToU16(values)
        return zip(uids, stored).map { SparseEntry(uid: $0, value: $1) }.sorted { $0.uid < $1.uid }
    }

    /// Whether `neuron` may set weights at `block`: it never has since registering, or the
    /// subnet's rate limit has passed since it last did.
    public static func weightsDue(_ neuron: NeuronInfo, block: UInt64, config: SubnetConfig) -> Bool {
        block >= firstWeightsBlock(neuron, config: config)
    }

    /// The first block at which `neuron` may set weights again (0: now, it never has).
    public static func firstWeightsBlock(_ neuron: NeuronInfo, config: SubnetConfig) -> UInt64 {
        neuron.hasWeights ? neuron.lastUpdate + UInt64(max(config.weightsRateLimit, 0)) : 0
    }

    /// Whether a subnet's epoch runs at `block`: its tempo has passed since the last one.
    public static func epochDue(tempo: Int, lastEpochBlock: UInt64, block: UInt64) -> Bool {
        block >= lastEpochBlock + UInt64(max(tempo, 1))
    }

    /// Longest axon address a chain keeps.
    public static let maxEndpointBytes = 256

    /// An axon address as a chain keeps it: `http://` or `https://`, a host and a port, no
    /// path (`http://127.0.0.1:8091/` becomes `http://127.0.0.1:8091`). Refuses anything else.
    public static func endpoint(_ endpoint: String) throws(ChainError) -> String {
        // Kept in every metagraph: a peer may not make the chain store an unbounded string.
        guard endpoint.utf8.count <= maxEndpointBytes else {
            throw ChainError(
                .invalid,
                "an endpoint is at most \(maxEndpointBytes) bytes (got \(endpoint.utf8.count)); give http://HOST:PORT")
        }
        guard let url = URL(string: endpoint), let scheme = url.scheme, ["http", "https"].contains(scheme),
            let host = url.host, !host.isEmpty, let port = url.port, (1...65535).contains(port),
            url.path.isEmpty || url.path == "/", url.query == nil
        else {
            throw ChainError(
                .invalid, "endpoint '\(endpoint)' is not an axon address; give http://HOST:PORT or https://HOST:PORT")
        }
        return "\(scheme)://\(host):\(port)"
    }
}
