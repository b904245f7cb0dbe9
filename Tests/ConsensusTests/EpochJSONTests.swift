import Consensus
import Foundation
import Testing

/// An epoch's output survives its JSON exactly: the chain API sends settled epochs so.
@Suite("EpochJSON: outputs written and read back")
struct EpochJSONTests {
    @Test func anOutputReadsBackBitForBit() throws {
        var state: UInt64 = 9
        func next() -> UInt64 {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return state >> 33
        }
        let n = 40
        let input = EpochInput(
            currentBlock: 500, emission: 1_000_000_000,
            stake: (0..<n).map { $0 < 8 ? 1_000_000_000 + next() % 1_000_000_000 : 0 },
            weights: (0..<n).map { i in
                i < 8 ? (8..<n).map { SparseEntry(uid: $0, value: UInt16(next() % 65536)) } : []
            })
        let output = try Yuma.epoch(input)
        let read = try EpochJSON.output(from: Data(EpochJSON.output(output).utf8))
        #expect(read == output)
        #expect(throws: (any Error).self) { try EpochJSON.output(from: Data("{\"stake\":[1]}".utf8)) }
    }
}
