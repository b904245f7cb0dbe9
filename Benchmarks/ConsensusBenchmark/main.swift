// The consensus benchmark: one Yuma epoch in Synod's exact fixed point beside two peers
// measured in the same run on the same weights and stakes — yuma-simulation's YumaRust
// steps in torch (float32, 2 threads) and numpy float64. `make bench-consensus`.
import BenchmarkSupport
import Consensus
import Foundation
import Ledger
import SynodChain

/// The CPU's model name, as /proc/cpuinfo gives it.
func cpuModel() -> String {
    let info = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)) ?? ""
    let line = info.split(separator: "\n").first { $0.hasPrefix("model name") }
    return line.map { $0.split(separator: ":", maxSplits: 1).last!.trimmingCharacters(in: .whitespaces) } ?? "unknown"
}

func seconds(_ body: () throws -> Void) rethrows -> Double {
    let start = DispatchTime.now().uptimeNanoseconds
    try body()
    return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
}

/// A subnet of `n` UIDs whose first `validators` hold stake and weight every miner (dense).
func makeInput(n: Int, validators: Int, seed: UInt64) -> EpochInput {
    var state = seed
    func next() -> UInt64 {
        state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
        return state >> 33
    }
    let stake = (0..<n).map { $0 < validators ? 1_000_000_000 + next() % 1_000_000_000 : 0 }
    let weights = (0..<n).map { i -> [SparseEntry] in
        guard i < validators else { return [] }
        return (validators..<n).map { SparseEntry(uid: $0, value: UInt16(next() % 65536)) }
    }
    var params = EpochParameters()
    params.maxAllowedValidators = validators
    return EpochInput(currentBlock: 100, emission: 1_000_000_000, stake: stake, weights: weights, parameters: params)
}

// (uids, validators, epochs per timed batch, batches): the best batch counts, as short
// batches many times over are what a shared machine's noise spoils least.
// SYNOD_BENCH_SMALL=1 runs only the smallest size, longer (for profiling); SYNOD_BENCH_SIZE=1024
// (or 256, 4096) runs only that size, five times longer.
let allSizes = [(256, 64, 20, 250), (1024, 128, 4, 50), (4096, 256, 1, 10)]
let sizes =
    ProcessInfo.processInfo.environment["SYNOD_BENCH_SMALL"] != nil
    ? [(256, 64, 20, 500)]
    : ProcessInfo.processInfo.environment["SYNOD_BENCH_SIZE"].flatMap(Int.init).map { n in
        allSizes.filter { $0.0 == n }.map { ($0.0, $0.1, $0.2, $0.3 * 5) }
    } ?? allSizes
var files: [String] = []
var rows: [(String, Double, Double?)] = []
var timings: [Double] = []
for (n, v, reps, batches) in sizes {
    var input = makeInput(n: n, validators: v, seed: UInt64(n))
    // A second epoch: bonds from the first make the bond path do real work.
    let first = try Yuma.epoch(input)
    input.bonds = first.bonds
    input.validatorPermit = first.validatorPermit
    var best = Double.infinity
    for _ in 0..<batches {
        best = min(best, try seconds { for _ in 0..<reps { _ = try Yuma.epoch(input) } } / Double(reps))
    }
    timings.append(best)
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("synod-epoch-\(n)x\(v).json").path
    try Data(EpochJSON.json(input).utf8).write(to: URL(fileURLWithPath: path))
    files.append(path)
}

/// A Python peer's seconds per epoch by input file (empty when it could not run, and why).
func peer(_ python: String?, _ script: String, name: String, files: [String]) -> (
    times: [String: Double], note: String?
) {
    guard let python else { return ([:], "\(name): no interpreter given") }
    let path = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent(script).path
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = [python, path] + files
    let pipe = Pipe()
    let errors = Pipe()
    process.standardOutput = pipe
    process.standardError = errors
    do { try process.run() } catch { return ([:], "\(name): \(error)") }
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    let problem = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    process.waitUntilExit()
    guard process.terminationStatus == 0, let json = try? JSONSerialization.jsonObject(with: data) as? [String: Any]
    else {
        let last = problem.split(separator: "\n").last.map(String.init) ?? "exit \(process.terminationStatus)"
        return ([:], "\(name) did not run: \(last)")
    }
    var times: [String: Double] = [:]
    for (key, value) in json { if let seconds = value as? Double { times[key] = seconds } }
    let version = (json["torch"] as? String).map { " \($0), \(json["threads"] as? Int ?? 0) threads" } ?? ""
    return (times, version.isEmpty ? nil : "\(name):\(version)")
}

