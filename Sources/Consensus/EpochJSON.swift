public import Foundation

/// Reads and writes the JSON form of one epoch (the format of `synod consensus`, and of
/// the epochs the ledger records).
public enum EpochJSON {
    /// Bad input: `description` names the field and index.
    public struct Failure: Error, CustomStringConvertible {
        public var description: String
    }

    /// Parses an epoch input, checking every field's type and range.
    public static func input(from data: Data) throws -> EpochInput {
        let root: Any
        do {
            root = try JSONSerialization.jsonObject(with: data)
        } catch {
            throw Failure(description: "the input is not valid JSON (\(error.localizedDescription))")
        }
        guard let object = root as? [String: Any] else { throw Failure(description: "the input must be a JSON object") }
        let known: Set<String> = [
            "current_block", "emission", "stake", "weights", "bonds", "validator_permit", "last_update",
            "block_at_registration", "last_tempo_block", "params",
        ]
        if let unknown = object.keys.sorted().first(where: { !known.contains($0) }) {
            throw Failure(
                description: "\(unknown): unknown field (expected one of \(known.sorted().joined(separator: ", ")))")
        }
        let currentBlock = try integer(object["current_block"], "current_block", required: true) ?? 0
        let emission = try integer(object["emission"], "emission", required: true) ?? 0
        guard let stakeList = object["stake"] as? [Any] else {
            throw Failure(description: "stake: required, a list of integers")
        }
        let stake = try stakeList.enumerated().map { i, v in try integer(v, "stake[\(i)]", required: true) ?? 0 }
        let weights = try rows(object["weights"], "weights", required: true) ?? []
        let bonds = try rows(object["bonds"], "bonds", required: false)
        let permits = try list(object["validator_permit"], "validator_permit") { v, path in try bool(v, path) }
        let lastUpdate = try list(object["last_update"], "last_update") { v, p in try integer(v, p, required: true) ?? 0
        }
        let registration = try list(object["block_at_registration"], "block_at_registration") { v, p in
            try integer(v, p, required: true) ?? 0
        }
        let lastTempo = try integer(object["last_tempo_block"], "last_tempo_block", required: false)
        var params = EpochParameters()
        if let raw = object["params"] {
            guard let p = raw as? [String: Any] else { throw Failure(description: "params: must be an object") }
            for key in p.keys.sorted() {
                let path = "params.\(key)"
                let value = p[key]
                switch key {
                case "kappa": params.kappa = try u16(value, path)
                case "bonds_moving_average": params.bondsMovingAverage = try integer(value, path, required: true) ?? 0
                case "bonds_penalty": params.bondsPenalty = try u16(value, path)
                case "yuma3": params.yuma3 = try bool(value, path)
                case "liquid_alpha": params.liquidAlpha = try bool(value, path)
                case "alpha_low": params.alphaLow = try u16(value, path)
                case "alpha_high": params.alphaHigh = try u16(value, path)
                case "alpha_sigmoid_steepness": params.alphaSigmoidSteepness = try i16(value, path)
                case "max_allowed_validators":
                    params.maxAllowedValidators = Int(try integer(value, path, required: true) ?? 0)
                case "activity_cutoff": params.activityCutoff = try integer(value, path, required: true) ?? 0
                default: throw Failure(description: "\(path): unknown parameter")
                }
            }
            if params.bondsMovingAverage > 1_000_000 {
                throw Failure(
                    description: "params.bonds_moving_average: at most 1000000 (got \(params.bondsMovingAverage))")
            }
        }
        return EpochInput(
            currentBlock: currentBlock, emission: emission, stake: stake, weights: weights, bonds: bonds,
            validatorPermit: permits, lastUpdate: lastUpdate, blockAtRegistration: registration,
            lastTempoBlock: lastTempo, parameters: params)
    }

