import Foundation
import Synchronization
public import SynodChain

/// The blocks a chain made lately, as the API sends them, and the streams that follow new
/// ones: a client that reconnects asks for the blocks after the last it saw and gets them
/// from here (the newest ``capacity``), then the live ones.
public final class BlockFeed: Sendable {
    /// Blocks kept for clients catching up.
    public let capacity: Int
    private struct State {
        var recent: [(number: UInt64, json: String)] = []
        var listeners: [UUID: AsyncStream<(UInt64, String)>.Continuation] = [:]
        var finished = false
    }
    private let state = Mutex(State())

    public init(capacity: Int = 4096) { self.capacity = capacity }

    /// Records a block the chain made and sends it to every listener.
    public func record(_ block: ChainBlock) {
        let json = String(decoding: ChainJSON.encode(ChainJSON.Block(block)), as: UTF8.self)
        state.withLock { state in
            state.recent.append((block.number, json))
            if state.recent.count > capacity { state.recent.removeFirst(state.recent.count - capacity) }
            for listener in state.listeners.values { listener.yield((block.number, json)) }
        }
    }

    /// Ends every stream (the chain stopped).
    public func finish() {
        // Finished outside the lock: a stream's termination handler takes it.
        let listeners = state.withLock { state in
            state.finished = true
            defer { state.listeners = [:] }
            return Array(state.listeners.values)
        }
        for listener in listeners { listener.finish() }
    }

    /// The kept blocks after `after` and a stream of the blocks still to come, taken
    /// together so none is missed or sent twice.
    func follow(after: UInt64?) -> (backlog: [(UInt64, String)], live: AsyncStream<(UInt64, String)>) {
        let (stream, continuation) = AsyncStream.makeStream(
            of: (UInt64, String).self, bufferingPolicy: .bufferingNewest(capacity))
        let id = UUID()
        let (backlog, finished) = state.withLock { state in
            if !state.finished { state.listeners[id] = continuation }
            return (
                state.recent.filter { after == nil || $0.number > after! }.map { ($0.number, $0.json) }, state.finished
            )
        }
        if finished { continuation.finish() }
        continuation.onTermination = { [weak self] _ in
            _ = self?.state.withLock { $0.listeners.removeValue(forKey: id) }
        }
        return (after == nil ? [] : backlog, stream)
    }
}
