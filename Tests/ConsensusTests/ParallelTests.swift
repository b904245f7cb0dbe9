import Dispatch
import Testing

@testable import Consensus

/// The worker pool runs every part of every step exactly once, step after step, and a
/// second caller while it is busy does its own parts: results never depend on who ran them.
@Suite("Parallel")
struct ParallelTests {
    @Test func everyPartRunsOnceInEveryStep() {
        for parts in [1, 2, 3, 7, 16] {
            for _ in 0..<500 {
                var runs = [Int](repeating: 0, count: parts)
                runs.withUnsafeMutableBufferPointer { runs in
                    Parallel.run(parts: parts) { part in runs[part] += 1 }
                }
                #expect(runs == [Int](repeating: 1, count: parts))
                if runs != [Int](repeating: 1, count: parts) { return }
            }
        }
    }

    @Test func concurrentCallersEachGetTheirParts() {
        let results = UnsafeMutablePointer<Int>.allocate(capacity: 8 * 64)
        defer { results.deallocate() }
        results.initialize(repeating: 0, count: 8 * 64)
        let shared = UncheckedPointer(results)
        DispatchQueue.concurrentPerform(iterations: 8) { caller in
            for step in 0..<200 {
                Parallel.run(parts: 4) { part in shared.pointer[caller * 64 + part] += step }
            }
        }
        let expected = (0..<200).reduce(0, +)
        for caller in 0..<8 {
            for part in 0..<4 { #expect(results[caller * 64 + part] == expected, "caller \(caller) part \(part)") }
        }
    }

    @Test func splitCoversTheRangeInOrder() {
        let weights = [0, 5, 5, 9, 20, 21, 40]
        let ranges = Parallel.split(6, parts: 3) { weights[$0] }
        #expect(ranges.first?.lowerBound == 0)
        #expect(ranges.last?.upperBound == 6)
        #expect(zip(ranges, ranges.dropFirst()).allSatisfy { $0.upperBound == $1.lowerBound })
    }

    struct UncheckedPointer: @unchecked Sendable {
        let pointer: UnsafeMutablePointer<Int>
        init(_ pointer: UnsafeMutablePointer<Int>) { self.pointer = pointer }
    }
}
