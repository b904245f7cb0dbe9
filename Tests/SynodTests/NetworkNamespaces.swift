import Foundation
import Testing

/// Hosts for a multi-process test: each in its own network namespace (`ip netns`), joined by
/// veth pairs to a bridge in a hub namespace, on 10.77.X.0/24 — or, where namespaces cannot
/// be made (not root, no `ip`, a container without the capability), all on loopback, and the
/// test says so. The namespaces are removed by ``remove()`` (and by the next run, if a
/// killed run left them).
final class NetworkNamespaces: @unchecked Sendable {
    /// One host: where its processes run and the address others reach it at.
    struct Host {
        var name: String
        var namespace: String?
        var address: String
    }

    let hosts: [String: Host]
    /// Why namespaces are not used, or nil when they are.
    let fallback: String?
    private let prefix: String
    private let hub: String?

    init(_ names: [String]) {
        // Short, unique names: interface names are at most 15 bytes.
        let tag = String(getpid() % 100_000, radix: 36)
        prefix = "syn\(tag)"
        let subnet = 10 + Int(getpid() % 200)
        var problem: String?
        var hosts: [String: Host] = [:]
        if ProcessInfo.processInfo.environment["SYNOD_TEST_LOOPBACK"] == "1" {
            problem = "SYNOD_TEST_LOOPBACK=1"
        } else if getuid() != 0 {
            problem = "not running as root"
        } else if !FileManager.default.isExecutableFile(atPath: "/usr/sbin/ip")
            && !FileManager.default.isExecutableFile(atPath: "/sbin/ip")
            && !FileManager.default.isExecutableFile(atPath: "/usr/bin/ip")
        {
            problem = "no `ip` command (iproute2)"
        }
        let hubName = "\(prefix)-hub"
        if problem == nil {
            Self.removeStale()
            do {
                try Self.ip(["netns", "add", hubName])
                try Self.ip(["-n", hubName, "link", "add", "br0", "type", "bridge"])
                try Self.ip(["-n", hubName, "link", "set", "br0", "up"])
                for (i, name) in names.enumerated() {
                    let ns = "\(prefix)-\(i)"
                    let address = "10.77.\(subnet).\(i + 1)"
                    try Self.ip(["netns", "add", ns])
                    try Self.ip([
                        "link", "add", "\(prefix)h\(i)", "netns", hubName, "type", "veth", "peer", "name", "eth0",
                        "netns", ns,
                    ])
                    try Self.ip(["-n", hubName, "link", "set", "\(prefix)h\(i)", "master", "br0", "up"])
                    try Self.ip(["-n", ns, "addr", "add", "\(address)/24", "dev", "eth0"])
                    try Self.ip(["-n", ns, "link", "set", "eth0", "up"])
                    try Self.ip(["-n", ns, "link", "set", "lo", "up"])
                    hosts[name] = Host(name: name, namespace: ns, address: address)
                }
            } catch {
                problem = "network namespaces are unavailable here: \(error)"
                Self.remove(prefix: prefix)
            }
        }
        if let problem {
            hosts = Dictionary(
                uniqueKeysWithValues: names.map { ($0, Host(name: $0, namespace: nil, address: "127.0.0.1")) })
            hub = nil
            fallback = problem
        } else {
            hub = hubName
            fallback = nil
        }
        self.hosts = hosts
    }

    /// The executable and arguments that run `arguments` of `executable` on `host`.
    /// Where util-linux's setpriv is, it makes the process die with the test's (a crashed
    /// test leaves no chain or validator running).
    func command(on host: String, _ executable: URL, _ arguments: [String]) -> (URL, [String]) {
        var command = [executable.path] + arguments
        if let ns = hosts[host]?.namespace { command = [Self.ipPath, "netns", "exec", ns] + command }
        let setpriv = "/usr/bin/setpriv"
        guard FileManager.default.isExecutableFile(atPath: setpriv) else {
            return (URL(fileURLWithPath: command[0]), Array(command.dropFirst()))
        }
        return (URL(fileURLWithPath: setpriv), ["--pdeathsig", "KILL", "--"] + command)
    }

    func address(_ host: String) -> String { hosts[host]!.address }

