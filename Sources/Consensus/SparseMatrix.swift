#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A sparse matrix in compressed rows (CSR): row `i` holds `columns[rowStart[i]..<rowStart[i+1]]`
/// and the matching `values`, in ascending column order.
///
/// The epoch's inner loops run over these buffers tens of thousands of times per epoch, so
/// the storage is raw memory owned by this object: the loops index pointers directly,
/// without the bounds and uniqueness checks that made array-backed rows several times
/// slower. A matrix is filled (``append(_:_:)`` then ``endRow()`` per row, within the
/// capacity given) and may then be rescaled in place; ``reset(rows:capacity:)`` empties it
/// for the next epoch, keeping its memory (``YumaWorkspace``).
final class SparseMatrix {
    private(set) var rowCount = 0
    private(set) var capacity = 0
    /// `rowCount + 1` offsets; `rowStart[i]` is where row `i` begins.
    private(set) var rowStart: UnsafeMutablePointer<Int>
    private(set) var columns: UnsafeMutablePointer<Int>
    private(set) var values: UnsafeMutablePointer<Fixed>
    /// Entries written so far.
    private(set) var count = 0
    private var rowsEnded = 0
    private var rowCapacity = 0

    /// An empty matrix with room for `capacity` entries over `rows` rows.
    convenience init(rows: Int, capacity: Int) {
        self.init()
        reset(rows: rows, capacity: capacity)
    }

    /// A matrix of no rows, to ``reset(rows:capacity:)`` before use.
    init() {
        rowStart = .allocate(capacity: 1)
        columns = .allocate(capacity: 1)
        values = .allocate(capacity: 1)
        rowStart[0] = 0
        rowCapacity = 1
        capacity = 1
    }

    deinit {
        rowStart.deallocate()
        columns.deallocate()
        values.deallocate()
    }

    /// Empties the matrix for `rows` rows and up to `capacity` entries, growing its buffers
    /// only when they are too small.
    func reset(rows: Int, capacity: Int) {
        if rows + 1 > rowCapacity {
            rowStart.deallocate()
            rowCapacity = rows + 1
            rowStart = .allocate(capacity: rowCapacity)
        }
        if capacity > self.capacity {
            columns.deallocate()
            values.deallocate()
            self.capacity = capacity
            columns = .allocate(capacity: capacity)
            values = .allocate(capacity: capacity)
        }
        rowCount = rows
        count = 0
        rowsEnded = 0
        rowStart[0] = 0
    }

    /// Bytes of entry and row storage held.
    var bytes: Int { capacity * (MemoryLayout<Int>.stride + MemoryLayout<Fixed>.stride) + rowCapacity * 8 }

