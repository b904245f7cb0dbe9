import Foundation
import Ledger
import Logging
import LuaSandbox
import LuaSandboxTesting
import SubnetHost
import SynodChain
import Testing
import Wire

/// A validator's step over real sockets: what it does with miners that fail.
@Suite("ValidatorStep: failed answers over real sockets")
struct ValidatorStepTests {
    let folder: URL
    let ledger: Ledger
    let path: String

    init() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("synod-validator-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        ledger = try Ledger(path: folder.appendingPathComponent("l.sqlite").path)
        path = folder.appendingPathComponent("echo.lua").path
        try SubnetRuntimeTests.version(tempo: 20).write(toFile: path, atomically: true, encoding: .utf8)
        try ledger.createSubnet(netuid: 1, name: "echo", owner: "owner")
    }

    /// A miner whose axon is gone is named in the log with its reason, once, however many
    /// rounds it keeps failing.
    @Test func aDeadMinerIsLoggedOnceWithItsReason() async throws {
        let runtime = try await SubnetRuntime(netuid: 1, path: path, ledger: ledger)
        let chain = LocalChain(ledger: ledger)
        let me = try Hotkey.generate()
        let miner = try Hotkey.generate()
        try chain.join(netuid: 1, hotkey: me.address.string, coldkey: "c", stake: 1_000, validatorPermit: true)
        try chain.join(netuid: 1, hotkey: miner.address.string, coldkey: "c")
        // Port 1 on loopback: nothing listens there, so every connection is refused.
        try chain.serve(netuid: 1, hotkey: miner.address.string, endpoint: "http://127.0.0.1:1")
        let capture = LogCapture()
        let failures = RateLimitedLogger(logger: capture.logger, interval: .seconds(3600))
        let dendrite = Dendrite(hotkey: me)
        let step = ValidatorStep(hotkey: me.address.string, failures: failures)
        for block in 1...3 {
            try ledger.setChainHead(UInt64(block) * 100)
            let report = try await step.run(
                netuid: 1, plugin: await runtime.plugin, chain: chain, miners: DendriteMiners(dendrite: dendrite))
            #expect(report.responses == [nil] && report.block == UInt64(block) * 100)
            #expect(report.refusal == "every weight is 0")
        }
        try await dendrite.shutdown()
        let logged = capture.messages
        #expect(logged.count == 1, "\(logged)")
        #expect(
            logged.first?.hasPrefix("subnet 1 · uid 1 (\(miner.address.string.prefix(8))…): no usable answer: ") == true
        )
    }

    @Test func theReferenceMinerAnswers400ToATaskItCannotUse() async throws {
        let runtime = try await SubnetRuntime(netuid: 1, path: path, ledger: ledger)
        let service = ReferenceMinerService(runtimes: [1: runtime], chain: LocalChain(ledger: ledger))
        let caller = try Hotkey.generate().address
        // Valid JSON, but the echo miner needs `x`: `{ x = task.x }` answers `{}`, which is
        // fine, so ask it for something it cannot do at all: a task that is not a table.
        do {
            _ = try await service.forward(
                ForwardRequest(netuid: 1, caller: caller, nonce: 1, body: Array("7".utf8), receiver: caller))
            Issue.record("a task the miner cannot use was answered")
        } catch let error as AxonHandlerError {
            #expect(error.status == 400, "\(error.message)")
            #expect(error.message.hasPrefix("subnet 1's miner cannot answer this task: "))
        }
    }
}

@Suite("RateLimitedLogger")
struct RateLimitedLoggerTests {
    final class Clock: @unchecked Sendable {
        // @unchecked: set and read by one test, in order.
        var now = ContinuousClock.now
    }

    @Test func oneLinePerKeyPerIntervalAndTheRepeatsAreCounted() {
        let capture = LogCapture()
        let clock = Clock()
        let logger = RateLimitedLogger(
            logger: capture.logger, interval: .seconds(10),
            now: { clock.now })
        #expect(logger.log(.warning, "a"))
        #expect(!logger.log(.warning, "a"))
        #expect(!logger.log(.warning, "a"))
        #expect(logger.log(.warning, "b"))
        clock.now = clock.now.advanced(by: .seconds(10))
        #expect(logger.log(.warning, "a"))
        #expect(capture.messages == ["a", "b", "a"])
    }
}
