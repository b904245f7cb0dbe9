// The wire benchmark: signed requests per second and latency for a Synod axon, beside a
// Python FastAPI/uvicorn server verifying with bittensor.http_auth (the SDK's own code),
// both driven by the same load generator (wrk replaying requests signed just before each
// one-second segment, each sent once: fresh on any machine);
// then the Synod axon driven by a Synod dendrite; and the raw Ed25519 rates of this
// machine's OpenSSL, which bound what any btauth/1 server can do here.
//
// Environment: SYNOD_BENCH_PYTHON (a python with bittensor, fastapi, uvicorn; `make
// bench-wire` makes one), SYNOD_BENCH_SECONDS (per run, default 4), SYNOD_BENCH_SCHEME
// (ed25519, the default, or sr25519: the scheme the load's requests are signed with),
// SYNOD_BENCH_PROFILE=axon (the axon alone under one wrk run, for a profiler to attach to).
// sr25519 sign and verify rates are printed beside bittensor_core's (sr25519_peer.py).
import BenchmarkSupport
import Foundation
import LuaSandbox
import Wire

// The load generator is wrk; `make bench-wire` installs it. Without it nothing below measures.
guard FileManager.default.isExecutableFile(atPath: "/usr/bin/wrk") else {
    print("Wire benchmark: /usr/bin/wrk is missing; install it (apt-get install wrk) or run `make bench-wire`")
    exit(1)
}

let seconds = Double(ProcessInfo.processInfo.environment["SYNOD_BENCH_SECONDS"] ?? "") ?? 4
let connections = 64
let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().path
let scheme = BTAuth.Scheme(rawValue: ProcessInfo.processInfo.environment["SYNOD_BENCH_SCHEME"] ?? "") ?? .ed25519
let sender = try Hotkey(seed: [UInt8](repeating: 1, count: 32), scheme: scheme)
let receiver = try Hotkey(seed: [UInt8](repeating: 2, count: 32))
let path = "/v1/subnets/1/forward"
let body = #"{"numbers":[1,2,3,4,5,6,7,8]}"#

// MARK: Ed25519 through OpenSSL

/// `SYNOD_BENCH_PROFILE=axon`: no rates, no peer; the axon alone under one wrk run, after a
/// pause in which a profiler can attach to this process (whose other threads then idle).
let profiling = ProcessInfo.processInfo.environment["SYNOD_BENCH_PROFILE"] == "axon"

/// Operations per second over `threads` threads for `seconds / 2`.
func rate(threads: Int, _ operation: @escaping @Sendable () -> Void) -> Double {
    if profiling { return 0 }
    let counts = UnsafeMutableBufferPointer<Int>.allocate(capacity: threads)
    defer { counts.deallocate() }
    let start = Date()
    let window = seconds / 2
    nonisolated(unsafe) let slots = counts
    DispatchQueue.concurrentPerform(iterations: threads) { t in
        var n = 0
        while Date().timeIntervalSince(start) < window {
            for _ in 0..<64 { operation() }
            n += 64
        }
        slots[t] = n
    }
    return Double(counts.reduce(0, +)) / Date().timeIntervalSince(start)
}

let message = Array(repeating: UInt8(7), count: 256)
let edKey = try Hotkey(seed: [UInt8](repeating: 1, count: 32), scheme: .ed25519)
let signature = edKey.sign(message)
let publicKey = try Ed25519PublicKey(edKey.publicKeyBytes)
let openssl1 = rate(threads: 1) { precondition(publicKey.verifyWithOpenSSL(signature: signature, of: message)) }
let openssl2 = rate(threads: 2) { precondition(publicKey.verifyWithOpenSSL(signature: signature, of: message)) }
let verify1 = rate(threads: 1) { precondition(publicKey.verify(signature: signature, of: message)) }
let verify2 = rate(threads: 2) { precondition(publicKey.verify(signature: signature, of: message)) }
let sign1 = rate(threads: 1) { _ = edKey.sign(message) }

// MARK: sr25519 beside bittensor_core

let srKey = try Sr25519PrivateKey(miniSecret: [UInt8](repeating: 1, count: 32))
let srSignature = srKey.sign(message)
let srVerify1 = rate(threads: 1) { precondition(srKey.publicKey.verify(signature: srSignature, of: message)) }
let srSign1 = rate(threads: 1) { _ = srKey.sign(message) }

