import CFixedPoint

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A sparse matrix in compressed rows (CSR): row `i` holds `columns[rowStart[i]..<rowEnd[i]]`
/// and the matching `values`, in ascending column order.
///
/// The epoch's inner loops run over these buffers tens of thousands of times per epoch, so
/// the storage is raw memory owned by this object: the loops index pointers directly,
/// without the bounds and uniqueness checks that made array-backed rows several times
/// slower. A matrix is filled (``append(_:_:)`` then ``endRow()`` per row, within the
/// capacity given, or rows written in place) and may then be rescaled in place;
/// ``reset(rows:capacity:)`` empties it for the next epoch, keeping its memory
/// (``YumaWorkspace``).
///
/// Rows may leave room after them: a row computed from other matrices' rows can start where
/// the most those rows could produce before it ends, so every row has a place known before
/// any is computed, and rows are computed on several cores with nothing to move afterwards.
final class SparseMatrix {
    private(set) var rowCount = 0
    private(set) var capacity = 0
    /// `rowCount + 1` offsets: `rowStart[i]` is where row `i` begins, `rowStart[rowCount]`
    /// is ``extent``.
    private(set) var rowStart: UnsafeMutablePointer<Int>
    /// `rowCount` offsets: `rowEnd[i]` is one past row `i`'s last entry.
    private(set) var rowEnd: UnsafeMutablePointer<Int>
    private(set) var columns: UnsafeMutablePointer<Int>
    private(set) var values: UnsafeMutablePointer<Fixed>
    /// Entries held (the rows' lengths added up).
    private(set) var count = 0
    /// One past the last row's end: the room a matrix laid out after this one needs.
    private(set) var extent = 0
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
        rowEnd = .allocate(capacity: 1)
        columns = .allocate(capacity: 1)
        values = .allocate(capacity: 1)
        rowStart[0] = 0
        rowCapacity = 1
        capacity = 1
    }

    deinit {
        rowStart.deallocate()
        rowEnd.deallocate()
        columns.deallocate()
        values.deallocate()
    }

    /// Empties the matrix for `rows` rows and up to `capacity` entries, growing its buffers
    /// only when they are too small.
    func reset(rows: Int, capacity: Int) {
        if rows + 1 > rowCapacity {
            rowStart.deallocate()
            rowEnd.deallocate()
            rowCapacity = rows + 1
            rowStart = .allocate(capacity: rowCapacity)
            rowEnd = .allocate(capacity: rowCapacity)
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
        extent = 0
        rowsEnded = 0
        rowStart[0] = 0
    }

    /// Bytes of entry and row storage held.
    var bytes: Int { capacity * (MemoryLayout<Int>.stride + MemoryLayout<Fixed>.stride) + rowCapacity * 16 }

    /// How a stored u16 bond is read.
    enum StoredValue {
        /// As the integer it is (classic Yuma's bonds).
        case integer
        /// As a proportion of 65535 (Yuma3's).
        case proportion
    }

    /// Fills the matrix with stored u16 rows, skipping masked columns, each value read `as`
    /// told (a branch the same way every time, where a closure was a call per entry); rows
    /// are sorted by column. Returns each column's sum (saturating: of
    /// non-negative values, whatever their order). Row `i` takes the place of the stored
    /// entries before it, so rows load in parts on several cores, each part summing into
    /// columns of its own, added after.
    @discardableResult
    func load(_ rows: [[SparseEntry]], skipping masked: [Bool], as stored: StoredValue) -> [Fixed] {
        let n = masked.count
        let slots = Self.slots(of: rows)
        reset(rows: rows.count, capacity: slots[rows.count])
        let parts = Parallel.split(rows.count, parts: Parallel.parts(for: slots[rows.count])) { slots[$0] }
        let partSums = PartColumns(parts: parts.count, columns: n, zero: Fixed.zero)
        var sums = [Fixed](repeating: .zero, count: n)
        let (starts, ends, columns, values) = (rowStart, rowEnd, self.columns, self.values)
        masked.withUnsafeBufferPointer { masked in
            sums.withUnsafeMutableBufferPointer { result in
                Parallel.run(parts: parts.count) { part in
                    let sums = partSums.columns(forPart: part, result: result.baseAddress!)
                    for i in parts[part] {
                        let start = slots[i]
                        var c = start
                        var sorted = true
                        var last: Int64 = -1
                        // At most the row's count: its slot's size.
                        rows[i].withUnsafeBufferPointer { row in
                            let vector = stored == .integer && ColumnDivisors.vectorStoredRows
                            ColumnDivisors.sweep(0, row.count, vector: vector) { k in
                                let taken = synod_q32_load(
                                    ColumnDivisors.stored(row)! + k, row.count &- k, &last, -1, nil, 0,
                                    UnsafeRawPointer(masked.baseAddress!).assumingMemoryBound(to: UInt8.self),
                                    .bits(columns + c), .bits(values + c), .bits(sums), nil)
                                c &+= taken
                                return taken
                            } scalar: { k in
                                let e = row[k]
                                guard !masked[e.uid] else { return }
                                let value =
                                    stored == .integer
                                    ? Fixed(bits: Int64(e.value) << 32) : Fixed(u16Proportion: e.value)
                                columns[c] = e.uid
                                values[c] = value
                                sums[e.uid] += value
                                sorted = sorted && Int64(e.uid) > last
                                last = Int64(e.uid)
                                c &+= 1
                            }
                        }
                        if !sorted { sortEntries(start..<c) }
                        starts[i] = start
                        ends[i] = c
                    }
                }
                partSums.fold(into: result.baseAddress!) { $0 += $1 }
            }
        }
        finish(extent: slots[rows.count])
        return sums
    }

    /// Where each of `rows` starts when they are laid end to end, and (last) their total.
    static func slots(of rows: [[SparseEntry]]) -> [Int] {
        var slots = [Int](repeating: 0, count: rows.count + 1)
        for (i, row) in rows.enumerated() { slots[i + 1] = slots[i] + row.count }
        return slots
    }

    @inline(__always) func range(_ i: Int) -> Range<Int> { rowStart[i]..<rowEnd[i] }

    @inline(__always) func append(_ column: Int, _ value: Fixed) {
        precondition(extent < capacity, "SparseMatrix capacity \(capacity) exceeded")
        columns[extent] = column
        values[extent] = value
        extent += 1
    }

    /// Closes the current row.
    func endRow() {
        precondition(rowsEnded < rowCount, "SparseMatrix has only \(rowCount) rows")
        rowEnd[rowsEnded] = extent
        rowsEnded += 1
        rowStart[rowsEnded] = extent
        count = extent
    }

    /// Closes the matrix after a loop wrote `columns`, `values`, `rowStart` and `rowEnd`
    /// directly, every row ending by `extent`.
    func finish(extent: Int) {
        precondition(extent <= capacity)
        var count = 0
        for i in 0..<rowCount {
            precondition(rowStart[i] <= rowEnd[i] && rowEnd[i] <= extent)
            count &+= rowEnd[i] &- rowStart[i]
        }
        self.count = count
        self.extent = extent
        rowStart[rowCount] = extent
        rowsEnded = rowCount
    }

    /// Row by row, the union of both matrices' entries in column order (rows must be
    /// sorted): `rule.combine(column, value here, value in other)`, an absent entry read as
    /// 0, keeping results > 0 — the shape of the chain's sparse EMA and interpolation.
    ///
    /// Row `i` of the result starts where this row and the other's start added together (no
    /// row can hold more than both), so rows are merged in parts on several cores, each part
    /// writing its own rows, and nothing moves afterwards.
    ///
    /// With `sums` and `maxes` (one per column: the matrices are square), each column's sum
    /// (saturating, of positive values) and largest value of the result too (both start at
    /// 0). A part adds into its own columns, added together after: a saturating sum of
    /// non-negative values and a maximum do not depend on the order.
    func merged<Rule: MergeRule>(
        with other: SparseMatrix, _ rule: Rule, into out: SparseMatrix, sums: UnsafeMutablePointer<Fixed>? = nil,
        maxes: UnsafeMutablePointer<Fixed>? = nil
    ) -> SparseMatrix {
        out.reset(rows: rowCount, capacity: extent + other.extent)
        let n = rowCount
        let parts = Parallel.parts(for: count + other.count)
        let rowParts = Parallel.split(n, parts: parts) { self.rowStart[$0] + other.rowStart[$0] }
        let partSums = PartColumns(parts: sums == nil ? 1 : rowParts.count, columns: n, zero: Fixed.zero)
        let partMaxes = PartColumns(parts: maxes == nil ? 1 : rowParts.count, columns: n, zero: Fixed.zero)
        // The buffers in locals: stores through one pointer would otherwise make the
        // compiler reload the others from the objects each time.
        let (aStart, aEnd, aColumns, aValues) = (rowStart, rowEnd, columns, values)
        let (bStart, bEnd, bColumns, bValues) = (other.rowStart, other.rowEnd, other.columns, other.values)
        let (outStart, outEnd, outColumns, outValues) = (out.rowStart, out.rowEnd, out.columns, out.values)
        Parallel.run(parts: rowParts.count) { part in
            let sums = sums.map { partSums.columns(forPart: part, result: $0) }
            let maxes = maxes.map { partMaxes.columns(forPart: part, result: $0) }
            for i in rowParts[part] {
                var c = aStart[i] &+ bStart[i]
                outStart[i] = c
                /// Writes an entry of the result, kept when > 0, with its column's sum and maximum.
                @inline(__always) func emit(_ j: Int, _ v: Fixed) {
                    outColumns[c] = j
                    outValues[c] = v
                    // Adding 0 leaves a sum as it is, saturated or not.
                    if let sums { sums[j] += v > .zero ? v : .zero }
                    if let maxes, maxes[j] < v { maxes[j] = v }
                    c &+= v > .zero ? 1 : 0
                }
                var a = aStart[i]
                var b = bStart[i]
                let aLast = aEnd[i]
                let bLast = bEnd[i]
                // Rows over the same columns (a validator's bonds follow its weights): entry by
                // entry, no merging.
                if aLast - a == bLast - b
                    && memcmp(aColumns + a, bColumns + b, (aLast - a) * MemoryLayout<Int>.stride) == 0
                {
                    let length = aLast &- a
                    ColumnDivisors.sweep(0, length, vector: sums != nil && maxes != nil) { k in
                        let (x, y) = (a &+ k, b &+ k)
                        let taken = rule.combineRun(
                            aColumns + x, aValues + x, bValues + y, count: length &- k, into: outColumns + c,
                            outValues + c, sums: sums!, maxes: maxes!)
                        c &+= taken
                        return taken
                    } scalar: { k in
                        let j = aColumns[a &+ k]
                        emit(j, rule.combine(j, aValues[a &+ k], bValues[b &+ k]))
                    }
                    outEnd[i] = c
                    continue
                }
                while a < aLast || b < bLast {
                    let ja = a < aLast ? aColumns[a] : Int.max
                    let jb = b < bLast ? bColumns[b] : Int.max
                    let j = min(ja, jb)
                    let x = ja == j ? aValues[a] : .zero
                    let y = jb == j ? bValues[b] : .zero
                    if ja == j { a += 1 }
                    if jb == j { b += 1 }
                    emit(j, rule.combine(j, x, y))
                }
                outEnd[i] = c
            }
        }
        if let sums { partSums.fold(into: sums) { $0 += $1 } }
        if let maxes { partMaxes.fold(into: maxes) { $0 = max($0, $1) } }
        out.finish(extent: extent + other.extent)
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
            for i in 0..<rowCount {
                for k in range(i) { sums[columns[k]] += values[k] }
            }
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

    /// The leading entries of two rows over the same `columns` that a vector kernel combines
    /// exactly as `combine` would, every result > 0: each written to `outColumns`/`outValues`,
    /// added to its column's `sums` and raised into its `maxes`. Returns how many it took; a
    /// rule without a kernel takes none.
    func combineRun(
        _ columns: UnsafeMutablePointer<Int>, _ here: UnsafeMutablePointer<Fixed>,
        _ other: UnsafeMutablePointer<Fixed>, count: Int, into outColumns: UnsafeMutablePointer<Int>,
        _ outValues: UnsafeMutablePointer<Fixed>, sums: UnsafeMutablePointer<Fixed>,
        maxes: UnsafeMutablePointer<Fixed>
    ) -> Int
}

extension MergeRule {
    @inline(__always) func combineRun(
        _ columns: UnsafeMutablePointer<Int>, _ here: UnsafeMutablePointer<Fixed>,
        _ other: UnsafeMutablePointer<Fixed>, count: Int, into outColumns: UnsafeMutablePointer<Int>,
        _ outValues: UnsafeMutablePointer<Fixed>, sums: UnsafeMutablePointer<Fixed>,
        maxes: UnsafeMutablePointer<Fixed>
    ) -> Int { 0 }
}
