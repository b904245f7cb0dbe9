import SubnetHost
import Synchronization
import Wire

/// The previous epoch's consensus, by UID: what a copier copies.
final class LastConsensus: Sendable {
    private let values = Mutex<[Double]>([])

    func update(_ consensus: [Double]) { values.withLock { $0 = consensus } }

    var current: [Double] { values.withLock { $0 } }
}

/// Sets the previous epoch's consensus as its weights (zeros before the first epoch).
struct CopierPolicy: WeightPolicy {
    let consensus: LastConsensus

    func weights(_ report: ValidatorStep.Report) -> [Double] {
        let copied = consensus.current
        return report.uids.map { $0 < copied.count ? copied[$0] : 0 }
    }
}

/// Sends the weights of its first round forever after.
final class StalePolicy: WeightPolicy {
    private let first = Mutex<[Int: Double]?>(nil)

    func weights(_ report: ValidatorStep.Report) -> [Double] {
        let kept = first.withLock { first in
            if first == nil { first = Dictionary(zip(report.uids, report.weights)) { a, _ in a } }
            return first!
        }
        return report.uids.map { kept[$0] ?? 0 }
    }
}

/// Seeded random weights, fresh each round.
struct LazyPolicy: WeightPolicy {
    let seed: UInt64
    let hotkey: String

    func weights(_ report: ValidatorStep.Report) -> [Double] {
        var state = SHA256.digest(Array("\(seed)/\(hotkey)/lazy-weights/\(report.block)".utf8)).prefix(8)
            .reduce(UInt64(0)) { ($0 << 8) | UInt64($1) }
        return report.uids.map { _ in
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return Double((z ^ (z >> 31)) >> 11) * 0x1p-53
        }
    }
}

/// All its weight on one UID.
struct ColluderPolicy: WeightPolicy {
    let target: Int

    func weights(_ report: ValidatorStep.Report) -> [Double] { report.uids.map { $0 == target ? 1 : 0 } }
}
