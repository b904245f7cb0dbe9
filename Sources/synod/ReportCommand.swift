import ArgumentParser
import ChainAPI
import Foundation
import HostReports
import SynodChain

/// `synod report`: a miner's own report, from the host that runs the subnet.
struct ReportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Ask a Synod host why your hotkey earned what it earned (a miner's own report).",
        discussion: """
            Sends a btauth/1 request signed by the hotkey to the chain API and prints what the \
            host's validators made of its recent answers — per validator: valid, invalid (with \
            the validate reason), missing, scores and weights — its share of the last epochs, \
            and the explain breakdown of the newest. The host answers for the signing hotkey \
            only: no other miner's answers are shown. Miners in other languages send the same \
            signed GET /v1/subnets/NETUID/report (docs/reports.md).

            Exit status: 0 reported; 1 the host refused (the message says why); 2 bad usage.
            """
    )

    @OptionGroup var chain: ChainOptions
    @OptionGroup var key: KeysCommand.Location

    @Flag(help: "Write the report as JSON (schema synod.miner/1).")
    var json = false

    func validate() throws { try chain.check() }

    func run() async throws {
        let remote = RemoteChain(url: chain.chain, chainHotkey: try chain.chainAddress, signer: try key.load())
        let report: MinerReport
        do {
            report = try await remote.minerReport(netuid: chain.netuid)
        } catch {
            FileHandle.standardError.write(Data("Error: \(error.message)\n".utf8))
            throw ExitCode(1)
        }
        if json {
            print(try ReportJSON.encode(report))
        } else {
            for line in report.lines { print(line) }
        }
    }
}
