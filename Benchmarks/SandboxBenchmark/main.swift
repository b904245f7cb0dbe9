// The sandbox benchmark: each Synod operation beside the same operation through the raw
// Lua C API, measured in the same run. Run with `make bench` (release build).
import BenchmarkSupport
import CSandboxBaseline
import Foundation
import LuaSandbox

func nanoseconds(_ body: () throws -> Void) rethrows -> Double {
    let start = DispatchTime.now().uptimeNanoseconds
    try body()
    return Double(DispatchTime.now().uptimeNanoseconds - start)
}

/// Best of `rounds` timings of `body` (each doing `n` operations), in ns per operation.
func best(rounds: Int = 7, n: Int, _ body: () throws -> Void) rethrows -> Double {
    var result = Double.infinity
    for _ in 0..<rounds { result = min(result, try nanoseconds(body) / Double(n)) }
    return result
}

struct Row {
    var name: String
    var raw: Double
    var synod: Double
    var unit: String
    var goal: String
}

func format(_ v: Double, _ unit: String) -> String {
    switch unit {
    case "ns": v >= 1000 ? String(format: "%.2f µs", v / 1000) : String(format: "%.0f ns", v)
    case "bytes": String(format: "%.1f KB", v / 1000)
    default: String(format: "%.3g %@", v, unit)
    }
}

var limits = SandboxLimits.default
limits.instructions = 0
limits.timeoutSeconds = 0
let sandbox = try Sandbox(name: "bench", limits: limits)
try sandbox.execute(String(cString: baseline_lua_source()), chunkName: "bench.lua")
try sandbox.registerCall("host_add") { call in try call.push(integer: call.integer(at: 0) + call.integer(at: 1)) }
let pair = try sandbox.reference("pair")!
let raw = baseline_open()
defer { baseline_close(raw) }

var rows: [Row] = []

// `SYNOD_BENCH_PROFILE=call|view|host|create` runs that one operation 10,000 ×
// SYNOD_BENCH_BATCHES (default 100) times (a host call: 100 per operation; a sandbox: one per
// 100) and exits: the process to hand to `perf record`, or to `valgrind --tool=callgrind`
// (with few batches) for instruction counts a busy machine does not blur.
if let profiled = ProcessInfo.processInfo.environment["SYNOD_BENCH_PROFILE"] {
    var sum: Int64 = 0
    for _ in 0..<(Int(ProcessInfo.processInfo.environment["SYNOD_BENCH_BATCHES"] ?? "") ?? 100) {
        for i in 0..<10_000 {
            switch profiled {
            case "call":
                sum &+= try sandbox.call(pair, arguments: [.integer(Int64(i)), 3])[0]["sum"]?.intValue ?? 0
            case "view":
                sum &+= try sandbox.call(pair, arguments: [.integer(Int64(i)), 3]) { $0[0]?["sum"]?.integer ?? 0 }
            case "host":
                sum &+= try sandbox.call(global: "call_host", arguments: [100])[0].intValue ?? 0
            case "create":
                if i % 100 == 0 { _ = try Sandbox(name: "c", limits: limits) }
            default:
                fatalError("SYNOD_BENCH_PROFILE is call, view, host or create")
            }
        }
    }
    print("profiled \(profiled) (checksum \(sum & 0xff))")
    exit(0)
}

// 1. Swift -> Lua call round trip: two integers in, a two-field table out.
let calls = 200_000
var sink: Int64 = 0
let rawCall = best(n: calls) { sink &+= baseline_call_roundtrip(raw, Int32(calls)) }
let synodCall = try best(n: calls) {
    for i in 0..<calls {
        let r = try sandbox.call(pair, arguments: [.integer(Int64(i)), 3])
        sink &+= (r[0]["sum"]?.intValue ?? 0) + (r[0]["prod"]?.intValue ?? 0)
    }
}
rows.append(
    Row(name: "call Swift→Lua→Swift (2 ints → {sum, prod})", raw: rawCall, synod: synodCall, unit: "ns", goal: "≤ 3×"))

// 1b. The same call, reading the two fields in place (no LuaValue built), as the raw C does.
let synodView = try best(n: calls) {
    for i in 0..<calls {
        sink &+= try sandbox.call(pair, arguments: [.integer(Int64(i)), 3]) { results in
            (results[0]?["sum"]?.integer ?? 0) + (results[0]?["prod"]?.integer ?? 0)
        }
    }
}
rows.append(
    Row(name: "  same, fields read in place (LuaValueView)", raw: rawCall, synod: synodView, unit: "ns", goal: "≤ 3×"))

// 2. Lua -> host function calls, inside a Lua loop.
let hostCalls = 1_000_000
let rawHost = best(n: hostCalls) { sink &+= baseline_host_calls(raw, Int32(hostCalls)) }
let synodHost = try best(n: hostCalls) {
    sink &+= try sandbox.call(global: "call_host", arguments: [.integer(Int64(hostCalls))])[0].intValue ?? 0
}
rows.append(
    Row(name: "call Lua→host function (2 ints → int)", raw: rawHost, synod: synodHost, unit: "ns", goal: "≤ 3×"))

// 3. The count hook's cost on a tight arithmetic loop (per iteration).
let spins = 20_000_000
let rawSpin = best(rounds: 3, n: spins) { sink &+= baseline_spin(raw, Int32(spins)) }
let synodSpin = try best(rounds: 3, n: spins) {
    sink &+= try sandbox.call(global: "spin", arguments: [.integer(Int64(spins))])[0].intValue ?? 0
}
rows.append(
    Row(name: "tight Lua loop, per iteration (hook cost)", raw: rawSpin, synod: synodSpin, unit: "ns", goal: "info"))

// 4. Create and close a sandbox (raw: a state with the same libraries, no sandbox).
let creations = 2000
let rawCreate = best(n: creations) { for _ in 0..<creations { baseline_create_close() } }
let synodCreate = try best(n: creations) {
    for _ in 0..<creations { _ = try Sandbox(name: "c", limits: limits) }
}
rows.append(Row(name: "create + close a sandbox", raw: rawCreate, synod: synodCreate, unit: "ns", goal: "≤ 200 µs"))

// 5. Memory of an idle sandbox.
let idle = try Sandbox(name: "idle", limits: limits)
rows.append(
    Row(
        name: "memory of an idle sandbox", raw: Double(baseline_idle_bytes()), synod: Double(idle.memoryUsed),
        unit: "bytes", goal: "≤ 64 KB"))

let env = ProcessInfo.processInfo.environment
print(
    "Synod sandbox benchmark — \(ProcessInfo.processInfo.activeProcessorCount) cores, Lua 5.4 (Debian), best of several rounds"
)
print("OPENBLAS_CORETYPE=\(env["OPENBLAS_CORETYPE"] ?? "unset")  (no BLAS in this benchmark)")
print("")
let header = ["operation", "raw Lua C API", "Synod", "ratio", "goal"]
let table = rows.map {
    [$0.name, format($0.raw, $0.unit), format($0.synod, $0.unit), String(format: "%.2f×", $0.synod / $0.raw), $0.goal]
}
printTable(header: header, rows: table)
print("")
print("(checksum \(sink & 0xffff))")
