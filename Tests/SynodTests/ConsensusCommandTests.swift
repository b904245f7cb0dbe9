import Foundation
import Testing

@Suite("synod consensus")
struct ConsensusCommandTests {
    static let exampleOne = """
        {"current_block": 1, "emission": 1000000000, "stake": [1000000000, 1000000000, 1000000000, 0, 0],
         "weights": [[[3, 65535], [4, 0]], [[3, 0], [4, 65535]], [[3, 65535], [4, 0]], [], []],
         "last_update": [1, 1, 1, 1, 1]}
        """

    func json(_ text: String) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
    }

    @Test func computesTheWorkedExample() throws {
        let run = try synod(["consensus", "FILE"], file: ("epoch.json", Self.exampleOne))
        #expect(run.status == 0)
        let out = try json(run.stdout)
        #expect(out["emission"] as? [Int] == [250_000_000, 0, 250_000_000, 500_000_000, 0])
        #expect(out["server_emission"] as? [Int] == [0, 0, 0, 500_000_000, 0])
        #expect(out["validator_emission"] as? [Int] == [250_000_000, 0, 250_000_000, 0, 0])
        #expect((out["u16"] as? [String: Any])?["dividends"] as? [Int] == [32767, 0, 32767, 0, 0])
        #expect(out["validator_permit"] as? [Bool] == [true, true, true, false, false])
    }

    @Test func itsBondsAndPermitsFeedTheNextEpoch() throws {
        let first = try json(try synod(["consensus", "FILE"], file: ("e1.json", Self.exampleOne)).stdout)
        var next = try json(Self.exampleOne)
        next["bonds"] = first["bonds"]
        next["validator_permit"] = first["validator_permit"]
        next["current_block"] = 2
        next["last_tempo_block"] = 1
        let text = String(decoding: try JSONSerialization.data(withJSONObject: next), as: UTF8.self)
        let second = try synod(["consensus", "FILE"], file: ("e2.json", text))
        #expect(second.status == 0)
        let out = try json(second.stdout)
        #expect(out["bonds"] as? [[[Int]]] == first["bonds"] as? [[[Int]]])
        #expect((out["u16"] as? [String: Any])?["dividends"] as? [Int] == [32767, 0, 32767, 0, 0])
    }

    @Test func liquidAlphaMovesBondsBySigmoid() throws {
        // Yuma3 with liquid alpha: three validators agree on miner 3; each bond starts at
        // alpha(diff 0) = low + (high − low) · sigmoid(−5) ≈ 0.10133 → stored 6640 (the chain's tests:
        // 0.1013). A negative steepness is accepted (the chain stores it as i16).
        let input = #"""
            {"current_block": 3, "emission": 1000000000, "stake": [8, 1, 1, 0, 0],
             "weights": [[[3, 65535], [4, 0]], [[3, 65535], [4, 0]], [[3, 65535], [4, 0]], [], []],
             "params": {"yuma3": true, "liquid_alpha": true, "alpha_low": 6553, "alpha_high": 19660,
                        "bonds_penalty": 0, "max_allowed_validators": 3}}
            """#
        let run = try synod(["consensus"], stdin: input)
        #expect(run.status == 0, "\(run.stderr)")
        let bonds = try #require(try json(run.stdout)["bonds"] as? [[[Int]]])
        #expect(bonds[0] == [[3, 6640]])
        let inverted = input.replacingOccurrences(
            of: #""bonds_penalty""#, with: #""alpha_sigmoid_steepness": -1000, "bonds_penalty""#)
        let other = try synod(["consensus"], stdin: inverted)
        #expect(other.status == 0, "\(other.stderr)")
        let invertedBonds = try #require(try json(other.stdout)["bonds"] as? [[[Int]]])
        #expect(invertedBonds[0] != [[3, 6640]])
    }

    @Test func readsStandardInput() throws {
        let run = try synod(
            ["consensus"], stdin: #"{"current_block": 1, "emission": 10, "stake": [1, 1], "weights": [[], []]}"#)
        #expect(run.status == 0)
        #expect(try json(run.stdout)["emission"] as? [Int] == [5, 5])
    }

    @Test(arguments: [
        ("not json", "Error: the input is not valid JSON"),
        (
            #"{"current_block": 1, "emission": 1, "stake": [1, -2], "weights": [[], []]}"#,
            "Error: stake[1]: must not be negative (got -2)"
        ),
        (
            #"{"current_block": 1, "emission": 1, "stake": [1, 2], "weights": [[]]}"#,
            "Error: weights: has 1 entries, expected 2 (one per uid, like stake)"
        ),
        (
            #"{"current_block": 1, "emission": 1, "stake": [1, 2], "weights": [[[5, 1]], []]}"#,
            "Error: weights[0][0]: uid 5 is out of range (0..<2)"
        ),
        (
            #"{"current_block": 1, "emission": 1, "stake": [1, 2], "weights": [[], [[0, 1], [0, 2]]]}"#,
            "Error: weights[1][1]: uid 0 appears twice in row 1"
        ),
        (
            #"{"current_block": 1, "emission": 1, "stake": [1, 2], "weights": [[], [[0, 70000]]]}"#,
            "Error: weights[1][0][1]: must be at most 65535 (got 70000)"
        ),
        (
            #"{"current_block": 1, "emission": 1, "stake": [1.5], "weights": [[]]}"#,
            "Error: stake[0]: must be an integer (got 1.5)"
        ),
        (
            #"{"current_block": 1, "emission": 1, "stake": [1], "weights": [[]], "params": {"kappa": true}}"#,
            "Error: params.kappa: must be a non-negative integer, got a boolean"
        ),
        (#"{"current_block": 1, "stake": [1], "weights": [[]]}"#, "Error: emission: required, a non-negative integer"),
        (
            #"{"current_block": 1, "emission": 1, "stake": [1], "weights": [[]], "params": {"alpha_sigmoid_steepness": 40000}}"#,
            "Error: params.alpha_sigmoid_steepness: must be from -32768 to 32767 (got 40000)"
        ),
    ])
    func badInputExitsTwoNamingTheField(input: String, message: String) throws {
        let run = try synod(["consensus", "FILE"], file: ("bad.json", input))
        #expect(run.status == 2)
        #expect(run.stdout == "")
        #expect(run.stderr.hasPrefix(message), "\(run.stderr)")
    }
}
