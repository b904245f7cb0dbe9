import Foundation
import SimLab
import SubnetHost
import Testing

/// Each bundled subnet, in the lab: honest miners out-earn every dishonest strategy and
/// honest validators out-earn a copier.
@Suite("The bundled subnets in the lab")
struct BundledSubnetsTests {
    @Test(arguments: ["forecast", "embed", "proof-of-compute", "storage", "echo-sum", "sort"])
    func honestWorkWins(plugin: String) async throws {
        let report = try await Simulation(
            epochs: 4, validators: [(.honest, 3), (.copier, 1)], stakes: [1e9, 1e9, 1e9, 1e9].map { UInt64($0) }
        ).run(source: try bundled(plugin), chunkName: "plugins/\(plugin).lua")
        let v = report.variants[0]
        #expect(report.honestWins, "\(plugin): \(v.beatenBy)")
        #expect(
            Set(v.strategies.map(\.strategy)) == [
                "honest", "noisy@0.1", "stale", "copycat", "lazy@0.5", "garbage", "offline",
            ])
        #expect(v.line("honest")!.perMiner > 0)
    }
}
