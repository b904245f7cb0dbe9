public import Consensus
public import Foundation

/// A sparse u16 row (weights or bonds of one UID) as the ledger stores it: one BLOB of
/// little-endian `(uid: u16, value: u16)` pairs, the shape of the chain's
/// `Vec<(u16, u16)>` per UID. One row per UID instead of one per entry keeps an epoch's
/// bond writes to one per validator.
public enum PackedRow {
    /// The bytes of `entries` (uids must fit in 16 bits, as the chain's do).
    public static func pack(_ entries: [SparseEntry]) -> Data {
        var data = Data(capacity: entries.count * 4)
        for e in entries {
            let uid = UInt16(truncatingIfNeeded: e.uid)
            data.append(contentsOf: [UInt8(uid & 0xFF), UInt8(uid >> 8), UInt8(e.value & 0xFF), UInt8(e.value >> 8)])
        }
        return data
    }

    /// The entries of a stored row; `nil` when its length is not a whole number of pairs.
    public static func unpack(_ data: Data) -> [SparseEntry]? {
        guard data.count % 4 == 0 else { return nil }
        return data.withUnsafeBytes { raw in
            stride(from: 0, to: raw.count, by: 4).map { k in
                SparseEntry(
                    uid: Int(raw[k]) | Int(raw[k + 1]) << 8, value: UInt16(raw[k + 2]) | UInt16(raw[k + 3]) << 8)
            }
        }
    }
}
