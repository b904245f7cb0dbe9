import Foundation

/// What `stat` says of a file: enough to tell that it changed without reading it.
struct FileStamp: Sendable, Equatable {
    var device: UInt64
    var inode: UInt64
    var size: Int
    var modified: Date

    init(path: String) throws(PluginError) {
        let attributes: [FileAttributeKey: Any]
        do {
            // A plugin may be a symbolic link to the file: the file is what is read.
            attributes = try FileManager.default.attributesOfItem(atPath: (path as NSString).resolvingSymlinksInPath)
        } catch {
            let reason = FileManager.default.fileExists(atPath: path) ? error.localizedDescription : "no such file"
            throw PluginError(path, "cannot read the plugin file: \(reason)")
        }
        guard attributes[.type] as? FileAttributeType == .typeRegular else {
            throw PluginError(path, "the plugin path is not a regular file")
        }
        device = (attributes[.deviceIdentifier] as? NSNumber)?.uint64Value ?? 0
        inode = (attributes[.systemFileNumber] as? NSNumber)?.uint64Value ?? 0
        size = (attributes[.size] as? NSNumber)?.intValue ?? 0
        modified = attributes[.modificationDate] as? Date ?? .distantPast
    }
}
