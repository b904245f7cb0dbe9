import ChainAPI
import Foundation
import Ledger
import SynodChain
import Testing
import Wire

/// Plugin releases over the API: only the owner publishes, for a later block, over exactly
/// the source sent, signed for this chain; the chain serves sources by hash and keeps what
/// each registered validator says it runs.
@Suite("ChainServer: plugin releases and validator versions")
struct ChainServerReleasesTests {
    let source = Array("return { name = 'r', version = '1.0.0' }\n".utf8)

    /// A release of `source` signed by `owner` for `chain`.
    func release(
        _ source: [UInt8], by owner: Hotkey, at block: UInt64, for chain: SS58Address, netuid: Int = 1
    ) async throws -> PluginRelease {
        let sha256 = Wire.SHA256.hex(source)
        let nonce = BTAuth.now()
        let statement = ChainRules.releaseStatement(
            netuid: netuid, atBlock: block, sha256: sha256, nonce: nonce, owner: owner.address.string,
            scheme: owner.scheme, chain: chain.string)
        return PluginRelease(
            netuid: netuid, sha256: sha256, atBlock: block, owner: owner.address.string,
            scheme: owner.scheme.rawValue, nonce: nonce, signature: try await owner.sign(payload: statement))
    }

    @Test(arguments: [BTAuth.Scheme.sr25519, .ed25519])
    func theOwnerPublishesAndEveryoneReadsTheSourceByItsHash(scheme: BTAuth.Scheme) async throws {
        let owner = try Hotkey.generate(scheme: scheme)
        let served = try await ServedChain(owner: owner.address.string, config: ChainServerTests.config())
        defer { Task { await served.stop() } }
        for _ in 0..<3 { _ = try served.chain.produceBlock() }
        let head = try served.chain.head()
        let ownerClient = served.client(owner)

        let kept = try await ownerClient.publish(
            try await release(source, by: owner, at: head + 2, for: served.chainKey.address), source: source)
        #expect(kept.publishedBlock == head && kept.size == source.count && kept.atBlock == head + 2)

        // Anyone reads it, and its source by hash, byte for byte; an unknown hash is a 404.
        let reader = served.client(try Hotkey.generate())
        let listed = try await reader.releases(netuid: 1)
        #expect(listed.releases == [kept] && listed.versions.isEmpty)
        #expect(ChainRules.releaseSigned(listed.releases[0], chain: served.chainKey.address.string))
        #expect(try await reader.releaseSource(netuid: 1, sha256: kept.sha256) == source)
        let unknown = await refusal {
            _ = try await reader.releaseSource(netuid: 1, sha256: String(repeating: "ab", count: 32))
        }
        #expect(unknown?.code == .notFound)
    }

