import Foundation
public import Wire

/// The host's keys, held where plugins cannot reach them: `synod up` starts a signer
/// process (`synod signer`) that reads or makes the host's hotkeys and signs its btauth/1
/// requests over a Unix socket in the data folder. The host process holds addresses only;
/// a memory bug in code a plugin drives can read the host's heap, but no seed is there.
public final class HostSigner: Sendable {
    /// How the signer runs.
    public enum Launch: Sendable {
        /// A child process: `executable signer …` (`synod up` passes its own executable).
        case process(executable: String)
        /// A thread of this process serving the same socket: for tests of the host that run
        /// in one process. The keys are then in this process.
        case inProcess
    }

    public let socketPath: String
    /// The address of each key, by name.
    public let addresses: [String: SS58Address]
    private let schemes: [String: BTAuth.Scheme]
    private let child: Process?
    private let stdin: Pipe?

    /// Starts the signer for hotkeys `names` of wallet `synod-local` in
    /// `<dataDirectory>/wallets` (made when missing) and waits until it answers.
    public init(dataDirectory: String, names: [String], launch: Launch) async throws {
        let wallets = (dataDirectory as NSString).appendingPathComponent("wallets")
        socketPath = (dataDirectory as NSString).appendingPathComponent("signer.sock")
        switch launch {
        case .inProcess:
            let keys = try SignerKeys.load(names: names, wallet: Self.wallet, walletsDirectory: wallets, create: true)
            let server = try SignerServer(keys: keys, socketPath: socketPath)
            Thread { server.serve() }.start()
            child = nil
            stdin = nil
        case .process(let executable):
            let process = Process()
            process.executableURL = URL(fileURLWithPath: executable)
            process.arguments = [
                "signer", "--wallets", wallets, "--wallet", Self.wallet, "--socket", socketPath, "--create",
                names.joined(separator: ","),
            ]
            let input = Pipe()
            let output = Pipe()
            process.standardInput = input
            process.standardOutput = output
            try process.run()
            // The signer says "ready …" once it listens, or why it cannot.
            let line = await Self.firstLine(of: output.fileHandleForReading)
            guard line.hasPrefix("ready") else {
                process.terminate()
                throw WireError.transport("the signer process did not start: \(line.isEmpty ? "no answer" : line)")
            }
            child = process
            stdin = input
        }
        let list = try SignerClient.addresses(socketPath: socketPath, names: names)
        addresses = Dictionary(uniqueKeysWithValues: zip(names, list.map(\.address)))
        schemes = Dictionary(uniqueKeysWithValues: zip(names, list.map(\.scheme)))
    }

    /// The wallet the host's own hotkeys live in.
    public static let wallet = "synod-local"

    /// A signer for key `name` (one connection each).
    public func client(_ name: String) -> SignerClient {
        SignerClient(socketPath: socketPath, name: name, address: addresses[name]!, scheme: schemes[name]!)
    }

    /// Ends the signer process (closing its standard input ends it; the signal is the
    /// fallback).
    public func stop() {
        try? stdin?.fileHandleForWriting.close()
        if let child, child.isRunning {
            child.waitUntilExit()
        }
    }

    /// The first line `handle` yields, read on a thread of its own (a blocking read must not
    /// hold a thread of Swift's cooperative pool).
    private static func firstLine(of handle: FileHandle) async -> String {
        await withCheckedContinuation { continuation in
            Thread {
                var bytes: [UInt8] = []
                while true {
                    let chunk = handle.readData(ofLength: 1)
                    guard let byte = chunk.first, byte != UInt8(ascii: "\n") else { break }
                    bytes.append(byte)
                }
                continuation.resume(returning: String(decoding: bytes, as: UTF8.self))
            }.start()
        }
    }
}