    /// Fills the matrix with stored u16 rows, skipping masked columns, each value converted
    /// by `convert`; rows are sorted by column. Returns each column's sum (saturating: of
    /// non-negative values, whatever their order).
    @discardableResult
    func load(_ rows: [[SparseEntry]], skipping masked: [Bool], convert: (UInt16) -> Fixed) -> [Fixed] {
        var sums = [Fixed](repeating: .zero, count: masked.count)
        reset(rows: rows.count, capacity: rows.reduce(0) { $0 + $1.count })
        let (starts, columns, values) = (rowStart, self.columns, self.values)
        var c = 0
        masked.withUnsafeBufferPointer { masked in
            sums.withUnsafeMutableBufferPointer { sums in
                for (i, row) in rows.enumerated() {
                    let start = c
                    var sorted = true
                    var last = -1
                    // At most the row's count: the capacity is the rows' total.
                    for e in row where !masked[e.uid] {
                        let value = convert(e.value)
                        columns[c] = e.uid
                        values[c] = value
                        sums[e.uid] += value
                        sorted = sorted && e.uid > last
                        last = e.uid
                        c &+= 1
                    }
                    if !sorted { sortEntries(start..<c) }
                    starts[i + 1] = c
                }
            }
        }
        finish(count: c)
        return sums
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
    ///
    /// With `sums` and `maxes`, each column's sum (saturating, of positive values) and
    /// largest value of the result too (both start at 0).
    func merged<Rule: MergeRule>(
        with other: SparseMatrix, _ rule: Rule, into out: SparseMatrix, sums: UnsafeMutablePointer<Fixed>? = nil,
        maxes: UnsafeMutablePointer<Fixed>? = nil
    ) -> SparseMatrix {
        out.reset(rows: rowCount, capacity: count + other.count)
        // The buffers in locals: stores through one pointer would otherwise make the
        // compiler reload the others from the objects each time.
        let (aStart, aColumns, aValues) = (rowStart, columns, values)
        let (bStart, bColumns, bValues) = (other.rowStart, other.columns, other.values)
        let (outStart, outColumns, outValues) = (out.rowStart, out.columns, out.values)
        var c = 0
        /// Writes an entry of the result, kept when > 0, with its column's sum and maximum.
        @inline(__always) func emit(_ j: Int, _ v: Fixed) {
            outColumns[c] = j
            outValues[c] = v
            // Adding 0 leaves a sum as it is, saturated or not.
            if let sums { sums[j] += v > .zero ? v : .zero }
            if let maxes, maxes[j] < v { maxes[j] = v }
            c &+= v > .zero ? 1 : 0
        }
        for i in 0..<rowCount {
            var a = aStart[i]
            var b = bStart[i]
            let aEnd = aStart[i + 1]
            let bEnd = bStart[i + 1]
            // Rows over the same columns (a validator's bonds follow its weights): entry by
            // entry, no merging.
            if aEnd - a == bEnd - b && memcmp(aColumns + a, bColumns + b, (aEnd - a) * MemoryLayout<Int>.stride) == 0 {
                for k in 0..<(aEnd &- a) {
                    let j = aColumns[a &+ k]
                    emit(j, rule.combine(j, aValues[a &+ k], bValues[b &+ k]))
                }
                outStart[i + 1] = c
                continue
            }
            while a < aEnd || b < bEnd {
                let ja = a < aEnd ? aColumns[a] : Int.max
                let jb = b < bEnd ? bColumns[b] : Int.max
                let j = min(ja, jb)
                let x = ja == j ? aValues[a] : .zero
                let y = jb == j ? bValues[b] : .zero
                if ja == j { a += 1 }
                if jb == j { b += 1 }
                emit(j, rule.combine(j, x, y))
            }
            outStart[i + 1] = c
        }
        out.finish(count: c)
        return out
    }

    /// Sorts the entries in `range` by column.
    func sortEntries(_ range: Range<Int>) {
        let (columns, values) = (self.columns, self.values)
        let pairs = range.map { (columns[$0], values[$0]) }.sorted { $0.0 < $1.0 }
        for (offset, pair) in pairs.enumerated() {
            columns[range.lowerBound + offset] = pair.0
            values[range.lowerBound + offset] = pair.1
        }
    }

    /// The sum of each column, accumulated in storage order (saturating, as the chain's).
    func columnSums(_ columnCount: Int) -> [Fixed] {
        var sums = [Fixed](repeating: .zero, count: columnCount)
        let (columns, values) = (self.columns, self.values)
        sums.withUnsafeMutableBufferPointer { sums in
            for k in 0..<count { sums[columns[k]] += values[k] }
        }
        return sums
    }

    /// Every row as `(uid, value)` entries, for ``EpochTrace``.
    func fixedRows() -> [[FixedEntry]] {
        (0..<rowCount).map { i in range(i).map { FixedEntry(uid: columns[$0], value: values[$0]) } }
    }

    /// Row `i` as stored u16 proportions.
    func storedRow(_ i: Int) -> [SparseEntry] {
        range(i).map { SparseEntry(uid: columns[$0], value: values[$0].u16Proportion) }
    }
}

/// What ``SparseMatrix/merged(with:_:)`` makes of one column's pair of entries. A generic
/// rule, not a closure: the merge is specialised for each rule, its arithmetic inlined.
protocol MergeRule {
    func combine(_ column: Int, _ here: Fixed, _ other: Fixed) -> Fixed
}