    static func integer(_ value: Any?, _ path: String, required: Bool) throws -> UInt64? {
        guard let value, !(value is NSNull) else {
            if required { throw Failure(description: "\(path): required, a non-negative integer") }
            return nil
        }
        if isBoolean(value) { throw Failure(description: "\(path): must be a non-negative integer, got a boolean") }
        if let n = value as? NSNumber {
            let d = n.doubleValue
            if d < 0 { throw Failure(description: "\(path): must not be negative (got \(n))") }
            if let u = UInt64(exactly: n.uint64Value), Double(u) == d || n.stringValue == String(u) { return u }
            throw Failure(description: "\(path): must be an integer (got \(n))")
        }
        throw Failure(description: "\(path): must be a non-negative integer")
    }

    static func u16(_ value: Any?, _ path: String) throws -> UInt16 {
        let v = try integer(value, path, required: true) ?? 0
        guard let u = UInt16(exactly: v) else {
            throw Failure(description: "\(path): must be at most 65535 (got \(v))")
        }
        return u
    }

    /// A signed 16-bit integer (the chain stores the sigmoid steepness as `i16`).
    static func i16(_ value: Any?, _ path: String) throws -> Int16 {
        guard let value, !(value is NSNull), !isBoolean(value), let n = value as? NSNumber else {
            throw Failure(description: "\(path): required, an integer from -32768 to 32767")
        }
        guard let i = Int64(exactly: n.doubleValue), n.stringValue == String(i) else {
            throw Failure(description: "\(path): must be an integer (got \(n))")
        }
        guard let small = Int16(exactly: i) else {
            throw Failure(description: "\(path): must be from -32768 to 32767 (got \(i))")
        }
        return small
    }

    static func bool(_ value: Any?, _ path: String) throws -> Bool {
        guard let value, isBoolean(value), let b = value as? Bool else {
            throw Failure(description: "\(path): must be true or false")
        }
        return b
    }

    /// JSON true/false. (Foundation hands numbers and booleans over as NSNumber, and a
    /// number 1 also casts to Bool; the boolean ones are typed "c".)
    static func isBoolean(_ value: Any) -> Bool {
        if let n = value as? NSNumber { return String(cString: n.objCType) == "c" }
        return value is Bool
    }

    static func list<T>(_ value: Any?, _ path: String, _ element: (Any, String) throws -> T) throws -> [T]? {
        guard let value, !(value is NSNull) else { return nil }
        guard let items = value as? [Any] else { throw Failure(description: "\(path): must be a list") }
        return try items.enumerated().map { i, v in try element(v, "\(path)[\(i)]") }
    }

    static func rows(_ value: Any?, _ path: String, required: Bool) throws -> [[SparseEntry]]? {
        guard let value, !(value is NSNull) else {
            if required { throw Failure(description: "\(path): required, a list of rows of [uid, u16] pairs") }
            return nil
        }
        return try list(value, path) { row, rowPath in
            guard let pairs = row as? [Any] else {
                throw Failure(description: "\(rowPath): must be a list of [uid, u16] pairs")
            }
            return try pairs.enumerated().map { k, pair in
                let pairPath = "\(rowPath)[\(k)]"
                guard let two = pair as? [Any], two.count == 2 else {
                    throw Failure(description: "\(pairPath): must be a pair [uid, u16]")
                }
                let uid = try integer(two[0], "\(pairPath)[0]", required: true) ?? 0
                let weight = try u16(two[1], "\(pairPath)[1]")
                return SparseEntry(uid: Int(clamping: uid), value: weight)
            }
        }
    }

    /// The input as JSON (sparse rows as `[uid, u16]` pairs).
    public static func json(_ input: EpochInput) -> String {
        func ints(_ v: [UInt64]) -> String { "[" + v.map(String.init).joined(separator: ",") + "]" }
        return """
            {"current_block":\(input.currentBlock),"emission":\(input.emission),"stake":\(ints(input.stake)),\
            "weights":\(sparseJSON(input.weights)),"bonds":\(sparseJSON(input.bonds)),\
            "validator_permit":[\(input.validatorPermit.map { $0 ? "true" : "false" }.joined(separator: ","))],\
            "last_update":\(ints(input.lastUpdate)),"block_at_registration":\(ints(input.blockAtRegistration)),\
            "last_tempo_block":\(input.lastTempoBlock),"params":\(json(input.parameters))}
            """
    }

