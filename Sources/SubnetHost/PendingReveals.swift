import Foundation
public import Ledger
import Synchronization

/// Weights a validator committed and must reveal later (commit–reveal), with the salt that
/// opens the commitment. Kept with the validator's state, so a restart still reveals them.
public struct PendingReveal: Sendable, Hashable, Codable {
    public var netuid: Int
    public var hotkey: String
    public var uids: [Int]
    public var values: [UInt16]
    public var salt: [UInt8]
    public var versionKey: UInt64
    /// The block and epoch of the commitment.
    public var block: UInt64
    public var epoch: Int

    public init(
        netuid: Int, hotkey: String, uids: [Int], values: [UInt16], salt: [UInt8], versionKey: UInt64, block: UInt64,
        epoch: Int
    ) {
        self.netuid = netuid
        self.hotkey = hotkey
        self.uids = uids
        self.values = values
        self.salt = salt
        self.versionKey = versionKey
        self.block = block
        self.epoch = epoch
    }
}

/// Where a validator keeps the weights it committed until it reveals them.
public protocol PendingReveals: Sendable {
    /// The validator's reveals on the subnet, oldest first.
    func pending(netuid: Int, hotkey: String) async throws -> [PendingReveal]
    func keep(_ reveal: PendingReveal) async throws
    func forget(_ reveal: PendingReveal) async throws
}

/// Pending reveals in memory: a simulation's validators, a self-check's.
public final class MemoryPendingReveals: PendingReveals {
    private let reveals = Mutex<[PendingReveal]>([])

    public init() {}

    public func pending(netuid: Int, hotkey: String) -> [PendingReveal] {
        reveals.withLock { $0.filter { $0.netuid == netuid && $0.hotkey == hotkey } }
    }

    public func keep(_ reveal: PendingReveal) { reveals.withLock { $0.append(reveal) } }

    public func forget(_ reveal: PendingReveal) { reveals.withLock { $0.removeAll { $0 == reveal } } }
}

/// Pending reveals in a host's ledger (its key-value store under `validator/reveal/`, out
/// of every plugin's reach): they survive a restart.
public struct LedgerPendingReveals: PendingReveals {
    public let ledger: Ledger

    public init(ledger: Ledger) { self.ledger = ledger }

    static func prefix(_ hotkey: String) -> String { "validator/reveal/\(hotkey)/" }

    static func key(_ reveal: PendingReveal) -> String {
        prefix(reveal.hotkey) + String(format: "%020llu", reveal.block)
    }

    public func pending(netuid: Int, hotkey: String) throws -> [PendingReveal] {
        let decoder = JSONDecoder()
        return try ledger.keys(netuid: netuid, prefix: Self.prefix(hotkey)).compactMap { key, _ in
            try ledger.value(forKey: key, netuid: netuid).map { try decoder.decode(PendingReveal.self, from: $0) }
        }
    }

    public func keep(_ reveal: PendingReveal) throws {
        try ledger.setValue(JSONEncoder().encode(reveal), forKey: Self.key(reveal), netuid: reveal.netuid)
    }

    public func forget(_ reveal: PendingReveal) throws {
        try ledger.setValue(nil, forKey: Self.key(reveal), netuid: reveal.netuid)
    }
}
