// The host benchmark: `synod up`'s engine with many subnets (copies of echo-sum) in one
// process, real axons and signed requests on loopback, a real ledger file.
// `make bench-host` (SYNOD_BENCH_SUBNETS, SYNOD_BENCH_SECONDS, SYNOD_BENCH_RELOADS).
//
// Prints: start-up time, resident memory per subnet, validator rounds per second, block
// lateness (p50/p99) at a 1-second block, and 100 hot reloads of one subnet while its
// validators query it (reload time, hook calls during the reloads, failures).
import BenchmarkSupport
import Foundation
import LuaSandbox
import SubnetHost
import Synchronization

func environment(_ name: String, _ fallback: Int) -> Int {
    ProcessInfo.processInfo.environment[name].flatMap(Int.init) ?? fallback
}

let subnetCount = environment("SYNOD_BENCH_SUBNETS", 1000)
let window = environment("SYNOD_BENCH_SECONDS", 20)
let reloads = environment("SYNOD_BENCH_RELOADS", 100)

func residentBytes() -> Int {
    let statm = (try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8)) ?? "0 0"
    let pages = Int(statm.split(separator: " ")[1]) ?? 0
    return pages * Int(sysconf(Int32(_SC_PAGESIZE)))
}

func percentile(_ values: [Double], _ p: Double) -> Double {
    guard !values.isEmpty else { return .nan }
    let sorted = values.sorted()
    return sorted[min(sorted.count - 1, Int((Double(sorted.count - 1) * p).rounded()))]
}

func seconds(_ d: Duration) -> Double { Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18 }

/// Sums a counter's samples in the Prometheus text, over the lines whose labels match.
func counter(_ text: String, _ name: String, labels: String = "") -> Double {
    text.split(separator: "\n").filter { $0.hasPrefix(name) && (labels.isEmpty || $0.contains(labels)) }
        .compactMap { Double($0.split(separator: " ").last ?? "") }.reduce(0, +)
}

let root = URL(fileURLWithPath: FileManager.default.currentDirectoryPath)
let folder = FileManager.default.temporaryDirectory.appendingPathComponent("synod-host-bench-\(UUID().uuidString)")
let plugins = folder.appendingPathComponent("plugins")
try FileManager.default.createDirectory(at: plugins, withIntermediateDirectories: true)
defer { try? FileManager.default.removeItem(at: folder) }
let echo = try String(contentsOf: root.appendingPathComponent("plugins/echo-sum.lua"), encoding: .utf8)
for i in 1...subnetCount {
    try echo.write(
        to: plugins.appendingPathComponent(String(format: "s%04d.lua", i)), atomically: true, encoding: .utf8)
}
let firstPlugin = plugins.appendingPathComponent("s0001.lua")

final class Observed: @unchecked Sendable {
    // @unchecked: every field is touched under `lock`.
    let lock = NSLock()
    var lateness: [(block: UInt64, late: Duration)] = []
    var lines: [String] = []
    var waiters: [(String, CheckedContinuation<Void, Never>)] = []

    func line(_ text: String) {
        let ready = lock.withLock {
            lines.append(text)
            let ready = waiters.filter { text.contains($0.0) }
            waiters.removeAll { text.contains($0.0) }
            return ready
        }
        for waiter in ready { waiter.1.resume() }
    }

    /// Returns when a line containing `text` is logged from now on.
    func next(_ text: String) async {
        await withCheckedContinuation { continuation in lock.withLock { waiters.append((text, continuation)) } }
    }
}

let observed = Observed()
var configuration = LocalNet.Configuration(
    pluginsDirectory: plugins.path, dataDirectory: folder.appendingPathComponent("data").path,
    blockTime: .seconds(1), validators: 2, miners: 4)
configuration.observeBlock = { block, late in observed.lock.withLock { observed.lateness.append((block, late)) } }
let residentBefore = residentBytes()
let clock = ContinuousClock()
let started = clock.now
let net = try LocalNet(configuration) { observed.line($0) }
let ready = Task { await observed.next("synod up:") }
let running = Task { try await net.run() }
await ready.value
let startup = clock.now - started
let firstBlock = Task { await observed.next("came") }
_ = firstBlock
let resident = residentBytes()
print("CPU: \(ProcessInfo.processInfo.activeProcessorCount) cores; Lua threads: \(LuaThreads.shared.count)")
print(
    String(
        format: "start-up: %d subnets in %.2f s; resident memory %.1f MiB (%.0f KiB per subnet)",
        subnetCount, seconds(startup), Double(resident) / 1_048_576,
        Double(resident - residentBefore) / 1024 / Double(subnetCount)))

// Steady state.
try await Task.sleep(for: .seconds(3))
let before = net.metrics.render()
let windowStart = clock.now
let firstObserved = observed.lock.withLock { observed.lateness.count }
try await Task.sleep(for: .seconds(window))
let after = net.metrics.render()
let elapsed = seconds(clock.now - windowStart)
let steps = counter(after, "synod_validator_steps_total") - counter(before, "synod_validator_steps_total")
let failedSteps =
    counter(after, "synod_validator_step_failures_total") - counter(before, "synod_validator_step_failures_total")
