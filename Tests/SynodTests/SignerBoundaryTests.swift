import Foundation
import Testing

/// The trust boundary of `synod up`: the process that runs plugins never holds a seed.
/// While a host runs, its memory and its signer's are read through /proc (as root, or a
/// user allowed to ptrace): every seed is found in the signer, none in the host.
@Suite("synod up keeps seeds in the signer")
struct SignerBoundaryTests {
    @Test(.enabled(if: getuid() == 0, "reading another process's memory needs root here"))
    func noSeedIsInTheHostProcess() async throws {
        let data = FileManager.default.temporaryDirectory.appendingPathComponent("synod-signer-\(UUID().uuidString)")
            .path
        defer { try? FileManager.default.removeItem(atPath: data) }
        let host = Process()
        host.executableURL = synodBinary()
        host.arguments = ["up", "--data", data, "--block-time", "0.05", "--no-metrics"]
        host.currentDirectoryURL = packageRoot
        let output = Pipe()
        host.standardOutput = output
        host.standardError = FileHandle.nullDevice
        try host.run()
        defer { if host.isRunning { kill(host.processIdentifier, SIGKILL) } }
        // Running blocks: validators have signed through the signer by the first epoch.
        var text = ""
        while !text.contains("· epoch:") {
            let chunk = output.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            text += String(decoding: chunk, as: UTF8.self)
        }
        #expect(text.contains("· epoch:"), "\(text)")

        let seeds = try Self.seeds(wallets: data + "/wallets/synod-local/hotkeys")
        #expect(seeds.count == 8)  // owner, the chain, 2 validators, 4 miners
        let signer = try #require(Self.children(of: host.processIdentifier).first, "no signer process")

        let inHost = try Self.find(seeds, inMemoryOf: host.processIdentifier)
        let inSigner = try Self.find(seeds, inMemoryOf: signer)
        #expect(inHost.isEmpty, "seeds found in the host process: \(inHost)")
        // The scan itself works: the signer does hold them.
        #expect(inSigner.count == seeds.count, "the scan missed seeds in the signer: \(inSigner)")

        kill(host.processIdentifier, SIGINT)
        host.waitUntilExit()
        #expect(host.terminationStatus == 0)
        // The signer ends with its parent.
        var waited = 0
        while kill(signer, 0) == 0 && waited < 200 {
            usleep(50_000)
            waited += 1
        }
        #expect(kill(signer, 0) != 0, "the signer outlived synod up")
    }

    /// Each hotkey file's seed, as raw bytes and as the hex text of the file.
    static func seeds(wallets: String) throws -> [String: [[UInt8]]] {
        var seeds: [String: [[UInt8]]] = [:]
        for name in try FileManager.default.contentsOfDirectory(atPath: wallets) where !name.hasSuffix("pub.txt") {
            let data = try Data(contentsOf: URL(fileURLWithPath: wallets + "/" + name))
            let object = try JSONSerialization.jsonObject(with: data) as? [String: Any]
            let hex = String((object?["secretSeed"] as? String ?? "").dropFirst(2))
            var bytes: [UInt8] = []
            var index = hex.startIndex
            while index < hex.endIndex {
                let next = hex.index(index, offsetBy: 2)
                bytes.append(UInt8(hex[index..<next], radix: 16)!)
                index = next
            }
            seeds[name] = [bytes, Array(hex.utf8)]
        }
        return seeds
    }

    static func children(of pid: Int32) -> [Int32] {
        let tasks = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/task")) ?? []
        return tasks.flatMap { task -> [Int32] in
            let text = (try? String(contentsOfFile: "/proc/\(pid)/task/\(task)/children", encoding: .utf8)) ?? ""
            return text.split(separator: " ").compactMap { Int32($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
        }
    }

    /// The names of the seeds (in either form) found anywhere in `pid`'s readable memory.
    static func find(_ seeds: [String: [[UInt8]]], inMemoryOf pid: Int32) throws -> Set<String> {
        let maps = try String(contentsOfFile: "/proc/\(pid)/maps", encoding: .utf8)
        let memory = open("/proc/\(pid)/mem", O_RDONLY)
        guard memory >= 0 else { throw POSIXError(.EACCES) }
        defer { close(memory) }
        var found: Set<String> = []
        let chunk = 8 << 20
        var buffer = [UInt8](repeating: 0, count: chunk + 64)
        for line in maps.split(separator: "\n") {
            let fields = line.split(separator: " ", omittingEmptySubsequences: true)
            guard fields.count >= 2, fields[1].hasPrefix("r") else { continue }
            let range = fields[0].split(separator: "-").compactMap { UInt64($0, radix: 16) }
            guard range.count == 2 else { continue }
            var offset = range[0]
            while offset < range[1] {
                let want = Int(min(UInt64(chunk + 64), range[1] - offset))
                let got = buffer.withUnsafeMutableBytes {
                    pread(memory, $0.baseAddress, want, off_t(Int64(bitPattern: offset)))
                }
                guard got > 0 else { break }
                for (name, forms) in seeds where !found.contains(name) {
                    for form in forms {
                        if Self.contains(buffer, count: got, form) { found.insert(name) }
                    }
                }
                offset += UInt64(chunk)
            }
        }
        return found
    }

    /// Whether `needle` occurs in the first `count` bytes of `haystack`.
    static func contains(_ haystack: [UInt8], count: Int, _ needle: [UInt8]) -> Bool {
        haystack.withUnsafeBytes { hay in
            needle.withUnsafeBytes { pin in
                guard let base = hay.baseAddress, count >= pin.count else { return false }
                var at = base
                let last = base + (count - pin.count)
                while at <= last {
                    guard let hit = memchr(at, Int32(pin[0]), last - at + 1) else { return false }
                    if memcmp(hit, pin.baseAddress!, pin.count) == 0 { return true }
                    at = UnsafeRawPointer(hit) + 1
                }
                return false
            }
        }
    }
}