    @Test func everyReleaseAgainstTheRulesIsRefusedWithItsReasonAndNothingIsKept() async throws {
        let owner = try Hotkey.generate()
        let served = try await ServedChain(owner: owner.address.string, config: ChainServerTests.config())
        defer { Task { await served.stop() } }
        for _ in 0..<3 { _ = try served.chain.produceBlock() }
        let head = try served.chain.head()
        let chainKey = served.chainKey.address
        let ownerClient = served.client(owner)
        _ = try await ownerClient.publish(
            try await release(source, by: owner, at: head + 5, for: chainKey), source: source)

        // Someone else, with a release they signed properly themselves.
        let stranger = try Hotkey.generate(scheme: .sr25519)
        let notOwner = await refusal {
            _ = try await served.client(stranger).publish(
                try await release(source, by: stranger, at: head + 9, for: chainKey), source: source)
        }
        #expect(notOwner?.code == .refused && notOwner?.message.contains("owner") == true)
        // A block the chain has passed, then one at or before a scheduled release.
        let stale = await refusal {
            _ = try await ownerClient.publish(
                try await release(source, by: owner, at: head, for: chainKey), source: source)
        }
        #expect(
            stale?.code == .refused && stale?.message.contains("head \(head)") == true, "\(String(describing: stale))")
        let conflict = await refusal {
            _ = try await ownerClient.publish(
                try await release(source, by: owner, at: head + 4, for: chainKey), source: source)
        }
        #expect(conflict?.code == .conflict && conflict?.message.contains("block \(head + 5)") == true)
        // A signature that is not the owner's over this statement: flipped, or for another chain.
        var flipped = try await release(source, by: owner, at: head + 9, for: chainKey)
        flipped.signature[0] ^= 1
        let badSignature = await refusal { _ = try await ownerClient.publish(flipped, source: source) }
        #expect(badSignature?.code == .invalid && badSignature?.message.contains("not signed") == true)
        let otherChain = try await release(source, by: owner, at: head + 9, for: try Hotkey.generate().address)
        let replayed = await refusal { _ = try await ownerClient.publish(otherChain, source: source) }
        #expect(replayed?.code == .invalid)
        // A source that is not the one signed for, and one too large.
        let swapped = await refusal {
            _ = try await ownerClient.publish(
                try await release(source, by: owner, at: head + 9, for: chainKey), source: source + [0x20])
        }
        #expect(swapped?.code == .invalid && swapped?.message.contains("SHA-256") == true)
        let huge = [UInt8](repeating: 0x2d, count: ChainRules.maxReleaseBytes + 1)
        let tooLarge = await refusal {
            _ = try await ownerClient.publish(
                try await release(huge, by: owner, at: head + 9, for: chainKey), source: huge)
        }
        #expect(
            tooLarge?.code == .invalid && tooLarge?.message.contains("1 to") == true, "\(String(describing: tooLarge))")
        // A subnet that does not exist.
        let noSubnet = await refusal {
            _ = try await ownerClient.publish(
                try await release(source, by: owner, at: head + 9, for: chainKey, netuid: 7), source: source)
        }
        #expect(noSubnet?.code == .notFound)

        #expect(try served.chain.releases(netuid: 1).count == 1)
    }

    @Test func registeredValidatorsReportWhatTheyRunAndOthersCannot() async throws {
        let owner = try Hotkey.generate()
        let served = try await ServedChain(owner: owner.address.string, config: ChainServerTests.config())
        defer { Task { await served.stop() } }
        let validator = try Hotkey.generate(scheme: .sr25519)
        try served.chain.join(
            netuid: 1, hotkey: validator.address.string, coldkey: "c", stake: 1_000_000_000, validatorPermit: true)
        for _ in 0..<4 { _ = try served.chain.produceBlock() }
        let running = String(repeating: "1", count: 64)
        let refused = String(repeating: "2", count: 64)
        try await served.client(validator).reportVersion(
            netuid: 1,
            ValidatorVersion(
                hotkey: validator.address.string, sha256: running, block: 99, refused: refused,
                refusedMessage: "subnet-1@222222222222.lua:3: syntax error"))
        let versions = try await served.client(owner).releases(netuid: 1).versions
        // A block ahead of the chain is clamped to its head.
        #expect(
            versions == [
                ValidatorVersion(
                    hotkey: validator.address.string, sha256: running, block: try served.chain.head(),
                    refused: refused, refusedMessage: "subnet-1@222222222222.lua:3: syntax error")
            ])

        let stranger = try Hotkey.generate()
        let unregistered = await refusal {
            try await served.client(stranger).reportVersion(
                netuid: 1, ValidatorVersion(hotkey: stranger.address.string, sha256: running, block: 1))
        }
        #expect(unregistered?.code == .notFound && unregistered?.message.contains("not registered") == true)
        let malformed = await refusal {
            try await served.client(validator).reportVersion(
                netuid: 1, ValidatorVersion(hotkey: validator.address.string, sha256: "abc", block: 1))
        }
        #expect(malformed?.code == .invalid)
        let long = await refusal {
            try await served.client(validator).reportVersion(
                netuid: 1,
                ValidatorVersion(
                    hotkey: validator.address.string, sha256: running, block: 1, refused: refused,
                    refusedMessage: String(repeating: "x", count: 5000)))
        }
        #expect(long?.code == .invalid)
        #expect(try served.chain.versions(netuid: 1).count == 1)
    }
}
