public import Ledger

extension LocalChain {
    /// The subnet's plugin releases, by block.
    public func releases(netuid: Int) throws(ChainError) -> [PluginRelease] {
        try checked {
            _ = try ledger.subnet(netuid: netuid)
            return try ledger.releases(netuid: netuid)
        }
    }

    /// The source of one of the subnet's releases (refused when there is none by that hash).
    public func releaseSource(netuid: Int, sha256: String) throws(ChainError) -> [UInt8] {
        let found = try checked { try ledger.releaseSource(netuid: netuid, sha256: sha256) }
        guard let found else {
            throw ChainError(.notFound, "subnet \(netuid) has no release with sha256 \(sha256)")
        }
        return found
    }

    /// Takes the owner's release of `source` (checked by
    /// ``ChainRules/checkedRelease(_:source:subnet:existing:head:chain:)``; `chain` is this
    /// chain's hotkey, which the release must be signed for). Returns it as kept.
    @discardableResult
    public func publish(_ release: PluginRelease, source: [UInt8], chain: String) throws(ChainError) -> PluginRelease {
        try checked {
            let head = try head()
            return try ledger.write { tx in
                let kept = try ChainRules.checkedRelease(
                    release, source: source, subnet: try tx.subnet(netuid: release.netuid),
                    existing: try tx.releases(netuid: release.netuid), head: head, chain: chain)
                try tx.insertRelease(kept, source: source)
                return kept
            }
        }
    }

    /// Records what a registered validator scores the subnet with (the version it runs, and a
    /// release it refused).
    public func reportVersion(netuid: Int, _ version: ValidatorVersion) throws(ChainError) {
        try checked {
            guard try ledger.neurons(netuid: netuid).contains(where: { $0.hotkey == version.hotkey }) else {
                throw ChainError(.notFound, "hotkey \(version.hotkey) is not registered on subnet \(netuid)")
            }
            guard version.sha256.utf8.count == 64, version.refused.utf8.count <= 64,
                version.refusedMessage.utf8.count <= 2048
            else {
                throw ChainError(
                    .invalid, "a version is a 64-digit sha256; a refusal names one and says why in at most 2048 bytes")
            }
            var kept = version
            kept.block = min(version.block, try head())
            try ledger.recordValidatorVersion(netuid: netuid, kept)
        }
    }

    /// What each validator last reported running.
    public func versions(netuid: Int) throws(ChainError) -> [ValidatorVersion] {
        try checked { try ledger.validatorVersions(netuid: netuid) }
    }
}
