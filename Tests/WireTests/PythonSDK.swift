import Foundation

@testable import Wire

/// The `bittensor` 11.3.0 package, driven through `interop.py` in one long-lived process.
///
/// Python comes from `SYNOD_WIRE_PYTHON` or the repository's `.venv-wire` (made by
/// `make test`). Without it the interop tests are skipped locally, but never in CI
/// (`CI` set), where a missing SDK fails them.
final class PythonSDK: @unchecked Sendable {
    static let repositoryRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path

    static let python: String? = {
        if let explicit = ProcessInfo.processInfo.environment["SYNOD_WIRE_PYTHON"] { return explicit }
        let venv = repositoryRoot + "/.venv-wire/bin/python"
        return FileManager.default.isExecutableFile(atPath: venv) ? venv : nil
    }()

    /// Run the interop tests when the SDK is there, and always in CI.
    static let shouldRun = python != nil || ProcessInfo.processInfo.environment["CI"] != nil

    private let process = Process()
    private let input = Pipe()
    private let output = Pipe()
    private var buffer = Data()

    init() throws {
        guard let python = Self.python else {
            throw WireError.transport(
                "the bittensor SDK is not installed: run `make test` (it creates .venv-wire with bittensor==11.3.0) "
                    + "or set SYNOD_WIRE_PYTHON")
        }
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = [Self.repositoryRoot + "/Tests/WireTests/interop.py"]
        process.standardInput = input
        process.standardOutput = output
        try process.run()
    }

    deinit {
        try? input.fileHandleForWriting.close()
        process.waitUntilExit()
    }

    /// Sends one command and returns the answer object.
    func call(_ command: [String: Any]) throws -> [String: Any] {
        var line = try JSONSerialization.data(withJSONObject: command)
        line.append(0x0a)
        try input.fileHandleForWriting.write(contentsOf: line)
        while !buffer.contains(0x0a) {
            let chunk = output.fileHandleForReading.availableData
            guard !chunk.isEmpty else { throw WireError.transport("interop.py exited") }
            buffer.append(chunk)
        }
        let end = buffer.firstIndex(of: 0x0a)!
        let answer = buffer[buffer.startIndex..<end]
        buffer = Data(buffer[(end + 1)...])
        let object = try JSONSerialization.jsonObject(with: answer) as? [String: Any] ?? [:]
        if let exception = object["exception"] as? String { throw WireError.transport("interop.py: \(exception)") }
        return object
    }

    /// Headers the SDK signs (`bittensor.http_auth.sign`).
    func sign(
        seed: [UInt8], method: String = "POST", path: String, body: [UInt8], receiver: SS58Address,
        nonce: Int64? = nil, scheme: String = "ed25519"
    ) throws -> [(name: String, value: String)] {
        var command: [String: Any] = [
            "op": "sign", "seed": Hex.encode(seed), "method": method, "path": path, "body": Hex.encode(body),
            "receiver": receiver.string, "scheme": scheme,
        ]
        if let nonce { command["nonce"] = nonce }
        let headers = try call(command)["headers"] as? [String: String] ?? [:]
        return headers.map { ($0.key, $0.value) }
    }
}
