import Consensus
import Foundation
import Ledger
import SynodChain
import Testing

/// Commit–reveal of weights, as both chains apply it: weights stay hidden (out of consensus
/// and of the metagraph) until they are revealed, a commitment opens only in its reveal
/// epoch, and only with the weights, salt and version key it hides.
@Suite("Chain: commit-reveal of weights")
struct CommitRevealTests {
    static func config(rateLimit: Int = 5) -> SubnetConfig {
        var config = SubnetConfig()
        config.tempo = 10
        config.weightsRateLimit = rateLimit
        config.commitReveal = true
        config.commitRevealPeriod = 1
        config.immunityPeriod = 1000
        return config
    }

    func hash(_ values: [UInt16], salt: [UInt8]) -> [UInt8] {
        ChainRules.commitHash(netuid: 1, hotkey: "v", uids: [1, 2], values: values, salt: salt, versionKey: 0)
    }

    /// The script both chains run; every refusal and observation goes in the trace.
    func script(_ chain: any Chain, produce: () throws -> ChainBlock) async throws -> [String] {
        var trace: [String] = []
        func attempt(_ label: String, _ body: () async throws -> Void) async {
            do {
                try await body()
                trace.append("\(label): ok")
            } catch let error as ChainError {
                trace.append("\(label): \(error.message)")
            } catch {
                trace.append("\(label): \(error)")
            }
        }
        func until(_ block: UInt64) async throws -> [EpochRecord] {
            var epochs: [EpochRecord] = []
            while try await chain.head() < block { epochs += try produce().epochs }
            return epochs
        }
        _ = try await until(1)
        let salt: [UInt8] = Array("pepper-0123456789".utf8)
        await attempt("plain weights") {
            try await chain.setWeights(netuid: 1, hotkey: "v", uids: [1, 2], values: [65535, 0], versionKey: 0)
        }
        await attempt("commit") {
            try await chain.commitWeights(netuid: 1, hotkey: "v", hash: hash([65535, 0], salt: salt))
        }
        await attempt("commit again at once") {
            try await chain.commitWeights(netuid: 1, hotkey: "v", hash: hash([1, 1], salt: salt))
        }
        await attempt("short hash") { try await chain.commitWeights(netuid: 1, hotkey: "v", hash: [1, 2, 3]) }
        await attempt("miner commits") {
            try await chain.commitWeights(netuid: 1, hotkey: "m1", hash: hash([65535, 0], salt: salt))
        }
        trace.append("waiting \(try await chain.commits(netuid: 1, hotkey: "v").count)")
        trace.append("weights visible \(try await chain.metagraph(netuid: 1).neuron(hotkey: "v")!.hasWeights)")
        await attempt("reveal too early") {
            try await chain.revealWeights(
                netuid: 1, hotkey: "v", uids: [1, 2], values: [65535, 0], salt: salt, versionKey: 0)
        }
        // Epoch 1 settles at block 10 without the hidden weights: nobody earns by incentive.
        let first = try await until(10)
        trace.append("epoch at \(first.map(\.block)): incentive \(first.first!.output.incentive.map(\.double))")
        await attempt("reveal with another salt") {
            try await chain.revealWeights(
                netuid: 1, hotkey: "v", uids: [1, 2], values: [65535, 0], salt: [9], versionKey: 0)
        }
        await attempt("reveal other weights") {
            try await chain.revealWeights(
                netuid: 1, hotkey: "v", uids: [1, 2], values: [0, 65535], salt: salt, versionKey: 0)
        }
        await attempt("reveal") {
            try await chain.revealWeights(
                netuid: 1, hotkey: "v", uids: [1, 2], values: [65535, 0], salt: salt, versionKey: 0)
        }
        trace.append("waiting \(try await chain.commits(netuid: 1, hotkey: "v").count)")
        trace.append("weights visible \(try await chain.metagraph(netuid: 1).neuron(hotkey: "v")!.hasWeights)")
        let second = try await until(20)
        trace.append("epoch at \(second.map(\.block)): incentive \(second.first!.output.incentive.map(\.double))")
        // A commitment left unrevealed through its epoch expires.
        _ = try await until(22)
        await attempt("commit to let expire") {
            try await chain.commitWeights(netuid: 1, hotkey: "v", hash: hash([1, 65535], salt: salt))
        }
        _ = try await until(40)
        trace.append("waiting after its epoch \(try await chain.commits(netuid: 1, hotkey: "v").count)")
        await attempt("reveal expired") {
            try await chain.revealWeights(
                netuid: 1, hotkey: "v", uids: [1, 2], values: [1, 65535], salt: salt, versionKey: 0)
        }
        return trace
    }

    func setUp(_ chain: any Chain, join: (String, UInt64, Bool) throws -> Void) throws {
        try join("v", 1_000_000, true)
        try join("m1", 0, false)
        try join("m2", 0, false)
    }

    static let expected: [String] = [
        "plain weights: subnet 1 hides weights until they are stale (commit_reveal_weights_enabled): commit a hash of them, then reveal them after commit_reveal_period epochs",
        "commit: ok",
        "commit again at once: uid 0 committed or revealed weights within the last 5 blocks; wait until block 6 (rate limit)",
        "short hash: a commitment is a 32-byte hash (got 3 bytes)",
        "miner commits: m1 (uid 1) has no validator permit on subnet 1",
        "waiting 1",
        "weights visible false",
        "reveal too early: the commitment made at block 1 (epoch 0) can be revealed in epoch 1; the subnet is in epoch 0: wait 1 more epoch(s)",
        "epoch at [10]: incentive [0.0, 0.0, 0.0]",
        "reveal with another salt: no commitment of v on subnet 1 matches these weights, salt and version key (1 waiting)",
        "reveal other weights: no commitment of v on subnet 1 matches these weights, salt and version key (1 waiting)",
        "reveal: ok",
        "waiting 0",
        "weights visible true",
        "epoch at [20]: incentive [0.0, 1.0, 0.0]",
        "commit to let expire: ok",
        "waiting after its epoch 0",
        "reveal expired: no commitment of v on subnet 1 matches these weights, salt and version key (it has none waiting)",
    ]

