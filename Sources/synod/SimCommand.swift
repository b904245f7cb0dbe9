import ArgumentParser
import Foundation
import Ledger
import Logging
import LuaSandbox
import SubnetHost

/// `synod sim`: does the plugin's incentive pay honest miners best?
struct SimCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sim",
        abstract: "Simulate a subnet plugin against honest and dishonest miners, with real Yuma.",
        discussion: """
            In memory, over EPOCHS tempos: validators query simulated miners every \\
            weights_rate_limit blocks and set the plugin's weights; each tempo a Yuma epoch \\
            pays out (the subnet's own hyperparameters, owner cut taken). Miners follow a \\
            strategy: honest (the plugin's reference miner), stale (the reference miner on \\
            the previous block's task), garbage (a string, through 'validate'), silent (no \\
            answer). Prints what each strategy earned.

            Exit status: 0 honest miners earn the most per miner; 1 another strategy earns as \\
            much or more, or the plugin fails (the message says where); 3 a sandbox limit; \\
            2 bad usage.
            """
    )

    @Argument(help: "The plugin file.")
    var file: String

    @Option(help: "Epochs (tempos) to simulate.")
    var epochs = 10

    @Option(help: "Validators (stake 1, 2, … TAO).")
    var validators = 4

    @Option(help: "Honest miners.")
    var honest = 4

    @Option(help: "Miners answering the previous block's task.")
    var stale = 2

    @Option(help: "Miners sending garbage.")
    var garbage = 1

    @Option(help: "Miners that never answer.")
    var silent = 2

    func validate() throws {
        guard (1...1000).contains(epochs) else { throw ValidationError("--epochs must be from 1 to 1000.") }
        guard (1...64).contains(validators) else { throw ValidationError("--validators must be from 1 to 64.") }
        guard honest >= 1 else {
            throw ValidationError("--honest must be at least 1: the simulation compares against them.")
        }
        for (name, count) in [("stale", stale), ("garbage", garbage), ("silent", silent)] where count < 0 {
            throw ValidationError("--\(name) must not be negative.")
        }
        guard honest + stale + garbage + silent + validators <= 4096 else {
            throw ValidationError("at most 4096 UIDs in a simulation.")
        }
    }

    func run() async throws {
        var logger = Logger(label: "synod.sim") { StreamLogHandler.standardError(label: $0) }
        logger.logLevel = .info
        let simulation = Simulation(
            epochs: epochs, validators: validators,
            miners: [.honest: honest, .stale: stale, .garbage: garbage, .silent: silent])
        let result: Simulation.Result
        let plugin: PluginHost
        do {
            plugin = try await PluginHost.load(path: file, logger: logger)
            result = try await simulation.run(plugin)
        } catch {
            FileHandle.standardError.write(Data("\(error)\n".utf8))
            throw ExitCode(error.sandboxError?.kind.isLimit == true ? 3 : 1)
        }
        let d = plugin.definition
        print(
            "\(d.name) \(d.version): \(epochs) epochs (\(result.blocks) blocks, tempo \(d.config.tempo)), \(validators) validators"
        )
        let total = Double(result.lines.map(\.earned).reduce(0, +) + result.validatorsEarned)
        print("strategy  miners  earned (rao)     share    per miner (rao)")
        for line in result.lines where line.miners > 0 {
            let share = total > 0 ? Double(line.earned) / total : 0
            print(
                line.strategy.rawValue.padding(toLength: 10, withPad: " ", startingAt: 0)
                    + String(line.miners).padding(toLength: 8, withPad: " ", startingAt: 0)
                    + String(line.earned).padding(toLength: 17, withPad: " ", startingAt: 0)
                    + String(format: "%5.1f%%   ", share * 100) + String(format: "%.0f", line.perMiner))
        }
        print("validators (dividends): \(result.validatorsEarned) rao")
        if result.honestLeads {
            print("ok: honest miners earn the most per miner")
        } else {
            FileHandle.standardError.write(
                Data(
                    "\(file): honest miners do not earn the most: \(result.leader?.rawValue ?? "?") miners earn as much or more per miner\n"
                        .utf8))
            throw ExitCode(1)
        }
    }
}
