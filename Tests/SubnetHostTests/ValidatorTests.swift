import Foundation
import Ledger
import Logging
import LuaSandbox
import SubnetHost
import Synchronization
import Testing
import Wire

/// A validator's step over real sockets: what it does with miners that fail.
@Suite("Validator: failed answers")
struct ValidatorTests {
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
        let runtime = try SubnetRuntime(netuid: 1, path: path, ledger: ledger)
        let me = try Hotkey.generate()
        let miner = try Hotkey.generate()
        try ledger.register(
            netuid: 1, hotkey: me.address.string, coldkey: "c", block: 0, stake: 1_000, validatorPermit: true)
        try ledger.register(netuid: 1, hotkey: miner.address.string, coldkey: "c", block: 0)
        // A port nothing listens on: bind one, note it, close it.
        let closed = try Self.closedPort()
        try ledger.setEndpoint(netuid: 1, hotkey: miner.address.string, endpoint: "http://127.0.0.1:\(closed)")
        let lines = LineBox()
        let failures = RateLimitedLogger(
            logger: Logger(label: "test") { _ in CaptureHandler(lines: lines) }, interval: .seconds(3600))
        let dendrite = Dendrite(hotkey: me)
        let validator = Validator(dendrite: dendrite, failures: failures)
        for block in 1...3 {
            let step = try await validator.step(runtime: runtime, ledger: ledger, block: UInt64(block) * 100)
            #expect(step.responses == [nil])
        }
        try await dendrite.shutdown()
        let logged = lines.lines.withLock { $0 }
        #expect(logged.count == 1, "\(logged)")
        #expect(
            logged.first?.hasPrefix("subnet 1 · uid 1 (\(miner.address.string.prefix(8))…): no usable answer: ") == true
        )
    }

    @Test func theReferenceMinerAnswers400ToATaskItCannotUse() async throws {
        let runtime = try SubnetRuntime(netuid: 1, path: path, ledger: ledger)
        let service = ReferenceMinerService(runtimes: [1: runtime], ledger: ledger)
        let caller = try Hotkey.generate().address
        // Valid JSON, but the echo miner needs `x`: `{ x = task.x }` answers `{}`, which is
        // fine, so ask it for something it cannot do at all: a task that is not a table.
        do {
            _ = try await service.forward(ForwardRequest(netuid: 1, caller: caller, nonce: 1, body: Array("7".utf8)))
            Issue.record("a task the miner cannot use was answered")
        } catch let error as AxonHandlerError {
            #expect(error.status == 400, "\(error.message)")
            #expect(error.message.hasPrefix("subnet 1's miner cannot answer this task: "))
        }
    }

    static func closedPort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) }
        }
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}

@Suite("RateLimitedLogger")
struct RateLimitedLoggerTests {
    final class Clock: @unchecked Sendable {
        // @unchecked: set and read by one test, in order.
        var now = ContinuousClock.now
    }

    @Test func oneLinePerKeyPerIntervalAndTheRepeatsAreCounted() {
        let lines = LineBox()
        let clock = Clock()
        let logger = RateLimitedLogger(
            logger: Logger(label: "t") { _ in CaptureHandler(lines: lines) }, interval: .seconds(10),
            now: { clock.now })
        #expect(logger.log(.warning, "a"))
        #expect(!logger.log(.warning, "a"))
        #expect(!logger.log(.warning, "a"))
        #expect(logger.log(.warning, "b"))
        clock.now = clock.now.advanced(by: .seconds(10))
        #expect(logger.log(.warning, "a"))
        #expect(lines.lines.withLock { $0 } == ["a", "b", "a"])
    }
}
