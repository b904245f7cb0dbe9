import Foundation
import Ledger
import SubnetHost
import Testing

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

@Suite("HostMetrics: what synod up counts, at /metrics")
struct HostMetricsTests {
    @Test func aLocalNetCountsBlocksEpochsAndAnswers() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("synod-metrics-\(UUID().uuidString)")
        let plugins = folder.appendingPathComponent("plugins")
        try FileManager.default.createDirectory(at: plugins, withIntermediateDirectories: true)
        try FileManager.default.copyItem(
            at: SubnetPluginTests.root.appendingPathComponent("plugins/echo-sum.lua"),
            to: plugins.appendingPathComponent("echo-sum.lua"))
        let net = try LocalNet(
            .init(
                pluginsDirectory: plugins.path, dataDirectory: folder.appendingPathComponent("data").path,
                blockTime: .milliseconds(10), validators: 2, miners: 3, blocks: 41, lockstep: true)
        ) { _ in }
        try await net.run()
        let text = net.metrics.render()
        #expect(text.contains("synod_block 41"), "\(text)")
        #expect(text.contains("synod_epochs_total{netuid=\"1\"} 2"))
        #expect(text.contains("synod_emitted_rao_total{netuid=\"1\"} 2000000000"))
        #expect(text.contains("synod_plugin_versions_total{netuid=\"1\",outcome=\"loaded\"} 1"))
        // echo-sum sets weights every 5 blocks: 9 rounds of 2 validators, 3 miners each.
        #expect(text.contains("synod_validator_steps_total{netuid=\"1\"} 18"))
        #expect(text.contains("synod_miner_answers_total{netuid=\"1\",result=\"valid\"} 54"))
        #expect(!text.contains("failures"))
        // What the plugin cost: every hook call of the rounds (not the self-check's calls).
        #expect(text.contains("synod_hook_calls_total{netuid=\"1\",hook=\"score\"} 18"), "\(text)")
        #expect(text.contains("synod_hook_calls_total{netuid=\"1\",hook=\"task\"} 18"))
        for name in [
            "synod_cpu_seconds_total{netuid=\"1\",hook=\"score\"} ", "synod_energy_joules_total{netuid=\"1\"} ",
            "synod_lua_instructions_total{netuid=\"1\",hook=\"score\"} ", "synod_answer_bytes_total{netuid=\"1\"} ",
            "synod_sandbox_peak_memory_bytes{netuid=\"1\",hook=\"score\"} ",
            "synod_answer_latency_seconds_total{netuid=\"1\"} ",
        ] {
            let value = text.split(separator: "\n").first { $0.hasPrefix(name) }.flatMap {
                Double($0.dropFirst(name.count))
            }
            #expect((value ?? 0) > 0, "\(name)")
        }
        // Kept per epoch in the ledger: each window holds whole rounds (3 answers to each score).
        let costs = try net.ledger.costs(netuid: 1)
        #expect(costs.map(\.block) == [20, 40])
        for cost in costs {
            #expect(cost.answers.answered == 3 * (cost.hooks["score"]?.calls ?? 0) && cost.answers.answered > 0)
            #expect(cost.hooks["on_epoch"]?.calls ?? 0 <= 1 && cost.cpuSeconds > 0 && cost.wattsPerCore == 6.75)
        }
    }

    @Test func metricsAreServedOverHTTP() async throws {
        let metrics = HostMetrics()
        let (ports, sink) = AsyncStream.makeStream(of: Int.self)
        let server = Task { try await metrics.serve(host: "127.0.0.1", port: 0) { sink.yield($0) } }
        defer { server.cancel() }
        var iterator = ports.makeAsyncIterator()
        let port = try #require(await iterator.next())
        let url = try #require(URL(string: "http://127.0.0.1:\(port)/metrics"))
        let (data, response) = try await URLSession.shared.data(from: url)
        #expect((response as? HTTPURLResponse)?.statusCode == 200)
        #expect(String(decoding: data, as: UTF8.self) == metrics.render())
    }
}