let skipped = counter(after, "synod_skipped_blocks_total") - counter(before, "synod_skipped_blocks_total")
let late = observed.lock.withLock { observed.lateness[firstObserved...].map { seconds($0.late) * 1000 } }
let answered = ["valid", "invalid", "missing"].map { result in
    counter(after, "synod_miner_answers_total", labels: "result=\"\(result)\"")
        - counter(before, "synod_miner_answers_total", labels: "result=\"\(result)\"")
}
print(
    String(
        format: "validator rounds: %.0f per second (%.0f in %.0f s; %.0f failed; %.0f subnet-blocks skipped)",
        steps / elapsed, steps, elapsed, failedSteps, skipped))
print(
    String(
        format: "miner answers in those rounds: %.0f valid, %.0f invalid, %.0f missing (%.2f%%)",
        answered[0], answered[1], answered[2], 100 * answered[2] / max(1, answered.reduce(0, +))))
print(
    String(
        format: "block lateness at a 1 s block over %d blocks: p50 %.1f ms, p99 %.1f ms, max %.1f ms",
        late.count, percentile(late, 0.5), percentile(late, 0.99), late.max() ?? 0))

// Hot reloads of subnet 1 while its validators (and a caller here) use it; first the
// same calls without reloads, for comparison.
let calls = Mutex<(latencies: [Double], failures: Int)>(([], 0))
func callForever() -> Task<Void, Never> {
    Task {
        while !Task.isCancelled {
            guard let runtime = net.subnets[1] else { continue }
            let start = clock.now
            do {
                _ = try await runtime.task(HookContext(netuid: 1, block: 1, validator: "bench"))
                let took = seconds(clock.now - start) * 1000
                calls.withLock { $0.latencies.append(took) }
            } catch {
                calls.withLock { $0.failures += 1 }
            }
        }
    }
}
var caller = callForever()
try await Task.sleep(for: .seconds(5))
caller.cancel()
let baseline = calls.withLock { state in
    defer { state = ([], 0) }
    return state.latencies
}
caller = callForever()
let answersBefore = net.metrics.render()
var reloadTimes: [Double] = []
var swaps: [Double] = []
for i in 0..<reloads {
    let reloaded = Task { await observed.next("subnet 1: reloaded") }
    let start = clock.now
    try (echo + "\n-- reload \(i)\n").write(to: firstPlugin, atomically: true, encoding: .utf8)
    await reloaded.value
    reloadTimes.append(seconds(clock.now - start) * 1000)
    if let swap = await net.subnets[1]?.lastSwap { swaps.append(seconds(swap) * 1000) }
}
caller.cancel()
let answersAfter = net.metrics.render()
let (latencies, failures) = calls.withLock { ($0.latencies, $0.failures) }
let invalid =
    counter(answersAfter, "synod_miner_answers_total", labels: "netuid=\"1\",result=\"invalid\"")
    - counter(answersBefore, "synod_miner_answers_total", labels: "netuid=\"1\",result=\"invalid\"")
let missing =
    counter(answersAfter, "synod_miner_answers_total", labels: "netuid=\"1\",result=\"missing\"")
    - counter(answersBefore, "synod_miner_answers_total", labels: "netuid=\"1\",result=\"missing\"")
let stepFailures =
    counter(answersAfter, "synod_validator_step_failures_total", labels: "netuid=\"1\"")
    - counter(answersBefore, "synod_validator_step_failures_total", labels: "netuid=\"1\"")
print(
    String(
        format:
            "%d hot reloads of subnet 1 (file written → new version serving; inotify's 100 ms settle included): p50 %.1f ms, p99 %.1f ms",
        reloads, percentile(reloadTimes, 0.5), percentile(reloadTimes, 0.99)))
print(
    String(
        format:
            "swap (calls held up while the new version is swapped in; loading, checking and writing its settings run beside calls): p50 %.3f ms, p99 %.3f ms",
        percentile(swaps, 0.5), percentile(swaps, 0.99)))
print(
    String(
        format:
            "hook calls on subnet 1: without reloads p50 %.3f ms, p99 %.3f ms (%d calls); during the reloads p50 %.3f ms, p99 %.3f ms (%d calls), failed %d; validators' steps failed %.0f, answers invalid %.0f, missing %.0f",
        percentile(baseline, 0.5), percentile(baseline, 0.99), baseline.count, percentile(latencies, 0.5),
        percentile(latencies, 0.99), latencies.count, failures, stepFailures, invalid, missing))

printTable(
    header: ["measure", "Synod", "goal"],
    rows: [
        ["start-up, \(subnetCount) subnets", String(format: "%.2f s", seconds(startup)), "≤ 5 s"],
        ["resident memory", String(format: "%.0f MiB", Double(resident) / 1_048_576), "≤ 256 MiB"],
        ["validator rounds", String(format: "%.0f /s", steps / elapsed), ""],
        [
            "block lateness p50 / p99", String(format: "%.1f / %.1f ms", percentile(late, 0.5), percentile(late, 0.99)),
            "no block late",
        ],
        [
            "swap p50 / p99", String(format: "%.3f / %.3f ms", percentile(swaps, 0.5), percentile(swaps, 0.99)),
            "p99 ≤ 5 ms",
        ],
        [
            "hook call p99, without / during reloads",
            String(format: "%.2f / %.2f ms", percentile(baseline, 0.99), percentile(latencies, 0.99)), "",
        ],
        ["failed calls across reloads (hook calls, steps)", "\(failures + Int(stepFailures))", "0"],
        ["miner answers missing, steady / reloads", String(format: "%.0f / %.0f", answered[2], missing), ""],
    ])
running.cancel()
_ = try? await running.value
