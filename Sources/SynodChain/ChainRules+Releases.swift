public import Ledger
public import Wire

extension ChainRules {
    /// Largest plugin source a chain keeps (a plugin file's own limit).
    public static let maxReleaseBytes = 1 << 20

    /// The bytes the owner signs to release a version: a btauth/1 statement
    /// (``BTAuthStatement``) of kind `RELEASE` about `subnet/N/at/B`, over the source's
    /// SHA-256, addressed to the chain's hotkey — so it cannot be replayed on another
    /// chain, another subnet, another block or another source.
    public static func releaseStatement(
        netuid: Int, atBlock: UInt64, sha256: String, nonce: Int64, owner: String, scheme: BTAuth.Scheme,
        chain: String
    ) -> [UInt8] {
        BTAuthStatement.payload(
            scheme: scheme, kind: "RELEASE", subject: "subnet/\(netuid)/at/\(atBlock)", digestHex: sha256,
            nonce: nonce, sender: owner, receiver: chain)
    }

    /// Whether `release` is signed by its owner for `chain` (the check every validator
    /// makes, whatever chain served it).
    public static func releaseSigned(_ release: PluginRelease, chain: String) -> Bool {
        guard let scheme = BTAuth.Scheme(rawValue: release.scheme), let owner = try? SS58Address(release.owner) else {
            return false
        }
        let statement = releaseStatement(
            netuid: release.netuid, atBlock: release.atBlock, sha256: release.sha256, nonce: release.nonce,
            owner: release.owner, scheme: scheme, chain: chain)
        return BTAuthStatement.verify(signature: release.signature, of: statement, sender: owner, scheme: scheme)
    }

    /// Checks a release as a chain takes it: from the subnet's owner, signed by it for this
    /// chain, over exactly `source` (non-empty, at most ``maxReleaseBytes``), for a block
    /// after the head and after every release already scheduled. Returns it as kept
    /// (published at `head`, its size).
    public static func checkedRelease(
        _ release: PluginRelease, source: [UInt8], subnet: SubnetInfo, existing: [PluginRelease], head: UInt64,
        chain: String
    ) throws(ChainError) -> PluginRelease {
        guard release.owner == subnet.owner else {
            throw ChainError(
                .refused,
                "only subnet \(subnet.netuid)'s owner (\(subnet.owner)) releases its plugin; \(release.owner) is not it"
            )
        }
        guard (1...maxReleaseBytes).contains(source.count) else {
            throw ChainError(
                .invalid, "a plugin release is 1 to \(maxReleaseBytes) bytes of Lua source, got \(source.count)")
        }
        guard Wire.SHA256.hex(source) == release.sha256 else {
            throw ChainError(.invalid, "sha256 \(release.sha256) is not the SHA-256 of the source sent")
        }
        guard release.atBlock > head else {
            throw ChainError(
                .refused, "block \(release.atBlock) is not ahead of the chain (head \(head)); release for a later block"
            )
        }
        if let last = existing.map(\.atBlock).max(), release.atBlock <= last {
            throw ChainError(
                .conflict,
                "a release is already scheduled at block \(last) on subnet \(subnet.netuid); release for a later block")
        }
        guard releaseSigned(release, chain: chain) else {
            throw ChainError(
                .invalid,
                "the release is not signed by \(release.owner) for this chain (\(chain)): sign the RELEASE statement "
                    + "of docs/chain-api.md with the owner's hotkey")
        }
        var kept = release
        kept.publishedBlock = head
        kept.size = source.count
        return kept
    }
}
