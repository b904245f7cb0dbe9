import Foundation
import SubnetHost
import Testing

/// File-system events, settled: a burst of writes and renames is one change.
@Suite("PluginFolder: inotify, one change per burst")
struct PluginFolderTests {
    let folder: URL

    init() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("synod-folder-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    }

    func file(_ name: String) -> String { folder.appendingPathComponent(name).path }

    /// Saves the way editors do: a temporary file written, then renamed over the plugin.
    func renameSave(_ name: String, _ text: String) throws {
        let temporary = file(".\(name).swp")
        try text.write(toFile: temporary, atomically: false, encoding: .utf8)
        guard rename(temporary, file(name)) == 0 else { throw CocoaError(.fileWriteUnknown) }
    }

    @Test func aBurstOfSavesIsOneChangeAndOtherFilesAreIgnored() async throws {
        let changes = try PluginFolder(path: folder.path, settle: .milliseconds(50)).changes()
        var events = changes.makeAsyncIterator()
        for i in 0..<5 { try renameSave("a.lua", "-- version \(i)") }
        try "x".write(toFile: file("notes.txt"), atomically: true, encoding: .utf8)
        try "x".write(toFile: file("a.lua~"), atomically: false, encoding: .utf8)
        #expect(await events.next() == .changed(file("a.lua")))
        // A later change to another file comes next: nothing more for a.lua in between.
        try "-- b".write(toFile: file("b.lua"), atomically: false, encoding: .utf8)
        #expect(await events.next() == .changed(file("b.lua")))
        try FileManager.default.removeItem(atPath: file("a.lua"))
        #expect(await events.next() == .removed(file("a.lua")))
    }

    @Test func theSequenceEndsWhenTheFolderGoes() async throws {
        let changes = try PluginFolder(path: folder.path, settle: .milliseconds(50)).changes()
        var events = changes.makeAsyncIterator()
        try FileManager.default.removeItem(at: folder)
        #expect(await events.next() == nil)
    }

    @Test func aMissingFolderCannotBeWatched() {
        #expect(throws: PluginFolder.Unavailable.self) {
            _ = try PluginFolder(path: folder.appendingPathComponent("nope").path).changes()
        }
    }
}
