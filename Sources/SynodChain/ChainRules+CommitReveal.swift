import CLibCrypto
public import Consensus
public import Ledger

/// Commit–reveal of weights, as the chain's second version of it does (hash commitments,
/// revealed a set number of epochs later): while a subnet has `commit_reveal_weights_enabled`,
/// a validator commits a hash of its weights, and the weights enter consensus only when it
/// reveals them, `commit_reveal_period` epochs later — by then they are stale, so copying
/// them earns a copier nothing.
extension ChainRules {
    /// Most commitments a hotkey may have waiting to be revealed (the chain's limit).
    public static let maxUnrevealedCommits = 10
    /// Longest salt a reveal may carry.
    public static let maxSaltBytes = 256

    /// The hash a validator commits: SHA-256 of `synod/commit-reveal/v1`, then netuid (u16),
    /// the hotkey (u32 length, UTF-8), the count (u32), the UIDs and values (u16 each), the
    /// salt (u32 length, bytes) and the version key (u64), every integer little-endian.
    public static func commitHash(
        netuid: Int, hotkey: String, uids: [Int], values: [UInt16], salt: [UInt8], versionKey: UInt64
    ) -> [UInt8] {
        var bytes = Array("synod/commit-reveal/v1".utf8)
        func put<T: FixedWidthInteger>(_ value: T) { withUnsafeBytes(of: value.littleEndian) { bytes += $0 } }
        put(UInt16(truncatingIfNeeded: netuid))
        put(UInt32(hotkey.utf8.count))
        bytes += hotkey.utf8
        put(UInt32(uids.count))
        for uid in uids { put(UInt16(truncatingIfNeeded: uid)) }
        for value in values { put(value) }
        put(UInt32(salt.count))
        bytes += salt
        put(versionKey)
        var digest = [UInt8](repeating: 0, count: 32)
        var length: UInt32 = 0
        let ok = bytes.withUnsafeBytes { input in
            digest.withUnsafeMutableBufferPointer { out in
                EVP_Digest(input.baseAddress, input.count, out.baseAddress, &length, EVP_sha256(), nil)
            }
        }
        precondition(ok == 1 && length == 32, "libcrypto's SHA-256 failed")
        return digest
    }

    /// The refusal of plain weights on a subnet that hides them.
    public static func weightsHidden(netuid: Int) -> ChainError {
        ChainError(
            .refused,
            "subnet \(netuid) hides weights until they are stale (commit_reveal_weights_enabled): commit a hash "
                + "of them, then reveal them after commit_reveal_period epochs")
    }

    /// Checks a validator's commitment and returns what the chain keeps. Refused: a subnet
    /// without commit–reveal, a hash that is not 32 bytes, a caller without a validator
    /// permit, a hash already committed, ``maxUnrevealedCommits`` waiting, and a commitment
    /// within `weights_rate_limit` blocks of the caller's previous one.
    public static func checkedCommit(
        netuid: Int, subnet: SubnetInfo, caller: NeuronInfo, waiting: [WeightCommit], hash: [UInt8], block: UInt64
    ) throws(ChainError) -> WeightCommit {
        guard subnet.config.commitReveal else {
            throw ChainError(
                .refused, "subnet \(netuid) does not use commit-reveal; set weights directly")
        }
        guard hash.count == 32 else {
            throw ChainError(.invalid, "a commitment is a 32-byte hash (got \(hash.count) bytes)")
        }
        guard caller.validatorPermit else {
            throw ChainError(
                .refused, "\(caller.hotkey) (uid \(caller.uid)) has no validator permit on subnet \(netuid)")
        }
        guard !waiting.contains(where: { $0.hash == hash }) else {
            throw ChainError(.conflict, "this hash is already committed; reveal it, or commit with a new salt")
        }
        guard waiting.count < maxUnrevealedCommits else {
            throw ChainError(
                .refused,
                "\(caller.hotkey) has \(waiting.count) commitments waiting to be revealed (at most "
                    + "\(maxUnrevealedCommits)); reveal or let them expire first")
        }
        let first = firstCommitBlock(caller, lastCommit: waiting.map(\.block).max(), config: subnet.config)
        guard block >= first else {
            throw ChainError(
                .refused,
                "uid \(caller.uid) committed or revealed weights within the last \(subnet.config.weightsRateLimit) "
                    + "blocks; wait until block \(first) (rate limit)")
        }
        return WeightCommit(hotkey: caller.hotkey, hash: hash, block: block, epoch: subnet.epochs)
    }

