/// One epoch settled: the owner's cut taken from the emission, Yuma run on the rest, every
/// UID's emission credited, and the rao lost to flooring counted as dust.
///
/// A pure function of the subnet's state: the durable chain (over the SQLite ledger) and the
/// in-memory chain (simulations, self-checks) both settle through it, so the owner's cut
/// and the dust are computed in one place. Credits plus the owner's cut plus the dust equal
/// the emission, always.
///
/// ```swift
/// let settled = try Settlement(state, ownerCutPerMillion: 180_000)
/// settled.credits[uid]   // rao this UID earned
/// ```
public struct Settlement: Sendable, Hashable {
    /// Rao the subnet emitted this epoch.
    public var emission: UInt64
    /// The owner's share, taken before Yuma (floored millionths of `emission`).
    public var ownerCut: UInt64
    /// What Yuma ran on: the subnet's state with the emission net of the owner's cut.
    public var input: EpochInput
    public var output: EpochOutput
    /// Rao credited per UID: its server plus validator emission.
    public var credits: [UInt64]
    /// The sum of `credits`.
    public var credited: UInt64
    /// Rao lost to flooring: `emission − ownerCut − credited`.
    public var dust: UInt64

    /// Settles an epoch over `state`, whose `emission` is the subnet's whole emission.
    public init(_ state: EpochInput, ownerCutPerMillion: Int) throws(ConsensusError) {
        guard (0...1_000_000).contains(ownerCutPerMillion) else {
            throw ConsensusError("the owner cut must be from 0 to 1000000 millionths (got \(ownerCutPerMillion))")
        }
        emission = state.emission
        ownerCut = UInt64((UInt128(state.emission) * UInt128(ownerCutPerMillion)) / 1_000_000)
        input = state
        input.emission = state.emission - ownerCut
        output = try Yuma.epoch(input)
        credits = zip(output.serverEmission, output.validatorEmission).map { $0 + $1 }
        credited = credits.reduce(0, +)
        dust = emission - ownerCut - credited
    }
}
