import ArgumentParser
import Foundation

/// The `synod` command-line tool.
@main
struct Synod: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "synod",
        abstract: "Run Bittensor-style subnets written as sandboxed Lua plugins.",
        discussion: """
            Each subnet's task, scoring and reward rules are one Lua 5.4 script, run in a \
            sandbox with a memory cap and per-call instruction and time budgets.
            """,
        version: "0.1.0",
        subcommands: [
            UpCommand.self, StatusCommand.self, RegisterCommand.self, CheckCommand.self, SimCommand.self,
            ExplainCommand.self, Exec.self, ConsensusCommand.self, LedgerCommand.self, KeysCommand.self,
            SignerCommand.self, StoreCommand.self, RoundsCommand.self, StakeCommand.self,
            ValidateCommand.self, MineCommand.self, PublishCommand.self, ExportCommand.self, ReportCommand.self,
        ]
    )

    /// Exit status for bad usage. swift-argument-parser uses 64 (EX_USAGE); Synod's
    /// commands document 2, the common shell convention, so usage errors are remapped.
    static let usageExitCode: Int32 = 2

    static func main() async {
        var command: any ParsableCommand
        do {
            command = try parseAsRoot()
        } catch {
            exit(after: error)
        }
        do {
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch let error as ValidationError {
            // Thrown while running (bad input found late): the message alone, no usage line.
            FileHandle.standardError.write(Data("Error: \(error.message)\n".utf8))
            Foundation.exit(usageExitCode)
        } catch {
            exit(after: error)
        }
    }

    private static func exit(after error: any Error) -> Never {
        do {
            throw error
        } catch {
            let code = exitCode(for: error)
            let message = fullMessage(for: error)
            if code == .success {
                if !message.isEmpty { print(message) }
                Foundation.exit(0)
            }
            if !message.isEmpty { FileHandle.standardError.write(Data((message + "\n").utf8)) }
            Foundation.exit(code == .validationFailure ? usageExitCode : code.rawValue)
        }
    }
}
