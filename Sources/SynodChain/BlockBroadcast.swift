import Foundation
import Synchronization

/// Hands each block a chain makes to every open ``Chain/blocks()`` sequence.
final class BlockBroadcast: Sendable {
    private let subscribers = Mutex<[UUID: AsyncStream<ChainBlock>.Continuation]>([:])

    /// A sequence of the blocks published from now on.
    func subscribe() -> AsyncStream<ChainBlock> {
        let (stream, continuation) = AsyncStream.makeStream(of: ChainBlock.self, bufferingPolicy: .bufferingNewest(64))
        let id = UUID()
        subscribers.withLock { $0[id] = continuation }
        continuation.onTermination = { [weak self] _ in _ = self?.subscribers.withLock { $0.removeValue(forKey: id) } }
        return stream
    }

    func publish(_ block: ChainBlock) {
        for continuation in subscribers.withLock({ Array($0.values) }) { continuation.yield(block) }
    }

    /// Ends every open sequence.
    func finish() {
        for continuation in subscribers.withLock({ Array($0.values) }) { continuation.finish() }
    }
}
