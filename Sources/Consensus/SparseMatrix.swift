/// A sparse matrix in compressed rows (CSR): row `i` holds `columns[rowStart[i]..<rowStart[i+1]]`
/// and the matching `values`, in ascending column order.
///
/// The epoch's inner loops run over these buffers tens of thousands of times per epoch, so
/// the storage is raw memory owned by this object: the loops index pointers directly,
/// without the bounds and uniqueness checks that made array-backed rows several times
/// slower. A matrix is filled once (``append(_:_:)`` then ``endRow()`` per row, within the
/// capacity given at creation) and may then be rescaled in place; ``copy()`` makes an
/// independent one.
final class SparseMatrix {
    let rowCount: Int
    let capacity: Int
    /// `rowCount + 1` offsets; `rowStart[i]` is where row `i` begins.
    let rowStart: UnsafeMutablePointer<Int>
    let columns: UnsafeMutablePointer<Int>
    let values: UnsafeMutablePointer<Fixed>
    /// Entries written so far.
    private(set) var count = 0
    private var rowsEnded = 0

    /// An empty matrix with room for `capacity` entries over `rows` rows.
    init(rows: Int, capacity: Int) {
        rowCount = rows
        self.capacity = max(capacity, 1)
        rowStart = .allocate(capacity: rows + 1)
        columns = .allocate(capacity: self.capacity)
        values = .allocate(capacity: self.capacity)
        rowStart[0] = 0
    }

    deinit {
        rowStart.deallocate()
        columns.deallocate()
        values.deallocate()
    }

    /// Stored u16 rows, skipping masked columns, each value converted by `convert`; rows are
    /// sorted by column.
    convenience init(_ rows: [[SparseEntry]], skipping masked: [Bool], convert: (UInt16) -> Fixed) {
        self.init(rows: rows.count, capacity: rows.reduce(0) { $0 + $1.count })
        for row in rows {
            let start = count
            for e in row where !masked[e.uid] { append(e.uid, convert(e.value)) }
            sortRow(from: start)
            endRow()
        }
    }

    /// An independent matrix with the same entries.
    func copy() -> SparseMatrix {
        let other = SparseMatrix(rows: rowCount, capacity: count)
        other.rowStart.update(from: rowStart, count: rowCount + 1)
        other.columns.update(from: columns, count: count)
        other.values.update(from: values, count: count)
        other.count = count
        other.rowsEnded = rowsEnded
        return other
    }

    @inline(__always) func range(_ i: Int) -> Range<Int> { rowStart[i]..<rowStart[i + 1] }

    @inline(__always) func append(_ column: Int, _ value: Fixed) {
        precondition(count < capacity, "SparseMatrix capacity \(capacity) exceeded")
        columns[count] = column
        values[count] = value
        count += 1
    }

    /// Closes the current row.
    func endRow() {
        precondition(rowsEnded < rowCount, "SparseMatrix has only \(rowCount) rows")
        rowsEnded += 1
        rowStart[rowsEnded] = count
    }

    /// Sets the entry count after a loop wrote `columns`, `values` and `rowStart` directly.
    func finish(count: Int) {
        precondition(count <= capacity)
        self.count = count
        rowsEnded = rowCount
    }

    /// Row by row, the union of both matrices' entries in column order (rows must be
    /// sorted): `rule.combine(column, value here, value in other)`, an absent entry read as
    /// 0, keeping results > 0 — the shape of the chain's sparse EMA and interpolation. One
    /// thread: split in parts and stacked, it measured slower (the copy costs what the
    /// second core saves).
    func merged<Rule: MergeRule>(with other: SparseMatrix, _ rule: Rule) -> SparseMatrix {
        let out = SparseMatrix(rows: rowCount, capacity: count + other.count)
        var c = 0
        for i in 0..<rowCount {
            var a = rowStart[i]
            var b = other.rowStart[i]
            let aEnd = rowStart[i + 1]
            let bEnd = other.rowStart[i + 1]
            while a < aEnd || b < bEnd {
                let ja = a < aEnd ? columns[a] : Int.max
                let jb = b < bEnd ? other.columns[b] : Int.max
                let j = min(ja, jb)
                let x = ja == j ? values[a] : .zero
                let y = jb == j ? other.values[b] : .zero
                if ja == j { a += 1 }
                if jb == j { b += 1 }
                let v = rule.combine(j, x, y)
                out.columns[c] = j
                out.values[c] = v
                if v > .zero { c += 1 }
            }
            out.rowStart[i + 1] = c
        }
        out.finish(count: c)
        return out
    }

    /// Sorts the entries appended since `start` by column (a no-op when already sorted, as
    /// stored rows usually are).
    func sortRow(from start: Int) {
        let end = count
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

    /// The sum of each column, accumulated in storage order (saturating, as the chain's).
    func columnSums(_ columnCount: Int) -> [Fixed] {
        var sums = [Fixed](repeating: .zero, count: columnCount)
        sums.withUnsafeMutableBufferPointer { sums in
            for k in 0..<count { sums[columns[k]] += values[k] }
        }
        return sums
    }

    /// Every row as `(uid, value)` entries, for ``EpochTrace``.
    func fixedRows() -> [[FixedEntry]] {
        (0..<rowCount).map { i in range(i).map { FixedEntry(uid: columns[$0], value: values[$0]) } }
    }

    /// Row `i` as stored u16 proportions, each value first divided by its column's `scale`
    /// (unless that is 0).
    func storedRow(_ i: Int, scale: [FixedDivisor]?) -> [SparseEntry] {
        range(i).map { k in
            var v = values[k]
            if let scale { v = scale[columns[k]].divideUnlessZero(v) }
            return SparseEntry(uid: columns[k], value: v.u16Proportion)
        }
    }
}

/// What ``SparseMatrix/merged(with:_:)`` makes of one column's pair of entries. A generic
/// rule, not a closure: the merge is specialised for each rule, its arithmetic inlined.
protocol MergeRule {
    func combine(_ column: Int, _ here: Fixed, _ other: Fixed) -> Fixed
}
