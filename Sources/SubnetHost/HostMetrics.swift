import Hummingbird
public import Logging
import Prometheus
import ServiceLifecycle

/// What `synod up` counts, in Prometheus' text format at `GET /metrics`.
///
/// - `synod_block`: the chain head.
/// - `synod_epochs_total{netuid}`, `synod_emitted_rao_total{netuid}`.
/// - `synod_plugin_versions_total{netuid,outcome}`: outcome `loaded`, `reloaded`, `rejected`.
/// - `synod_validator_steps_total{netuid}`, `synod_validator_step_failures_total{netuid}`.
/// - `synod_miner_answers_total{netuid,result}`: result `valid`, `invalid` (not JSON, or
///   refused by `validate`), `missing` (refused, timed out or unreachable).
public final class HostMetrics: Sendable {
    let registry = PrometheusCollectorRegistry()

    public init() {}

    func block(_ value: UInt64) {
        registry.makeGauge(name: "synod_block", help: "The local chain's head block.").set(Double(value))
    }

    func epoch(netuid: Int, emitted: UInt64) {
        let labels = [("netuid", String(netuid))]
        registry.makeCounter(name: "synod_epochs_total", labels: labels, help: "Epochs run.").increment()
        registry.makeCounter(name: "synod_emitted_rao_total", labels: labels, help: "Rao emitted by epochs.")
            .increment(by: Int64(clamping: emitted))
    }

    func pluginVersion(netuid: Int, outcome: String) {
        registry.makeCounter(
            name: "synod_plugin_versions_total", labels: [("netuid", String(netuid)), ("outcome", outcome)],
            help: "Plugin versions met, by what happened to them."
        ).increment()
    }

    func validatorStep(netuid: Int, failed: Bool) {
        let labels = [("netuid", String(netuid))]
        registry.makeCounter(name: "synod_validator_steps_total", labels: labels, help: "Validator steps run.")
            .increment()
        if failed {
            registry.makeCounter(
                name: "synod_validator_step_failures_total", labels: labels, help: "Validator steps that failed."
            ).increment()
        }
    }

    func minerAnswers(netuid: Int, valid: Int, invalid: Int, missing: Int) {
        for (result, count) in [("valid", valid), ("invalid", invalid), ("missing", missing)] where count > 0 {
            registry.makeCounter(
                name: "synod_miner_answers_total", labels: [("netuid", String(netuid)), ("result", result)],
                help: "Miner answers seen by the host's validators."
            ).increment(by: Int64(count))
        }
    }

    /// The metrics in Prometheus' text exposition format.
    public func render() -> String { registry.emitToString() }

    /// Serves `GET /metrics` on `host:port` until the task is cancelled; `onListening` gets
    /// the bound port (useful with port 0).
    public func serve(
        host: String, port: Int, logger: Logger = Logger(label: "synod.metrics"),
        onListening: @escaping @Sendable (Int) async -> Void = { _ in }
    ) async throws {
        let router = Router()
        router.get("/metrics") { _, _ in
            Response(
                status: .ok, headers: [.contentType: "text/plain; version=0.0.4"],
                body: .init(byteBuffer: ByteBuffer(string: self.render())))
        }
        let app = Application(
            router: router, configuration: .init(address: .hostname(host, port: port), serverName: "synod-metrics"),
            onServerRunning: { channel in await onListening(channel.localAddress?.port ?? 0) }, logger: logger)
        try await app.runService()
    }
}
