import ArgumentParser
import Consensus
import Foundation

/// `synod consensus`: one Yuma epoch from JSON, so anyone can check a payout offline.
struct ConsensusCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "consensus",
        abstract: "Compute one Yuma epoch from JSON input and print the result as JSON.",
        discussion: """
            Input: {"current_block", "emission", "stake": [raw per uid], "weights": [[[uid, u16], …] per \
            row], and optionally "bonds", "validator_permit", "last_update", "block_at_registration", \
            "last_tempo_block", "params": {kappa, bonds_moving_average, bonds_penalty, yuma3, …}}. \
            The arithmetic is the chain's Q32.32 fixed point, so the output matches it to the unit. \
            The output's "bonds" and "validator_permit" are the next epoch's input.

            Exit status: 0 success; 1 the epoch could not be computed; 2 bad input (the message \
            names the field and index).
            """
    )

    @Argument(help: "The input JSON file, or - (the default) for standard input.")
    var file: String = "-"

    func run() throws {
        let data: Data
        if file == "-" {
            data = FileHandle.standardInput.readDataToEndOfFile()
        } else {
            guard let d = FileManager.default.contents(atPath: file) else {
                throw ValidationError("cannot read '\(file)': no such file, or it is not readable.")
            }
            data = d
        }
        let input: EpochInput
        do {
            input = try EpochJSON.input(from: data)
        } catch let failure as EpochJSON.Failure {
            throw ValidationError(failure.description)
        }
        do {
            print(EpochJSON.output(try Yuma.epoch(input)))
        } catch {
            FileHandle.standardError.write(Data("Error: \(error.message)\n".utf8))
            throw ExitCode(2)
        }
    }
}
