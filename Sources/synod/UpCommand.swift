import ArgumentParser
import ChainAPI
import Foundation
import SubnetHost
import Wire

/// `synod up`: run the plugins of a folder as subnets of a local chain.
struct UpCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "up",
        abstract: "Run every plugin in a folder as a subnet, with local validators and miners.",
        discussion: """
            Each plugin (*.lua) becomes a subnet in the ledger (SQLite, in the data folder). \
            The host runs VALIDATORS validators and MINERS reference miners (the plugin's \
            'miner' hook), each miner behind its own axon on loopback; validators query them \
            with btauth/1-signed requests every block, score the answers with the plugin and \
            set weights; every tempo an epoch pays out by Yuma consensus. Editing a plugin \
            reloads it between calls once the new version loads and passes its self-check; \
            a version that fails leaves the old one running and says why.

            Blocks come on a fixed schedule and every subnet follows them on its own, so a \
            slow plugin or a silent miner holds back its own subnet only. With --blocks the \
            run is a demonstration: it stops after that many blocks, and each block waits \
            until every subnet is done with the one before, so the run is the same every \
            time. Otherwise it runs until Ctrl-C. A restart continues from the chain head \
            kept in the ledger, with the same hotkeys (data folder, wallets/).
            """
    )

    @Option(help: "The folder of subnet plugins.")
    var plugins = "plugins"

    @Option(help: "The data folder: ledger (synod.sqlite) and the host's hotkeys.")
    var data = ".synod"

    @Option(help: "Seconds between blocks.")
    var blockTime = 1.0

    @Option(help: "Stop after this many blocks (default: run until Ctrl-C).")
    var blocks: UInt64?

    @Option(help: "Local validators per subnet.")
    var validators = 2

    @Option(help: "Local reference miners per subnet.")
    var miners = 4

    @Option(help: "Rao each subnet emits per epoch.")
    var emission: UInt64 = 1_000_000_000

    @Option(
        help: "Port of the dashboard (/), GET /metrics (Prometheus text) and the chain API; 0 picks a free one.")
    var metricsPort = 9464

    @Option(
        help: """
            The address the chain API, /metrics and the local miners listen on: an address of \
            this machine that other machines reach, for remote validators and miners.
            """)
    var host = "127.0.0.1"

    @Option(
        name: .customLong("allow-list"),
        help: "A file of hotkeys (ss58, one per line) that may register over the chain API (default: any).")
    var allowList: String?

    @Flag(help: "Do not serve /metrics, the dashboard or the chain API.")
    var noMetrics = false

    @Flag(
        inversion: .prefixedNo,
        help: """
            Serve the dashboard at / (default: only on a loopback --host; on an address other \
            machines reach it would show anyone every miner's outcomes and validate reasons).
            """)
    var dashboard: Bool?

    /// Whether the dashboard is served: as asked, else only where no other machine reaches it.
    var servesDashboard: Bool { dashboard ?? Self.isLoopback(host) }

    static func isLoopback(_ host: String) -> Bool {
        host == "localhost" || host == "::1" || host.hasPrefix("127.")
    }

    @Option(
        help: """
            Watts one busy core draws, for the energy estimate (CPU seconds × this). The default \
            is an Intel Xeon Platinum 8380's 270 W TDP over its 40 cores.
            """)
    var wattsPerCore = CostMeter.defaultWattsPerCore

    func validate() throws {
        guard blockTime > 0, blockTime <= 3600 else {
            throw ValidationError("--block-time must be above 0 and at most 3600 seconds.")
        }
        guard (1...64).contains(validators) else { throw ValidationError("--validators must be from 1 to 64.") }
        guard (1...256).contains(miners) else { throw ValidationError("--miners must be from 1 to 256.") }
        guard wattsPerCore.isFinite, wattsPerCore >= 0, wattsPerCore <= 1000 else {
            throw ValidationError("--watts-per-core must be from 0 to 1000.")
        }
        guard (0...65535).contains(metricsPort) else {
            throw ValidationError("--metrics-port must be from 0 to 65535.")
        }
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: plugins, isDirectory: &isFolder), isFolder.boolValue else {
            throw ValidationError("no plugin folder at '\(plugins)'.")
        }
    }

    /// Open, or the hotkeys listed in --allow-list (every line checked: a typo is an error).
    func registrationPolicy() throws -> RegistrationPolicy {
        guard let allowList else { return .open }
        let text: String
        do {
            text = try String(contentsOfFile: allowList, encoding: .utf8)
        } catch {
            throw ValidationError("cannot read --allow-list \(allowList): \(error.localizedDescription)")
        }
        var hotkeys: Set<String> = []
        for (index, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = raw.trimmingCharacters(in: .whitespaces)
            guard !line.isEmpty, !line.hasPrefix("#") else { continue }
            do {
                hotkeys.insert(try SS58Address(line).string)
            } catch {
                throw ValidationError("\(allowList):\(index + 1): '\(line)' is not an ss58 address: \(error)")
            }
        }
        return .allowList(hotkeys)
    }

    /// This executable, for starting `synod signer` beside it.
    static var executablePath: String {
        (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
    }

    func run() async throws {
        // Many axons and validators in one process: descriptors up to the hard limit, so
        // the axons' connection caps (503) apply before the process runs out.
        ProcessLimits.raiseOpenFiles()
        let configuration = LocalNet.Configuration(
            pluginsDirectory: plugins, dataDirectory: data, blockTime: .milliseconds(Int64(blockTime * 1000)),
            validators: validators, miners: miners, emissionPerEpoch: emission, blocks: blocks,
            host: host, metricsPort: noMetrics ? nil : metricsPort, dashboard: servesDashboard,
            // The hotkeys live in a `synod signer` child process: this one runs plugins.
            signer: .process(executable: Self.executablePath), lockstep: blocks != nil,
            registration: try registrationPolicy(), wattsPerCore: wattsPerCore)
        // One line per event, flushed: logs reach a pipe or a file as they happen.
        let net = try LocalNet(configuration) { line in
            FileHandle.standardOutput.write(Data((line + "\n").utf8))
        }
        if dashboard == nil, !servesDashboard, !noMetrics {
            FileHandle.standardOutput.write(
                Data(
                    "dashboard off: --host \(host) is reachable from other machines; pass --dashboard to serve it anyway\n"
                        .utf8))
        }
        do {
            try await net.run()
        } catch let error as PluginError {
            FileHandle.standardError.write(Data("Error: \(error)\n".utf8))
            throw ExitCode(1)
        }
    }
}
