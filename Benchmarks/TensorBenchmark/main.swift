// The tensor benchmark: each operation through the Swift kernels, through the Lua
// `tensor` module in a sandbox, and through numpy, in one run. `make bench-tensor`.
import BenchmarkSupport
import Foundation
import LuaSandbox
import Tensor

func seconds(_ body: () throws -> Void) rethrows -> Double {
    let start = DispatchTime.now().uptimeNanoseconds
    try body()
    return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
}

/// Best of `rounds`, in seconds per operation.
func best(reps: Int, rounds: Int = 5, _ body: () throws -> Void) rethrows -> Double {
    var result = Double.infinity
    for _ in 0..<rounds { result = min(result, try seconds { for _ in 0..<reps { try body() } } / Double(reps)) }
    return result
}

@inline(never) func keep<T>(_ value: T) { withExtendedLifetime(value) {} }

struct Case {
    var name: String
    var reps: Int
    var elements: Int  // for throughput; 0: not shown
    var swift: () throws -> Void
    var lua: String  // body of a Lua loop, with tensors a, b, x, m, v, g1, g2 defined
}

var limits = SandboxLimits.default
limits.memoryBytes = 1 << 31
limits.instructions = 0
limits.timeoutSeconds = 0
let sandbox = try Sandbox(name: "bench", limits: limits, libraries: [.tensor])

var cases: [Case] = []
for (label, n, reps) in [("1M", 1 << 20, 50), ("16M", 1 << 24, 4)] {
    let a = Tensor.random(n, seed: 1)
    let b = Tensor.random(n, seed: 2)
    try sandbox.execute("a\(label) = tensor.random(\(n), 1) b\(label) = tensor.random(\(n), 2)", chunkName: "setup.lua")
    cases.append(
        Case(
            name: "add \(label)", reps: reps, elements: n, swift: { keep(try a.adding(b)) },
            lua: "local c = a\(label) + b\(label)"))
    cases.append(
        Case(
            name: "mul \(label)", reps: reps, elements: n, swift: { keep(try a.multiplying(b)) },
            lua: "local c = a\(label) * b\(label)"))
    cases.append(
        Case(name: "exp \(label)", reps: reps, elements: n, swift: { keep(a.exp()) }, lua: "local c = a\(label):exp()"))
}
let x = Tensor.random(1 << 20, seed: 3)
let m = Tensor.random(256, 768, seed: 4)
let v = Tensor.random(768, seed: 5)
let g1 = Tensor.random(1024, 1024, seed: 6)
let g2 = Tensor.random(1024, 1024, seed: 7)
try sandbox.execute(
    """
    x = tensor.random(\(1 << 20), 3) m = tensor.random(256, 768, 4) v = tensor.random(768, 5)
    g1 = tensor.random(1024, 1024, 6) g2 = tensor.random(1024, 1024, 7)
    """, chunkName: "setup.lua")
cases += [
    Case(name: "sum 1M", reps: 200, elements: 1 << 20, swift: { keep(x.sum()) }, lua: "local s = x:sum()"),
    Case(
        name: "normalize 1M", reps: 50, elements: 1 << 20, swift: { keep(try x.normalize()) },
        lua: "local c = x:normalize()"),
    Case(
        name: "softmax 1M", reps: 50, elements: 1 << 20, swift: { keep(try x.softmax()) }, lua: "local c = x:softmax()"),
    Case(
        name: "cosine 256x768", reps: 500, elements: 256 * 768, swift: { keep(try m.cosine(v)) },
        lua: "local c = m:cosine(v)"),
    Case(
        name: "topk 64 of 1M", reps: 50, elements: 1 << 20, swift: { keep(x.topk(64)) }, lua: "local c, i = x:topk(64)"),
    Case(name: "sgemm 1024", reps: 10, elements: 0, swift: { keep(try g1.matmul(g2)) }, lua: "local c = g1:matmul(g2)"),
]

// numpy, in its own virtual environment (SYNOD_BENCH_PYTHON), same process environment.
let python = ProcessInfo.processInfo.environment["SYNOD_BENCH_PYTHON"] ?? "python3"
let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("numpy_peer.py")
var numpy: [String: Double] = [:]
var numpyVersion = "unavailable"
do {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = [python, script.path]
    let pipe = Pipe()
    process.standardOutput = pipe
    try process.run()
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    if let json = try JSONSerialization.jsonObject(with: data) as? [String: Any] {
        numpy = json["ops"] as? [String: Double] ?? [:]
        numpyVersion = json["numpy"] as? String ?? "?"
    }
} catch {
    print("numpy peer failed: \(error)")
}

struct Row {
    var name: String
    var swift: Double
    var lua: Double
    var numpy: Double?
}
var rows: [Row] = []
for c in cases {  // warm up: first touches of memory and code are not what we measure
    try c.swift()
    try sandbox.execute("do \(c.lua) end", chunkName: "warmup.lua")
}
for c in cases {
    let swiftTime = try best(reps: c.reps, c.swift)
    try sandbox.execute("function bench_case(n) for i = 1, n do \(c.lua) end end", chunkName: "case.lua")
    let luaTime =
        try best(reps: 1) { _ = try sandbox.call(global: "bench_case", arguments: [.integer(Int64(c.reps))]) }
        / Double(c.reps)
    rows.append(Row(name: c.name, swift: swiftTime, lua: luaTime, numpy: numpy[c.name]))
}

func time(_ s: Double) -> String {
    s >= 1e-3 ? String(format: "%.2f ms", s * 1e3) : String(format: "%.1f µs", s * 1e6)
}

let env = ProcessInfo.processInfo.environment
print(
    "Synod tensor benchmark — \(ProcessInfo.processInfo.activeProcessorCount) cores, numpy \(numpyVersion), best of 5")
print(
    "OPENBLAS_CORETYPE=\(env["OPENBLAS_CORETYPE"] ?? "unset") OPENBLAS_L2_SIZE=\(env["OPENBLAS_L2_SIZE"] ?? "unset") (same for every column)"
)
print("")
let header = ["operation", "Swift", "Lua", "numpy", "Swift/numpy speed", "Lua vs Swift"]
var table: [[String]] = []
for r in rows {
    let ratio = r.numpy.map { String(format: "%.2f×", $0 / r.swift) } ?? "—"
    var cells = [
        r.name, time(r.swift), time(r.lua), r.numpy.map(time) ?? "—", ratio,
        String(format: "%+.1f%%", (r.lua / r.swift - 1) * 100),
    ]
    if r.name == "sgemm 1024" {
        let flops = 2.0 * 1024 * 1024 * 1024
        cells[1] += String(format: " (%.0f GFLOP/s)", flops / r.swift / 1e9)
        if let n = r.numpy { cells[3] += String(format: " (%.0f GFLOP/s)", flops / n / 1e9) }
    }
    table.append(cells)
}
printTable(header: header, rows: table)
print("")
print("Swift/numpy speed: numpy's time over Swift's (≥ 0.80 means at least 80% of numpy's throughput).")
print("Lua vs Swift: extra time of the same operation called from a plugin (goal: within 10% at 1M).")
