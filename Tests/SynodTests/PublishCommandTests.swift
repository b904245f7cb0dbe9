import Foundation
import Testing

/// `synod publish` refuses bad input before it signs anything (the chain's own refusals are
/// tested in ChainServerReleasesTests and end to end in NetworkTests).
@Suite("synod publish: usage errors")
struct PublishCommandTests {
    let chain = ["--chain-hotkey", "5HHo7nRS2tNxjvDiifR2Aqq41JgTy3r7XimnUwUu8qJcLLaz", "--netuid", "1"]

    @Test func aMissingFileOrABadChainHotkeyIsAUsageError() throws {
        let missing = try synod(["publish", "/no/such/plugin.lua", "--at-block", "9"] + chain)
        #expect(missing.status == 2)
        #expect(missing.stderr.hasPrefix("Error: cannot read /no/such/plugin.lua"), "\(missing.stderr)")
        let badKey = try synod(
            [
                "publish", "plugins/echo-sum.lua", "--at-block", "9", "--chain-hotkey", "5Fnot-an-address", "--netuid",
                "1",
            ])
        #expect(badKey.status == 2)
        #expect(badKey.stderr.contains("--chain-hotkey '5Fnot-an-address' is not an ss58 address"), "\(badKey.stderr)")
        let badURL = try synod(["publish", "plugins/echo-sum.lua", "--at-block", "9", "--chain", "ftp://x"] + chain)
        #expect(badURL.status == 2 && badURL.stderr.contains("is not http://HOST:PORT"), "\(badURL.stderr)")
    }

    @Test func aMissingOwnerKeyNamesTheFileAndHowToMakeIt() throws {
        let run = try synod(
            [
                "publish", "plugins/echo-sum.lua", "--at-block", "9", "--wallets-dir", "/no/such/wallets", "--wallet",
                "w",
            ]
                + chain)
        #expect(run.status == 2)
        #expect(run.stderr.contains("cannot read the hotkey at /no/such/wallets/w/hotkeys/default"), "\(run.stderr)")
        #expect(run.stderr.contains("synod keys new --wallet w --hotkey default"))
    }

    @Test func anUnreachableChainIsRefusedWithItsAddress() throws {
        let wallets = FileManager.default.temporaryDirectory.appendingPathComponent("synod-pub-\(UUID().uuidString)")
            .path
        defer { try? FileManager.default.removeItem(atPath: wallets) }
        #expect(try synod(["keys", "new", "--wallets-dir", wallets, "--wallet", "owner"]).status == 0)
        // A port nothing listens on (1 is privileged and unused here).
        let run = try synod(
            [
                "publish", "plugins/echo-sum.lua", "--at-block", "9", "--wallets-dir", wallets, "--wallet", "owner",
                "--chain", "http://127.0.0.1:1",
            ] + chain)
        #expect(run.status == 1)
        #expect(run.stderr.contains("the chain at http://127.0.0.1:1 cannot be reached"), "\(run.stderr)")
    }
}
