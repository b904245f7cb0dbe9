import ArgumentParser
import Foundation
import Logging
import LuaSandbox
import Tensor

/// `synod exec`: run one Lua file in the standard plugin sandbox and print its result.
struct Exec: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run a Lua file in the plugin sandbox and print the value it returns as JSON.",
        discussion: """
            The file runs as one chunk with the same environment and limits a plugin gets. \
            Functions in the result are shown as "function: FILE:LINE". Output of print() \
            and warn() goes to standard error.

            Exit status: 0 success; 1 syntax or runtime error (also forbidden access and \
            values that cannot be shown); 3 a limit was hit (memory, instructions, timeout); \
            2 bad usage.
            """
    )

    @Argument(help: "The Lua file to run.")
    var file: String

    @Option(name: .customLong("memory"), help: "Memory cap in MiB (default from sandbox/limits.json: 64).")
    var memoryMiB: Double?

    @Option(help: "Instruction budget for the run (0 = unlimited; default 100000000).")
    var instructions: UInt64?

    @Option(help: "Wall-clock limit in seconds (0 = unlimited; default 2).")
    var timeout: Double?

    @Flag(help: "Print {\"ok\":true,\"value\":…} or {\"ok\":false,\"error\":{…}} on standard output.")
    var json = false

    func validate() throws {
        if let memoryMiB, !(memoryMiB >= 0.25 && memoryMiB <= 65536) {
            throw ValidationError("--memory must be between 0.25 and 65536 MiB (got \(memoryMiB)).")
        }
        if let timeout, !(timeout >= 0 && timeout.isFinite) {
            throw ValidationError("--timeout must be a number of seconds ≥ 0 (got \(timeout)).")
        }
    }

    func run() throws {
        guard let data = FileManager.default.contents(atPath: file) else {
            throw ValidationError("cannot read '\(file)': no such file, or it is not readable.")
        }
        var limits = SandboxLimits.default
        if let memoryMiB { limits.memoryBytes = Int(memoryMiB * 1_048_576) }
        if let instructions { limits.instructions = instructions }
        if let timeout { limits.timeoutSeconds = timeout }

        let name = URL(fileURLWithPath: file).deletingPathExtension().lastPathComponent
        var logger = Logger(label: "synod.exec") { StreamLogHandler.standardError(label: $0) }
        logger.logLevel = .info
        do {
            let sandbox = try Sandbox(name: name, limits: limits, libraries: [.tensor], logger: logger)
            sandbox.describesFunctions = true
            let results = try sandbox.execute(String(decoding: data, as: UTF8.self), chunkName: file)
            let value = results.count <= 1 ? (results.first ?? .null) : .array(results)
            let text = try value.jsonText()
            print(json ? "{\"ok\":true,\"value\":\(text)}" : text)
        } catch {
            report(error)
            throw ExitCode(error.kind.isLimit ? 3 : 1)
        }
    }

    private func report(_ error: SandboxError) {
        if json {
            var fields: [String: LuaValue] = [
                "kind": .string(error.kind.rawValue), "message": .string(error.message),
            ]
            if let location = error.location { fields["location"] = .string(location.description) }
            if !error.traceback.isEmpty { fields["traceback"] = .array(error.traceback.map { .string($0) }) }
            let text = (try? LuaValue.map(fields).jsonText()) ?? "{}"
            print("{\"ok\":false,\"error\":\(text)}")
        } else {
            let location = error.location?.description ?? file
            FileHandle.standardError.write(Data("\(location): \(error.kind): \(error.message)\n".utf8))
        }
    }
}
