// The network benchmark: one chain (a child process: `ChainServer` over a real ledger file,
// blocks on a schedule) and 64 remote validators (tasks in this process, each its own hotkey,
// half sr25519 and half ed25519, each following the block stream over HTTP) that set
// weights on all 256 UIDs at every block. `make bench-network`
// (SYNOD_BENCH_VALIDATORS, SYNOD_BENCH_UIDS, SYNOD_BENCH_SECONDS).
//
// Prints, per block time: weights offered and accepted per second, the chain process's CPU
// per weight set (from /proc, so the validators' own CPU is not counted), and block-stream
// fan-out latency p50/p99 (from the block's start on the chain to each validator's receipt).
import BenchmarkSupport
import ChainAPI
import Consensus
import Foundation
import Hummingbird
import Ledger
import Synchronization
import SynodChain
import Wire

func environment(_ name: String, _ fallback: Int) -> Int {
    ProcessInfo.processInfo.environment[name].flatMap(Int.init) ?? fallback
}

let validatorCount = environment("SYNOD_BENCH_VALIDATORS", 64)
let uidCount = environment("SYNOD_BENCH_UIDS", 256)
let window = environment("SYNOD_BENCH_SECONDS", 20)

/// Wall-clock nanoseconds: the chain and the validators share the machine's clock.
func nowNanoseconds() -> Int64 { Int64((Date().timeIntervalSince1970 * 1e9).rounded()) }

func percentile(_ values: [Double], _ p: Double) -> Double {
    guard !values.isEmpty else { return .nan }
    let sorted = values.sorted()
    return sorted[min(sorted.count - 1, Int((Double(sorted.count - 1) * p).rounded()))]
}

func line(_ text: String) { FileHandle.standardOutput.write(Data((text + "\n").utf8)) }

// MARK: The chain (child process)

/// `NetworkBenchmark chain MILLIS FOLDER VALIDATORS-FILE`: serves a chain whose subnet 1
/// holds the validators listed (permits, stake) and miners up to `uidCount`; prints
/// `ready URL HOTKEY`, then `block N NANOS` as each block starts.
func runChain(blockMillis: Int, folder: String, validatorsFile: String) async throws {
    let ledger = try Ledger(path: folder + "/chain.sqlite")
    let chain = LocalChain(ledger: ledger)
    var config = SubnetConfig()
    config.tempo = 100
    config.weightsRateLimit = 1
    config.maxAllowedUIDs = uidCount
    config.immunityPeriod = 0
    config.parameters.maxAllowedValidators = validatorCount
    _ = try chain.createSubnet(name: "bench", owner: "owner", config: config)
    let validators = try String(contentsOfFile: validatorsFile, encoding: .utf8).split(separator: "\n").map(
        String.init)
    for (i, hotkey) in validators.enumerated() {
        try chain.join(
            netuid: 1, hotkey: hotkey, coldkey: hotkey, stake: 1_000_000_000 * UInt64(i + 1), validatorPermit: true)
    }
    for i in validators.count..<uidCount {
        try chain.join(netuid: 1, hotkey: "miner-\(i)", coldkey: "miner-\(i)")
    }
    let key = try Hotkey.generate()
    let server = ChainServer(chain: chain, hotkey: key.address)
    let router = Router()
    server.routes(router)
    let (ports, sink) = AsyncStream.makeStream(of: Int.self)
    let app = Application(
        router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)),
        onServerRunning: { sink.yield($0.localAddress?.port ?? 0) })
    let running = Task { try await app.runService() }
    let following = Task { await server.followBlocks() }
    var iterator = ports.makeAsyncIterator()
    let port = await iterator.next() ?? 0
    line("ready http://127.0.0.1:\(port) \(key.address.string)")
    let clock = ContinuousClock()
    var next = clock.now
    while true {
        next = next.advanced(by: .milliseconds(blockMillis))
        try await Task.sleep(until: next, clock: clock)
        let started = nowNanoseconds()
        let block = try chain.produceBlock()
        line("block \(block.number) \(started)")
    }
    _ = (running, following)
}

