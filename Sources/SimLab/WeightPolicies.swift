import SubnetHost
import Synchronization

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
        var state = SeededNumbers.seed("\(seed)/\(hotkey)/lazy-weights/\(report.block)")
        return report.uids.map { _ in SeededNumbers.fraction(SeededNumbers.next(&state)) }
    }
}

/// All its weight on one UID.
struct ColluderPolicy: WeightPolicy {
    let target: Int

    func weights(_ report: ValidatorStep.Report) -> [Double] { report.uids.map { $0 == target ? 1 : 0 } }
}
