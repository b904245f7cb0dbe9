import ArgumentParser
import ChainAPI
import Foundation
import Ledger
import SubnetHost
import SynodChain
import Wire

/// `synod publish`: the subnet owner releases a plugin version to a chain, from a block.
struct PublishCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "publish",
        abstract: "Release a plugin version to a Synod chain: every validator switches to it at --at-block.",
        discussion: """
            Signs a release statement (subnet, block, the file's SHA-256, the chain's hotkey) \
            with the subnet owner's key and sends it with the source. The chain keeps it and \
            serves the source by its hash; every validator fetches it, checks the hash and \
            the owner's signature, loads and self-checks it in the sandbox, and scores with \
            it from --at-block on. A validator that cannot load it keeps its version and tells \
            the chain why (GET /v1/subnets/N/releases shows who runs what).

            --at-block must be after the chain's head and after the subnet's last release; \
            leave the validators a few blocks to fetch and check it. The key is the subnet \
            owner's: for synod up's own subnets, --wallets-dir .synod/wallets --wallet \
            synod-local --hotkey owner.

            Exit status: 0 released; 1 the chain refused (the message says why); 2 bad usage.
            """
    )

    @Argument(help: "The plugin file (.lua).")
    var file: String

    @OptionGroup var chain: ChainOptions
    @OptionGroup var key: KeysCommand.Location

    @Option(name: .customLong("at-block"), help: "The first block scored with this version.")
    var atBlock: UInt64

    func validate() throws { try chain.check() }

    func run() async throws {
        let source: [UInt8]
        do {
            let attributes = try FileManager.default.attributesOfItem(atPath: file)
            let size = (attributes[.size] as? Int) ?? 0
            guard size <= ChainRules.maxReleaseBytes else {
                throw ValidationError(
                    "\(file) is \(size) bytes; a release holds at most \(ChainRules.maxReleaseBytes) bytes.")
            }
            source = Array(try Data(contentsOf: URL(fileURLWithPath: file)))
        } catch let error as ValidationError {
            throw error
        } catch {
            throw ValidationError("cannot read \(file): \(error.localizedDescription)")
        }
        let owner = try key.load()
        let remote = RemoteChain(url: chain.chain, chainHotkey: try chain.chainAddress, signer: owner)
        do {
            let release = try await ReleaseSigner(owner: owner, chain: try chain.chainAddress)
                .release(netuid: chain.netuid, source: source, atBlock: atBlock)
            let kept = try await remote.publish(release, source: source)
            printLine(
                "released \(kept.sha256) (\(source.count) bytes) on subnet \(kept.netuid) from block \(kept.atBlock) "
                    + "(chain head \(kept.publishedBlock)), signed by \(kept.owner)")
        } catch let error as ChainError {
            FileHandle.standardError.write(Data("Error: \(error.message)\n".utf8))
            throw ExitCode(1)
        }
    }
}
