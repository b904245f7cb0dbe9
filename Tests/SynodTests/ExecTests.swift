import Foundation
import Testing

/// Runs the built `synod` binary the way a user does.
struct SynodRun {
    var status: Int32
    var stdout: String
    var stderr: String
}

let packageRoot = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

func synodBinary() -> URL {
    // Tests run from the build products folder, next to the `synod` executable.
    var candidates = [
        Bundle.main.bundleURL, URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent(),
    ]
    candidates += Bundle.allBundles.map { $0.bundleURL.deletingLastPathComponent() }
    for folder in candidates {
        let url = folder.appendingPathComponent("synod")
        if FileManager.default.isExecutableFile(atPath: url.path) { return url }
    }
    return packageRoot.appendingPathComponent(".build/debug/synod")
}

func synod(_ arguments: [String], file: (name: String, text: String)? = nil, stdin: String? = nil) throws -> SynodRun {
    // A script runs from its own folder under its plain name, as a user would type it.
    var args = arguments
    var folder = packageRoot
    var tempFolder: URL?
    if let file {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("synod-exec-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try Data(file.text.utf8).write(to: folder.appendingPathComponent(file.name))
        args = args.map { $0 == "FILE" ? file.name : $0 }
        tempFolder = folder
    }
    defer { if let tempFolder { try? FileManager.default.removeItem(at: tempFolder) } }
    return try runToEnd(synodBinary(), args, in: folder, stdin: stdin ?? "")
}

/// Runs `executable` with `arguments` (in `folder`, fed `stdin`) to its end and returns what
/// it printed.
func runToEnd(_ executable: URL, _ arguments: [String], in folder: URL? = nil, stdin: String = "") throws -> SynodRun {
    let process = Process()
    process.executableURL = executable
    process.arguments = arguments
    if let folder { process.currentDirectoryURL = folder }
    let out = Pipe()
    let err = Pipe()
    process.standardOutput = out
    process.standardError = err
    let input = Pipe()
    process.standardInput = input
    try process.run()
    input.fileHandleForWriting.write(Data(stdin.utf8))
    try input.fileHandleForWriting.close()
    let stdout = out.fileHandleForReading.readDataToEndOfFile()
    let stderr = err.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return SynodRun(
        status: process.terminationStatus,
        stdout: String(decoding: stdout, as: UTF8.self),
        stderr: String(decoding: stderr, as: UTF8.self))
}

@Suite("synod exec")
struct ExecTests {
    @Test func printsTheReturnedValueAsJSON() throws {
        let run = try synod(["exec", "FILE"], file: ("v.lua", "return { b = {1, 2}, a = 'x', n = 1.5 }"))
        #expect(run.status == 0)
        #expect(run.stdout == #"{"a":"x","b":[1,2],"n":1.5}"# + "\n")
    }

    @Test func jsonModeWrapsTheValue() throws {
        let run = try synod(["exec", "FILE", "--json"], file: ("v.lua", "return 42"))
        #expect(run.status == 0)
        #expect(run.stdout == #"{"ok":true,"value":42}"# + "\n")
    }

    @Test func runtimeErrorsExitOneWithFileLineKindMessage() throws {
        let run = try synod(["exec", "FILE"], file: ("boom.lua", "local x = 1\nerror('boom')"))
        #expect(run.status == 1)
        #expect(run.stdout == "")
        #expect(run.stderr == "boom.lua:2: runtime: boom\n")
    }

    @Test func syntaxErrorsExitOne() throws {
        let run = try synod(["exec", "FILE", "--json"], file: ("bad.lua", "return +"))
        #expect(run.status == 1)
        #expect(
            run.stdout.hasPrefix(
                #"{"ok":false,"error":{"kind":"syntax","location":"bad.lua:1","message":"unexpected symbol near"#))
    }

    @Test func limitsExitThree() throws {
        let spin = try synod(["exec", "FILE", "--instructions", "100000"], file: ("spin.lua", "while true do end"))
        #expect(spin.status == 3)
        #expect(spin.stderr.hasPrefix("spin.lua:1: instructions: instruction limit exceeded"))
        let late = try synod(
            ["exec", "FILE", "--instructions", "0", "--timeout", "0.2"], file: ("late.lua", "while true do end"))
        #expect(late.status == 3)
        #expect(late.stderr.hasPrefix("late.lua:1: timeout: time limit exceeded"))
        let fat = try synod(["exec", "FILE", "--memory", "1"], file: ("fat.lua", "return ('x'):rep(4 * 1024 * 1024)"))
        #expect(fat.status == 3)
        // The script dies before the hook first samples its line: the chunk is all we know.
        #expect(fat.stderr.hasPrefix("fat.lua: memory: memory limit exceeded"))
    }

    @Test func reachingOutsideIsForbidden() throws {
        let run = try synod(["exec", "FILE", "--json"], file: ("peek.lua", "return io.open('/etc/passwd'):read('a')"))
        #expect(run.status == 1)
        #expect(run.stdout.contains(#""kind":"forbidden""#))
        #expect(!run.stdout.contains("root:"))
    }

    @Test func badUsageExitsTwo() throws {
        let missing = try synod(["exec"])
        #expect(missing.status == 2)
        #expect(missing.stderr.hasPrefix("Error: Missing expected argument '<file>'"))
        let absent = try synod(["exec", "/no/such/file.lua"])
        #expect(absent.status == 2)
        #expect(absent.stderr.hasPrefix("Error: cannot read '/no/such/file.lua': no such file, or it is not readable."))
        let negative = try synod(["exec", "FILE", "--timeout=-1"], file: ("x.lua", "return 1"))
        #expect(negative.status == 2)
        #expect(negative.stderr.contains("--timeout must be a number of seconds ≥ 0 (got -1.0)."))
    }

    @Test func printGoesToStandardError() throws {
        let run = try synod(["exec", "FILE"], file: ("p.lua", "print('to the log') return true"))
        #expect(run.stdout == "true\n")
        #expect(run.stderr.contains("to the log"))
        #expect(run.stderr.contains("sandbox=p"))
    }

    @Test func theBundledPluginLoads() throws {
        let run = try synod(["exec", "plugins/echo-sum.lua"])
        #expect(run.status == 0)
        #expect(run.stdout.contains(#""name":"echo-sum""#))
        #expect(run.stdout.contains(#""score":"function: plugins/echo-sum.lua:"#))
    }

    @Test func helpDocumentsTheCommand() throws {
        let run = try synod(["--help"])
        #expect(run.status == 0)
        #expect(
            run.stdout == """
                OVERVIEW: Run Bittensor-style subnets written as sandboxed Lua plugins.

                Each subnet's task, scoring and reward rules are one Lua 5.4 script, run in a
                sandbox with a memory cap and per-call instruction and time budgets.

                USAGE: synod <subcommand>

                OPTIONS:
                  --version               Show the version.
                  -h, --help              Show help information.

                SUBCOMMANDS:
                  up                      Run every plugin in a folder as a subnet, with local
                                          validators and miners.
                  status                  Show the subnets of a host's data folder: plugins,
                                          versions, epochs, UIDs, cost.
                  register                Register a miner (any language, btauth/1) on a subnet
                                          of a synod up host.
                  check                   Load a subnet plugin as the host would and report its
                                          contract.
                  sim                     Simulate a subnet plugin against honest and dishonest
                                          miners and validators, with real Yuma.
                  explain                 Show why a UID earned what it earned in a recorded
                                          epoch.
                  exec                    Run a Lua file in the plugin sandbox and print the
                                          value it returns as JSON.
                  consensus               Compute one Yuma epoch from JSON input and print the
                                          result as JSON.
                  ledger                  Inspect or exercise a Synod ledger (an SQLite file).
                  keys                    Create, show and list hotkeys, sr25519 or ed25519
                                          (bittensor wallet layout).
                  store                   Read a subnet's plugin store (list keys, get a value).
                  rounds                  Show a subnet's recent validator rounds: per miner
                                          its status, score and weight.
                  stake                   Set a registered hotkey's stake on a subnet of a
                                          host's chain.
                  validate                Validate a subnet of a remote Synod chain with its
                                          released plugin.
                  mine                    Serve a subnet's reference miner behind an axon and
                                          register it on a remote Synod chain.
                  publish                 Release a plugin version to a Synod chain: every
                                          validator switches to it at --at-block.
                  export                  Write a subnet's epochs as JSON Lines or CSV: one
                                          line per epoch and UID.
                  report                  Ask a Synod host why your hotkey earned what it
                                          earned (a miner's own report).

                  See 'synod help <subcommand>' for detailed help.

                """)
    }

    /// Every command's help reads as prose: the discussions' line continuations leave no
    /// literal backslash behind.
    @Test func everyCommandsHelpReadsCleanly() throws {
        let top = try synod(["--help"]).stdout
        let names = top.split(separator: "\n").compactMap { line -> String? in
            guard line.hasPrefix("  "), !line.hasPrefix("   "), !line.contains("--"), !line.contains("synod help")
            else { return nil }
            return line.split(separator: " ").first.map(String.init)
        }
        #expect(names.count >= 16, "\(names)")
        for name in names {
            let help = try synod(["help", name])
            #expect(help.status == 0, "synod help \(name): \(help.stderr)")
            #expect(!help.stdout.contains("\\"), "synod help \(name) prints a backslash:\n\(help.stdout)")
        }
    }
}