    /// The first block at which `caller` may commit: `weights_rate_limit` blocks after its
    /// newest waiting commitment or its last revealed weights, whichever is later.
    public static func firstCommitBlock(_ caller: NeuronInfo, lastCommit: UInt64?, config: SubnetConfig) -> UInt64 {
        let last = [lastCommit, caller.hasWeights ? caller.lastUpdate : nil].compactMap { $0 }.max()
        return last.map { $0 + UInt64(max(config.weightsRateLimit, 0)) } ?? 0
    }

    /// Where a commitment stands in its subnet's epochs.
    public enum RevealWindow: Sendable, Hashable {
        /// Not yet: it opens when the subnet has settled `epoch` epochs.
        case early(opensAt: Int)
        case open
        /// Past: it can no longer be revealed.
        case expired
    }

    /// A commitment made in epoch E is revealed during epoch E + `commit_reveal_period`;
    /// `epochs` is the subnet's count of settled epochs now.
    public static func revealWindow(madeIn epoch: Int, config: SubnetConfig, epochs: Int) -> RevealWindow {
        let opens = epoch + config.commitRevealPeriod
        if epochs < opens { return .early(opensAt: opens) }
        return epochs == opens ? .open : .expired
    }

    /// Checks a reveal against the caller's commitments and returns the commitment it opens
    /// and the weight row to store (as ``checkedWeights(netuid:config:caller:registered:uids:values:versionKey:block:rateLimited:)``
    /// checks it, without the rate limit: the commitment was rate-limited).
    public static func checkedReveal(
        netuid: Int, subnet: SubnetInfo, caller: NeuronInfo, waiting: [WeightCommit], uids: [Int], values: [UInt16],
        salt: [UInt8], versionKey: UInt64, block: UInt64
    ) throws(ChainError) -> (commit: WeightCommit, row: [SparseEntry]) {
        guard subnet.config.commitReveal else {
            throw ChainError(.refused, "subnet \(netuid) does not use commit-reveal; set weights directly")
        }
        // The hash carries each UID as a u16 and lengths as u32: what does not fit is refused,
        // not folded into another commitment's bytes.
        guard uids.count == values.count, uids.count <= 65536, salt.count <= maxSaltBytes else {
            throw ChainError(
                .invalid,
                "a reveal has one value per uid (at most 65536) and a salt of at most \(maxSaltBytes) bytes")
        }
        if let bad = uids.first(where: { !(0...65535).contains($0) }) {
            throw ChainError(.invalid, "uid \(bad) is not a UID (0 to 65535)")
        }
        let hash = commitHash(
            netuid: netuid, hotkey: caller.hotkey, uids: uids, values: values, salt: salt, versionKey: versionKey)
        guard let commit = waiting.first(where: { $0.hash == hash }) else {
            throw ChainError(
                .refused,
                "no commitment of \(caller.hotkey) on subnet \(netuid) matches these weights, salt and version key"
                    + (waiting.isEmpty ? " (it has none waiting)" : " (\(waiting.count) waiting)"))
        }
        switch revealWindow(madeIn: commit.epoch, config: subnet.config, epochs: subnet.epochs) {
        case .early(let opens):
            throw ChainError(
                .refused,
                "the commitment made at block \(commit.block) (epoch \(commit.epoch)) can be revealed in epoch "
                    + "\(opens); the subnet is in epoch \(subnet.epochs): wait \(opens - subnet.epochs) more epoch(s)")
        case .expired:
            throw ChainError(
                .refused,
                "the commitment made at block \(commit.block) expired: it had to be revealed in epoch "
                    + "\(commit.epoch + subnet.config.commitRevealPeriod)")
        case .open:
            let row = try checkedWeights(
                netuid: netuid, config: subnet.config, caller: caller, registered: subnet.neuronCount, uids: uids,
                values: values, versionKey: versionKey, block: block, rateLimited: false)
            return (commit, row)
        }
    }
}
