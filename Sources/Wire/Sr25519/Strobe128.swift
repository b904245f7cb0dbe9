import CKeccak

/// STROBE-128 (v1.0.2) reduced to the operations Merlin transcripts use: meta-AD, AD, PRF
/// and KEY, over Keccak-f[1600] with a 166-byte rate.
struct Strobe128 {
    private static let rate = 166
    private static let flagI: UInt8 = 1
    private static let flagA: UInt8 = 1 << 1
    private static let flagC: UInt8 = 1 << 2
    private static let flagM: UInt8 = 1 << 4
    private static let flagK: UInt8 = 1 << 5

    private var state = [UInt8](repeating: 0, count: 200)
    private var position = 0
    private var positionBegin: UInt8 = 0
    private var currentFlags: UInt8 = 0

    /// A STROBE-128 instance for `protocolLabel`.
    init(protocolLabel: [UInt8]) {
        state[0] = 1
        state[1] = UInt8(Self.rate + 2)
        state[2] = 1
        state[3] = 0
        state[4] = 1
        state[5] = 96
        state.replaceSubrange(6..<18, with: Array("STROBEv1.0.2".utf8))
        permute()
        metaAD(protocolLabel, more: false)
    }

    mutating func metaAD(_ data: [UInt8], more: Bool) {
        beginOperation(Self.flagM | Self.flagA, more: more)
        absorb(data)
    }

    mutating func ad(_ data: [UInt8], more: Bool) {
        beginOperation(Self.flagA, more: more)
        absorb(data)
    }

    mutating func prf(_ count: Int, more: Bool) -> [UInt8] {
        beginOperation(Self.flagI | Self.flagA | Self.flagC, more: more)
        return squeeze(count)
    }

    mutating func key(_ data: [UInt8], more: Bool) {
        beginOperation(Self.flagA | Self.flagC, more: more)
        overwrite(data)
    }

    private mutating func permute() {
        state.withUnsafeMutableBufferPointer { synod_keccak_f1600($0.baseAddress!) }
    }

    private mutating func runF() {
        state[position] ^= positionBegin
        state[position + 1] ^= 0x04
        state[Self.rate + 1] ^= 0x80
        permute()
        position = 0
        positionBegin = 0
    }

    private mutating func absorb(_ data: [UInt8]) {
        for byte in data {
            state[position] ^= byte
            position += 1
            if position == Self.rate { runF() }
        }
    }

    private mutating func overwrite(_ data: [UInt8]) {
        for byte in data {
            state[position] = byte
            position += 1
            if position == Self.rate { runF() }
        }
    }

    private mutating func squeeze(_ count: Int) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: count)
        for i in 0..<count {
            out[i] = state[position]
            state[position] = 0
            position += 1
            if position == Self.rate { runF() }
        }
        return out
    }

    private mutating func beginOperation(_ flags: UInt8, more: Bool) {
        // Continuing an operation: only the same kind may continue (a caller's bug otherwise).
        if more {
            precondition(currentFlags == flags, "STROBE: continuing an operation of another kind")
            return
        }
        let oldBegin = positionBegin
        positionBegin = UInt8(position + 1)
        currentFlags = flags
        absorb([oldBegin, flags])
        // Cipher and key operations start on a fresh block.
        if flags & (Self.flagC | Self.flagK) != 0 && position != 0 { runF() }
    }
}

/// A Merlin transcript (merlin v1.0): labelled messages in, challenges out, and a
/// transcript-bound RNG for witnesses.
struct MerlinTranscript {
    private var strobe: Strobe128

    init(label: [UInt8]) {
        strobe = Strobe128(protocolLabel: Array("Merlin v1.0".utf8))
        append(label: Array("dom-sep".utf8), message: label)
    }

    mutating func append(label: [UInt8], message: [UInt8]) {
        strobe.metaAD(label, more: false)
        strobe.metaAD(Self.length(message.count), more: true)
        strobe.ad(message, more: false)
    }

    mutating func challengeBytes(label: [UInt8], count: Int) -> [UInt8] {
        strobe.metaAD(label, more: false)
        strobe.metaAD(Self.length(count), more: true)
        return strobe.prf(count, more: false)
    }

    /// `count` bytes from an RNG bound to this transcript, rekeyed with each witness under
    /// `label` and then with 32 bytes of `randomness` (merlin's `build_rng` … `finalize`).
    func witnessBytes(label: [UInt8], witnesses: [[UInt8]], randomness: [UInt8], count: Int) -> [UInt8] {
        var rng = strobe
        for witness in witnesses {
            rng.metaAD(label, more: false)
            rng.metaAD(Self.length(witness.count), more: true)
            rng.key(witness, more: false)
        }
        rng.metaAD(Array("rng".utf8), more: false)
        rng.key(randomness, more: false)
        rng.metaAD(Self.length(count), more: false)
        return rng.prf(count, more: false)
    }

    private static func length(_ count: Int) -> [UInt8] {
        let n = UInt32(count)
        return [UInt8(n & 0xff), UInt8((n >> 8) & 0xff), UInt8((n >> 16) & 0xff), UInt8(n >> 24)]
    }
}