    /// Sparse rows as `[[[uid, u16], …], …]`.
    static func sparseJSON(_ r: [[SparseEntry]]) -> String {
        "["
            + r.map { row in "[" + row.map { "[\($0.uid),\($0.value)]" }.joined(separator: ",") + "]" }
            .joined(separator: ",") + "]"
    }

    /// The parameters as the JSON object that `params` holds.
    public static func json(_ p: EpochParameters) -> String {
        """
        {"kappa":\(p.kappa),"bonds_moving_average":\(p.bondsMovingAverage),"bonds_penalty":\(p.bondsPenalty),\
        "yuma3":\(p.yuma3),"liquid_alpha":\(p.liquidAlpha),"alpha_low":\(p.alphaLow),"alpha_high":\(p.alphaHigh),\
        "alpha_sigmoid_steepness":\(p.alphaSigmoidSteepness),"max_allowed_validators":\(p.maxAllowedValidators),\
        "activity_cutoff":\(p.activityCutoff)}
        """
    }

    /// The output as JSON, as `synod consensus` prints it.
    public static func output(_ out: EpochOutput) -> String {
        func floats(_ v: [Fixed]) -> String { "[" + v.map { "\($0.double)" }.joined(separator: ",") + "]" }
        func ints(_ v: [UInt64]) -> String { "[" + v.map(String.init).joined(separator: ",") + "]" }
        func u16s(_ v: [Fixed]) -> String { "[" + v.map { String($0.u16Proportion) }.joined(separator: ",") + "]" }
        let bonds = sparseJSON(out.bonds)
        return """
            {"stake":\(floats(out.stake)),"active_stake":\(floats(out.activeStake)),\
            "consensus":\(floats(out.consensus)),"validator_trust":\(floats(out.validatorTrust)),\
            "incentive":\(floats(out.incentive)),"dividends":\(floats(out.dividends)),\
            "server_emission":\(ints(out.serverEmission)),"validator_emission":\(ints(out.validatorEmission)),\
            "emission":\(ints(out.emission)),\
            "validator_permit":[\(out.validatorPermit.map { $0 ? "true" : "false" }.joined(separator: ","))],\
            "bonds":\(bonds),\
            "u16":{"consensus":\(u16s(out.consensus)),"validator_trust":\(u16s(out.validatorTrust)),\
            "incentive":\(u16s(out.incentive)),"dividends":\(u16s(out.dividends))}}
            """
    }

    /// Reads back what ``output(_:)`` wrote, exactly: each proportion is a Q32.32 value
    /// printed as its double, which holds it without rounding.
    public static func output(from data: Data) throws -> EpochOutput {
        struct Wire: Decodable {
            var stake, active_stake, consensus, validator_trust, incentive, dividends: [Double]
            var server_emission, validator_emission, emission: [UInt64]
            var validator_permit: [Bool]
            var bonds: [[[Int]]]
        }
        let wire: Wire
        do {
            wire = try JSONDecoder().decode(Wire.self, from: data)
        } catch {
            throw Failure(description: "an epoch output must be the JSON `synod consensus` prints (\(error))")
        }
        func fixed(_ values: [Double]) -> [Fixed] { values.map { Fixed(bits: Int64(($0 * 4_294_967_296).rounded())) } }
        let bonds = try wire.bonds.map { row in
            try row.map { pair -> SparseEntry in
                guard pair.count == 2, let value = UInt16(exactly: pair[1]) else {
                    throw Failure(description: "bonds: each entry is [uid, u16]")
                }
                return SparseEntry(uid: pair[0], value: value)
            }
        }
        return EpochOutput(
            stake: fixed(wire.stake), activeStake: fixed(wire.active_stake), consensus: fixed(wire.consensus),
            validatorTrust: fixed(wire.validator_trust), incentive: fixed(wire.incentive),
            dividends: fixed(wire.dividends), serverEmission: wire.server_emission,
            validatorEmission: wire.validator_emission, emission: wire.emission,
            validatorPermit: wire.validator_permit, bonds: bonds)
    }
}
