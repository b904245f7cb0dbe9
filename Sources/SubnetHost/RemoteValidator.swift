public import ChainAPI
import Foundation
public import Ledger
import Logging
import SynodChain
public import Wire

/// `synod validate`: one validator on a remote chain. It follows the chain's blocks, runs
/// the subnet's plugin — the release in force, switched at the release's block — queries the
/// subnet's miners wherever they serve, and sets its weights on the chain, through the one
/// ``ValidatorStep``. Its state lives in its own data folder (a ledger: the plugin's store,
/// weights waiting to be revealed, round records; its secret), so a restart or a crash
/// loses nothing.
public final class RemoteValidator: Sendable {
    public struct Configuration: Sendable {
        /// The chain's API (`http://HOST:PORT`).
        public var chainURL: String
        /// The chain's hotkey: requests are addressed to it, releases signed for it.
        public var chainHotkey: SS58Address
        public var netuid: Int
        /// The validator's own folder: `synod.sqlite` and `secrets/`.
        public var dataDirectory: String
        /// Stop after this many blocks (nil: until cancelled or signalled).
        public var blocks: UInt64?
        /// The version key sent with weights (nil: the subnet's `weights_version` when it starts).
        public var versionKey: UInt64?

        public init(
            chainURL: String, chainHotkey: SS58Address, netuid: Int, dataDirectory: String = ".synod-validator",
            blocks: UInt64? = nil, versionKey: UInt64? = nil
        ) {
            self.chainURL = chainURL
            self.chainHotkey = chainHotkey
            self.netuid = netuid
            self.dataDirectory = dataDirectory
            self.blocks = blocks
            self.versionKey = versionKey
        }
    }

    public let configuration: Configuration
    public let ledger: Ledger
    public let chain: RemoteChain
    let signer: any PayloadSigner
    let log: @Sendable (String) -> Void

    /// Opens (creating) the validator's data folder; `signer` holds its hotkey.
    public init(
        _ configuration: Configuration, signer: any PayloadSigner, log: @escaping @Sendable (String) -> Void
    ) throws {
        self.configuration = configuration
        self.signer = signer
        self.log = log
        (ledger, chain) = try RemoteParticipant.open(
            dataDirectory: configuration.dataDirectory, chainURL: configuration.chainURL,
            chainHotkey: configuration.chainHotkey, signer: signer)
    }

    /// What one run did (tests and the closing line read it).
    public struct Summary: Sendable {
        public var blocks = 0
        public var rounds = 0
        public var weightsSet = 0
        /// The block at which each version started running here, in order.
        public var versions: [(sha256: String, block: UInt64)] = []
    }

    /// Follows the chain until `blocks` have passed or the task is cancelled.
    public func run() async throws -> Summary {
        let c = configuration
        let hotkey = signer.address.string
        let tracker = ReleaseTracker(chain: chain, netuid: c.netuid, ledger: ledger, reports: true, log: log)
        let dendrite = Dendrite(signer: signer)
        defer { Task { try? await dendrite.shutdown() } }
        let journal = LedgerRoundJournal(ledger: ledger)
        // The version in force now, before the first block.
        var metagraph = try await chain.metagraph(netuid: c.netuid)
        let step = ValidatorStep(
            hotkey: hotkey, versionKey: c.versionKey ?? metagraph.subnet.config.weightsVersion,
            failures: RateLimitedLogger(logger: Logger(label: "synod.validator"), interval: .seconds(60)),
            secret: try ValidatorSecret.stored(dataDirectory: c.dataDirectory, hotkey: hotkey),
            reveals: LedgerPendingReveals(ledger: ledger), journal: journal)
        let miners = DendriteMiners(dendrite: dendrite)
        guard metagraph.neuron(hotkey: hotkey) != nil else {
            throw ChainError(
                .notFound,
                "\(hotkey) is not registered on subnet \(c.netuid) of \(c.chainURL); register it "
                    + "(synod validate --register) and ask the operator to stake it (synod stake)")
        }
        var summary = Summary()
        var runtime: SubnetRuntime?
        var backoff: (until: UInt64, wait: UInt64) = (0, 0)
        let blocks = chain.blocks()
        runtime = try await tracker.switchIfDue(runtime, owner: metagraph.subnet.owner, block: metagraph.block)
        if let runtime { summary.versions.append((await runtime.definition.sha256, metagraph.block)) }
        log(
            "synod validate: \(hotkey) on subnet \(c.netuid) of \(c.chainURL) (head \(metagraph.block))"
                + (runtime == nil ? "; waiting for the subnet's first release" : "") + " · data \(c.dataDirectory)")
        for await block in blocks {
            if Task.isCancelled { break }
            summary.blocks += 1
            // `break work` ends this block's work; the limit below is checked after every block.
            work: do {
                metagraph = try await chain.metagraph(netuid: c.netuid)
                let before = await runtime?.definition.sha256
                runtime = try await tracker.switchIfDue(runtime, owner: metagraph.subnet.owner, block: block.number)
                if let now = await runtime?.definition.sha256, now != before {
                    summary.versions.append((now, block.number))
                }
                guard let runtime else { break work }
                for record in block.epochs where record.netuid == c.netuid {
                    do {
                        try await runtime.onEpoch(record, neurons: metagraph.neurons)
                    } catch {
                        log("block \(record.block): on_epoch failed: \(error)")
                    }
                }
                guard block.number >= backoff.until, await step.nextWork(metagraph) <= metagraph.block else {
                    break work
                }
                do {
                    let report = try await step.act(
                        netuid: c.netuid, plugin: await runtime.plugin, chain: chain, miners: miners,
                        metagraph: metagraph)
                    backoff = (0, 0)
                    try? journal.flush()
                    if let report {
                        summary.rounds += 1
                        if report.weightsSet { summary.weightsSet += 1 }
                        log(
                            "block \(report.block): \(report.outcome) · \(report.valid)/\(report.uids.count) "
                                + "answers valid")
                    }
                } catch {
                    // As synod up's validators: wait 1, 2, 4 … up to 64 blocks before trying again.
                    let wait = min(max(backoff.wait * 2, 1), 64)
                    backoff = (block.number + wait, wait)
                    try? journal.flush()
                    log("block \(block.number): the validator step failed (next try in \(wait) block(s)): \(error)")
                }
            } catch {
                log("block \(block.number): \(error.message)")
            }
            if let limit = c.blocks, UInt64(summary.blocks) >= limit { break }
        }
        return summary
    }
}
