import Synchronization

/// The subnets a host serves right now, by netuid: plugins added while it runs appear, and
/// removed ones go. The reference miners' axons look subnets up here on every request.
public final class SubnetDirectory: Sendable {
    private let runtimes: Mutex<[UInt16: SubnetRuntime]>

    public init(_ runtimes: [UInt16: SubnetRuntime] = [:]) { self.runtimes = Mutex(runtimes) }

    public subscript(netuid: UInt16) -> SubnetRuntime? { runtimes.withLock { $0[netuid] } }

    public var netuids: [UInt16] { runtimes.withLock { $0.keys.sorted() } }

    public var count: Int { runtimes.withLock { $0.count } }

    func set(_ runtime: SubnetRuntime) { runtimes.withLock { $0[UInt16(runtime.netuid)] = runtime } }

    @discardableResult
    func remove(_ netuid: Int) -> SubnetRuntime? { runtimes.withLock { $0.removeValue(forKey: UInt16(netuid)) } }

    /// The subnet a plugin file serves, if it runs.
    func runtime(path: String) -> SubnetRuntime? { runtimes.withLock { $0.values.first { $0.path == path } } }
}
