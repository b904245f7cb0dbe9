public import Ledger
import SynodChain
public import Wire

/// Signs the subnet owner's releases for a chain (``ChainRules/releaseStatement(netuid:atBlock:sha256:nonce:owner:scheme:chain:)``).
public struct ReleaseSigner: Sendable {
    /// The owner's key (a wallet hotkey, or the signer process holding it).
    public var owner: any PayloadSigner
    /// The chain the releases are for.
    public var chain: SS58Address

    public init(owner: any PayloadSigner, chain: SS58Address) {
        self.owner = owner
        self.chain = chain
    }

    /// A release of `source` on subnet `netuid` from block `atBlock`, signed now.
    public func release(netuid: Int, source: [UInt8], atBlock: UInt64) async throws -> PluginRelease {
        let sha256 = SHA256.hex(source)
        let nonce = BTAuth.nextNonce()
        let statement = ChainRules.releaseStatement(
            netuid: netuid, atBlock: atBlock, sha256: sha256, nonce: nonce, owner: owner.address.string,
            scheme: owner.scheme, chain: chain.string)
        return PluginRelease(
            netuid: netuid, sha256: sha256, atBlock: atBlock, owner: owner.address.string,
            scheme: owner.scheme.rawValue, nonce: nonce, signature: try await owner.sign(payload: statement))
    }
}

/// Releases on `synod up`: the version a plugin file holds is the subnet's release from the
/// next block (remote validators fetch it from the chain), and a release the owner
/// published for a later block (`synod publish`) replaces the running version at its block
/// here as everywhere.
extension LocalNet {
    /// Releases the running version of `runtime` from the next block, unless it is the
    /// subnet's newest release already. A release scheduled for a later block stays (the
    /// log says the file's version is not released).
    func release(_ runtime: SubnetRuntime, in subnets: SubnetSet) async {
        guard let releaser = subnets.releaser else { return }
        let netuid = runtime.netuid
        let plugin = await runtime.plugin
        do {
            let releases = try chain.releases(netuid: netuid)
            if let newest = releases.last, newest.sha256 == plugin.definition.sha256 {
                subnets.setReleasedAt(netuid, newest.atBlock)
                return
            }
            let release = try await releaser.release(
                netuid: netuid, source: plugin.source, atBlock: try chain.head() + 1)
            let kept = try chain.publish(release, source: plugin.source, chain: releaser.chain.string)
            subnets.setReleasedAt(netuid, kept.atBlock)
            log("subnet \(netuid): released \(kept.sha256.prefix(12)) to the chain from block \(kept.atBlock)")
        } catch {
            log(
                "subnet \(netuid): the running version \(plugin.definition.sha256.prefix(12)) is not released: \(error)"
            )
        }
    }

    /// At `block`, switches the subnet to the release in force if it came after the one the
    /// running version is (a release published for this block). Whether it switched.
    func switchToRelease(_ runtime: SubnetRuntime, in subnets: SubnetSet, block: UInt64) async -> Bool {
        let netuid = runtime.netuid
        guard subnets.releaser != nil,
            let releases = try? chain.releases(netuid: netuid),
            let release = PluginRelease.inForce(at: block, among: releases),
            release.atBlock > subnets.releasedAt(netuid)
        else { return false }
        subnets.setReleasedAt(netuid, release.atBlock)
        guard release.sha256 != (await runtime.definition.sha256) else { return false }
        do {
            let source = try chain.releaseSource(netuid: netuid, sha256: release.sha256)
            switch await runtime.adopt(source: source, chunkName: ReleaseTracker.chunkName(release)) {
            case .reloaded(let from, let to):
                metrics.pluginVersion(netuid: netuid, outcome: "reloaded")
                log("block \(block) · subnet \(netuid): switched to release \(to.prefix(12)) (was \(from.prefix(12)))")
                return true
            case .rejected(let error):
                metrics.pluginVersion(netuid: netuid, outcome: "rejected")
                log("block \(block) · subnet \(netuid): release \(release.sha256.prefix(12)) refused here: \(error)")
            case .unchanged: break
            }
        } catch {
            log("block \(block) · subnet \(netuid): release \(release.sha256.prefix(12)) cannot be read: \(error)")
        }
        return false
    }
}
