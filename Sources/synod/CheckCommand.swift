import ArgumentParser
import Consensus
import Foundation
import Ledger
import Logging
import LuaSandbox
import SubnetHost

/// `synod check`: load a plugin the way the host will, and report what it declares.
struct CheckCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Load a subnet plugin as the host would and report its contract.",
        discussion: """
            The file runs once in a fresh sandbox and must return `subnet { … }`. Checked: \
            the name and version; 'task', 'score' and 'reward' are functions, and the optional \
            hooks ('miner', 'validate', 'on_load', 'migrate', 'on_epoch', 'consensus') are \
            functions when present; 'tempo' (blocks) and 'timeout' (seconds) are in range; \
            every hyperparameter is known and in range. Hyperparameters are printed in the \
            chain's units (u16 proportions, millionths, blocks).

            Then one validator step runs on simulated miners: four answer with the plugin's \
            reference 'miner', two stay silent, one sends garbage (through 'validate'). The \
            weights from 'reward' must sum to 1 (or all be 0), and no silent or garbage miner \
            may earn more than an honest one.

            Exit status: 0 the plugin loads; 1 it does not (the message says where and why); \
            3 it hit a sandbox limit while loading; 2 bad usage.
            """
    )

    @Argument(help: "The plugin file.")
    var file: String

    @Flag(help: "Print {\"ok\":true,\"subnet\":{…}} or {\"ok\":false,\"error\":{…}} on standard output.")
    var json = false

    func run() async throws {
        var logger = Logger(label: "synod.check") { StreamLogHandler.standardError(label: $0) }
        logger.logLevel = .info
        let plugin: PluginHost
        let report: SelfCheckReport
        do {
            plugin = try await PluginHost.load(path: file, logger: logger)
            report = try await plugin.selfCheck()
        } catch {
            if json {
                print(try jsonText(["ok": false, "error": ["location": error.location, "message": error.message]]))
            } else {
                FileHandle.standardError.write(Data("\(error)\n".utf8))
            }
            throw ExitCode(error.sandboxError?.kind.isLimit == true ? 3 : 1)
        }
        let d = plugin.definition
        // Under the names plugins write, in the chain's units.
        let hyperparameters: [(String, Any)] = Hyperparameters.chainValues(of: d.config).map { name, value in
            switch value {
            case .boolean(let b): (name, b)
            case .integer(let i): (name, Int(i))
            default: (name, NSNull())
            }
        }
        let hookOrder = PluginContract.hooks.map(\.name)
        if json {
            let subnet: [String: Any] = [
                "name": d.name, "version": d.version, "sha256": d.sha256, "tempo": d.config.tempo,
                "timeout": d.timeout, "hooks": d.hooks,
                "hyperparameters": Dictionary(uniqueKeysWithValues: hyperparameters),
                "self_check": report.groups.map {
                    ["miners": $0.label, "count": $0.count, "score": $0.score, "weight": $0.weight] as [String: Any]
                },
            ]
            print(try jsonText(["ok": true, "subnet": subnet]))
            return
        }
        print("\(file): \(d.name) \(d.version) (sha256 \(d.sha256.prefix(12)))")
        print("  tempo \(d.config.tempo) blocks; miners answer within \(formatSeconds(d.timeout))")
        print("  hooks: " + hookOrder.compactMap { h in d.hooks[h].map { "\(h) (\($0))" } }.joined(separator: ", "))
        print("  hyperparameters (chain units): " + hyperparameters.map { "\($0.0) \($0.1)" }.joined(separator: ", "))
        let miners = report.groups.map(\.count).reduce(0, +)
        print(
            "  self-check (block \(report.context.block), \(miners) simulated miners): "
                + report.groups.map {
                    "\($0.count) \($0.label): score \(format($0.score)), weight \(format($0.weight))"
                }.joined(separator: "; "))
        print("ok")
    }

    private func format(_ x: Double) -> String {
        x.rounded() == x ? "\(Int(x))" : String(format: "%.4g", x)
    }

    private func formatSeconds(_ s: Double) -> String {
        s.rounded() == s ? "\(Int(s)) s" : "\(s) s"
    }

    private func jsonText(_ object: [String: Any]) throws -> String {
        String(
            decoding: try JSONSerialization.data(
                withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes]), as: UTF8.self)
    }
}
