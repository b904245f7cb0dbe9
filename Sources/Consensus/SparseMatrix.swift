/// A sparse matrix in compressed rows (CSR): row `i` holds `columns[range(i)]` and
/// `values[range(i)]`, in the order the chain's code keeps its `Vec<(u16, I32F32)>` rows.
/// Flat arrays: an epoch allocates a few buffers, not one per row.
struct SparseMatrix {
    var rowStart: [Int] = [0]
    var columns: [Int] = []
    var values: [Fixed] = []

    init(rows: Int, capacity: Int = 0) {
        rowStart.reserveCapacity(rows + 1)
        columns.reserveCapacity(capacity)
        values.reserveCapacity(capacity)
    }

    /// Stored u16 rows, skipping masked columns, each value converted by `convert`.
    init(_ rows: [[SparseEntry]], skipping masked: [Bool], convert: (UInt16) -> Fixed) {
        self.init(rows: rows.count, capacity: rows.reduce(0) { $0 + $1.count })
        for row in rows {
            let start = values.count
            for e in row where !masked[e.uid] { append(e.uid, convert(e.value)) }
            sortRow(from: start)
            endRow()
        }
    }

    /// Sorts the entries appended since `start` by column (a no-op when already sorted,
    /// as stored rows usually are).
    mutating func sortRow(from start: Int) {
        let end = values.count
        guard end - start > 1 else { return }
        var sorted = true
        for k in (start + 1)..<end where columns[k - 1] > columns[k] {
            sorted = false
            break
        }
        if sorted { return }
        let pairs = (start..<end).map { (columns[$0], values[$0]) }.sorted { $0.0 < $1.0 }
        for (offset, pair) in pairs.enumerated() {
            columns[start + offset] = pair.0
            values[start + offset] = pair.1
        }
    }

    var rowCount: Int { rowStart.count - 1 }

    @inline(__always) func range(_ i: Int) -> Range<Int> { rowStart[i]..<rowStart[i + 1] }

    mutating func append(_ column: Int, _ value: Fixed) {
        columns.append(column)
        values.append(value)
    }

    mutating func endRow() { rowStart.append(values.count) }

    /// Each column divided by its sum (columns summing to 0 are left alone).
    mutating func normalizeColumns(_ count: Int) {
        var sums = [Fixed](repeating: .zero, count: count)
        for k in values.indices { sums[columns[k]] += values[k] }
        for k in values.indices where sums[columns[k]] != .zero { values[k] = values[k] / sums[columns[k]] }
    }

    /// Each column divided by its maximum (columns whose maximum is 0 are left alone).
    mutating func maxUpscaleColumns(_ count: Int) {
        var maxes = [Fixed](repeating: .zero, count: count)
        for k in values.indices where maxes[columns[k]] < values[k] { maxes[columns[k]] = values[k] }
        for k in values.indices where maxes[columns[k]] != .zero { values[k] = values[k] / maxes[columns[k]] }
    }
}
