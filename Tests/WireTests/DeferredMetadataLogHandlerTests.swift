import Logging
import Synchronization
import Testing

@testable import Wire

/// A handler that records its lines and counts how often its metadata is written (what
/// `StreamLogHandler` pays a text rendering for).
private struct Recording: LogHandler {
    final class Box: Sendable {
        let lines = Mutex<[(String, [String: String])]>([])
        let metadataWrites = Atomic<Int>(0)
    }
    let box: Box
    var logLevel: Logger.Level = .info
    var stored: Logger.Metadata = [:]

    var metadata: Logger.Metadata {
        get { stored }
        set {
            box.metadataWrites.add(1, ordering: .relaxed)
            stored = newValue
        }
    }

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { stored[key] }
        set {
            box.metadataWrites.add(1, ordering: .relaxed)
            stored[key] = newValue
        }
    }

    func log(event: LogEvent) {
        let merged = stored.merging(event.metadata ?? [:]) { $1 }.mapValues { "\($0)" }
        box.lines.withLock { $0.append(("\(event.message)", merged)) }
    }
}

@Suite struct DeferredMetadataLogHandlerTests {
    @Test func metadataSetPerRequestReachesTheLinesWithoutWritingTheWrappedHandler() {
        let box = Recording.Box()
        var base = Logger(label: "t") { _ in Recording(box: box) }
        base[metadataKey: "service"] = "axon"  // set before wrapping: the wrapped handler keeps it
        let writesBefore = box.metadataWrites.load(ordering: .relaxed)
        let logger = DeferredMetadataLogHandler.wrap(base)
        for id in 0..<1_000 {
            var request = logger
            request[metadataKey: "hb.request.id"] = "\(id)"
            if id == 999 { request.info("answered", metadata: ["status": "200", "service": "line"]) }
        }
        #expect(box.metadataWrites.load(ordering: .relaxed) == writesBefore)
        let lines = box.lines.withLock { $0 }
        #expect(lines.count == 1)
        // The wrapped handler's own, then this handler's, then the line's (which wins).
        #expect(lines.first?.0 == "answered")
        #expect(lines.first?.1 == ["service": "line", "hb.request.id": "999", "status": "200"])
    }

    @Test func levelsRemovalAndWholeMetadataBehaveAsOnTheWrappedHandler() {
        let box = Recording.Box()
        var base = Logger(label: "t") { _ in Recording(box: box) }
        base[metadataKey: "kept"] = "1"
        base[metadataKey: "dropped"] = "2"
        var logger = DeferredMetadataLogHandler.wrap(base)
        #expect(logger.logLevel == .info)
        logger.debug("not logged")
        logger.logLevel = .debug
        #expect(logger.logLevel == .debug)
        logger[metadataKey: "dropped"] = nil  // a key of the wrapped handler's is removed too
        logger[metadataKey: "added"] = "3"
        #expect(logger[metadataKey: "kept"] == "1")
        #expect(logger[metadataKey: "dropped"] == nil)
        logger.debug("logged")
        #expect(box.lines.withLock { $0 }.map(\.0) == ["logged"])
        #expect(box.lines.withLock { $0 }.first?.1 == ["kept": "1", "added": "3"])
        // Wrapping a wrapped logger adds no layer.
        let twice = DeferredMetadataLogHandler.wrap(logger)
        #expect(twice[metadataKey: "added"] == "3")
        #expect(twice.handler is DeferredMetadataLogHandler)
    }
}
