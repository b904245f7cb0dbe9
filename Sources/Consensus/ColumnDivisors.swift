import CFixedPoint

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// One ``FixedDivisor`` per column, laid out side by side for the four-lane kernels
/// (`CFixedPoint/kernels.c`): neighbouring columns' divisors and scales are one load each.
/// The scalar path keeps using the ``FixedDivisor``s themselves.
final class ColumnDivisors {
    let divisors: [FixedDivisor]
    private let divisor: UnsafeMutablePointer<Int64>
    private let scale: UnsafeMutablePointer<Double>

    init(_ divisors: [FixedDivisor]) {
        self.divisors = divisors
        divisor = .allocate(capacity: max(divisors.count, 1))
        scale = .allocate(capacity: max(divisors.count, 1))
        for (j, d) in divisors.enumerated() {
            divisor[j] = d.divisor.bits
            scale[j] = Self.scale(of: d.divisor)
        }
    }

    convenience init(_ sums: [Fixed]) { self.init(sums.map(FixedDivisor.init)) }

    deinit {
        divisor.deallocate()
        scale.deallocate()
    }

    /// The kernels' reciprocal of `divisor` (0 for a divisor of 0 or less), made here whichever
    /// way ``FixedDivisor`` divides, so the kernels are right in every mode.
    static func scale(of divisor: Fixed) -> Double {
        divisor.bits > 0 ? synod_q32_divisor_make(UInt64(divisor.bits)).scale : 0
    }

    /// The kernels' view of the columns (valid while this object lives).
    var lanes: synod_q32_columns { synod_q32_columns(divisor: divisor, scale: scale) }

    /// Entries `start..<end` of a row, in order: with `vector`, `kernel(k)` takes what it can
    /// from entry k on and returns how many, and `scalar` does the group of four it stopped
    /// at, one entry at a time, before the kernel is asked again; without, `scalar` does all.
    @inline(__always) static func sweep(
        _ start: Int, _ end: Int, vector: Bool, kernel: (Int) -> Int, scalar: (Int) -> Void
    ) {
        var k = start
        guard vector else {
            while k < end {
                scalar(k)
                k &+= 1
            }
            return
        }
        while k < end {
            if end &- k >= 4 { k &+= kernel(k) }
            let stop = min(k &+ 4, end)
            while k < stop {
                scalar(k)
                k &+= 1
            }
        }
    }

    /// Whether stored rows are read and written four entries at a time (`synod_q32_load`,
    /// `synod_q32_proportions`): the kernels run, and Swift lays out ``SparseEntry`` as they
    /// read and write it (uid, then the value, in 16 bytes) — a layout Swift does not promise,
    /// so it is checked.
    static let vectorStoredRows: Bool = vectorKernels && storedLayoutMatches

    /// Whether ``SparseEntry`` is laid out as `synod_stored_entry`.
    static let storedLayoutMatches: Bool =
        MemoryLayout<SparseEntry>.stride == MemoryLayout<synod_stored_entry>.stride
        && MemoryLayout<SparseEntry>.offset(of: \SparseEntry.uid) == 0
        && MemoryLayout<SparseEntry>.offset(of: \SparseEntry.value)
            == MemoryLayout<synod_stored_entry>.offset(
                of: \synod_stored_entry.value)

    /// A row of stored entries as the kernel reads them (valid while `row` is).
    @inline(__always) static func stored(_ row: UnsafeBufferPointer<SparseEntry>) -> UnsafePointer<synod_stored_entry>?
    {
        row.baseAddress.map { UnsafeRawPointer($0).assumingMemoryBound(to: synod_stored_entry.self) }
    }

    /// Whether the epoch's sweeps hand runs of consecutive columns to the four-lane kernels:
    /// the CPU has AVX2 and FMA, divisors multiply by their reciprocal (the kernels are its
    /// vector form), and `SYNOD_VECTOR` is not `off` (tests run both ways).
    static let vectorKernels: Bool = {
        synod_q32_vector_available() != 0 && FixedDivisor.byReciprocal
            && getenv("SYNOD_VECTOR").map { String(cString: $0) } != "off"
    }()
}

// The kernels read and write Q32.32 bits and column indices as C's int64_t: `Fixed` and
// `Int` have `Int64`'s layout, and these pointers go only to C, never read in Swift.
extension UnsafeMutablePointer where Pointee == Int64 {
    @inline(__always) static func bits<T>(_ pointer: UnsafeMutablePointer<T>) -> Self {
        UnsafeMutableRawPointer(pointer).assumingMemoryBound(to: Int64.self)
    }
}

extension UnsafePointer where Pointee == Int64 {
    @inline(__always) static func bits<T>(_ pointer: UnsafeMutablePointer<T>) -> Self {
        UnsafeRawPointer(pointer).assumingMemoryBound(to: Int64.self)
    }

    @inline(__always) static func bits<T>(_ pointer: UnsafePointer<T>) -> Self {
        UnsafeRawPointer(pointer).assumingMemoryBound(to: Int64.self)
    }
}

extension Yuma {
    /// Which sweeps run four lanes at a time in this process, in words (benchmarks print it).
    public static var vectorMethod: String {
        if ColumnDivisors.vectorKernels {
            return "four-lane AVX2 + FMA kernels over runs of consecutive columns (clip, EMA, normalisations)"
        }
        if synod_q32_vector_available() == 0 { return "scalar (this CPU lacks AVX2 or FMA)" }
        return FixedDivisor.byReciprocal ? "scalar (SYNOD_VECTOR=off)" : "scalar (the kernels need the reciprocal)"
    }
}
