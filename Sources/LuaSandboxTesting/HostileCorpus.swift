public import Foundation
public import LuaSandbox

/// The scripts of `sandbox/corpus/`: attacks a plugin could try, each declaring what must
/// happen to it.
///
/// A script's header lines say:
/// - `-- expect: KIND`: a ``SandboxError`` kind, or `ok` for a script that must return true;
/// - `-- limits: memory=MiB instructions=N timeout=S describe=BOOL` (optional);
/// - `-- libraries: tensor` (optional): the native libraries it attacks. Suites that cannot
///   provide a library leave its scripts to the suite that can (LuaSandbox's tests run the
///   scripts that need none, Tensor's those that need `tensor`).
public struct HostileCorpus: Sendable {
    /// One script of the corpus.
    public struct Script: Sendable, CustomStringConvertible {
        public var name: String
        public var source: String
        public var expect: String
        public var limits: SandboxLimits
        public var describeFunctions = false
        public var libraries: [String] = []
        public var description: String { name }
    }

    public let scripts: [Script]

    /// Loads every `.lua` file of `folder`, sorted by name, with `base` as the limits a
    /// script's `-- limits:` line adjusts.
    public init(folder: URL, base: SandboxLimits) {
        let files = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
        scripts = files.filter { $0.hasSuffix(".lua") }.sorted().compactMap { file in
            guard let source = try? String(contentsOf: folder.appendingPathComponent(file), encoding: .utf8) else {
                return nil
            }
            return Self.parse(name: file, source: source, base: base)
        }
    }

    /// The scripts whose libraries are all among `available`.
    public func scripts(using available: Set<String>) -> [Script] {
        scripts.filter { Set($0.libraries).isSubset(of: available) }
    }

    static func parse(name: String, source: String, base: SandboxLimits) -> Script {
        var script = Script(name: name, source: source, expect: "?", limits: base)
        for line in source.split(separator: "\n") where line.hasPrefix("-- ") {
            if line.hasPrefix("-- expect: ") { script.expect = String(line.dropFirst(11)) }
            if line.hasPrefix("-- libraries: ") {
                script.libraries = line.dropFirst(14).split(separator: " ").map(String.init)
            }
            guard line.hasPrefix("-- limits: ") else { continue }
            for pair in line.dropFirst(11).split(separator: " ") {
                let kv = pair.split(separator: "=")
                guard kv.count == 2 else { continue }
                switch kv[0] {
                case "memory": script.limits.memoryBytes = Int((Double(kv[1]) ?? 0) * 1_048_576)
                case "instructions": script.limits.instructions = UInt64(kv[1]) ?? 0
                case "timeout": script.limits.timeoutSeconds = Double(kv[1]) ?? 0
                case "describe": script.describeFunctions = kv[1] == "true"
                default: break
                }
            }
        }
        return script
    }

    /// Runs `script` in `sandbox` and names the outcome: `ok`, a ``SandboxError`` kind, or
    /// `returned …`. A watchdog interrupts a script that escaped every limit, so a hang
    /// becomes a failure ("interrupted" is never an expected kind).
    public static func run(_ script: Script, in sandbox: Sandbox) async -> String {
        let stop = sandbox.interrupter
        let watchdog = Task {
            try await Task.sleep(for: .seconds(60))
            stop.interrupt()
        }
        defer { watchdog.cancel() }
        do {
            let result = try sandbox.execute(script.source, chunkName: "corpus/\(script.name)")
            return result.first == true ? "ok" : "returned \(result)"
        } catch {
            return error.kind.rawValue
        }
    }
}
