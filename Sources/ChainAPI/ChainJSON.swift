import Consensus
import Foundation
import Ledger
import SynodChain

/// The chain API's JSON: the shapes `ChainServer` sends and `RemoteChain` reads, one
/// Codable type per chain type, snake_case keys (docs/chain-api.md lists them).
enum ChainJSON {
    static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.keyEncodingStrategy = .convertToSnakeCase
        // A score a plugin made may be any double: written as the reports write it.
        encoder.nonConformingFloatEncodingStrategy = .convertToString(
            positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return encoder
    }()

    static let decoder: JSONDecoder = {
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        decoder.nonConformingFloatDecodingStrategy = .convertFromString(
            positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return decoder
    }()

    static func encode<T: Encodable>(_ value: T) -> Data { try! encoder.encode(value) }

    static func decode<T: Decodable>(_ type: T.Type, from data: Data) throws(ChainError) -> T {
        do {
            return try decoder.decode(type, from: data)
        } catch {
            throw ChainError(.invalid, "the chain's answer is not the JSON expected: \(error)")
        }
    }

    struct Parameters: Codable, Sendable, Hashable {
        var kappa: UInt16, bondsMovingAverage: UInt64, bondsPenalty: UInt16, yuma3: Bool, liquidAlpha: Bool
        var alphaLow: UInt16, alphaHigh: UInt16, alphaSigmoidSteepness: Int16, maxAllowedValidators: Int
        var activityCutoff: UInt64

        init(_ p: EpochParameters) {
            (kappa, bondsMovingAverage, bondsPenalty, yuma3, liquidAlpha) =
                (p.kappa, p.bondsMovingAverage, p.bondsPenalty, p.yuma3, p.liquidAlpha)
            (alphaLow, alphaHigh, alphaSigmoidSteepness, maxAllowedValidators, activityCutoff) =
                (p.alphaLow, p.alphaHigh, p.alphaSigmoidSteepness, p.maxAllowedValidators, p.activityCutoff)
        }

        var value: EpochParameters {
            var p = EpochParameters()
            (p.kappa, p.bondsMovingAverage, p.bondsPenalty, p.yuma3, p.liquidAlpha) =
                (kappa, bondsMovingAverage, bondsPenalty, yuma3, liquidAlpha)
            (p.alphaLow, p.alphaHigh, p.alphaSigmoidSteepness, p.maxAllowedValidators, p.activityCutoff) =
                (alphaLow, alphaHigh, alphaSigmoidSteepness, maxAllowedValidators, activityCutoff)
            return p
        }
    }

    struct Config: Codable, Sendable, Hashable {
        var tempo: Int, maxAllowedUids: Int, immunityPeriod: Int, minNonImmuneUids: Int, minAllowedWeights: Int
        var weightsRateLimit: Int, weightsVersion: UInt64, ownerCutPerMillion: Int, commitReveal: Bool
        var commitRevealPeriod: Int, parameters: Parameters

        init(_ c: SubnetConfig) {
            (tempo, maxAllowedUids, immunityPeriod, minNonImmuneUids, minAllowedWeights) =
                (c.tempo, c.maxAllowedUIDs, c.immunityPeriod, c.minNonImmuneUIDs, c.minAllowedWeights)
            (weightsRateLimit, weightsVersion, ownerCutPerMillion, commitReveal, commitRevealPeriod) =
                (c.weightsRateLimit, c.weightsVersion, c.ownerCutPerMillion, c.commitReveal, c.commitRevealPeriod)
            parameters = Parameters(c.parameters)
        }

        var value: SubnetConfig {
            var c = SubnetConfig()
            (c.tempo, c.maxAllowedUIDs, c.immunityPeriod, c.minNonImmuneUIDs, c.minAllowedWeights) =
                (tempo, maxAllowedUids, immunityPeriod, minNonImmuneUids, minAllowedWeights)
            (c.weightsRateLimit, c.weightsVersion, c.ownerCutPerMillion, c.commitReveal, c.commitRevealPeriod) =
                (weightsRateLimit, weightsVersion, ownerCutPerMillion, commitReveal, commitRevealPeriod)
            c.parameters = parameters.value
            return c
        }
    }

    struct Subnet: Codable, Sendable, Hashable {
        var netuid: Int, name: String, plugin: String?, owner: String, config: Config, lastEpochBlock: UInt64
        var neuronCount: Int, epochs: Int

        init(_ s: SubnetInfo) {
            (netuid, name, plugin, owner, config) = (s.netuid, s.name, s.plugin, s.owner, Config(s.config))
            (lastEpochBlock, neuronCount, epochs) = (s.lastEpochBlock, s.neuronCount, s.epochs)
        }

        var value: SubnetInfo {
            SubnetInfo(
                netuid: netuid, name: name, plugin: plugin, owner: owner, config: config.value,
                lastEpochBlock: lastEpochBlock, neuronCount: neuronCount, epochs: epochs)
        }
    }

    struct Neuron: Codable, Sendable, Hashable {
        var uid: Int, hotkey: String, coldkey: String, registeredAt: UInt64, lastUpdate: UInt64, stake: UInt64
        var endpoint: String?, validatorPermit: Bool, emission: UInt64, hasWeights: Bool

        init(_ n: NeuronInfo) {
            (uid, hotkey, coldkey, registeredAt, lastUpdate, stake) =
                (n.uid, n.hotkey, n.coldkey, n.registeredAt, n.lastUpdate, n.stake)
            (endpoint, validatorPermit, emission, hasWeights) = (
                n.endpoint, n.validatorPermit, n.emission, n.hasWeights
            )
        }

        var value: NeuronInfo {
            NeuronInfo(
                uid: uid, hotkey: hotkey, coldkey: coldkey, registeredAt: registeredAt, lastUpdate: lastUpdate,
                stake: stake, endpoint: endpoint, validatorPermit: validatorPermit, emission: emission,
                hasWeights: hasWeights)
        }
    }

    struct Metagraph: Codable, Sendable, Hashable {
        var block: UInt64, subnet: Subnet, neurons: [Neuron]

        init(_ m: SynodChain.Metagraph) {
            (block, subnet, neurons) = (m.block, Subnet(m.subnet), m.neurons.map(Neuron.init))
        }

        var value: SynodChain.Metagraph {
            SynodChain.Metagraph(block: block, subnet: subnet.value, neurons: neurons.map(\.value))
        }
    }

    struct Commit: Codable, Sendable, Hashable {
        var hotkey: String, hash: String, block: UInt64, epoch: Int

        init(_ c: WeightCommit) {
            (hotkey, hash, block, epoch) = (
                c.hotkey, c.hash.map { String(format: "%02x", $0) }.joined(), c.block, c.epoch
            )
        }

        var value: WeightCommit {
            WeightCommit(hotkey: hotkey, hash: ChainJSON.bytes(hex: hash) ?? [], block: block, epoch: epoch)
        }
    }

    /// A block and the epochs it settled, each with its output (`synod consensus`'s JSON).
    struct Block: Codable, Sendable, Hashable {
        var number: UInt64
        var epochs: [Epoch]

        struct Epoch: Codable, Sendable, Hashable {
            var netuid: Int, block: UInt64, emission: UInt64, ownerCut: UInt64, credited: UInt64, dust: UInt64
            var output: String
        }

        init(_ b: ChainBlock) {
            number = b.number
            epochs = b.epochs.map {
                Epoch(
                    netuid: $0.netuid, block: $0.block, emission: $0.emission, ownerCut: $0.ownerCut,
                    credited: $0.credited, dust: $0.dust, output: EpochJSON.output($0.output))
            }
        }

        func value() throws(ChainError) -> ChainBlock {
            var epochs: [EpochRecord] = []
            for e in self.epochs {
                let output: EpochOutput
                do {
                    output = try EpochJSON.output(from: Data(e.output.utf8))
                } catch {
                    throw ChainError(.invalid, "block \(number): an epoch's output cannot be read: \(error)")
                }
                epochs.append(
                    EpochRecord(
                        netuid: e.netuid, block: e.block, emission: e.emission, ownerCut: e.ownerCut,
                        credited: e.credited, dust: e.dust, rowsWritten: 0, output: output))
            }
            return ChainBlock(number: number, epochs: epochs)
        }
    }

    // Request bodies.
    struct Register: Codable { var coldkey: String }
    struct Serve: Codable { var endpoint: String }
    struct Weights: Codable {
        var uids: [Int]
        var values: [UInt16]
        var versionKey: UInt64
    }
    struct CommitRequest: Codable { var hash: String }
    struct Reveal: Codable {
        var uids: [Int]
        var values: [UInt16]
        var salt: String
        var versionKey: UInt64
    }
    struct Registered: Codable { var uid: Int }
    struct Head: Codable { var block: UInt64 }
    struct Subnets: Codable {
        var hotkey: String
        var head: UInt64
        var subnets: [Subnet]
    }
    struct Failure: Codable {
        var error: String
        var message: String
    }

    static func bytes(hex: String) -> [UInt8]? {
        guard hex.count % 2 == 0 else { return nil }
        var bytes: [UInt8] = []
        var index = hex.startIndex
        while index < hex.endIndex {
            let next = hex.index(index, offsetBy: 2)
            guard let byte = UInt8(hex[index..<next], radix: 16) else { return nil }
            bytes.append(byte)
            index = next
        }
        return bytes
    }

    static func hex(_ bytes: [UInt8]) -> String { bytes.map { String(format: "%02x", $0) }.joined() }
}
