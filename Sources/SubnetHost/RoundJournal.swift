public import Ledger
import Synchronization

/// Where a validator's rounds are recorded (``RoundRecord``): what `synod rounds` and
/// `synod explain --round` read.
public protocol RoundJournal: Sendable {
    func record(_ round: RoundRecord)
}

/// Rounds kept in memory, newest last, at most `retention` (a simulation's).
public final class MemoryRoundJournal: RoundJournal {
    public let retention: Int
    private let kept = Mutex<[RoundRecord]>([])

    public init(retention: Int = Ledger.defaultRoundRetention) { self.retention = retention }

    public func record(_ round: RoundRecord) {
        kept.withLock { kept in
            kept.append(round)
            if kept.count > retention { kept.removeFirst(kept.count - retention) }
        }
    }

    public var rounds: [RoundRecord] { kept.withLock { $0 } }
}

/// Rounds written to a host's ledger, with its bounded retention. Rounds are gathered and
/// written together (one transaction per ``flush()``, which the host's block loop calls
/// after each block), so many subnets' rounds cost one write, not one each.
public final class LedgerRoundJournal: RoundJournal {
    public let ledger: Ledger
    public let retention: Int
    private let buffer = Mutex<[RoundRecord]>([])

    public init(ledger: Ledger, retention: Int = Ledger.defaultRoundRetention) {
        self.ledger = ledger
        self.retention = retention
    }

    public func record(_ round: RoundRecord) { buffer.withLock { $0.append(round) } }

    /// Writes the rounds gathered so far. A failed write keeps nothing back: the rounds are
    /// a record, not state, and the next flush starts fresh.
    public func flush() throws {
        let rounds = buffer.withLock { buffer in
            defer { buffer = [] }
            return buffer
        }
        try ledger.recordRounds(rounds, retention: retention)
    }
}