    @Test func bothChainsHideWeightsUntilTheirRevealEpoch() async throws {
        let memory = MemoryChain()
        try memory.createSubnet(name: "cr", owner: "owner", config: Self.config(), netuid: 1)
        try setUp(memory) { try memory.join(netuid: 1, hotkey: $0, coldkey: $0, stake: $1, validatorPermit: $2) }
        let inMemory = try await script(memory) { try memory.produceBlock() }
        #expect(inMemory == Self.expected)

        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("synod-cr-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let ledger = try Ledger(path: folder.appendingPathComponent("ledger.sqlite").path)
        let local = LocalChain(ledger: ledger)
        _ = try local.createSubnet(name: "cr", owner: "owner", config: Self.config())
        try setUp(local) { try local.join(netuid: 1, hotkey: $0, coldkey: $0, stake: $1, validatorPermit: $2) }
        let durable = try await script(local) { try local.produceBlock() }
        #expect(durable == Self.expected)
    }

    @Test func atMostTenCommitmentsWaitAndAReplacedHotkeysGo() async throws {
        let chain = MemoryChain()
        var config = Self.config(rateLimit: 0)
        config.maxAllowedUIDs = 2
        config.immunityPeriod = 0
        config.minNonImmuneUIDs = 0
        try chain.createSubnet(name: "cr", owner: "owner", config: config, netuid: 1)
        try chain.join(netuid: 1, hotkey: "v", coldkey: "v", stake: 1, validatorPermit: true)
        for k in 0..<ChainRules.maxUnrevealedCommits {
            try chain.commitWeights(netuid: 1, hotkey: "v", hash: hash([UInt16(k), 1], salt: []))
        }
        #expect(throws: ChainError.self) {
            try chain.commitWeights(netuid: 1, hotkey: "v", hash: hash([99, 1], salt: []))
        }
        #expect(chain.commits(netuid: 1, hotkey: "v").count == 10)
        // Same hash twice is a conflict, not a second commitment.
        let again = #expect(throws: ChainError.self) {
            try chain.commitWeights(netuid: 1, hotkey: "v", hash: hash([0, 1], salt: []))
        }
        #expect(again?.code == .conflict || again?.message.contains("at most") == true)
        // A reveal whose UIDs or salt the hash cannot carry is refused, not folded.
        let outside = #expect(throws: ChainError.self) {
            try chain.revealWeights(
                netuid: 1, hotkey: "v", uids: [65536 + 1, 1], values: [0, 1], salt: [], versionKey: 0)
        }
        #expect(outside?.code == .invalid)
        #expect(throws: ChainError.self) {
            try chain.revealWeights(
                netuid: 1, hotkey: "v", uids: [0, 1], values: [1, 1], salt: Array(repeating: 0, count: 257),
                versionKey: 0)
        }
        // A hotkey whose UID a registration takes loses its commitments with it.
        _ = try chain.register(netuid: 1, hotkey: "m", coldkey: "m")
        _ = try chain.register(netuid: 1, hotkey: "n", coldkey: "n")
        #expect(chain.neuron(netuid: 1, hotkey: "v") == nil)
        #expect(chain.commits(netuid: 1, hotkey: "v").isEmpty)
        // Plain weights on a subnet without commit-reveal; commitments there are refused.
        try chain.createSubnet(name: "plain", owner: "owner", config: SubnetConfig(), netuid: 2)
        try chain.join(netuid: 2, hotkey: "v", coldkey: "v", stake: 1, validatorPermit: true)
        let refused = #expect(throws: ChainError.self) {
            try chain.commitWeights(netuid: 2, hotkey: "v", hash: hash([1, 1], salt: []))
        }
        #expect(refused?.message == "subnet 2 does not use commit-reveal; set weights directly")
    }

    @Test func theHashCoversEveryInput() {
        let base = ChainRules.commitHash(
            netuid: 1, hotkey: "v", uids: [1, 2], values: [3, 4], salt: [5], versionKey: 6)
        #expect(base.count == 32)
        let variants = [
            ChainRules.commitHash(netuid: 2, hotkey: "v", uids: [1, 2], values: [3, 4], salt: [5], versionKey: 6),
            ChainRules.commitHash(netuid: 1, hotkey: "w", uids: [1, 2], values: [3, 4], salt: [5], versionKey: 6),
            ChainRules.commitHash(netuid: 1, hotkey: "v", uids: [2, 1], values: [3, 4], salt: [5], versionKey: 6),
            ChainRules.commitHash(netuid: 1, hotkey: "v", uids: [1, 2], values: [4, 3], salt: [5], versionKey: 6),
            ChainRules.commitHash(netuid: 1, hotkey: "v", uids: [1, 2], values: [3, 4], salt: [6], versionKey: 6),
            ChainRules.commitHash(netuid: 1, hotkey: "v", uids: [1, 2], values: [3, 4], salt: [5], versionKey: 7),
        ]
        #expect(Set(variants + [base]).count == 7)
        // Fixed bytes, as Python computes them (hashlib.sha256 over the documented layout):
        // a validator in another language commits the same hash.
        let hex = base.map { String(format: "%02x", $0) }.joined()
        #expect(hex == "66622f380b4855e9a836fae76c9d74821cda0106bfa83c7116946bb3ea508d18")
    }
}
