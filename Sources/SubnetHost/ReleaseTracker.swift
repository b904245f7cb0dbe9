public import ChainAPI
public import Ledger
import LuaSandbox
public import SynodChain
import Wire

/// Follows a subnet's plugin releases on a remote chain, for a validator or a miner that
/// runs the subnet's plugin: each new release is fetched, its hash and its owner's
/// signature checked, loaded and self-checked in a scratch sandbox as soon as it is
/// published — so by its block it is ready, or known to be refused and why.
///
/// Nothing the chain sends is trusted: a source must hash to the release's SHA-256, and the
/// release must be signed by the subnet's owner for this chain (``ChainRules/releaseSigned(_:chain:)``),
/// so a chain cannot make validators run code the owner did not release.
public actor ReleaseTracker {
    public nonisolated let chain: RemoteChain
    public nonisolated let netuid: Int

    /// What came of checking one release.
    public enum Verdict: Sendable, Equatable {
        /// Checked: the source, ready to switch to at the release's block.
        case ready([UInt8])
        /// Refused, with the reason a person reads.
        case refused(String)
    }

    private var releases: [PluginRelease] = []
    private var verdicts: [String: Verdict] = [:]
    /// The block the running version started at here (what a refusal report says it runs since).
    private var runningSince: UInt64?
    /// The ledger a runtime's store lives in (nil: in memory).
    private let ledger: Ledger?
    /// Whether the chain hears what this runs and refuses (validators do).
    private let reports: Bool
    private let log: @Sendable (String) -> Void

    public init(
        chain: RemoteChain, netuid: Int, ledger: Ledger? = nil, reports: Bool = false,
        log: @escaping @Sendable (String) -> Void = { _ in }
    ) {
        self.chain = chain
        self.netuid = netuid
        self.ledger = ledger
        self.reports = reports
        self.log = log
    }

    /// Checks the chain's new releases and returns the runtime to use at `block`: the one
    /// given, switched to the release in force if that came since (``SubnetRuntime/adopt(source:)``),
    /// or a new one when none ran yet (nil while the subnet has no release in force). A
    /// release refused here (signature, hash, load, self-check) is logged — and reported to
    /// the chain with its reason, for a validator — and the running version stays.
    public func switchIfDue(_ runtime: SubnetRuntime?, owner: String, block: UInt64) async throws(ChainError)
        -> SubnetRuntime?
    {
        let running = await runtime?.definition.sha256
        for (release, reason) in try await refresh(owner: owner) {
            log(reason)
            await report(running: running, since: runningSince ?? block, refused: release, reason)
        }
        guard let (release, verdict) = inForce(at: block), release.sha256 != running,
            case .ready(let source) = verdict
        else { return runtime }
        guard let runtime else {
            do {
                let started = try await SubnetRuntime(
                    netuid: netuid, source: source, chunkName: Self.chunkName(release), ledger: ledger)
                log("block \(block): running release \(release.sha256.prefix(12)) of subnet \(netuid)")
                runningSince = block
                await report(running: release.sha256, since: block, refused: nil, nil)
                return started
            } catch {
                refuse(release.sha256, because: "\(error)")
                log("block \(block): release \(release.sha256.prefix(12)) cannot run here: \(error)")
                await report(running: nil, since: block, refused: release, "\(error)")
                return nil
            }
        }
        switch await runtime.adopt(source: source, chunkName: Self.chunkName(release)) {
        case .reloaded(let from, let to):
            log("block \(block): switched to release \(to.prefix(12)) (was \(from.prefix(12)))")
            runningSince = block
            await report(running: to, since: block, refused: nil, nil)
        case .rejected(let error):
            refuse(release.sha256, because: "\(error)")
            log("block \(block): release \(release.sha256.prefix(12)) refused, the running version stays: \(error)")
            await report(running: running, since: runningSince ?? block, refused: release, "\(error)")
        case .unchanged: break
        }
        return runtime
    }

    /// Tells the chain what this runs (and what it refused); a failure is logged.
    private func report(running: String?, since block: UInt64, refused: PluginRelease?, _ reason: String?) async {
        guard reports else { return }
        // Before any version runs, a refusal still names what it refused.
        let none = String(repeating: "0", count: 64)
        do {
            try await chain.reportVersion(
                netuid: netuid,
                ValidatorVersion(
                    hotkey: chain.signer.address.string, sha256: running ?? none, block: block,
                    refused: refused?.sha256 ?? "",
                    refusedMessage: String(decoding: (reason ?? "").utf8.prefix(2048), as: UTF8.self)))
        } catch {
            log("the chain did not take this version report: \(error.message)")
        }
    }

    /// Reads the chain's releases and checks each one not seen before, for a subnet owned
    /// by `owner`. Returns the releases refused by this call (each once).
    public func refresh(owner: String) async throws(ChainError) -> [(PluginRelease, String)] {
        releases = try await chain.releases(netuid: netuid).releases
        var refused: [(PluginRelease, String)] = []
        for release in releases where verdicts[release.sha256] == nil {
            let verdict = await check(release, owner: owner)
            verdicts[release.sha256] = verdict
            if case .refused(let why) = verdict { refused.append((release, why)) }
        }
        return refused
    }

    /// The release in force at `block` and what its check found (nil before the first).
    public func inForce(at block: UInt64) -> (release: PluginRelease, verdict: Verdict)? {
        guard let release = PluginRelease.inForce(at: block, among: releases),
            let verdict = verdicts[release.sha256]
        else { return nil }
        return (release, verdict)
    }

    /// Marks a release refused after the fact (it passed the check but not the switch).
    public func refuse(_ sha256: String, because reason: String) { verdicts[sha256] = .refused(reason) }

    private func check(_ release: PluginRelease, owner: String) async -> Verdict {
        let name = "release \(release.sha256.prefix(12)) of subnet \(netuid) (block \(release.atBlock))"
        guard release.owner == owner, ChainRules.releaseSigned(release, chain: chain.chainHotkey.string) else {
            return .refused("\(name) is not signed by the subnet's owner \(owner) for this chain; not run")
        }
        let source: [UInt8]
        do {
            source = try await chain.releaseSource(netuid: netuid, sha256: release.sha256)
        } catch {
            return .refused("\(name): its source cannot be fetched: \(error.message)")
        }
        guard SHA256.hex(source) == release.sha256 else {
            return .refused("\(name): the chain sent a source whose SHA-256 is not the release's; not run")
        }
        do {
            let candidate = try await PluginHost.load(
                source: source, chunkName: Self.chunkName(release), netuid: netuid)
            _ = try await candidate.selfCheck(netuid: netuid, block: max(release.atBlock, 1))
        } catch {
            return .refused("\(name) fails to load: \(error)")
        }
        return .ready(source)
    }

    /// How a release's source is named in errors (`file:line` reads `subnet-3@1a2b3c4d5e6f.lua:12`).
    public static func chunkName(_ release: PluginRelease) -> String {
        "subnet-\(release.netuid)@\(release.sha256.prefix(12)).lua"
    }
}
