public import Hummingbird
import Ledger
public import Logging
import Prometheus
public import ServiceLifecycle
import Synchronization
import Wire

/// What `synod up` counts, in Prometheus' text format at `GET /metrics`.
///
/// - `synod_block`: the chain head.
/// - `synod_epochs_total{netuid}`, `synod_emitted_rao_total{netuid}`.
/// - `synod_plugin_versions_total{netuid,outcome}`: outcome `loaded`, `reloaded`, `rejected`.
/// - `synod_validator_steps_total{netuid}`, `synod_validator_step_failures_total{netuid}`.
/// - `synod_late_blocks_total`, `synod_last_block_lateness_seconds`: the block schedule slipping.
/// - `synod_skipped_blocks_total{netuid}`: blocks a subnet's validators skipped (overrun).
/// - `synod_miner_answers_total{netuid,result}`: result `valid`, `invalid` (not JSON, or
///   refused by `validate`), `missing` (refused, timed out or unreachable).
/// - What plugins cost (``CostMeter``): `synod_hook_calls_total{netuid,hook}`,
///   `synod_cpu_seconds_total{netuid,hook}` (thread CPU time of the Lua calls),
///   `synod_lua_instructions_total{netuid,hook}`, `synod_sandbox_peak_memory_bytes{netuid,hook}`
///   (the most one call held), `synod_energy_joules_total{netuid}` (CPU seconds × watts per
///   core), and the answers: `synod_answer_bytes_total{netuid}`,
///   `synod_answer_latency_seconds_total{netuid}` (divide by the valid and invalid answers
///   for a mean).
public final class HostMetrics: Sendable {
    let registry = PrometheusCollectorRegistry()
    /// The largest peak per (netuid, hook) so far: the gauge shows the maximum.
    private let peaks = Mutex<[String: Int]>([:])

    public init() {}

    func block(_ value: UInt64) {
        registry.makeGauge(descriptor: Self.name("block", unit: "", help: "The local chain's head block."))
            .set(Double(value))
    }

    func epoch(netuid: Int, emitted: UInt64) {
        let labels = [("netuid", String(netuid))]
        counter("epochs", "Epochs run.", labels).increment()
        counter("emitted_rao", "Rao emitted by epochs.", labels).increment(by: Int64(clamping: emitted))
    }

    func pluginVersion(netuid: Int, outcome: String) {
        counter(
            "plugin_versions", "Plugin versions met, by what happened to them.",
            [("netuid", String(netuid)), ("outcome", outcome)]
        ).increment()
    }

    func validatorStep(netuid: Int, failed: Bool) {
        let labels = [("netuid", String(netuid))]
        counter("validator_steps", "Validator steps run.", labels).increment()
        if failed { counter("validator_step_failures", "Validator steps that failed.", labels).increment() }
    }

    /// A block made later than its time on the schedule (by at least a tenth of a block).
    func lateBlock(by late: Duration) {
        counter("late_blocks", "Blocks made late: the host could not keep the block time.", []).increment()
        let seconds = Double(late.components.seconds) + Double(late.components.attoseconds) / 1e18
        registry.makeGauge(
            descriptor: Self.name("last_block_lateness", unit: "seconds", help: "How late the last late block came.")
        ).set(seconds)
    }

    /// A subnet skipped a block: its validators were still busy with an earlier one.
    func skippedBlock(netuid: Int) {
        counter(
            "skipped_blocks", "Blocks a subnet's validators skipped because the last step overran.",
            [("netuid", String(netuid))]
        ).increment()
    }

    func minerAnswers(netuid: Int, valid: Int, invalid: Int, missing: Int) {
        for (result, count) in [("valid", valid), ("invalid", invalid), ("missing", missing)] where count > 0 {
            counter(
                "miner_answers", "Miner answers seen by the host's validators.",
                [("netuid", String(netuid)), ("result", result)]
            ).increment(by: Int64(count))
        }
    }

