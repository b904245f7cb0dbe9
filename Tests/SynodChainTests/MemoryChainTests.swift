import Consensus
import Foundation
import Ledger
import SynodChain
import Testing

/// The in-memory chain follows the same rules as the durable one: the same script of
/// registrations, weights and blocks gives the same UIDs, refusals, epochs and balances.
@Suite("MemoryChain: the same rules as LocalChain")
struct MemoryChainTests {
    /// Runs a seeded script on `chain` (its head moved by `produce`) and returns a trace of
    /// everything observable.
    func script(_ chain: any Chain, produce: () throws -> ChainBlock) async throws -> [String] {
        var trace: [String] = []
        var rng: UInt64 = 42
        func next(_ n: Int) -> Int {
            rng = rng &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Int((rng >> 33) % UInt64(n))
        }
        for block in 1...60 {
            let produced = try produce()
            for epoch in produced.epochs {
                trace.append("\(block) epoch \(epoch.netuid) \(epoch.credited) \(epoch.dust) \(epoch.output.incentive)")
            }
            if next(3) == 0 {
                do {
                    let uid = try await chain.register(netuid: 1, hotkey: "m\(block)", coldkey: "c")
                    trace.append("\(block) registered m\(block) as \(uid)")
                } catch let error as ChainError {
                    trace.append("\(block) refused: \(error.message)")
                }
            }
            let metagraph = try await chain.metagraph(netuid: 1)
            for v in ["v0", "v1"] where metagraph.weightsDue(hotkey: v, block: metagraph.block) {
                let uids = metagraph.neurons.map(\.uid).filter { $0 >= 2 }
                let values = uids.map { _ in UInt16(next(65536)) }
                do {
                    try await chain.setWeights(netuid: 1, hotkey: v, uids: uids, values: values, versionKey: 0)
                    trace.append("\(block) \(v) set \(uids.count)")
                } catch let error as ChainError {
                    trace.append("\(block) \(v) refused: \(error.message)")
                }
            }
        }
        let neurons = try await chain.metagraph(netuid: 1).neurons
        trace.append(
            neurons.map { "\($0.uid) \($0.hotkey) \($0.emission) \($0.validatorPermit)" }.joined(separator: ", "))
        return trace
    }

    func config() -> SubnetConfig {
        var config = SubnetConfig()
        config.tempo = 7
        config.maxAllowedUIDs = 8
        config.immunityPeriod = 10
        config.minNonImmuneUIDs = 2
        config.weightsRateLimit = 3
        return config
    }

    @Test func aScriptGivesTheSameTraceOnBothChains() async throws {
        let ledger = try Ledger(path: temporaryLedgerPath())
        let local = LocalChain(ledger: ledger, emissionPerEpoch: 1_000_000)
        let netuid = try local.createSubnet(name: "s", owner: "owner", config: config())
        let memory = MemoryChain(emissionPerEpoch: 1_000_000)
        #expect(try memory.createSubnet(name: "s", owner: "owner", config: config()) == netuid)
        for v in 0..<2 {
            try local.join(netuid: 1, hotkey: "v\(v)", coldkey: "c", stake: 1000 * UInt64(v + 1), validatorPermit: true)
            try memory.join(
                netuid: 1, hotkey: "v\(v)", coldkey: "c", stake: 1000 * UInt64(v + 1), validatorPermit: true)
        }
        let a = try await script(local) { try local.produceBlock() }
        let b = try await script(memory) { try memory.produceBlock() }
        #expect(a == b)
        #expect(a.contains { $0.contains("epoch") } && a.contains { $0.contains("refused") })
        #expect(a.contains { $0.contains("registered") && !$0.hasSuffix("as 2") })
        for hotkey in ["owner", "v0", "v1", "m1"] {
            #expect(try ledger.balance(of: hotkey) == memory.balance(of: hotkey))
        }
    }

    @Test func weightsBelowTheSubnetsVersionAreRefused() throws {
        var config = config()
        config.weightsVersion = 5
        let chain = MemoryChain()
        try chain.createSubnet(name: "s", owner: "o", config: config)
        try chain.join(netuid: 1, hotkey: "v", coldkey: "c", stake: 1, validatorPermit: true)
        #expect(
            chainError { try chain.setWeights(netuid: 1, hotkey: "v", uids: [0], values: [1], versionKey: 4) }?.message
                == "version key 4 is below subnet 1's weights_version 5; upgrade to the subnet's current release")
        try chain.setWeights(netuid: 1, hotkey: "v", uids: [0], values: [1], versionKey: 5)
    }

    @Test func blocksReachEverySubscriber() async throws {
        let chain = MemoryChain()
        let first = chain.blocks()
        let second = chain.blocks()
        try chain.produceBlock()
        try chain.produceBlock()
        var a = first.makeAsyncIterator()
        var b = second.makeAsyncIterator()
        #expect(await a.next()?.number == 1)
        #expect(await a.next()?.number == 2)
        #expect(await b.next()?.number == 1)
    }
}

/// Blocks on a fixed schedule, driven by a clock the test moves.
@Suite("BlockSchedule: block N at start + N × block time")
struct BlockScheduleTests {
    @Test func blocksComeOnTheScheduleAndLatenessIsMeasuredNotAccumulated() async throws {
        let clock = ManualBlockClock()
        let schedule = BlockSchedule(blockTime: .seconds(1), clock: clock)
        let (ticks, sink) = AsyncStream.makeStream(of: BlockSchedule.Tick.self)
        let run = Task {
            try await schedule.run(count: 3) { tick in
                sink.yield(tick)
                // The second block's work overruns by 2.5 s.
                if tick.index == 2 { clock.advance(by: .milliseconds(2500)) }
                return true
            }
            sink.finish()
        }
        var seen: [BlockSchedule.Tick] = []
        var iterator = ticks.makeAsyncIterator()
        while clock.sleeping == 0 { await Task.yield() }
        clock.advance(by: .seconds(1))
        seen.append(await iterator.next()!)
        while clock.sleeping == 0 { await Task.yield() }
        clock.advance(by: .seconds(1))
        seen.append(await iterator.next()!)
        // Block 3 was due at 3 s; it is 4.5 s: it comes at once, 1.5 s late, and the
        // schedule does not drift (block 4 would be due at 4 s, not 5.5 s).
        seen.append(await iterator.next()!)
        try await run.value
        #expect(seen.map(\.index) == [1, 2, 3])
        #expect(seen.map(\.late) == [.zero, .zero, .milliseconds(1500)])
    }
}
