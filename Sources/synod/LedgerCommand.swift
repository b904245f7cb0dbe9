import ArgumentParser
import Consensus
import Foundation
import Ledger
import SynodChain

/// `synod ledger`: operate on a ledger file.
struct LedgerCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ledger",
        abstract: "Inspect or exercise a Synod ledger (an SQLite file).",
        subcommands: [Demo.self, Check.self, Show.self]
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

        @OptionGroup var ledgerLocation: LedgerLocation

        @Option(help: "How many epochs to run.")
        var epochs: Int = 10

        @Option(help: "Validators on the demonstration subnet.")
        var validators: Int = 16

        @Option(help: "Miners on the demonstration subnet.")
        var miners: Int = 48

        func run() throws {
            let ledger = try ledgerLocation.openOrCreate()
            let chain = LocalChain(ledger: ledger, emissionPerEpoch: 1_000_000_000)
            var config = SubnetConfig()
            config.weightsRateLimit = 0
            config.maxAllowedUIDs = validators + miners
            var block = UInt64(1)
            if (try? ledger.createSubnet(netuid: 1, name: "demo", owner: "owner", config: config)) != nil {
                for v in 0..<validators {
                    try chain.join(
                        netuid: 1, hotkey: "validator-\(v)", coldkey: "cold-\(v)",
                        stake: UInt64(1_000_000_000 + v * 1000),
                        validatorPermit: true)
                }
                for m in 0..<miners { try chain.join(netuid: 1, hotkey: "miner-\(m)", coldkey: "cold-m\(m)") }
            }
            block = UInt64(try ledger.totals().epochs) * 10 + 10
            var state: UInt64 = block
            for _ in 0..<epochs {
                try ledger.setChainHead(block)
                for v in 0..<validators {
                    let values = (0..<miners).map { _ -> UInt16 in
                        state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
                        return UInt16(truncatingIfNeeded: state >> 48)
                    }
                    try? chain.setWeights(
                        netuid: 1, hotkey: "validator-\(v)", uids: Array(validators..<(validators + miners)),
                        values: values)
                }
                let record = try chain.settleEpoch(netuid: 1, block: block)
                print("epoch at block \(block): credited \(record.ownerCut + record.credited), dust \(record.dust)")
                block += 10
            }
        }
    }

    /// Audits a ledger: SQLite's integrity check and the emission accounting.
    struct Check: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check a ledger's integrity and that every emitted rao is accounted for.",
            discussion: """
                With --recompute, every recorded epoch's input is run through Yuma again and \
                must give the recorded output to the last unit (the payouts are reproducible).

                Exit status: 0 sound; 1 a check failed (the message says which); 2 bad usage.
                """
        )

        @OptionGroup var ledgerLocation: LedgerLocation

        @Flag(help: "Recompute every recorded epoch and compare it with its record.")
        var recompute = false

        func run() throws {
            let ledger = try ledgerLocation.open()
            let integrity = try ledger.integrityCheck()
            let t = try ledger.totals()
            var line =
                "integrity: \(integrity); epochs: \(t.epochs); emitted: \(t.emitted); credited: \(t.credited); dust: \(t.dust); balances: \(t.balances)"
            if recompute { line += "; recomputed: \(try recomputeEpochs(ledger))" }
            print(line)
            guard integrity == "ok" else { throw ExitCode(1) }
            guard t.emitted == t.credited + t.dust, t.balances == t.credited else {
                FileHandle.standardError.write(Data("Error: the accounting does not balance\n".utf8))
                throw ExitCode(1)
            }
        }

        /// Runs every recorded epoch again; returns how many matched, or exits 1 at the first
        /// that does not.
        func recomputeEpochs(_ ledger: Ledger) throws -> Int {
            var matched = 0
            for subnet in try ledger.subnets() {
                for block in try ledger.epochBlocks(netuid: subnet.netuid) {
                    guard let record = try ledger.epoch(netuid: subnet.netuid, block: block) else { continue }
                    let problem: String?
                    do {
                        let input = try EpochJSON.input(from: Data(record.input.utf8))
                        let output = EpochJSON.output(try Yuma.epoch(input))
                        problem = output == record.output ? nil : "the recorded output differs from the recomputed one"
                    } catch {
                        problem = "the recorded input cannot be computed (\(error))"
                    }
                    if let problem {
                        FileHandle.standardError.write(
                            Data("Error: subnet \(subnet.netuid), epoch at block \(block): \(problem)\n".utf8))
                        throw ExitCode(1)
                    }
                    matched += 1
                }
            }
            return matched
        }
    }

    /// Prints the subnets, or one subnet's UIDs.
    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show a ledger's subnets, or the UIDs of one subnet.",
            discussion: """
                Without --netuid: one line per subnet (netuid, name, UIDs, tempo, last epoch, \
                plugin). With --netuid: one line per UID (stake and emission in raw units).
                """
        )

        @OptionGroup var ledgerLocation: LedgerLocation

        @Option(help: "Show this subnet's UIDs.")
        var netuid: Int?

        @Flag(help: "Print JSON instead of a table.")
        var json = false

        func run() throws {
            let ledger = try ledgerLocation.open()
            let rows: [[String: Any]]
            let columns: [String]
            do {
                if let netuid {
                    columns = ["uid", "hotkey", "stake", "permit", "emission", "registered", "updated", "endpoint"]
                    rows = try ledger.neurons(netuid: netuid).map {
                        [
                            "uid": $0.uid, "hotkey": $0.hotkey, "stake": $0.stake, "permit": $0.validatorPermit,
                            "emission": $0.emission, "registered": $0.registeredAt, "updated": $0.lastUpdate,
                            "endpoint": $0.endpoint ?? "",
                        ]
                    }
                } else {
                    columns = ["netuid", "name", "uids", "tempo", "last_epoch", "plugin"]
                    rows = try ledger.subnets().map {
                        [
                            "netuid": $0.netuid, "name": $0.name, "uids": $0.neuronCount, "tempo": $0.config.tempo,
                            "last_epoch": $0.lastEpochBlock, "plugin": $0.plugin ?? "",
                        ]
                    }
                }
            } catch let error as LedgerError {
                throw ValidationError(error.message + ".")
            }
            if json {
                let data = try JSONSerialization.data(
                    withJSONObject: rows, options: [.sortedKeys, .withoutEscapingSlashes])
                print(String(decoding: data, as: UTF8.self))
                return
            }
            let cells = rows.map { row in columns.map { "\(row[$0] ?? "")" } }
            for line in TextTable.lines([columns] + cells) { print(line) }
        }
    }
}
