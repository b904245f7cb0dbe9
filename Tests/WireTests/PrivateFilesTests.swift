import Foundation
import Testing

@testable import Wire

/// Key files and data folders stay private whatever an attacker plants or the umask says.
@Suite(.serialized) struct PrivateFilesTests {
    @Test func aPlantedSymlinkAtTheTemporaryNameIsNeverFollowed() throws {
        let root = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let path = root + "/w/hotkeys/h"
        try PrivateFiles.makeDirectory(root + "/w/hotkeys")
        // The old writer always used `<key>.tmp`: a link there sent the seed to the target.
        let target = root + "/stolen"
        symlink(target, path + ".tmp")
        try KeyFile.write(Golden.sender, to: path)
        #expect(!FileManager.default.fileExists(atPath: target))
        #expect(try KeyFile.read(at: path).address == Golden.sender.address)
        // No temporary file is left beside the key.
        let left = try FileManager.default.contentsOfDirectory(atPath: root + "/w/hotkeys").sorted()
        #expect(left == ["h", "h.tmp", "hpub.txt"])
    }

    @Test func aKeyThatIsASymlinkIsRefused() throws {
        let root = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: root) }
        try KeyFile.write(Golden.sender, to: root + "/real")
        symlink(root + "/real", root + "/link")
        #expect {
            try KeyFile.read(at: root + "/link")
        } throws: { error in
            String(describing: error).contains("is a symbolic link")
        }
    }

    @Test func foldersAre0700AndFiles0600WhateverTheUmask() throws {
        let root = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let old = umask(0)
        defer { umask(old) }
        try PrivateFiles.makeDirectory(root + "/a/b/c")
        try PrivateFiles.writeAtomically(Array("secret".utf8), to: root + "/a/b/c/file")
        for folder in ["/a", "/a/b", "/a/b/c"] {
            let attributes = try FileManager.default.attributesOfItem(atPath: root + folder)
            #expect((attributes[.posixPermissions] as? Int) == 0o700, "\(folder)")
        }
        let file = try FileManager.default.attributesOfItem(atPath: root + "/a/b/c/file")
        #expect((file[.posixPermissions] as? Int) == 0o600)
        // A folder an older version left open is closed when asked.
        mkdir(root + "/open", 0o777)
        chmod(root + "/open", 0o777)
        try PrivateFiles.makeDirectory(root + "/open", clamp: true)
        let open = try FileManager.default.attributesOfItem(atPath: root + "/open")
        #expect((open[.posixPermissions] as? Int) == 0o700)
    }

    @Test func aFileInTheWayOfAFolderIsNamed() throws {
        let root = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: root) }
        _ = FileManager.default.createFile(atPath: root + "/x", contents: Data())
        #expect {
            try PrivateFiles.makeDirectory(root + "/x/y")
        } throws: { error in
            String(describing: error) == "\(root)/x: cannot be created as a folder (File exists)"
        }
    }
}
