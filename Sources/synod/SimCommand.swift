import ArgumentParser
import Foundation
import HostReports
import LuaSandbox
import SimLab
import SubnetHost

/// `synod sim`: does the plugin's incentive pay honest work and starve everything else?
struct SimCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sim",
        abstract: "Simulate a subnet plugin against honest and dishonest miners and validators, with real Yuma.",
        discussion: """
            In memory, over EPOCHS tempos of the plugin: validators query simulated miners when \
            their weights are due and set weights; each tempo a Yuma epoch pays out (the \
            subnet's hyperparameters, owner cut taken). Every validator has a sandbox and a \
            store of its own, as on a real network.

            Miners (--miners STRATEGY:COUNT,...): honest (the plugin's reference miner), \
            noisy[@LEVEL] (its answer with every number moved by up to ±LEVEL of itself, \
            default 0.1), stale (the reference answer to the previous request), copycat \
            (another miner's latest answer, replayed), lazy[@P] (answers a fraction P, default \
            0.5), slow (answers after the timeout), garbage (a string), offline (never answers), \
            or the name of one of the plugin's own `adversaries`.

            Validators (--validators STRATEGY:COUNT,...): honest, copier (sets the previous \
            epoch's consensus as its weights), stale (keeps its first weights), lazy (random \
            weights), colluder[@UID] (all its weight on one miner: the UID, else the first \
            dishonest miner). Stakes: validator i stakes i + 1 TAO unless --stakes says.

            --compare runs the same scenario (same seed, same answers) under each consensus \
            variant: plugin (its own settings), classic, yuma3, liquid-alpha, \
            yuma3+liquid-alpha. The same --seed gives the same output, byte for byte.

            Exit status: 0 honest miners out-earn every dishonest strategy per miner (and \
            honest validators out-earn copiers per TAO staked, when both run) under every \
            variant; 1 something beat honest, or the plugin fails (the message says what and \
            where); 3 a sandbox limit; 2 bad usage.
            """
    )

    @Argument(help: "The plugin file.")
    var file: String

    @Option(help: "Epochs (tempos) to simulate.")
    var epochs = 10

    @Option(help: "Miner strategies and counts, e.g. honest:8,noisy@0.2:4,copycat:2.")
    var miners = "honest:4,noisy:2,stale:2,copycat:1,lazy:1,garbage:1,offline:1"

    @Option(help: "Validator strategies and counts, e.g. honest:4,copier:1.")
    var validators = "honest:4"

    @Option(help: "Validators' stakes in TAO, in order (e.g. 10,10,5), or 'equal' (1 TAO each).")
    var stakes: String?

    @Option(help: "Consensus variants to compare, e.g. classic,yuma3,liquid-alpha.")
    var compare = "plugin"

    @Option(help: "Seeds every random choice of the run.")
    var seed: UInt64 = 0

    @Flag(help: "Print the report as JSON (the schema is in docs/plugin-api.md).")
    var json = false

    @Option(help: "Write one CSV per variant (per epoch and UID) into this folder.")
    var csv: String?

    @Option(help: "Write cumulative earnings per strategy over the epochs as an SVG picture.")
    var svg: String?

    @Option(
        help: """
            Watts a busy core draws, for the energy estimate of the cost line (default: an Intel \
            Xeon Platinum 8380, 270 W TDP over 40 cores).
            """)
    var wattsPerCore = CostMeter.defaultWattsPerCore

    func validate() throws {
        guard (1...1000).contains(epochs) else { throw ValidationError("--epochs must be from 1 to 1000.") }
        guard wattsPerCore.isFinite, (0...1000).contains(wattsPerCore) else {
            throw ValidationError("--watts-per-core must be from 0 to 1000.")
        }
        let simulation = try scenario()
        let minerCount = simulation.miners.map(\.count).reduce(0, +)
        let validatorCount = simulation.validators.map(\.count).reduce(0, +)
        guard simulation.miners.contains(where: { $0.strategy == .honest && $0.count > 0 }) else {
            throw ValidationError("--miners needs honest miners: the simulation compares against them.")
        }
        guard (1...256).contains(validatorCount) else {
            throw ValidationError("--validators must add up to 1 to 256 validators.")
        }
        guard minerCount + validatorCount <= 4096 else { throw ValidationError("at most 4096 UIDs in a simulation.") }
        if let stakes = simulation.stakes, stakes.count != validatorCount {
            throw ValidationError("--stakes lists \(stakes.count) stakes for \(validatorCount) validators.")
        }
    }

    /// The simulation the options describe.
    func scenario() throws -> Simulation {
        func counted<S>(_ text: String, _ option: String, _ parse: (String) throws -> S) throws -> [(S, Int)] {
            try text.split(separator: ",").map { item in
                let parts = item.split(separator: ":", maxSplits: 1).map(String.init)
                guard parts.count == 2, let count = Int(parts[1]), count >= 0 else {
                    throw ValidationError("--\(option): '\(item)' must be STRATEGY:COUNT, e.g. honest:4.")
                }
                do {
                    return (try parse(parts[0]), count)
                } catch {
                    throw ValidationError("--\(option): \(error)")
                }
            }
        }
        let minerList = try counted(miners, "miners") { try MinerStrategy(parsing: $0) }
        let validatorList = try counted(validators, "validators") { try ValidatorStrategy(parsing: $0) }
        let variants = try compare.split(separator: ",").map { name in
            do {
                return try ConsensusVariant(parsing: String(name))
            } catch {
                throw ValidationError("--compare: \(error)")
            }
        }
        guard !variants.isEmpty else { throw ValidationError("--compare needs at least one variant.") }
        var stakeList: [UInt64]?
        switch stakes {
        case nil: break
        case "equal"?:
            stakeList = Array(repeating: 1_000_000_000, count: validatorList.map(\.1).reduce(0, +))
        case let text?:
            stakeList = try text.split(separator: ",").map { item in
                guard let tao = Double(item), tao >= 0, tao <= 1e9 else {
                    throw ValidationError("--stakes: '\(item)' is not a stake in TAO.")
                }
                return UInt64((tao * 1e9).rounded())
            }
        }
        var simulation = Simulation(
            epochs: epochs, miners: minerList.map { ($0.0, $0.1) }, validators: validatorList.map { ($0.0, $0.1) },
            stakes: stakeList, variants: variants, seed: seed)
        simulation.wattsPerCore = wattsPerCore
        return simulation
    }

    func run() async throws {
        let simulation = try scenario()
        let report: SimulationReport
        let bar = ProgressBar()
        do {
            let source = try SubnetPlugin.source(at: file)
            report = try await simulation.run(source: source, chunkName: file) { bar.show($0) }
        } catch {
            bar.clear()
            FileHandle.standardError.write(Data("\(error)\n".utf8))
            throw ExitCode(error.sandboxError?.kind.isLimit == true ? 3 : 1)
        }
        bar.clear()
        if let csv {
            try FileManager.default.createDirectory(atPath: csv, withIntermediateDirectories: true)
            for (name, text) in report.csv() {
                try text.write(
                    toFile: (csv as NSString).appendingPathComponent(name), atomically: true, encoding: .utf8)
            }
        }
        if let svg { try report.svg().write(toFile: svg, atomically: true, encoding: .utf8) }
        if json {
            FileHandle.standardOutput.write(try report.json() + Data("\n".utf8))
        } else {
            for line in Self.table(report) { print(line) }
        }
        guard report.honestWins else {
            for variant in report.variants where !variant.honestWins {
                for reason in variant.beatenBy {
                    FileHandle.standardError.write(Data("\(file): under \(variant.name): \(reason)\n".utf8))
                }
            }
            throw ExitCode(1)
        }
    }

    /// The report as people read it: per variant the miners' and validators' tables.
    static func table(_ report: SimulationReport) -> [String] {
        let miners = report.strategies.map(\.miners).reduce(0, +)
        let validators = report.validators.map(\.validators).reduce(0, +)
        var lines = [
            "\(report.plugin) \(report.version): \(report.epochs) epochs (\(report.blocks) blocks, tempo "
                + "\(report.tempo)) · \(validators) validators, \(miners) miners · seed \(report.seed)"
        ]
        for variant in report.variants {
            lines.append("")
            lines.append(
                "\(variant.name) (yuma3 \(variant.yuma3 ? "on" : "off"), liquid alpha \(variant.liquidAlpha ? "on" : "off"))"
            )
            lines += TextTable.lines(
                [["strategy", "miners", "earned (rao)", "share", "per miner (rao)"]]
                    + variant.strategies.map {
                        [
                            $0.strategy, String($0.miners), String($0.earned), String(format: "%.1f%%", $0.share * 100),
                            String(format: "%.0f", $0.perMiner),
                        ]
                    }
            ).map { "  " + $0 }
            lines += TextTable.lines(
                [["validators", "count", "stake (TAO)", "dividends (rao)", "per TAO staked"]]
                    + variant.validators.map {
                        [
                            $0.strategy, String($0.validators), String(format: "%g", Double($0.stake) / 1e9),
                            String($0.dividends), String(format: "%.0f", $0.perStake),
                        ]
                    }
            ).map { "  " + $0 }
            var summary =
                "  miner UIDs earning nothing: \(String(format: "%.0f%%", variant.zeroShare * 100)) · "
                + "Gini of miner earnings: \(String(format: "%.2f", variant.gini))"
            if let monotone = variant.monotone { summary += " · less noise earns more: \(monotone ? "yes" : "no")" }
            lines.append(summary)
            if let cost = variant.cost { lines.append("  cost: " + cost.line) }
            lines.append(
                variant.honestWins
                    ? "  ok: honest work wins"
                    : "  honest work does not win: " + variant.beatenBy.joined(separator: "; "))
        }
        return lines
    }
}

/// A one-line progress bar on a terminal's standard error (nothing when it is not one).
final class ProgressBar: @unchecked Sendable {
    // @unchecked: `shown` is touched under `lock` only.
    private let lock = NSLock()
    private var shown = false
    private let enabled = isatty(STDERR_FILENO) == 1

    func show(_ p: Simulation.Progress) {
        guard enabled else { return }
        let done = Double(p.variantIndex * p.epochs + p.epoch) / Double(max(p.variants * p.epochs, 1))
        let filled = Int(done * 30)
        let bar = String(repeating: "#", count: filled) + String(repeating: ".", count: 30 - filled)
        lock.withLock {
            shown = true
            FileHandle.standardError.write(Data("\r[\(bar)] \(p.variant) epoch \(p.epoch)/\(p.epochs)  ".utf8))
        }
    }

    func clear() {
        lock.withLock {
            guard shown else { return }
            FileHandle.standardError.write(Data("\r\u{1B}[K".utf8))
            shown = false
        }
    }
}
