import Foundation
public import Ledger
import Synchronization

/// What one subnet's plugin costs its host: every hook call's thread CPU time, Lua
/// instructions and peak sandbox memory, and the miners' answers (latency, bytes). It
/// outlives plugin versions (a reload keeps counting into it); ``take(block:)`` closes an
/// epoch's window into a ``CostRecord``.
///
/// Every hook call reaches it through ``SubnetPlugin``'s single entry point, so nothing the
/// plugin runs for the host goes uncounted; calls in a version's self-check are not the
/// subnet's work and are not counted.
public final class CostMeter: Sendable {
    public let netuid: Int
    /// Watts one busy core draws: the energy estimate is CPU seconds × this.
    public let wattsPerCore: Double
    private let window = Mutex<(hooks: [String: HookCost], answers: AnswerCost)>(([:], AnswerCost()))
    private let observer: @Sendable (String, HookCost) -> Void

    /// The default of `--watts-per-core`: an Intel Xeon Platinum 8380 (Ice Lake-SP, a common
    /// cloud server CPU) is rated 270 W TDP for 40 cores, 6.75 W per core at full load. It
    /// counts the CPU package only: not memory, disks, power supply or cooling.
    public static let defaultWattsPerCore = 6.75

    /// - Parameter observer: told of each hook call as it ends (the host's `/metrics`).
    public init(
        netuid: Int, wattsPerCore: Double = CostMeter.defaultWattsPerCore,
        observer: @escaping @Sendable (String, HookCost) -> Void = { _, _ in }
    ) {
        self.netuid = netuid
        self.wattsPerCore = wattsPerCore
        self.observer = observer
    }

    /// One hook call ended.
    public func hook(_ name: String, _ cost: HookCost) {
        window.withLock { $0.hooks[name, default: HookCost()].add(cost) }
        observer(name, cost)
    }

    /// Answers a validator's round received (or did not).
    public func answers(_ cost: AnswerCost) {
        window.withLock { $0.answers.add(cost) }
    }

    /// What was counted since the last epoch, as that epoch's record; starts a new window.
    public func take(block: UInt64) -> CostRecord {
        let (hooks, answers) = window.withLock { state in
            defer { state = ([:], AnswerCost()) }
            return state
        }
        return CostRecord(netuid: netuid, block: block, hooks: hooks, answers: answers, wattsPerCore: wattsPerCore)
    }

}

/// CPU time the calling thread has used, for timing a Lua call on its own thread.
enum ThreadCPUClock {
    static func seconds() -> Double {
        var now = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &now)
        return Double(now.tv_sec) + Double(now.tv_nsec) / 1e9
    }
}
