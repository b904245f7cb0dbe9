import Consensus
import Foundation
import Ledger

extension EpochJSONRecord {
    /// The epoch recomputed from its recorded input, with the intermediate steps: the same
    /// input gives the same output, to the unit.
    func recomputed(netuid: Int) throws(ReportError) -> (input: EpochInput, output: EpochOutput, trace: EpochTrace) {
        do {
            let input = try EpochJSON.input(from: Data(self.input.utf8))
            let (output, trace) = try Yuma.epochWithTrace(input)
            return (input, output, trace)
        } catch {
            throw ReportError("the epoch at block \(block) of subnet \(netuid) cannot be recomputed: \(error)")
        }
    }
}