let env = ProcessInfo.processInfo.environment
let numpy = peer(env["SYNOD_BENCH_PYTHON"] ?? "python3", "numpy_peer.py", name: "numpy", files: files)
let torch = peer(
    env["SYNOD_BENCH_TORCH_PYTHON"].flatMap { FileManager.default.isExecutableFile(atPath: $0) ? $0 : nil },
    "torch_peer.py", name: "torch (yuma-simulation's YumaRust steps, float32, validators × UIDs)", files: files)

print("CPU: \(cpuModel()) (\(ProcessInfo.processInfo.activeProcessorCount) cores)")
print("Synod consensus benchmark — one Yuma epoch (classic, dense weights, second epoch with bonds), best batch")
print(
    "Synod divides by sums with \(Yuma.divisionMethod); epochs of 4,096 weights and more split their rows and the median's columns over \(ProcessInfo.processInfo.activeProcessorCount) cores"
)
print("Synod's sweeps: \(Yuma.vectorMethod)")
print("OPENBLAS_CORETYPE=\(env["OPENBLAS_CORETYPE"] ?? "unset") OPENBLAS_L2_SIZE=\(env["OPENBLAS_L2_SIZE"] ?? "unset")")
for note in [torch.note, numpy.note].compactMap({ $0 }) { print(note) }
print("")
func milliseconds(_ seconds: Double?) -> String { seconds.map { String(format: "%.3f ms", $0 * 1e3) } ?? "—" }
func ratio(_ peer: Double?, _ time: Double) -> String { peer.map { String(format: "%.1f×", $0 / time) } ?? "—" }
let table = zip(sizes, zip(timings, files)).map { size, result -> [String] in
    let (n, v, _, _) = size
    let (time, file) = result
    return [
        "\(n) × \(v)", milliseconds(time), milliseconds(torch.times[file]), ratio(torch.times[file], time),
        milliseconds(numpy.times[file]), ratio(numpy.times[file], time),
        n == 256 ? "≥ 10× torch" : (n == 1024 ? "≥ 5× torch" : "—"),
    ]
}
printTable(
    header: [
        "uids × validators", "Synod (exact Q32.32)", "torch float32", "Synod vs torch", "numpy float64",
        "Synod vs numpy", "goal",
    ], rows: table)

// The ledger's epoch at 256 UIDs × 64 validators: read state, compute, write results and
// credits, all in one SQLite transaction (WAL) on a real file.
let ledgerFolder = FileManager.default.temporaryDirectory.appendingPathComponent("synod-bench-\(UUID().uuidString)")
try FileManager.default.createDirectory(at: ledgerFolder, withIntermediateDirectories: true)
defer { try? FileManager.default.removeItem(at: ledgerFolder) }
let ledger = try Ledger(path: ledgerFolder.appendingPathComponent("ledger.sqlite").path)
var subnetConfig = SubnetConfig()
subnetConfig.weightsRateLimit = 0
try ledger.createSubnet(netuid: 1, name: "bench", owner: "owner", config: subnetConfig)
let chain = LocalChain(ledger: ledger)
for uid in 0..<256 {
    try chain.join(
        netuid: 1, hotkey: "hk\(uid)", coldkey: "ck\(uid)", stake: uid < 64 ? 1_000_000_000 + UInt64(uid) : 0,
        validatorPermit: uid < 64)
}
let benchInput = makeInput(n: 256, validators: 64, seed: 256)
for v in 0..<64 {
    try chain.setWeights(
        netuid: 1, hotkey: "hk\(v)", uids: benchInput.weights[v].map(\.uid), values: benchInput.weights[v].map(\.value))
}
var ledgerBest = Double.infinity
var rowsWritten: [Int] = []
var block: UInt64 = 10
for _ in 0..<10 {
    ledgerBest = min(
        ledgerBest,
        try seconds {
            rowsWritten.append(try chain.settleEpoch(netuid: 1, block: block).rowsWritten)
        })
    block += 10
}
let epochBytes = try ledger.lastEpochRecordSize(netuid: 1)
print("")
print(
    String(
        format:
            "ledger epoch at 256 × 64 (read + Yuma + write results, bonds, credits, the epoch record; one transaction): %.2f ms",
        ledgerBest * 1e3))
print(
    "ledger writes per epoch at 256 × 64: \(rowsWritten.first ?? 0) rows in the first epoch, \(rowsWritten.last ?? 0) in the tenth "
        + "(changed neurons, changed bond rows (one per validator), balances, records); epoch record \(epochBytes / 1024) KiB of JSON"
)
