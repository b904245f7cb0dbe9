import Foundation
import Ledger
import SynodChain

extension ChainJSON {
    struct Release: Codable, Sendable, Hashable {
        var netuid: Int, sha256: String, atBlock: UInt64, owner: String, scheme: String, nonce: Int64
        var signature: String, publishedBlock: UInt64, size: Int

        init(_ r: PluginRelease) {
            (netuid, sha256, atBlock, owner, scheme, nonce) = (
                r.netuid, r.sha256, r.atBlock, r.owner, r.scheme, r.nonce
            )
            (signature, publishedBlock, size) = (ChainJSON.hex(r.signature), r.publishedBlock, r.size)
        }

        var value: PluginRelease {
            PluginRelease(
                netuid: netuid, sha256: sha256, atBlock: atBlock, owner: owner, scheme: scheme, nonce: nonce,
                signature: ChainJSON.bytes(hex: signature) ?? [], publishedBlock: publishedBlock, size: size)
        }
    }

    struct Version: Codable, Sendable, Hashable {
        var hotkey: String, sha256: String, block: UInt64, refused: String, refusedMessage: String

        init(_ v: ValidatorVersion) {
            (hotkey, sha256, block, refused, refusedMessage) = (
                v.hotkey, v.sha256, v.block, v.refused, v.refusedMessage
            )
        }

        var value: ValidatorVersion {
            ValidatorVersion(
                hotkey: hotkey, sha256: sha256, block: block, refused: refused, refusedMessage: refusedMessage)
        }
    }

    /// `GET /v1/subnets/N/releases`: what the owner released, and what each validator runs.
    struct Releases: Codable {
        var releases: [Release]
        var versions: [Version]
    }

    /// `POST /v1/subnets/N/releases`: the source (base64) and the owner's signed statement.
    struct Publish: Codable {
        var atBlock: UInt64
        var sha256: String
        var scheme: String
        var nonce: Int64
        var signature: String
        var source: String
    }

    /// `POST /v1/subnets/N/version`: what the calling validator scores with.
    struct Running: Codable {
        var sha256: String
        var block: UInt64
        var refused: String?
        var refusedMessage: String?
    }
}