    /// One hook call's cost (a ``CostMeter``'s observer).
    func hookCost(netuid: Int, hook: String, _ cost: HookCost, wattsPerCore: Double) {
        let labels = [("netuid", String(netuid)), ("hook", hook)]
        counter("hook_calls", "Plugin hook calls.", labels).increment(by: Int64(cost.calls))
        registry.makeCounter(
            descriptor: Self.name("cpu", unit: "seconds_total", help: "Thread CPU time of plugin hook calls."),
            labels: labels
        ).increment(by: cost.cpuSeconds)
        counter("lua_instructions", "Lua instructions run by plugin hook calls.", labels)
            .increment(by: Int64(clamping: cost.instructions))
        registry.makeCounter(
            descriptor: Self.name(
                "energy", unit: "joules_total",
                help: "Energy estimate of plugin hook calls: CPU seconds × watts per core."
            ), labels: [("netuid", String(netuid))]
        ).increment(by: cost.cpuSeconds * wattsPerCore)
        let key = "\(netuid)/\(hook)"
        let peak = peaks.withLock { peaks in
            peaks[key] = max(peaks[key] ?? 0, cost.peakMemoryBytes)
            return peaks[key] ?? 0
        }
        registry.makeGauge(
            descriptor: Self.name(
                "sandbox_peak_memory", unit: "bytes", help: "The most memory a sandbox held during one hook call."),
            labels: labels
        ).set(Double(peak))
    }

    /// What the miners' answers of a round came to.
    func answerCost(netuid: Int, _ cost: AnswerCost) {
        let labels = [("netuid", String(netuid))]
        counter("answer_bytes", "Bytes of miner answers received.", labels).increment(by: Int64(cost.bytes))
        registry.makeCounter(
            descriptor: Self.name(
                "answer_latency", unit: "seconds_total", help: "Sum of the latencies of miner answers received."),
            labels: labels
        ).increment(by: cost.latencySeconds)
    }

    /// `synod_<name>_total`.
    private func counter(_ name: String, _ help: String, _ labels: [(String, String)]) -> Counter {
        registry.makeCounter(descriptor: Self.name(name, unit: "total", help: help), labels: labels)
    }

    private static func name(_ name: String, unit: String, help: String) -> MetricNameDescriptor {
        MetricNameDescriptor(namespace: "synod", metricName: name, unitName: unit, helpText: help)
    }

    /// The metrics in Prometheus' text exposition format.
    public func render() -> String { registry.emitToString() }

    /// Serves `GET /metrics` on `host:port` until the task is cancelled; `onListening` gets
    /// the bound port (useful with port 0).
    public func serve(
        host: String, port: Int, logger: Logger = Logger(label: "synod.metrics"),
        onListening: @escaping @Sendable (Int) async -> Void = { _ in }
    ) async throws {
        try await service(host: host, port: port, logger: logger, onListening: onListening).runService()
    }

    /// `GET /metrics` as a service for a host's `ServiceGroup`.
    ///
    /// - Parameter routes: more routes on the same port (the chain's API).
    public func service(
        host: String, port: Int, logger: Logger = Logger(label: "synod.metrics"),
        routes: (Router<BasicRequestContext>) -> Void = { _ in },
        onListening: @escaping @Sendable (Int) async -> Void = { _ in }
    ) -> some Service & ApplicationProtocol {
        let router = Router()
        routes(router)
        router.get("/metrics") { _, _ in
            Response(
                status: .ok, headers: [.contentType: "text/plain; version=0.0.4"],
                body: .init(byteBuffer: ByteBuffer(string: self.render())))
        }
        return Application(
            router: router, configuration: .init(address: .hostname(host, port: port), serverName: "synod-metrics"),
            onServerRunning: { channel in await onListening(channel.localAddress?.port ?? 0) },
            logger: DeferredMetadataLogHandler.wrap(logger))
    }
}
