import CTensor

/// A Float32 vector or row-major matrix, computed by Synod's native kernels.
///
/// The same kernels back the Lua `tensor` module (see ``LuaSandbox/SandboxLibrary/tensor``),
/// so a rule prototyped in Swift and the plugin's Lua give the same bits.
///
/// ```swift
/// let scores = Tensor([0.9, 0.1, 0.5])
/// let weights = try scores.softmax(temperature: 0.5)
/// let best = scores.topk(1)  // (values: [0.9], indices: [0])
/// ```
///
/// Determinism: elementwise kernels and reductions give the same bits on every run of the
/// same build, whatever the CPU's vector width (fixed reduction order, no FMA contraction).
/// Matrix products go to OpenBLAS, which may differ between machines; `log`, `pow` come
/// from the C library.
public struct Tensor: Sendable, Hashable, CustomStringConvertible {
    /// Rows of a matrix, or the length of a vector.
    public let rows: Int
    /// Columns of a matrix; 0 for a vector.
    public let columns: Int
    let storage: TensorStorage

    /// The elements, row-major (a copy).
    public var values: [Float] { Array(UnsafeBufferPointer(start: storage.pointer, count: storage.count)) }

    /// A vector.
    public init(_ values: [Float]) {
        self.init(rows: values.count, columns: 0) { out in
            for (i, v) in values.enumerated() { out[i] = v }
        }
    }

    public static func == (a: Tensor, b: Tensor) -> Bool {
        a.rows == b.rows && a.columns == b.columns && a.values == b.values
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(rows)
        hasher.combine(columns)
        hasher.combine(values)
    }

    /// A row-major matrix.
    public init(rows: Int, columns: Int, values: [Float]) throws(TensorError) {
        guard rows >= 0, columns > 0, rows * columns == values.count else {
            throw TensorError("a \(rows)×\(columns) matrix needs \(rows * columns) values, got \(values.count)")
        }
        self.init(rows: rows, columns: columns) { out in
            for (i, v) in values.enumerated() { out[i] = v }
        }
    }

    init(rows: Int, columns: Int, unsafeUninitialized fill: (UnsafeMutableBufferPointer<Float>) -> Void) {
        self.rows = rows
        self.columns = columns
        self.storage = TensorStorage(count: columns == 0 ? rows : rows * columns, fill: fill)
    }

    /// The elements, for reading in place.
    public func withUnsafeBufferPointer<R>(_ body: (UnsafeBufferPointer<Float>) throws -> R) rethrows -> R {
        try body(UnsafeBufferPointer(start: storage.pointer, count: storage.count))
    }

    /// A tensor of zeros (a vector when `columns` is 0).
    public static func zeros(_ rows: Int, _ columns: Int = 0) -> Tensor {
        Tensor(rows: rows, columns: columns) { synod_t_fill($0.baseAddress, 0, $0.count) }
    }

    /// A tensor filled with `value`.
    public static func full(_ value: Float, _ rows: Int, _ columns: Int = 0) -> Tensor {
        Tensor(rows: rows, columns: columns) { synod_t_fill($0.baseAddress, value, $0.count) }
    }

    /// Uniform values in [0, 1) from `seed`, the same on every machine.
    public static func random(_ rows: Int, _ columns: Int = 0, seed: UInt64) -> Tensor {
        Tensor(rows: rows, columns: columns) { synod_t_random(seed, $0.baseAddress, $0.count) }
    }

    /// Number of elements.
    public var count: Int { storage.count }
    /// Whether this is a matrix.
    public var isMatrix: Bool { columns != 0 }
    /// `[n]` or `[rows, columns]`.
    public var shape: [Int] { isMatrix ? [rows, columns] : [rows] }

    public var description: String {
        let values = self.values
        let shown =
            values.count > 8
            ? values.prefix(3).map { "\($0)" } + ["…"] + values.suffix(3).map { "\($0)" }
            : values.map { "\($0)" }
        return "tensor(\(shape.map(String.init).joined(separator: "×"))): [\(shown.joined(separator: ", "))]"
    }

    // MARK: - Elementwise

    func map(_ body: (UnsafePointer<Float>, UnsafeMutablePointer<Float>, Int) -> Void) -> Tensor {
        withUnsafeBufferPointer { a in
            Tensor(rows: rows, columns: columns) { out in body(a.baseAddress!, out.baseAddress!, a.count) }
        }
    }

