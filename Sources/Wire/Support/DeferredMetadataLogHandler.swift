public import Logging

/// A log handler that keeps the metadata set on it and hands it to the handler it wraps only
/// when a message is logged.
///
/// Hummingbird sets a request id on its logger for every request it serves; swift-log's
/// `StreamLogHandler` renders all of its metadata to text on every such set, which under load
/// cost an axon about 2 % of its CPU for lines that are almost never written. Wrapped, a set
/// is a dictionary write and the text is made only for a line that is logged. What is logged
/// is the same: the wrapped handler's own metadata, then this handler's, then the line's.
public struct DeferredMetadataLogHandler: LogHandler {
    private var wrapped: any LogHandler
    private var deferred: Logger.Metadata = [:]

    public init(wrapping handler: any LogHandler) {
        // Wrapping twice would only add a layer.
        if let already = handler as? Self {
            self = already
        } else {
            self.wrapped = handler
        }
    }

    /// `logger`, with its handler wrapped.
    public static func wrap(_ logger: Logger) -> Logger {
        Logger(label: logger.label) { _ in Self(wrapping: logger.handler) }
    }

    public var logLevel: Logger.Level {
        get { wrapped.logLevel }
        set { wrapped.logLevel = newValue }
    }

    public var metadataProvider: Logger.MetadataProvider? {
        get { wrapped.metadataProvider }
        set { wrapped.metadataProvider = newValue }
    }

    public var metadata: Logger.Metadata {
        get { wrapped.metadata.merging(deferred) { $1 } }
        set {
            deferred = newValue
            if !wrapped.metadata.isEmpty { wrapped.metadata = [:] }
        }
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { deferred[key] ?? wrapped[metadataKey: key] }
        set {
            deferred[key] = newValue
            // A key removed here must not show through from the wrapped handler.
            if newValue == nil, wrapped[metadataKey: key] != nil { wrapped[metadataKey: key] = nil }
        }
    }

    public func log(event: LogEvent) {
        guard !deferred.isEmpty else { return wrapped.log(event: event) }
        var event = event
        event.metadata = event.metadata.map { deferred.merging($0) { $1 } } ?? deferred
        wrapped.log(event: event)
    }
}
