import Foundation

extension SubnetPlugin {
    /// The largest plugin file the host reads: a subnet is a page of Lua, and a file of
    /// gigabytes (even a sparse one) must not be read into memory to find that out.
    public static let maxSourceBytes = 1 << 20

    /// Reads a plugin file once, refusing one larger than ``maxSourceBytes`` before reading
    /// it; the stamp says what the file was when read.
    static func readSource(_ path: String) throws(PluginError) -> (source: [UInt8], stamp: FileStamp) {
        try read(path)
    }

    /// A plugin file's bytes, refusing one larger than ``maxSourceBytes``.
    public static func source(at path: String) throws(PluginError) -> [UInt8] { try read(path).source }

    private static func read(_ path: String) throws(PluginError) -> (source: [UInt8], stamp: FileStamp) {
        let stamp = try FileStamp(path: path)
        guard stamp.size <= maxSourceBytes else {
            throw PluginError(
                path,
                "the plugin file is \(stamp.size) bytes; a plugin may be at most \(maxSourceBytes) bytes")
        }
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw PluginError(path, "cannot read the plugin file: \(String(cString: strerror(errno)))")
        }
        defer { try? handle.close() }
        // One byte past the cap: a file that grew since the stat is caught here too.
        let data = (try? handle.read(upToCount: maxSourceBytes + 1)) ?? Data()
        guard data.count <= maxSourceBytes else {
            throw PluginError(path, "the plugin file grew past \(maxSourceBytes) bytes while being read")
        }
        return (Array(data), stamp)
    }
}