    func combine(_ other: Tensor, _ op: synod_binary_op) throws(TensorError) -> Tensor {
        guard rows == other.rows, columns == other.columns else {
            throw TensorError("tensor shapes differ: \(shapeText) and \(other.shapeText)")
        }
        return withUnsafeBufferPointer { a in
            other.withUnsafeBufferPointer { b in
                Tensor(rows: rows, columns: columns) { out in
                    synod_t_binary(op, a.baseAddress, b.baseAddress, out.baseAddress, a.count)
                }
            }
        }
    }

    var shapeText: String { "(" + shape.map(String.init).joined(separator: "×") + ")" }

    public func adding(_ other: Tensor) throws(TensorError) -> Tensor { try combine(other, SYNOD_ADD) }
    public func subtracting(_ other: Tensor) throws(TensorError) -> Tensor { try combine(other, SYNOD_SUB) }
    public func multiplying(_ other: Tensor) throws(TensorError) -> Tensor { try combine(other, SYNOD_MUL) }
    public func dividing(_ other: Tensor) throws(TensorError) -> Tensor { try combine(other, SYNOD_DIV) }

    public static func + (a: Tensor, s: Float) -> Tensor { a.map { synod_t_scalar(SYNOD_ADD, $0, s, 0, $1, $2) } }
    public static func * (a: Tensor, s: Float) -> Tensor { a.map { synod_t_scalar(SYNOD_MUL, $0, s, 0, $1, $2) } }
    public static func - (a: Tensor, s: Float) -> Tensor { a.map { synod_t_scalar(SYNOD_SUB, $0, s, 0, $1, $2) } }
    public static prefix func - (a: Tensor) -> Tensor { a.map { synod_t_unary(SYNOD_NEG, $0, $1, $2) } }

    public func abs() -> Tensor { map { synod_t_unary(SYNOD_ABS, $0, $1, $2) } }
    /// e^x; values above 88.72 overflow to +inf, below the smallest normal float flush to 0.
    public func exp() -> Tensor { map { synod_t_unary(SYNOD_EXP, $0, $1, $2) } }
    public func log() -> Tensor { map { synod_t_unary(SYNOD_LOG, $0, $1, $2) } }
    public func sqrt() -> Tensor { map { synod_t_unary(SYNOD_SQRT, $0, $1, $2) } }
    public func clamp(_ low: Float, _ high: Float) -> Tensor { map { synod_t_clamp($0, low, high, $1, $2) } }

    // MARK: - Reductions

    /// The sum, accumulated in a fixed order (16 lanes, blocks of 1024, block sums in double).
    public func sum() -> Float { withUnsafeBufferPointer { Float(synod_t_sum($0.baseAddress, $0.count)) } }
    public func mean() -> Float {
        count == 0 ? .nan : Float(withUnsafeBufferPointer { synod_t_sum($0.baseAddress, $0.count) } / Double(count))
    }
    public func max() -> Float {
        var i: Int64 = 0
        return withUnsafeBufferPointer { synod_t_max($0.baseAddress, $0.count, &i) }
    }
    public func min() -> Float {
        var i: Int64 = 0
        return withUnsafeBufferPointer { synod_t_min($0.baseAddress, $0.count, &i) }
    }
    public func dot(_ other: Tensor) throws(TensorError) -> Float {
        guard !isMatrix, shape == other.shape else {
            throw TensorError("dot needs two vectors of one length: \(shapeText) and \(other.shapeText)")
        }
        return withUnsafeBufferPointer { a in
            other.withUnsafeBufferPointer { b in Float(synod_t_dot(a.baseAddress, b.baseAddress, a.count)) }
        }
    }

    // MARK: - Scoring helpers

    /// Scales to sum 1 (each row, for a matrix). All zeros stay zeros; a negative or NaN
    /// entry is refused, since it has no meaning as a share.
    public func normalize() throws(TensorError) -> Tensor {
        let width = isMatrix ? columns : rows
        var flagged = false
        let result = map { a, out, n in
            var start = 0
            while start < n {
                var bad: Int32 = 0
                let s = synod_t_sum_checked(a + start, width, &bad)
                if bad != 0 {
                    flagged = true
                    return
                }
                if s == 0 {
                    synod_t_fill(out + start, 0, width)
                } else {
                    synod_t_scalar(SYNOD_DIV, a + start, Float(s), 0, out + start, width)
                }
                start += Swift.max(width, 1)
            }
        }
        if flagged {
            let values = self.values
            let bad = values.firstIndex(where: { $0.isNaN || $0 < 0 }) ?? 0
            throw TensorError("normalize: entry \(values[bad]) at index \(bad + 1) is not a share (must be ≥ 0)")
        }
        return result
    }

