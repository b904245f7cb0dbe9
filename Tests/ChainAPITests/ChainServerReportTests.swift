import ChainAPI
import Consensus
import Foundation
import HostReports
import Ledger
import SynodChain
import Testing
import Wire

/// A miner's own report over the chain API: its answers and earnings, signed for, and
/// nobody else's.
@Suite("ChainServer: a miner's own report")
struct ChainServerReportTests {
    @Test func aMinerReadsItsOwnReportAndNothingOfAnotherMiners() async throws {
        let served = try await ServedChain(config: ChainServerTests.config())
        let validator = try Hotkey.generate()
        let mine = try Hotkey.generate(scheme: .sr25519)
        let other = try Hotkey.generate()
        try served.chain.join(
            netuid: 1, hotkey: validator.address.string, coldkey: "c", stake: 1_000_000_000, validatorPermit: true)
        let uid = try await served.client(mine).register(netuid: 1, hotkey: mine.address.string, coldkey: "c")
        let otherUID = try await served.client(other).register(netuid: 1, hotkey: other.address.string, coldkey: "c")

        // Two rounds of the host's validator: ours valid then refused; the other's refused with
        // a reason that must stay between the validator and that miner.
        let secret = "checksum 0xfeed does not match the hidden probe"
        for (block, ours) in [(UInt64(2), "ok"), (3, "invalid")] {
            try served.ledger.recordRounds([
                RoundRecord(
                    netuid: 1, validator: validator.address.string, block: block, plugin: "abc", taskDigest: "d",
                    outcome: "weights set",
                    miners: [
                        .init(
                            uid: uid, hotkey: mine.address.string, status: ours,
                            reason: ours == "ok" ? nil : "answer is not a number", latency: 0.012, score: 0.75,
                            weight: 0.8),
                        .init(
                            uid: otherUID, hotkey: other.address.string, status: "invalid", reason: secret,
                            latency: 0.5, score: 0, weight: 0.2),
                    ])
            ])
        }
        // One epoch that pays it.
        try served.ledger.setChainHead(4)
        try served.chain.setWeights(
            netuid: 1, hotkey: validator.address.string, uids: [uid, otherUID], values: [52428, 13107])
        try served.ledger.setChainHead(5)
        let epoch = try served.chain.settleEpoch(netuid: 1, block: 5)

        let report = try await served.client(mine).minerReport(netuid: 1)
        #expect(report.schema == "synod.miner/1" && report.hotkey == mine.address.string && report.uid == uid)
        #expect(report.answers.map(\.block) == [3, 2], "newest first")
        #expect(report.answers.map(\.outcome) == ["invalid", "valid"])
        #expect(report.answers.first?.reason == "answer is not a number")
        #expect(report.validators.count == 1)
        let judged = try #require(report.validators.first)
        #expect(judged.valid == 1 && judged.invalid == 1 && judged.missing == 0 && judged.lastBlock == 3)
        #expect(judged.lastReason == "answer is not a number")
        let share = try #require(report.epochs.last)
        #expect(share.block == 5 && share.emission == epoch.output.emission[uid] && share.emission > 0)
        #expect(share.incentive > 0.5 && share.share > 0)
        #expect(report.explanation?.uid == uid && report.explanation?.asMiner != nil)

        // The raw document names no other miner's hotkey and holds no other miner's reason.
        let (status, body) = try await ChainServerTests().raw(
            served, "GET", "/v1/subnets/1/report", body: "", signer: mine)
        #expect(status == 200)
        #expect(!body.contains(other.address.string) && !body.contains(secret), "\(body)")
        // The other miner gets its own, with its own reason.
        let theirs = try await served.client(other).minerReport(netuid: 1)
        #expect(theirs.uid == otherUID && theirs.answers.allSatisfy { $0.reason == secret })
        await served.stop()
    }

    @Test func unsignedTamperedOrUnregisteredAsksAreRefused() async throws {
        let served = try await ServedChain(config: ChainServerTests.config())
        let stranger = try Hotkey.generate()
        let unsigned = try await ChainServerTests().raw(served, "GET", "/v1/subnets/1/report", body: "", signer: nil)
        #expect(unsigned.0 == 401)
        let tampered = try await ChainServerTests().raw(
            served, "GET", "/v1/subnets/1/report", body: "", signer: stranger, tamper: true)
        #expect(tampered.0 == 401)
        let elsewhere = try await ChainServerTests().raw(
            served, "GET", "/v1/subnets/1/report", body: "", signer: stranger, receiver: try Hotkey.generate().address)
        #expect(elsewhere.0 == 401)
        let unknown = await refusal { _ = try await served.client(stranger).minerReport(netuid: 1) }
        #expect(unknown?.code == .notFound && unknown?.message.contains("is not registered on subnet 1") == true)
        let noSubnet = await refusal { _ = try await served.client(stranger).minerReport(netuid: 7) }
        #expect(
            noSubnet?.code == .notFound && noSubnet?.message.contains("subnet 7") == true,
            "\(String(describing: noSubnet))")
        await served.stop()
    }
}
