import ArgumentParser
import Foundation
import Ledger
import LuaSandbox
import SubnetHost

/// `synod store`: what a subnet's plugin keeps in its store, read from a host's ledger.
struct StoreCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "store",
        abstract: "Read a subnet's plugin store (list keys, get a value).",
        subcommands: [List.self, Get.self]
    )

    struct Location: ParsableArguments {
        @Option(help: "The data folder of `synod up`.")
        var data = ".synod"

        @Option(help: "The subnet.")
        var netuid: Int

        func store() throws -> LedgerStore {
            let (ledger, _) = try LedgerFile.open(dataDirectory: data)
            guard (try? ledger.subnet(netuid: netuid)) != nil else {
                throw ValidationError("no subnet \(netuid) in \(data); `synod status --data \(data)` lists them.")
            }
            return LedgerStore(ledger: ledger, netuid: netuid)
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List the keys (with their values' sizes), optionally under a prefix.",
            discussion: "`store.miner(hotkey)` keeps a miner's keys under miner/<hotkey>/.")

        @OptionGroup var location: Location

        @Option(help: "Only keys that start with this.")
        var prefix = ""

        func run() throws {
            let keys = try location.store().keys(prefix: prefix)
            guard !keys.isEmpty else {
                print(prefix.isEmpty ? "the store is empty" : "no key starts with '\(prefix)'")
                return
            }
            for line in TextTable.lines([["key", "bytes"]] + keys.map { [$0.key, String($0.bytes)] }) { print(line) }
        }
    }

    struct Get: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print one value as JSON.", discussion: "Exit status: 0 printed; 1 no such key; 2 bad usage.")

        @OptionGroup var location: Location

        @Argument(help: "The key, as the plugin wrote it.")
        var key: String

        func run() throws {
            guard let value = try location.store().value(forKey: key) else {
                FileHandle.standardError.write(Data("no key '\(key)' in subnet \(location.netuid)'s store\n".utf8))
                throw ExitCode(1)
            }
            print(try value.jsonText())
        }
    }
}