    /// softmax(x / temperature), each row for a matrix.
    public func softmax(temperature: Float = 1) throws(TensorError) -> Tensor {
        guard temperature > 0 else { throw TensorError("softmax: temperature must be positive") }
        let width = isMatrix ? columns : rows
        return map { a, out, n in
            var start = 0
            while start < n {
                synod_t_softmax(a + start, temperature, out + start, width)
                start += Swift.max(width, 1)
            }
        }
    }

    /// Cosine similarity with a vector: one value per row of a matrix (0 where a norm is 0).
    public func cosine(_ v: Tensor) throws(TensorError) -> Tensor {
        let d = isMatrix ? columns : rows
        guard !v.isMatrix, v.rows == d else {
            throw TensorError("cosine: tensor shapes differ: \(shapeText) and \(v.shapeText)")
        }
        let n = isMatrix ? rows : 1
        return withUnsafeBufferPointer { m in
            v.withUnsafeBufferPointer { vv in
                Tensor(rows: n, columns: 0) { out in
                    synod_t_row_cosine(m.baseAddress, n, d, vv.baseAddress, out.baseAddress)
                }
            }
        }
    }

    /// The `k` largest values, largest first (ties: lower index first), with 0-based indices.
    public func topk(_ k: Int) -> (values: [Float], indices: [Int]) {
        let k = Swift.min(Swift.max(k, 0), count)
        var top = [Float](repeating: 0, count: k)
        var idx = [Int64](repeating: 0, count: k)
        withUnsafeBufferPointer { a in synod_t_topk(a.baseAddress, a.count, k, &top, &idx) }
        return (top, idx.map { Int($0) })
    }

    /// Positions that sort the vector (stable; NaN last), 0-based.
    public func argsort(descending: Bool = false) -> [Int] {
        var idx = [Int64](repeating: 0, count: count)
        withUnsafeBufferPointer { a in synod_t_argsort(a.baseAddress, a.count, descending ? 1 : 0, &idx) }
        return idx.map { Int($0) }
    }

    // MARK: - Matrices

    /// The matrix product, through BLAS.
    public func matmul(_ other: Tensor) throws(TensorError) -> Tensor {
        guard isMatrix, other.isMatrix, columns == other.rows else {
            throw TensorError("matmul: shapes \(shapeText) and \(other.shapeText) do not chain")
        }
        return withUnsafeBufferPointer { a in
            other.withUnsafeBufferPointer { b in
                Tensor(rows: rows, columns: other.columns) { out in
                    synod_t_matmul(a.baseAddress, b.baseAddress, rows, columns, other.columns, out.baseAddress)
                }
            }
        }
    }

    public func transposed() -> Tensor {
        guard isMatrix else { return self }
        return withUnsafeBufferPointer { a in
            Tensor(rows: columns, columns: rows) { out in
                synod_t_transpose(a.baseAddress, rows, columns, out.baseAddress)
            }
        }
    }
}

/// A tensor operation was given shapes or values it cannot work with.
public struct TensorError: Error, Sendable, Hashable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// The elements of a tensor, allocated by CTensor (huge pages for large tensors) and
/// immutable once filled.
final class TensorStorage: @unchecked Sendable {
    // @unchecked: the buffer is written only by `fill`, before the storage is shared;
    // afterwards it is read-only, so sharing across tasks is safe.
    let pointer: UnsafeMutablePointer<Float>
    let count: Int

    init(count: Int, fill: (UnsafeMutableBufferPointer<Float>) -> Void) {
        guard let pointer = synod_t_alloc(count) else {
            fatalError("out of memory allocating a tensor of \(count) elements")
        }
        self.pointer = pointer
        self.count = count
        fill(UnsafeMutableBufferPointer(start: pointer, count: count))
    }

    deinit { synod_t_free(pointer) }
}