/// bittensor_core's sr25519 rates (one thread), or nil without the Python peer (saying why
/// when it was given but could not run: the rest of the benchmark still measures).
func sr25519Peer() -> (sign: Double, verify: Double)? {
    guard let python = ProcessInfo.processInfo.environment["SYNOD_BENCH_PYTHON"] else { return nil }
    let peer = Process()
    peer.executableURL = URL(fileURLWithPath: python)
    peer.arguments = [directory + "/sr25519_peer.py", String(seconds / 2)]
    let output = Pipe()
    peer.standardOutput = output
    do { try peer.run() } catch {
        print("sr25519 peer: \(python) could not start (\(error)); its column is left out")
        return nil
    }
    let data = output.fileHandleForReading.readDataToEndOfFile()
    peer.waitUntilExit()
    guard let object = try? JSONSerialization.jsonObject(with: data) as? [String: Double],
        let sign = object["sign"], let verify = object["verify"]
    else {
        print("sr25519 peer: \(python) printed no rates (exit \(peer.terminationStatus)); its column is left out")
        return nil
    }
    return (sign, verify)
}

// MARK: Load

/// Writes `count` requests signed for `receiver`, nonces starting now, for replay.lua.
func presign(count: Int) throws -> String {
    let file = NSTemporaryDirectory() + "synod-wire-bench-\(UUID().uuidString.prefix(8)).txt"
    let start = BTAuth.now()
    let signer = BTAuthSigner(hotkey: sender)
    let bodyBytes = Array(body.utf8)
    let lines = UnsafeMutableBufferPointer<String>.allocate(capacity: count)
    lines.initialize(repeating: "")
    defer { lines.deallocate() }
    nonisolated(unsafe) let out = lines
    DispatchQueue.concurrentPerform(iterations: 2) { half in
        for i in stride(from: half, to: count, by: 2) {
            let nonce = start + Int64(i)
            let headers = signer.headers(
                method: "POST", target: path, body: bodyBytes, receiver: receiver.address, nonce: nonce)
            out[i] = "\(nonce) \(headers.first { $0.name == BTAuth.Header.signature }!.value)"
        }
    }
    let text = "\(sender.address) \(receiver.address) \(path) \(body)\n" + lines.joined(separator: "\n") + "\n"
    try text.write(toFile: file, atomically: false, encoding: .utf8)
    return file
}

struct LoadResult: Decodable {
    var requests: Int
    var duration_us: Int
    var non2xx: Int
    var socket_errors: Int
    var p50_us: Int
    var p99_us: Int
    var refused: Int { non2xx + socket_errors }
    var perSecond: Double { Double(requests - non2xx - socket_errors) / (Double(duration_us) / 1e6) }
}

/// Runs a process to completion without blocking a Swift concurrency thread.
func run(_ executable: String, _ arguments: [String], environment: [String: String] = [:]) async throws -> String {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
    let output = Pipe()
    process.standardOutput = output
    return try await withCheckedThrowingContinuation { continuation in
        process.terminationHandler = { _ in
            continuation.resume(
                returning: String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self))
        }
        do { try process.run() } catch { continuation.resume(throwing: error) }
    }
}

/// wrk against `port` for `seconds`, in one-second segments, each with a batch signed just
/// before it: every request is sent well inside the freshness window (`maxAge`, 10 s) on
/// any machine, however long signing or wrk's start takes there. A batch holds more
/// requests than the 2-core verify bound lets any server answer in a segment, so none is
/// sent twice; a refused request fails the run (it would measure the refusals).
func wrk(port: Int) async throws -> LoadResult {
    let segments = max(1, Int(seconds.rounded()))
    let batch = Int(max(openssl2, verify2) * 1.25) + 1_000
    var total = LoadResult(requests: 0, duration_us: 0, non2xx: 0, socket_errors: 0, p50_us: 0, p99_us: 0)
    var p50s: [Int] = []
    for _ in 0..<segments {
        let file = try presign(count: batch)
        defer { try? FileManager.default.removeItem(atPath: file) }
        let text = try await run(
            "/usr/bin/wrk",
            ["-t2", "-c\(connections)", "-d1s", "-s", directory + "/replay.lua", "http://127.0.0.1:\(port)"],
            environment: ["REQUESTS": file, "WRK_THREADS": "2", "CRYPTO": scheme.rawValue])
        guard let json = text.split(separator: "\n").last(where: { $0.hasPrefix("{") }) else {
            throw WireError.transport("wrk printed no result:\n\(text)")
        }
        let segment = try JSONDecoder().decode(LoadResult.self, from: Data(json.utf8))
        total.requests += segment.requests
        total.duration_us += segment.duration_us
        total.non2xx += segment.non2xx
        total.socket_errors += segment.socket_errors
        total.p99_us = max(total.p99_us, segment.p99_us)
        p50s.append(segment.p50_us)
    }
    total.p50_us = p50s.sorted()[p50s.count / 2]
    return total
}

