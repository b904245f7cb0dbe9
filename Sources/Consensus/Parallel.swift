import Synchronization

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Independent parts of an epoch's work (columns of the median, rows of the matrices),
/// spread over the machine's cores. Each part writes only its own outputs, so the results
/// are the same bits whatever the number of parts; callers keep their sums exact by adding
/// only values whose total cannot saturate (shares of a normalised stake), or non-negative
/// values, whose saturating sum does not depend on the order.
enum Parallel {
    /// How many parts the work is split into at most: the online cores (at most 8).
    static let width: Int = {
        let cores = Int(sysconf(Int32(_SC_NPROCESSORS_ONLN)))
        return min(max(cores, 1), 8)
    }()

    /// Parts for `work` entries: one below the size where handing work to the other cores
    /// saves more than it costs. A step handed out costs a few microseconds (``WorkerPool``);
    /// 4,096 entries take some 30 µs on one core, so half of them on another saves several
    /// times that (measured on 2-core Intel and AMD virtual machines, 256 × 64 epochs).
    static func parts(for work: Int) -> Int { work < 1 << 12 ? 1 : width }

    /// `body(part)` for every part in `0..<parts`, concurrently when there is more than one
    /// (the calling thread takes parts too).
    static func run(parts: Int, _ body: (Int) -> Void) {
        if parts <= 1 {
            body(0)
            return
        }
        WorkerPool.shared.run(parts: parts, body)
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

/// Columns for the parts of a step past the first, zeroed: a step whose rows add into
/// columns (sums, maxima) runs its first part on the result itself and every other part on
/// columns of its own, which the caller folds into the result after the step. Empty when
/// the step has one part.
final class PartColumns<Value> {
    private let storage: UnsafeMutablePointer<Value>
    private let columns: Int
    private let extraParts: Int

    init(parts: Int, columns: Int, zero: Value) {
        self.columns = columns
        extraParts = max(parts - 1, 0)
        storage = .allocate(capacity: extraParts * columns)
        storage.initialize(repeating: zero, count: extraParts * columns)
    }

    deinit {
        storage.deinitialize(count: extraParts * columns)
        storage.deallocate()
    }

    /// Where `part` adds: `result` for the first part, its own columns for the others.
    func columns(forPart part: Int, result: UnsafeMutablePointer<Value>) -> UnsafeMutablePointer<Value> {
        part == 0 ? result : storage + (part - 1) * columns
    }

    /// `combine(&result[j], extra[j])` for every column of every part past the first.
    func fold(into result: UnsafeMutablePointer<Value>, _ combine: (inout Value, Value) -> Void) {
        for part in 0..<extraParts {
            let extra = storage + part * columns
            for j in 0..<columns { combine(&result[j], extra[j]) }
        }
    }
}

/// Threads kept for ``Parallel/run(parts:_:)``: an epoch hands out a dozen parallel steps of
/// tens of microseconds each, and waking a thread through the kernel for each (as Dispatch
/// does) cost more than the steps saved. A worker that has just finished a step spins for
/// a while on the next one's number before sleeping on a condition variable, so steps in
/// quick succession start within one exchange between cores (about a microsecond on these
/// virtual machines), and an idle process burns nothing.
///
/// Parts are taken in order from a shared counter by whichever thread is free first, so a
/// step cut into more parts than threads evens out parts of unequal cost (the median's
/// columns: some nobody weights), and a worker that starts late leaves its parts to the
/// caller. A step costs one message out (its number), the counter once per part, and each
/// worker's "done" back. Every worker takes part in every step, and the caller waits for
/// all of them before the step's closure goes out of scope. One caller at a time: a second
/// epoch running on another thread meanwhile does its parts itself, one after another
/// (same results).
final class WorkerPool: @unchecked Sendable {
    // @unchecked: the step's address is written only by the caller holding `busy`, before it
    // publishes a new `generation`, and read by workers after they see it (acquire); the
    // caller changes it again only after every worker has added to `finished` (release,
    // read with acquire). `workers` is set before any step.
    static let shared = WorkerPool(workers: Parallel.width - 1)

    /// Threads started (set in `init`, before any step).
    private var workers = 0
    /// Each on a cache line of its own, written by one side and read by the other, so that a
    /// step moves as few lines between cores as it can: the step's number and where the
    /// step is (the caller's stack, while it lasts) together; the workers' parts done, a
    /// running total (never reset, so the caller only reads it).
    private let busy = CacheLine()
    private let generation = CacheLine()
    private let finished = CacheLine()
    /// The next part of the current step to take (reset by the caller before each step).
    private let nextPart = CacheLine()
    private let sleepers = CacheLine()
    private let lock = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    private let wake = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)
    /// How long a worker spins after a step before it sleeps: long enough to cover the
    /// serial work between an epoch's steps, and between epochs run back to back (a worker
    /// woken through the kernel starts tens of microseconds late). Timed, not counted: a
    /// spin's length differs several times between CPUs.
    private static let spinNanoseconds: UInt64 = 300_000

    private struct Job {
        let body: (Int) -> Void
        let parts: Int
    }

    /// An atomic counter alone on its cache line, so that writing it does not take a line
    /// the other core is reading something else from.
    private final class CacheLine: Sendable {
        let value = Atomic<Int>(0)
        let job = Atomic<UInt>(0)
        private let padding: (Int, Int, Int, Int, Int, Int, Int, Int, Int, Int, Int, Int, Int, Int, Int, Int) = (
            0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0
        )
    }

    private init(workers: Int) {
        pthread_mutex_init(lock, nil)
        pthread_cond_init(wake, nil)
        for _ in 0..<max(workers, 0) {
            let context = Unmanaged.passRetained(Worker(pool: self)).toOpaque()
            var thread = pthread_t()
            let result = pthread_create(
                &thread, nil,
                { context in
                    let worker = Unmanaged<Worker>.fromOpaque(context!).takeRetainedValue()
                    worker.pool.work()
                    return nil
                }, context)
            if result == 0 {
                pthread_detach(thread)
                self.workers += 1
            } else {
                Unmanaged<Worker>.fromOpaque(context).release()
                break
            }
        }
    }

    private final class Worker {
        let pool: WorkerPool
        init(pool: WorkerPool) { self.pool = pool }
    }

    func run(parts: Int, _ body: (Int) -> Void) {
        guard workers > 0, busy.value.compareExchange(expected: 0, desired: 1, ordering: .acquiring).exchanged else {
            for part in 0..<parts { body(part) }
            return
        }
        withoutActuallyEscaping(body) { body in
            var step = Job(body: body, parts: parts)
            withUnsafePointer(to: &step) { step in
                generation.job.store(UInt(bitPattern: step), ordering: .relaxed)
                nextPart.value.store(0, ordering: .relaxed)
                // Sequentially consistent with the sleepers' count: a worker about to sleep
                // either is counted here (and woken) or sees the new step.
                let number = generation.value.add(1, ordering: .sequentiallyConsistent).newValue
                if sleepers.value.load(ordering: .sequentiallyConsistent) > 0 {
                    pthread_mutex_lock(lock)
                    pthread_cond_broadcast(wake)
                    pthread_mutex_unlock(lock)
                }
                take(step)
                while finished.value.load(ordering: .acquiring) < number * workers {}
            }
        }
        busy.value.store(0, ordering: .releasing)
    }

    /// Parts of the step, taken from the counter until none is left. Whatever it retains of
    /// the step is released when it returns, before the worker says it is done.
    @inline(never) private func take(_ step: UnsafePointer<Job>) {
        while true {
            let part = nextPart.value.add(1, ordering: .relaxed).oldValue
            guard part < step.pointee.parts else { return }
            step.pointee.body(part)
        }
    }

    private static func now() -> UInt64 {
        var time = timespec()
        clock_gettime(CLOCK_MONOTONIC, &time)
        return UInt64(time.tv_sec) &* 1_000_000_000 &+ UInt64(time.tv_nsec)
    }

    private func work() {
        // Steps from the pool's creation on: a thread may start after the first one.
        var seen = 0
        while true {
            // The clock is read every 256 spins (it costs some 20 ns through the vDSO).
            let deadline = Self.now() &+ Self.spinNanoseconds
            var spun = 0
            while generation.value.load(ordering: .acquiring) == seen {
                spun &+= 1
                if spun & 255 == 0 && Self.now() > deadline { break }
            }
            if generation.value.load(ordering: .acquiring) == seen {
                pthread_mutex_lock(lock)
                sleepers.value.add(1, ordering: .sequentiallyConsistent)
                while generation.value.load(ordering: .sequentiallyConsistent) == seen { pthread_cond_wait(wake, lock) }
                sleepers.value.subtract(1, ordering: .relaxed)
                pthread_mutex_unlock(lock)
            }
            seen = generation.value.load(ordering: .acquiring)
            take(UnsafePointer(bitPattern: generation.job.load(ordering: .relaxed))!)
            finished.value.add(1, ordering: .releasing)
        }
    }
}
