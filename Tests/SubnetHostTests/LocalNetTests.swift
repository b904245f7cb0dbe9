import ChainAPI
import Foundation
import Ledger
import SubnetHost
import SynodChain
import Testing
import Wire

/// `synod up`'s engine on loopback: real axons, signed requests, the ledger, epochs.
@Suite("LocalNet: plugins as subnets on a local chain")
struct LocalNetTests {
    let folder: URL
    let plugins: URL

    init() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("synod-localnet-\(UUID().uuidString)")
        plugins = folder.appendingPathComponent("plugins")
        try FileManager.default.createDirectory(at: plugins, withIntermediateDirectories: true)
        let echo = SubnetPluginTests.root.appendingPathComponent("plugins/echo-sum.lua")
        try FileManager.default.copyItem(at: echo, to: plugins.appendingPathComponent("echo-sum.lua"))
    }

    func configuration(blocks: UInt64) -> LocalNet.Configuration {
        LocalNet.Configuration(
            pluginsDirectory: plugins.path, dataDirectory: folder.appendingPathComponent("data").path,
            blockTime: .milliseconds(10), validators: 2, miners: 3, blocks: blocks, lockstep: true)
    }

    /// A host running in the background (not in lockstep), and its log, read as it comes.
    final class Live {
        let net: LocalNet
        let running: Task<Void, any Error>
        var lines: AsyncStream<String>.Iterator

        init(_ configuration: LocalNet.Configuration) async throws {
            var configuration = configuration
            configuration.lockstep = false
            let (stream, sink) = AsyncStream.makeStream(of: String.self)
            let net = try LocalNet(configuration) { sink.yield($0) }
            self.net = net
            running = Task { try await net.run() }
            lines = stream.makeAsyncIterator()
            _ = await until("synod up:")
        }

        /// The next line containing `text` (nil when the log ends first).
        func until(_ text: String) async -> String? {
            while let line = await lines.next() { if line.contains(text) { return line } }
            return nil
        }
    }

    final class Lines: @unchecked Sendable {
        private let lock = NSLock()
        private var lines: [String] = []
        func add(_ line: String) { lock.withLock { lines.append(line) } }
        var all: [String] { lock.withLock { lines } }
    }

    @Test func honestMinersEarnAndEveryRaoIsAccountedFor() async throws {
        let lines = Lines()
        let net = try LocalNet(configuration(blocks: 45)) { lines.add($0) }
        try await net.run()
        let epochs = lines.all.filter { $0.contains("· epoch:") }
        #expect(epochs.count == 2, "\(lines.all)")
        #expect(epochs.first?.hasPrefix("block 20 · subnet 1 echo-sum · epoch: 1000000000 rao") == true)

        let neurons = try net.ledger.neurons(netuid: 1)
        #expect(neurons.count == 5)
        let miners = neurons.filter { !$0.validatorPermit }
        let validators = neurons.filter(\.validatorPermit)
        #expect(miners.count == 3 && validators.count == 2)
        #expect(miners.allSatisfy { $0.endpoint?.hasPrefix("http://127.0.0.1:") == true })
        // Every reference miner answered every task correctly: equal, positive earnings.
        let earned = try miners.map { try net.ledger.balance(of: $0.hotkey) }
        #expect(earned.allSatisfy { $0 > 0 && $0 == earned[0] }, "\(earned)")
        // Validators' dividends follow their stake (1 : 2).
        let dividends = try validators.map { try net.ledger.balance(of: $0.hotkey) }
        #expect(dividends[1] > dividends[0] && dividends[0] > 0)
        let totals = try net.ledger.totals()
        #expect(totals.emitted == 2_000_000_000)
        #expect(totals.emitted == totals.credited + totals.dust)
        #expect(try net.ledger.pluginVersions(netuid: 1).map(\.outcome) == ["loaded"])
    }

    @Test func aRestartContinuesFromTheChainHeadWithTheSameKeys() async throws {
        let first = try LocalNet(configuration(blocks: 25)) { _ in }
        try await first.run()
        let hotkeys = try first.ledger.neurons(netuid: 1).map(\.hotkey)
        let lines = Lines()
        let second = try LocalNet(configuration(blocks: 20)) { lines.add($0) }
        try await second.run()
        #expect(try second.ledger.neurons(netuid: 1).map(\.hotkey) == hotkeys)
        #expect(lines.all.contains { $0.hasPrefix("block 40 · subnet 1 echo-sum · epoch:") }, "\(lines.all)")
        #expect(try second.ledger.epochBlocks(netuid: 1) == [20, 40])
    }

    @Test func perMinerTasksChallengesAndCommitRevealRunUnderSynodUp() async throws {
        try RoundTaskTests.plugin.write(
            to: plugins.appendingPathComponent("rows.lua"), atomically: true, encoding: .utf8)
        try ValidatorStepScheduleTests.plugin.write(
            to: plugins.appendingPathComponent("hidden.lua"), atomically: true, encoding: .utf8)
        let lines = Lines()
        let net = try LocalNet(configuration(blocks: 32)) { lines.add($0) }
        try await net.run()
        let netuids = Dictionary(uniqueKeysWithValues: try net.ledger.subnets().map { ($0.name, $0.netuid) })
        // rows: every reference miner answered its own task and opened the row it was asked for.
        let rows = try #require(netuids["rows"])
        let recorded = try net.ledger.rounds(netuid: rows, limit: 100)
        #expect(!recorded.isEmpty)
        for round in recorded {
            #expect(round.outcome == "weights set", "\(round)")
            #expect(round.miners.count == 3 && round.miners.allSatisfy { $0.status == "ok" && $0.challenges == 1 })
            #expect(round.miners.allSatisfy { $0.score == 1 && $0.latency != nil }, "\(round.miners)")
        }
        // The miners' own stores hold what they committed to; the validators' store does not.
        let keys = try net.ledger.keys(netuid: rows, prefix: "plugin/").map(\.key)
        #expect(keys.filter { $0.hasPrefix("plugin/reference-miner/") && $0.hasSuffix("/rows") }.count == 3, "\(keys)")
        // hidden: weights were committed, revealed an epoch later, and paid the miners.
        let hidden = try #require(netuids["hidden"])
        #expect(try net.ledger.rounds(netuid: hidden, limit: 100).allSatisfy { $0.outcome == "weights committed" })
        let miners = try net.ledger.neurons(netuid: hidden).filter { !$0.validatorPermit }
        #expect(try miners.allSatisfy { try net.ledger.balance(of: $0.hotkey) > 0 })
        let validators = try net.ledger.neurons(netuid: hidden).filter(\.validatorPermit)
        #expect(validators.allSatisfy { $0.hasWeights })
    }

    @Test(.timeLimit(.minutes(2))) func theChainServesItsAPIOnTheMetricsPort() async throws {
        var c = configuration(blocks: 0)
        c.blocks = nil
        c.blockTime = .milliseconds(50)
        c.metricsPort = 0
        let live = try await Live(c)
        let line = try #require(await live.until("chain API on "))
        // chain API on http://127.0.0.1:PORT/v1/chain (chain hotkey 5…)
        let url = try #require(line.split(separator: " ").first { $0.hasPrefix("http://") }).replacingOccurrences(
            of: "/v1/chain", with: "")
        let hotkey = try SS58Address(String(line.split(separator: " ").last!.dropLast()))
        let miner = try Hotkey.generate(scheme: .sr25519)
        let remote = RemoteChain(url: url, chainHotkey: hotkey, signer: miner)
        let uid = try await remote.register(netuid: 1, hotkey: miner.address.string, coldkey: "cold")
        try await remote.serve(netuid: 1, hotkey: miner.address.string, endpoint: "http://127.0.0.1:9")
        let metagraph = try await remote.metagraph(netuid: 1)
        #expect(metagraph.neurons[uid].hotkey == miner.address.string)
        #expect(metagraph.neurons[uid].endpoint == "http://127.0.0.1:9")
        #expect(try await remote.head() >= metagraph.block)
        live.running.cancel()
        _ = try? await live.running.value
    }

    @Test func aBrokenPluginIsSkippedAndTheOthersRun() async throws {
        try "return subnet {".write(to: plugins.appendingPathComponent("broken.lua"), atomically: true, encoding: .utf8)
        let lines = Lines()
        let net = try LocalNet(configuration(blocks: 21)) { lines.add($0) }
        try await net.run()
        #expect(lines.all.contains { $0.hasPrefix("skipped \(plugins.path)/broken.lua: ") && $0.contains("syntax") })
        #expect(lines.all.contains { $0.contains("echo-sum · epoch:") })
    }

    @Test func aPluginThatLoopsForeverHurtsOnlyItself() async throws {
        // It passes its self-check (block 1), then spins in `score` at block 11: both of its
        // validator steps there hit a sandbox limit; echo-sum's epochs go on.
        let spinner = """
            return subnet { name = "spinner", tempo = 10,
              hyperparameters = { weights_rate_limit = 10 },
              task = function(ctx) return { b = ctx.block } end,
              miner = function(t) return { b = t.b } end,
              validate = function(r, t) return type(r) == "table" and r.b == t.b end,
              score = function(t, r, ctx)
                if ctx.block == 11 then while true do end end
                local s = {}
                for i = 1, #r do s[i] = r[i] and 1 or 0 end
                return s
              end,
              reward = function(s) return s:normalize() end }
            """
        try spinner.write(to: plugins.appendingPathComponent("spinner.lua"), atomically: true, encoding: .utf8)
        let lines = Lines()
        let net = try LocalNet(configuration(blocks: 21)) { lines.add($0) }
        try await net.run()
        #expect(lines.all.contains { $0.hasPrefix("subnet 2 spinner") })
        #expect(
            lines.all.contains {
                // The instruction budget, or on a loaded machine the time limit, whichever
                // stops the loop first: either is the sandbox doing its job.
                $0.contains("subnet 2: a validator step failed (next try in 1 block(s)):")
                    && ($0.contains("instruction limit exceeded") || $0.contains("time limit exceeded"))
            }, "\(lines.all.filter { $0.contains("subnet 2") })")
        #expect(lines.all.contains { $0.hasPrefix("block 20 · subnet 1 echo-sum · epoch:") })
        #expect(net.metrics.render().contains("synod_validator_step_failures_total{netuid=\"2\"}"))
    }

    /// Plugin files come and go while the host runs: a new file becomes a new subnet, an
    /// edit reloads, a removal pauses the subnet (its rows stay), putting it back resumes it.
    @Test(.timeLimit(.minutes(2))) func pluginFilesComeAndGoWhileItRuns() async throws {
        let live = try await Live(configuration(blocks: 1_000_000))
        let (net, running) = (live.net, live.running)
        func until(_ text: String) async -> String? { await live.until(text) }
        let sort = plugins.appendingPathComponent("sort.lua")
        try FileManager.default.copyItem(
            at: SubnetPluginTests.root.appendingPathComponent("plugins/sort.lua"), to: sort)
        #expect(await until("subnet 2 sort (\(sort.path))") != nil)
        let echo = plugins.appendingPathComponent("echo-sum.lua")
        try (String(contentsOf: echo, encoding: .utf8) + "\n-- edited\n").write(
            to: echo, atomically: true, encoding: .utf8)
        #expect(await until("subnet 1: reloaded") != nil)
        try FileManager.default.removeItem(at: sort)
        #expect(await until("subnet 2 paused") != nil)
        #expect(try net.ledger.neurons(netuid: 2).count == 5)
        try FileManager.default.copyItem(
            at: SubnetPluginTests.root.appendingPathComponent("plugins/sort.lua"), to: sort)
        #expect(await until("subnet 2 sort (\(sort.path))") != nil)
        running.cancel()
        _ = try? await running.value
        #expect(try net.ledger.subnets().map(\.netuid) == [1, 2])
    }

    /// Blocks come from the clock the host is given: an hour-long block time, driven by a
    /// test clock, runs 21 blocks at once.
    @Test(.timeLimit(.minutes(2))) func blocksComeFromTheClock() async throws {
        let clock = ManualBlockClock()
        var configuration = configuration(blocks: 21)
        configuration.blockTime = .seconds(3600)
        configuration.clock = clock
        let lines = Lines()
        let net = try LocalNet(configuration) { lines.add($0) }
        let driver = Task {
            while !Task.isCancelled {
                if clock.sleeping > 0 { clock.advance(by: .seconds(3600)) }
                await Task.yield()
            }
        }
        try await net.run()
        driver.cancel()
        #expect(try net.chain.head() == 21)
        #expect(lines.all.contains { $0.hasPrefix("block 20 · subnet 1 echo-sum · epoch:") }, "\(lines.all)")
        #expect(!lines.all.contains { $0.contains("late") })
    }

    /// A version that passes its self-check but fails every round is rolled back to the
    /// version it replaced after three rounds, and the ledger says so.
    @Test(.timeLimit(.minutes(2))) func aVersionThatKeepsFailingIsRolledBack() async throws {
        let live = try await Live(configuration(blocks: 1_000_000))
        let (net, running) = (live.net, live.running)
        func until(_ text: String) async -> String? { await live.until(text) }
        // Armed by its own on_load (which the self-check's scratch store never sees), it fails
        // in every real round.
        let echo = plugins.appendingPathComponent("echo-sum.lua")
        let good = try String(contentsOf: echo, encoding: .utf8)
        let broken = good.replacingOccurrences(
            of: "return subnet {",
            with: """
                return subnet {
                  on_load = function(ctx) store.set("armed", true) end,
                """
        ).replacingOccurrences(
            of: "score = function(task, responses)",
            with: "score = function(task, responses) if store.get(\"armed\") then error(\"armed\") end")
        try broken.write(to: echo, atomically: true, encoding: .utf8)
        #expect(await until("subnet 1: reloaded") != nil)
        let line = await until("rolled back to")
        #expect(line?.contains("every validator round failed in the plugin 3 blocks in a row") == true, "\(line ?? "")")
        running.cancel()
        _ = try? await running.value
        let outcomes = try net.ledger.pluginVersions(netuid: 1).map(\.outcome)
        #expect(outcomes.suffix(2) == ["rolled-back", "restored"], "\(outcomes)")
    }

    @Test func anEmptyFolderIsRefused() async throws {
        try FileManager.default.removeItem(at: plugins.appendingPathComponent("echo-sum.lua"))
        let net = try LocalNet(configuration(blocks: 5)) { _ in }
        await #expect(throws: PluginError.self) { try await net.run() }
    }
}
