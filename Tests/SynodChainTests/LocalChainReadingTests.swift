import Consensus
import Foundation
import Ledger
import SynodChain
import Testing

/// What the subnet host and the operator's commands read and change around epochs.
@Suite("LocalChain: subnets, metagraph, endpoints, recorded epochs")
struct LocalChainReadingTests {
    let ledger: Ledger
    let chain: LocalChain

    init() throws {
        ledger = try Ledger(path: temporaryLedgerPath())
        chain = LocalChain(ledger: ledger, emissionPerEpoch: 1000)
        var config = SubnetConfig()
        config.maxAllowedUIDs = 4
        config.weightsRateLimit = 0
        try ledger.createSubnet(netuid: 7, name: "echo-sum", owner: "owner", config: config)
        try ledger.createSubnet(netuid: 2, name: "other", owner: "owner")
        try ledger.setChainHead(3)
        _ = try chain.register(netuid: 7, hotkey: "v", coldkey: "cv")
        try ledger.setChainHead(4)
        _ = try chain.register(netuid: 7, hotkey: "m", coldkey: "cm")
        try ledger.addStake(netuid: 7, hotkey: "v", amount: 500)
        try ledger.setValidatorPermit(netuid: 7, uid: 0, true)
    }

    func setWeights(_ values: [UInt16], at block: UInt64) throws {
        try ledger.setChainHead(block)
        try chain.setWeights(netuid: 7, hotkey: "v", uids: [1], values: values)
    }

    func due(at block: UInt64) throws -> Bool {
        try chain.metagraph(netuid: 7).weightsDue(hotkey: "v", block: block)
    }

    @Test func subnetsAndTheirSettings() throws {
        let subnets = try ledger.subnets()
        #expect(subnets.map(\.netuid) == [2, 7])
        let echo = try ledger.subnet(netuid: 7)
        #expect(echo.name == "echo-sum")
        #expect(echo.config.maxAllowedUIDs == 4)
        #expect(echo.neuronCount == 2)
        #expect(echo.plugin == nil)
        try ledger.setPlugin(netuid: 7, plugin: "plugins/echo-sum.lua")
        #expect(try ledger.subnet(netuid: 7).plugin == "plugins/echo-sum.lua")
        #expect(throws: LedgerError.self) { try ledger.subnet(netuid: 9) }
        #expect(chainError { _ = try chain.metagraph(netuid: 9) }?.code == .notFound)
    }

    @Test func theMetagraphInUidOrder() throws {
        try setWeights([3], at: 9)
        let neurons = try ledger.neurons(netuid: 7)
        #expect(neurons.map(\.hotkey) == ["v", "m"])
        #expect(neurons[0].stake == 500)
        #expect(neurons[0].validatorPermit)
        #expect(neurons[0].lastUpdate == 9)
        #expect(neurons[1].registeredAt == 4)
        #expect(neurons[1].endpoint == nil)
    }

    @Test func weightsAreDueOnceAndThenAfterTheRateLimit() throws {
        var config = try ledger.subnet(netuid: 7).config
        config.weightsRateLimit = 10
        try ledger.updateConfig(netuid: 7, config)
        #expect(try due(at: 5))  // never set
        try setWeights([1], at: 5)
        #expect(try due(at: 14) == false)
        #expect(try due(at: 15))
        #expect(try chain.metagraph(netuid: 7).weightsDue(hotkey: "nobody", block: 15) == false)
    }

    @Test func endpointsAreCheckedAndNormalised() throws {
        try chain.serve(netuid: 7, hotkey: "m", endpoint: "http://127.0.0.1:8091/")
        #expect(try ledger.neurons(netuid: 7)[1].endpoint == "http://127.0.0.1:8091")
        for bad in ["127.0.0.1:8091", "ftp://h:1", "http://h", "http://h:0", "http://h:1/path", "http://h:1?q=1", ""] {
            let error = chainError { try chain.serve(netuid: 7, hotkey: "m", endpoint: bad) }
            #expect(error?.code == .invalid, "\(bad)")
            #expect(error?.message.hasSuffix("give http://HOST:PORT or https://HOST:PORT") == true)
        }
        #expect(
            chainError { try chain.serve(netuid: 7, hotkey: "x", endpoint: "http://h:1") }?.code == .notFound)
    }

    @Test func settingsChangeOnlyToUsableValues() throws {
        var config = try ledger.subnet(netuid: 7).config
        config.tempo = 20
        config.parameters.kappa = 40000
        try ledger.updateConfig(netuid: 7, config)
        let updated = try ledger.subnet(netuid: 7).config
        #expect(updated.tempo == 20)
        #expect(updated.parameters.kappa == 40000)
        config.maxAllowedUIDs = 1
        #expect(
            ledgerError { try ledger.updateConfig(netuid: 7, config) }?.message
                == "subnet 7: max_allowed_uids 1 is below the 2 UIDs registered")
        config.maxAllowedUIDs = 4
        config.ownerCutPerMillion = 2_000_000
        #expect(
            ledgerError { try ledger.updateConfig(netuid: 7, config) }?.message
                == "subnet 7: the owner cut must be from 0 to 1000000 millionths (got 2000000)")
        var bad = SubnetConfig()
        bad.tempo = 0
        #expect(
            ledgerError { try ledger.createSubnet(netuid: 3, name: "x", owner: "o", config: bad) }?.message
                == "subnet 3: tempo must be at least 1 block (got 0)")
        #expect(ledgerError { try ledger.createSubnet(netuid: 70000, name: "x", owner: "o") }?.code == .invalid)
    }

    @Test func recordedEpochsReadBackAsTheirJSON() throws {
        try setWeights([65535], at: 9)
        #expect(try ledger.epoch(netuid: 7) == nil)
        try chain.settleEpoch(netuid: 7, block: 10)
        let second = try chain.settleEpoch(netuid: 7, block: 20)
        #expect(try ledger.epochBlocks(netuid: 7) == [10, 20])
        let newest = try #require(try ledger.epoch(netuid: 7))
        #expect(newest.block == 20)
        #expect(newest.credited == second.credited)
        #expect(newest.ownerCut + newest.credited + newest.dust == newest.emission)
        // The recorded input recomputes to the recorded output: the epoch can be re-checked.
        let input = try EpochJSON.input(from: Data(newest.input.utf8))
        #expect(EpochJSON.output(try Yuma.epoch(input)) == newest.output)
        #expect(try ledger.epoch(netuid: 7, block: 10)?.block == 10)
        #expect(try ledger.epoch(netuid: 7, block: 15) == nil)
    }
}