    /// Runs a `synod` command on `host` to its end (as ``synod(_:file:stdin:)`` does locally).
    func synod(on host: String, _ arguments: [String]) throws -> SynodRun {
        let (executable, args) = command(on: host, synodBinary(), arguments)
        return try runToEnd(executable, args)
    }

    func remove() {
        guard hub != nil else { return }
        Self.remove(prefix: prefix)
    }

    // MARK: ip

    static var ipPath: String {
        ["/usr/sbin/ip", "/sbin/ip", "/usr/bin/ip"].first { FileManager.default.isExecutableFile(atPath: $0) } ?? "ip"
    }

    struct IPError: Error, CustomStringConvertible {
        var description: String
    }

    @discardableResult
    static func ip(_ arguments: [String]) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: ipPath)
        process.arguments = arguments
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        let problem = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw IPError(
                description:
                    "ip \(arguments.joined(separator: " ")): \(problem.trimmingCharacters(in: .whitespacesAndNewlines))"
            )
        }
        return text
    }

    /// Deleting a namespace deletes its veth ends (and their peers).
    static func remove(prefix: String) {
        let list = (try? ip(["netns", "list"])) ?? ""
        for line in list.split(separator: "\n") {
            let name = String(line.split(separator: " ").first ?? "")
            if name.hasPrefix(prefix + "-") { _ = try? ip(["netns", "delete", name]) }
        }
    }

    /// Namespaces a killed run of this test left (their process is gone).
    static func removeStale() {
        let list = (try? ip(["netns", "list"])) ?? ""
        for line in list.split(separator: "\n") {
            let name = String(line.split(separator: " ").first ?? "")
            guard name.hasPrefix("syn"), let dash = name.firstIndex(of: "-") else { continue }
            let tag = name[name.index(name.startIndex, offsetBy: 3)..<dash]
            if let pid = Int32(tag, radix: 36), pid != getpid() % 100_000, kill(pid, 0) != 0 {
                _ = try? ip(["netns", "delete", name])
            }
        }
    }
}

/// A `synod` process whose output goes to a file the test reads as it grows.
final class SynodProcess: @unchecked Sendable {
    let process = Process()
    let log: URL
    let name: String

    convenience init(
        _ name: String, on host: String, in network: NetworkNamespaces, folder: URL, _ arguments: [String]
    ) throws {
        try self.init(name, folder: folder, command: network.command(on: host, synodBinary(), arguments))
    }

    /// `synod arguments` on this machine's own network.
    convenience init(_ name: String, folder: URL, _ arguments: [String]) throws {
        try self.init(name, folder: folder, command: (synodBinary(), arguments))
    }

    init(_ name: String, folder: URL, command: (URL, [String])) throws {
        self.name = name
        log = folder.appendingPathComponent("\(name).log")
        _ = FileManager.default.createFile(atPath: log.path, contents: nil)
        let (executable, args) = command
        process.executableURL = executable
        process.arguments = args
        process.currentDirectoryURL = folder
        let handle = try FileHandle(forWritingTo: log)
        handle.seekToEndOfFile()
        process.standardOutput = handle
        process.standardError = handle
        try process.run()
    }

    var output: String { (try? String(contentsOf: log, encoding: .utf8)) ?? "" }
    var lines: [String] { output.split(separator: "\n").map(String.init) }

    /// Waits (up to `seconds`, as a limit against a hang, not a measure) for a line that
    /// `matches`, and returns it.
    @discardableResult
    func waitForLine(_ seconds: Double = 120, where matches: (String) -> Bool) throws -> String {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if let line = lines.first(where: matches) { return line }
            if !process.isRunning, let line = lines.first(where: matches) { return line }
            if !process.isRunning { break }
            usleep(100_000)
        }
        if let line = lines.first(where: matches) { return line }
        throw NetworkNamespaces.IPError(
            description:
                "\(name) \(process.isRunning ? "did not print the line in time" : "exited (\(process.terminationStatus))"); its log:\n\(output.suffix(4000))"
        )
    }

    func signal(_ signal: Int32) { if process.isRunning { kill(process.processIdentifier, signal) } }

    /// Stops it (SIGTERM, then SIGKILL after a grace period) and waits.
    func stop() {
        signal(SIGTERM)
        let deadline = Date().addingTimeInterval(20)
        while process.isRunning && Date() < deadline { usleep(50_000) }
        signal(SIGKILL)
        process.waitUntilExit()
    }
}
