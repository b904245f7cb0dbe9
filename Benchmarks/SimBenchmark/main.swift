// The sim benchmark: `synod sim`'s lab at a live subnet's size — 256 UIDs (64 validators,
// 192 miners of six strategies), tempo 360, weights every 100 blocks — for 100 epochs of a
// bundled plugin with its real Lua scoring. `make bench-sim` (SYNOD_BENCH_EPOCHS,
// SYNOD_BENCH_PLUGIN).
//
// Prints: wall time, epochs per second, validator rounds and miner responses scored per
// second, and the time per epoch spent settling (Yuma and the chain's bookkeeping). The
// goal: the whole run in 30 s or less on 2 cores. Yuma beside its torch and numpy peers is
// `make bench-consensus`.
import BenchmarkSupport
import Foundation
import SimLab
import SubnetHost

let environment = ProcessInfo.processInfo.environment
let epochs = environment["SYNOD_BENCH_EPOCHS"].flatMap(Int.init) ?? 100
let pluginPath = environment["SYNOD_BENCH_PLUGIN"] ?? "plugins/sort.lua"
let cores = ProcessInfo.processInfo.activeProcessorCount

let miners: [(strategy: MinerStrategy, count: Int)] = [
    (.honest, 128), (.noisy(level: 0.1), 32), (.stale, 16), (.copycat, 8), (.garbage, 4), (.offline, 4),
]
var simulation = Simulation(
    epochs: epochs, miners: miners, validators: [(.honest, 64)], variants: [.plugin], seed: 1)
simulation.tempo = 360
simulation.weightsRateLimit = 100

let source = try SubnetPlugin.source(at: pluginPath)
let clock = ContinuousClock()
let started = clock.now
let report = try await simulation.run(source: source, chunkName: pluginPath)
let elapsed = clock.now - started
let wall = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
let variant = report.variants[0]

print("\(report.plugin) \(report.version) · \(epochs) epochs × 360 blocks · 64 validators, 192 miners · \(cores) cores")
printTable(
    header: ["figure", "value"],
    rows: [
        ["wall time", String(format: "%.1f s (goal ≤ 30 s for 100 epochs)", wall)],
        ["epochs per second", String(format: "%.2f", Double(epochs) / wall)],
        ["validator rounds", "\(variant.rounds) (\(String(format: "%.0f", Double(variant.rounds) / wall))/s)"],
        [
            "miner responses scored",
            "\(variant.responsesScored) (\(String(format: "%.0f", Double(variant.responsesScored) / wall))/s)",
        ],
        ["settling an epoch", String(format: "%.2f ms", variant.consensusSeconds / Double(max(epochs, 1)) * 1000)],
        ["honest work wins", variant.honestWins ? "yes" : "no: " + variant.beatenBy.joined(separator: "; ")],
    ])
