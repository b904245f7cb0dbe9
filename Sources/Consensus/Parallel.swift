import Dispatch

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Independent parts of an epoch's work (columns of the median, rows of the bonds), spread
/// over the machine's cores. Each part writes only its own outputs, so the results are the
/// same bits whatever the number of parts; callers keep their sums exact by adding only
/// values whose total cannot saturate (shares of a normalised stake).
enum Parallel {
    /// How many parts the work is split into at most: the online cores (at most 8).
    static let width: Int = {
        let cores = Int(sysconf(Int32(_SC_NPROCESSORS_ONLN)))
        return min(max(cores, 1), 8)
    }()

    /// Parts for `work` entries: one below the size where waking other threads costs more
    /// than it saves.
    static func parts(for work: Int) -> Int { work < 8192 ? 1 : width }

    /// `body(part)` for every part in `0..<parts`, concurrently when there is more than one
    /// (the calling thread takes a part too).
    static func run(parts: Int, _ body: (Int) -> Void) {
        if parts <= 1 {
            body(0)
            return
        }
        // The parts share unsafe buffers, each writing only its own slots: not a `Sendable`
        // closure in the type system's eyes, though it is safe to run concurrently.
        withoutActuallyEscaping(body) { body in
            let shared = UncheckedSendable(body)
            DispatchQueue.concurrentPerform(iterations: parts) { shared.value($0) }
        }
    }

    private struct UncheckedSendable<Value>: @unchecked Sendable {
        let value: Value
        init(_ value: Value) { self.value = value }
    }

    /// `0..<count` cut into `parts` contiguous ranges of about equal weight, where
    /// `cumulative(i)` is the weight before index `i` (a CSR matrix's `rowStart`).
    static func split(_ count: Int, parts: Int, cumulative: (Int) -> Int) -> [Range<Int>] {
        guard parts > 1, count > 0 else { return [0..<count] }
        let total = cumulative(count)
        var ranges: [Range<Int>] = []
        var start = 0
        for part in 1...parts {
            var end = start
            let target = total * part / parts
            while end < count && cumulative(end) < target { end += 1 }
            if part == parts { end = count }
            ranges.append(start..<end)
            start = end
        }
        return ranges
    }
}