func freePort() -> Int {
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

/// The Python peer: uvicorn with 2 workers, verifying with the SDK.
func pythonServer() async throws -> LoadResult? {
    guard let python = ProcessInfo.processInfo.environment["SYNOD_BENCH_PYTHON"] else {
        print("(SYNOD_BENCH_PYTHON not set: skipping the Python peer; `make bench-wire` sets it)")
        return nil
    }
    let port = freePort()
    let server = Process()
    server.executableURL = URL(fileURLWithPath: python)
    server.arguments = [
        "-m", "uvicorn", "python_server:app", "--workers", "2", "--host", "127.0.0.1", "--port", "\(port)",
        "--log-level", "warning", "--no-access-log",
    ]
    server.currentDirectoryURL = URL(fileURLWithPath: directory)
    server.environment = ProcessInfo.processInfo.environment.merging(["SYNOD_BENCH_RECEIVER": receiver.address.string])
    { $1 }
    try server.run()
    defer {
        server.terminate()
        server.waitUntilExit()
    }
    // Wait for both workers to import bittensor and listen.
    var healthy = false
    for _ in 0..<200 where !healthy {
        try await Task.sleep(for: .milliseconds(100))
        healthy = (try? await run("/usr/bin/curl", ["-sf", "http://127.0.0.1:\(port)/health"]))?.contains("ok") == true
    }
    guard healthy else { throw WireError.transport("the Python server did not start") }
    try await Task.sleep(for: .seconds(2))
    return try await wrk(port: port)
}

/// The task: sum the numbers. The body is read and the answer written with the JSON reader
/// and writer Synod's own miner service uses (`LuaValue`), as the peer uses Python's `json`.
struct EchoSum: AxonService {
    func authorize(caller: SS58Address, netuid: UInt16) async -> AxonAuthorization { .allowed }
    func forward(_ request: ForwardRequest) async throws -> [UInt8] {
        var sum: Int64 = 0
        if case .map(let task) = try LuaValue(json: request.body), case .array(let numbers)? = task["numbers"] {
            for case .integer(let n) in numbers { sum &+= n }
        }
        return Array(try LuaValue.map(["sum": .integer(sum)]).jsonText().utf8)
    }
    func subnets() async -> [UInt16] { [1] }
}

/// The Synod dendrite as the load: `connections` tasks, each sending signed requests in turn.
func dendriteLoad(port: Int) async -> (perSecond: Double, p50: Double, p99: Double, failures: [String]) {
    let dendrite = Dendrite(hotkey: sender, configuration: .init(connectionsPerMiner: connections))
    let endpoint = MinerEndpoint(hotkey: receiver.address, url: "http://127.0.0.1:\(port)")
    let bytes = Array(body.utf8)
    let clock = ContinuousClock()
    let end = clock.now + .seconds(seconds)
    let start = clock.now
    let results = await withTaskGroup(of: ([Duration], [String]).self) { group in
        for _ in 0..<connections {
            group.addTask {
                var latencies: [Duration] = []
                var failures: [String] = []
                while clock.now < end {
                    let outcome = await dendrite.forward(bytes, to: endpoint, netuid: 1)
                    if outcome.status == 200 {
                        latencies.append(outcome.latency)
                    } else {
                        failures.append("\(outcome.result)")
                    }
                }
                return (latencies, failures)
            }
        }
        return await group.reduce(into: ([Duration](), [String]())) {
            $0.0 += $1.0
            $0.1 += $1.1
        }
    }
    let elapsed = clock.now - start
    try? await dendrite.shutdown()
    let sorted = results.0.sorted()
    func ms(_ q: Double) -> Double {
        sorted.isEmpty ? 0 : sorted[min(sorted.count - 1, Int(q * Double(sorted.count)))] / .milliseconds(1)
    }
    return (Double(sorted.count) / (elapsed / .seconds(1)), ms(0.5), ms(0.99), results.1)
}

// MARK: Run

/// The benchmark's axon, serving, and the port it listens on.
func startAxon() async -> (Task<Void, any Error>, Int) {
    let axon = Axon(
        hotkey: receiver.address, service: EchoSum(), configuration: .init(port: 0, maxConcurrentPerCaller: 1024))
    let (ports, continuation) = AsyncStream.makeStream(of: Int.self)
    let serving = Task { try await axon.run { continuation.yield($0) } }
    for await port in ports { return (serving, port) }
    fatalError("the axon did not start")
}

if profiling {
    // One batch signed ahead (nonces from now: fresh for the window), then wrk for `seconds`.
    let file = try presign(count: Int(seconds * 15_000))
    defer { try? FileManager.default.removeItem(atPath: file) }
    let (serving, port) = await startAxon()
    FileHandle.standardOutput.write(
        Data("profile: axon of process \(getpid()) on port \(port); wrk starts in 1 s for \(Int(seconds)) s\n".utf8))
    try await Task.sleep(for: .seconds(1))
    let text = try await run(
        "/usr/bin/wrk",
        ["-t2", "-c\(connections)", "-d\(Int(seconds))s", "-s", directory + "/replay.lua", "http://127.0.0.1:\(port)"],
        environment: ["REQUESTS": file, "WRK_THREADS": "2", "CRYPTO": scheme.rawValue])
    print(text.split(separator: "\n").last(where: { $0.hasPrefix("{") }) ?? "wrk printed no result")
    serving.cancel()
    _ = await serving.result
    exit(0)
}

print("Wire benchmark: \(Int(seconds)) s per run, \(connections) connections, 2 cores shared by server and load")
print(
    "Ed25519 verify, 256-byte message: OpenSSL \(OpenSSLVersion.text) \(Int(openssl1))/s on 1 thread, \(Int(openssl2))/s on 2;"
)
print(
    "  libsodium (what the axon uses) \(Int(verify1))/s on 1 thread, \(Int(verify2))/s on 2. Sign (libsodium) \(Int(sign1))/s"
)
let rust = sr25519Peer()
print(
    "sr25519 verify, 256-byte message, 1 thread: Synod \(Int(srVerify1))/s"
        + (rust.map { String(format: ", bittensor_core %d/s (%.0f%%)", Int($0.verify), 100 * srVerify1 / $0.verify) }
            ?? ""))
print(
    "sr25519 sign, 1 thread: Synod \(Int(srSign1))/s"
        + (rust.map { String(format: ", bittensor_core %d/s (%.0f%%)", Int($0.sign), 100 * srSign1 / $0.sign) } ?? ""))
print("load signed with \(scheme.rawValue)")
print()

let python = try await pythonServer()

let (serving, axonPort) = await startAxon()
let synodWrk = try await wrk(port: axonPort)
let synodDendrite = await dendriteLoad(port: axonPort)
serving.cancel()
_ = await serving.result

func f(_ x: Double) -> String { String(format: "%.0f", x) }
func ms(_ us: Int) -> String { String(format: "%.2f", Double(us) / 1000) }
var rows: [[String]] = [
    [
        "Synod axon (wrk)", f(synodWrk.perSecond), ms(synodWrk.p50_us), ms(synodWrk.p99_us),
        "\(synodWrk.non2xx + synodWrk.socket_errors)",
        python.map { String(format: "%.2f×", synodWrk.perSecond / $0.perSecond) } ?? "-",
        String(format: "%.0f%% / %.0f%%", 100 * synodWrk.perSecond / openssl2, 100 * synodWrk.perSecond / verify2),
    ],
    [
        "Synod axon (Synod dendrite)", f(synodDendrite.perSecond), String(format: "%.2f", synodDendrite.p50),
        String(format: "%.2f", synodDendrite.p99), "\(synodDendrite.failures.count)",
        python.map { String(format: "%.2f×", synodDendrite.perSecond / $0.perSecond) } ?? "-",
        String(
            format: "%.0f%% / %.0f%%", 100 * synodDendrite.perSecond / openssl2, 100 * synodDendrite.perSecond / verify2
        ),
    ],
]
if let python {
    rows.append([
        "FastAPI/uvicorn ×2 + bittensor verify (wrk)", f(python.perSecond), ms(python.p50_us), ms(python.p99_us),
        "\(python.non2xx + python.socket_errors)", "1.00×",
        String(format: "%.0f%% / %.0f%%", 100 * python.perSecond / openssl2, 100 * python.perSecond / verify2),
    ])
}
printTable(
    header: [
        "server (load)", "signed req/s", "p50 ms", "p99 ms", "refused/errors", "vs Python",
        "of 2-core verify bound (OpenSSL / libsodium)",
    ],
    rows: rows)

// A run with refusals measured the refusals, not the server: it fails.
let refused =
    [("Synod axon (wrk)", synodWrk.refused), ("Synod axon (Synod dendrite)", synodDendrite.failures.count)]
    + (python.map { [("FastAPI/uvicorn (wrk)", $0.refused)] } ?? [])
if let python {
    print(
        String(
            format: "\nSynod axon %.0f signed req/s, the Python peer %.0f: %.2f× (goal ≥ 2.5×)", synodWrk.perSecond,
            python.perSecond, synodWrk.perSecond / python.perSecond))
}
let failed = refused.filter { $0.1 > 0 }
if !failed.isEmpty {
    for (name, count) in failed {
        print("FAILED: \(name): \(count) requests refused or failed; the rates above do not measure the server")
    }
    // What the dendrite's failures were, most frequent first.
    let kinds = Dictionary(grouping: synodDendrite.failures, by: { $0 }).mapValues(\.count).sorted {
        $0.value > $1.value
    }
    for (kind, count) in kinds.prefix(5) { print("  \(count) × \(kind.prefix(300))") }
    exit(1)
}
