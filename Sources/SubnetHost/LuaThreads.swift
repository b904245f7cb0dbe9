import Foundation

/// Threads of their own for Lua calls, outside Swift's cooperative pool.
///
/// A hook call is synchronous and may run for its whole time budget (seconds): on the
/// cooperative pool, a few spinning plugins would hold every thread, and the axons, the
/// block loop and every other subnet would wait. Sandboxes run here instead, each behind a
/// ``LuaExecutor`` that keeps its calls in order; with more threads than cores, one
/// plugin spinning to its budget holds one thread while the others carry on.
public final class LuaThreads: @unchecked Sendable {
    /// The host's pool: twice the cores, at least 4.
    public static let shared = LuaThreads(count: max(4, 2 * ProcessInfo.processInfo.activeProcessorCount))

    // @unchecked: `work` and `head` are only touched while `condition` is locked.
    private let condition = NSCondition()
    private var work: [@Sendable () -> Void] = []
    private var head = 0
    public let count: Int

    public init(count: Int, name: String = "synod-lua") {
        self.count = count
        for i in 0..<count {
            let thread = Thread { [self] in self.serve() }
            thread.name = "\(name)-\(i)"
            thread.stackSize = 8 << 20
            thread.start()
        }
    }

    /// Runs `work` on one of the threads, after the work submitted before it has started.
    public func submit(_ work: @escaping @Sendable () -> Void) {
        condition.lock()
        self.work.append(work)
        condition.signal()
        condition.unlock()
    }

    private func serve() {
        while true {
            condition.lock()
            while head == work.count {
                work.removeAll(keepingCapacity: true)
                head = 0
                condition.wait()
            }
            let next = work[head]
            head += 1
            condition.unlock()
            next()
        }
    }
}

/// A serial executor on ``LuaThreads``: the jobs of one actor (one plugin version's
/// sandbox) run one at a time and in order, on whichever Lua thread is free.
public final class LuaExecutor: SerialExecutor, @unchecked Sendable {
    // @unchecked: `jobs` and `scheduled` are only touched under `lock`.
    private let lock = NSLock()
    private var jobs: [UnownedJob] = []
    private var scheduled = false
    private let threads: LuaThreads

    public init(threads: LuaThreads = .shared) { self.threads = threads }

    public func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        let schedule = lock.withLock {
            jobs.append(job)
            defer { scheduled = true }
            return !scheduled
        }
        if schedule { threads.submit { self.drain() } }
    }

    public func asUnownedSerialExecutor() -> UnownedSerialExecutor { UnownedSerialExecutor(ordinary: self) }

    /// Runs queued jobs until none is left; a long queue gives its thread back every few
    /// jobs so one busy subnet cannot keep a thread from the others.
    private func drain() {
        for _ in 0..<16 {
            let job: UnownedJob? = lock.withLock {
                if jobs.isEmpty {
                    scheduled = false
                    return nil
                }
                return jobs.removeFirst()
            }
            guard let job else { return }
            job.runSynchronously(on: asUnownedSerialExecutor())
        }
        threads.submit { self.drain() }
    }
}

/// A thread of its own for work that must keep time whatever the rest of the host does:
/// the block loop runs here (as a task executor preference), so a cooperative pool busy
/// with a thousand subnets' steps cannot make blocks late.
public final class DedicatedThread: TaskExecutor, @unchecked Sendable {
    // @unchecked: the only state is the thread pool, which is thread-safe.
    private let thread: LuaThreads

    public init(name: String) { thread = LuaThreads(count: 1, name: name) }

    public func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        thread.submit { job.runSynchronously(on: self.asUnownedTaskExecutor()) }
    }

    public func asUnownedTaskExecutor() -> UnownedTaskExecutor { UnownedTaskExecutor(ordinary: self) }
}
