import ArgumentParser
import Consensus
import Foundation
import Ledger

/// `synod ledger`: operate on a ledger file.
struct LedgerCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ledger",
        abstract: "Inspect or exercise a Synod ledger (an SQLite file).",
        subcommands: [Demo.self, Check.self]
    )

    /// Runs epochs on a demonstration subnet: the ledger's workload, end to end.
    struct Demo: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create a demonstration subnet (if missing) and run epochs on it.",
            discussion: """
                Subnet 1 gets VALIDATORS validators and MINERS miners; each epoch, every validator \
                sets fresh weights and one epoch runs. Each epoch is one transaction: stop the \
                process at any moment and the file holds whole epochs only (see `synod ledger check`).
                """
        )

        @Option(help: "The ledger file (created if missing).")
        var db: String

        @Option(help: "How many epochs to run.")
        var epochs: Int = 10

        @Option(help: "Validators on the demonstration subnet.")
        var validators: Int = 16

        @Option(help: "Miners on the demonstration subnet.")
        var miners: Int = 48

        func run() throws {
            let ledger = try Ledger(path: db)
            var config = SubnetConfig()
            config.weightsRateLimit = 0
            config.maxAllowedUIDs = validators + miners
            var block = UInt64(1)
            if (try? ledger.createSubnet(netuid: 1, name: "demo", owner: "owner", config: config)) != nil {
                for v in 0..<validators {
                    try ledger.register(netuid: 1, hotkey: "validator-\(v)", coldkey: "cold-\(v)", block: 0)
                    try ledger.addStake(netuid: 1, hotkey: "validator-\(v)", amount: UInt64(1_000_000_000 + v * 1000))
                    try ledger.setValidatorPermit(netuid: 1, uid: v, true)
                }
                for m in 0..<miners {
                    try ledger.register(netuid: 1, hotkey: "miner-\(m)", coldkey: "cold-m\(m)", block: 0)
                }
            }
            block = UInt64(try ledger.totals().epochs) * 10 + 10
            var state: UInt64 = block
            for _ in 0..<epochs {
                for v in 0..<validators {
                    let values = (0..<miners).map { _ -> UInt16 in
                        state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
                        return UInt16(truncatingIfNeeded: state >> 48)
                    }
                    try? ledger.setWeights(
                        netuid: 1, hotkey: "validator-\(v)", uids: Array(validators..<(validators + miners)),
                        values: values, block: block)
                }
                let record = try ledger.runEpoch(netuid: 1, block: block, emission: 1_000_000_000)
                print("epoch at block \(block): credited \(record.ownerCut + record.credited), dust \(record.dust)")
                block += 10
            }
        }
    }

    /// Audits a ledger: SQLite's integrity check and the emission accounting.
    struct Check: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check a ledger's integrity and that every emitted rao is accounted for.",
            discussion: "Exit status: 0 sound; 1 a check failed (the message says which)."
        )

        @Option(help: "The ledger file.")
        var db: String

        func run() throws {
            guard FileManager.default.fileExists(atPath: db) else {
                throw ValidationError("no ledger at '\(db)'.")
            }
            let ledger = try Ledger(path: db)
            let integrity = try ledger.integrityCheck()
            let t = try ledger.totals()
            print(
                "integrity: \(integrity); epochs: \(t.epochs); emitted: \(t.emitted); credited: \(t.credited); dust: \(t.dust); balances: \(t.balances)"
            )
            guard integrity == "ok" else { throw ExitCode(1) }
            guard t.emitted == t.credited + t.dust, t.balances == t.credited else {
                FileHandle.standardError.write(Data("Error: the accounting does not balance\n".utf8))
                throw ExitCode(1)
            }
        }
    }
}
