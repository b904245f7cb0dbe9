import Consensus
import Foundation
import Ledger
import SynodChain

/// A ledger in a temporary folder with one subnet as YUMA.md's first example — three
/// validators, two miners — and `epochs` epochs settled by the chain's own rules.
struct ReportFixture {
    let ledger: Ledger
    let chain: LocalChain
    var epochBlocks: [UInt64] = []

    init(epochs: Int = 2) throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("synod-reports-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        ledger = try Ledger(path: folder.appendingPathComponent("synod.sqlite").path)
        chain = LocalChain(ledger: ledger)
        var config = SubnetConfig()
        config.maxAllowedUIDs = 5
        config.immunityPeriod = 100
        config.weightsRateLimit = 0
        try ledger.createSubnet(netuid: 1, name: "echo-sum", owner: "owner", config: config)
        for (i, key) in ["v0", "v1", "v2", "m3", "m4"].enumerated() {
            _ = try chain.register(netuid: 1, hotkey: key, coldkey: "c\(i)")
        }
        for v in ["v0", "v1", "v2"] { try ledger.addStake(netuid: 1, hotkey: v, amount: 1_000_000_000) }
        for uid in 0..<3 { try ledger.setValidatorPermit(netuid: 1, uid: uid, true) }
        for e in 0..<epochs {
            let block = UInt64(e * 10 + 2)
            try ledger.setChainHead(block - 1)
            try chain.setWeights(netuid: 1, hotkey: "v0", uids: [3, 4], values: [65535, 0])
            try chain.setWeights(netuid: 1, hotkey: "v1", uids: [3, 4], values: [0, 65535])
            try chain.setWeights(netuid: 1, hotkey: "v2", uids: [3, 4], values: [65535, 0])
            try ledger.setChainHead(block)
            _ = try chain.settleEpoch(netuid: 1, block: block)
            epochBlocks.append(block)
        }
    }
}