// MARK: The validators (this process)

/// What the validators saw.
final class Tally: Sendable {
    struct State {
        var offered = 0
        var accepted = 0
        var refused: [String: Int] = [:]
        var received: [(block: UInt64, at: Int64)] = []
        var counting = false
    }
    let state = Mutex(State())
}

func cpuSeconds(pid: Int32) -> Double {
    guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
        let close = stat.lastIndex(of: ")")
    else { return .nan }
    let fields = stat[stat.index(after: close)...].split(separator: " ")
    // utime and stime are fields 14 and 15 of the whole line: 12 and 13 after the name.
    let ticks = (Double(fields[11]) ?? 0) + (Double(fields[12]) ?? 0)
    return ticks / Double(sysconf(Int32(_SC_CLK_TCK)))
}

func measure(blockMillis: Int, hotkeys: [Hotkey]) async throws -> [String] {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("synod-bench-net-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: folder) }
    let validatorsFile = folder.appendingPathComponent("validators.txt")
    try hotkeys.map(\.address.string).joined(separator: "\n").write(
        to: validatorsFile, atomically: true, encoding: .utf8)

    let child = Process()
    child.executableURL = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
    child.arguments = ["chain", String(blockMillis), folder.path, validatorsFile.path]
    let output = Pipe()
    child.standardOutput = output
    try child.run()
    defer {
        // SIGTERM would only stop its HTTP server (Hummingbird shuts down gracefully on it).
        kill(child.processIdentifier, SIGKILL)
        child.waitUntilExit()
    }
    // The child's lines: `ready`, then one per block with when it started.
    let starts = Mutex<[UInt64: Int64]>([:])
    let (ready, readySink) = AsyncStream.makeStream(of: String.self)
    let reader = Thread {
        var pending = ""
        while true {
            let data = output.fileHandleForReading.availableData
            if data.isEmpty { break }
            pending += String(decoding: data, as: UTF8.self)
            while let end = pending.firstIndex(of: "\n") {
                let text = String(pending[..<end])
                pending = String(pending[pending.index(after: end)...])
                let parts = text.split(separator: " ")
                if parts.first == "ready" {
                    readySink.yield(text)
                } else if parts.count == 3, let n = UInt64(parts[1]), let t = Int64(parts[2]) {
                    starts.withLock { $0[n] = t }
                }
            }
        }
    }
    reader.start()
    var readyIterator = ready.makeAsyncIterator()
    guard let readyLine = await readyIterator.next() else { throw CancellationError() }
    let parts = readyLine.split(separator: " ")
    let url = String(parts[1])
    let chainHotkey = try SS58Address(String(parts[2]))

    let tally = Tally()
    let uids = Array(0..<uidCount)
    let validators = Task {
        await withTaskGroup(of: Void.self) { group in
            for (i, key) in hotkeys.enumerated() {
                group.addTask {
                    let chain = RemoteChain(url: url, chainHotkey: chainHotkey, signer: key)
                    var generator = SystemRandomNumberGenerator()
                    for await block in chain.blocks() {
                        let at = nowNanoseconds()
                        let counting = tally.state.withLock { state in
                            if state.counting { state.received.append((block.number, at)) }
                            return state.counting
                        }
                        let values = uids.map { _ in UInt16.random(in: 1...UInt16.max, using: &generator) }
                        do {
                            try await chain.setWeights(
                                netuid: 1, hotkey: key.address.string, uids: uids, values: values, versionKey: 0)
                            if counting {
                                tally.state.withLock {
                                    $0.offered += 1
                                    $0.accepted += 1
                                }
                            }
                        } catch {
                            // Counted by kind: numbers (uids, blocks) blanked.
                            let reason = String(
                                ((error as? ChainError)?.message ?? "\(error)").prefix(60).map {
                                    $0.isNumber ? "#" : $0
                                })
                            if counting {
                                tally.state.withLock {
                                    $0.offered += 1
                                    $0.refused[reason, default: 0] += 1
                                }
                            }
                        }
                        _ = i
                    }
                }
            }
        }
    }
    // Warm up (connections, streams), then count for the window.
    try await Task.sleep(for: .seconds(3))
    let cpuStart = cpuSeconds(pid: child.processIdentifier)
    let wallStart = ContinuousClock.now
    tally.state.withLock { $0.counting = true }
    try await Task.sleep(for: .seconds(window))
    tally.state.withLock { $0.counting = false }
    let wall = ContinuousClock.now - wallStart
    let cpu = cpuSeconds(pid: child.processIdentifier) - cpuStart
    validators.cancel()
    let state = tally.state.withLock { $0 }
    let blockStarts = starts.withLock { $0 }
    let latencies = state.received.compactMap { r in blockStarts[r.block].map { Double(r.at - $0) / 1e6 } }
    let seconds = Double(wall.components.seconds) + Double(wall.components.attoseconds) / 1e18
    let blocks = Double(state.received.count) / Double(hotkeys.count)
    if !state.refused.isEmpty {
        line("  refusals at \(blockMillis) ms: \(state.refused.sorted { $0.value > $1.value }.prefix(3))")
    }
    return [
        "\(blockMillis) ms", String(format: "%.0f", blocks / seconds * Double(blockMillis) / 1000 * 100) + " %",
        String(format: "%.1f", Double(hotkeys.count) * 1000 / Double(blockMillis)),
        String(format: "%.1f", Double(state.offered) / seconds),
        String(format: "%.1f", Double(state.accepted) / seconds),
        String(format: "%.2f ms", state.accepted > 0 ? cpu * 1000 / Double(state.accepted) : .nan),
        String(format: "%.0f %%", cpu / seconds * 100),
        String(format: "%.1f ms", percentile(latencies, 0.5)), String(format: "%.1f ms", percentile(latencies, 0.99)),
    ]
}

// MARK: Main

let arguments = CommandLine.arguments
if arguments.count == 5, arguments[1] == "chain" {
    try await runChain(blockMillis: Int(arguments[2]) ?? 1000, folder: arguments[3], validatorsFile: arguments[4])
    exit(0)
}

let cpuModel =
    ((try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)) ?? "").split(separator: "\n")
    .first { $0.hasPrefix("model name") }.map {
        String($0.split(separator: ":").last ?? "").trimmingCharacters(in: .whitespaces)
    }
    ?? "unknown CPU"
print("CPU: \(cpuModel), \(ProcessInfo.processInfo.activeProcessorCount) cores")
print(
    "one chain (child process, ledger on disk), \(validatorCount) remote validators (tasks, own hotkeys, "
        + "half sr25519) setting weights on \(uidCount) UIDs every block; \(window) s per row\n")
var hotkeys: [Hotkey] = []
for i in 0..<validatorCount { hotkeys.append(try Hotkey.generate(scheme: i % 2 == 0 ? .sr25519 : .ed25519)) }
var rows: [[String]] = []
for millis in [1000, 250, 100] {
    rows.append(try await measure(blockMillis: millis, hotkeys: hotkeys))
    line("  \(millis) ms blocks: measured")
}
printTable(
    header: [
        "block time", "blocks seen", "weights due/s", "offered/s", "accepted/s", "chain CPU/weight", "chain CPU",
        "fan-out p50", "fan-out p99",
    ], rows: rows)
print(
    "\nblocks seen: blocks each validator received in the window ÷ blocks made (100 %: none missed). "
        + "weights due/s: one set per validator per block.\nGoal: at 1-second blocks the chain accepts every "
        + "validator's weights (accepted/s = due/s) with CPU to spare on 2 cores.")
