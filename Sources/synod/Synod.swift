import ArgumentParser

/// The `synod` command-line tool.
@main
struct Synod: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "synod",
        abstract: "Run Bittensor-style subnets written as sandboxed Lua plugins.",
        discussion: """
            Each subnet's task, scoring and reward rules are one Lua 5.4 script, run in a \
            sandbox with a memory cap and per-call instruction and time budgets.
            """,
        version: "0.1.0",
        subcommands: [Exec.self]
    )
}
