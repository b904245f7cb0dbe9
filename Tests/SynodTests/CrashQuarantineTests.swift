import Foundation
import Testing

/// Crash quarantine, end to end: a host process dies of a memory fault inside a plugin
/// call; the next `synod up` does not load that version (the other subnets start), `synod
/// status` says why, and an edited file loads again.
@Suite("Crash quarantine")
struct CrashQuarantineTests {
    static func plugin(name: String, crashAt block: Int?) -> String {
        let crash = block.map { "if ctx.block >= \($0) then fault.segv() end" } ?? ""
        return """
            return subnet {
              name = "\(name)", version = "1", tempo = 5,
              task = function(ctx) \(crash) return { x = 1 } end,
              miner = function(task) return { x = task.x } end,
              validate = function(r, task) return type(r) == "table" and r.x == task.x end,
              score = function(task, responses)
                local s = {}
                for i = 1, #responses do s[i] = responses[i] and 1 or 0 end
                return s
              end,
              reward = function(scores) return scores:normalize() end,
            }
            """
    }

    @Test func aVersionTheHostDiedInIsNotLoadedAgainUntilItChanges() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("synod-crash-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: root) }
        let plugins = root.appendingPathComponent("plugins")
        let data = root.appendingPathComponent("data").path
        try FileManager.default.createDirectory(at: plugins, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: data, withIntermediateDirectories: true)
        let boom = plugins.appendingPathComponent("boom.lua").path
        try Self.plugin(name: "boom", crashAt: 5).write(toFile: boom, atomically: true, encoding: .utf8)

        // 1. The probe dies of SIGSEGV inside boom's task; the marker names the version.
        let probe = Process()
        probe.executableURL = synodBinary().deletingLastPathComponent().appendingPathComponent("CrashProbe")
        probe.arguments = [data, boom]
        let output = Pipe()
        probe.standardOutput = output
        probe.standardError = FileHandle.nullDevice
        probe.environment = ["SWIFT_BACKTRACE": "enable=no"]
        try probe.run()
        let printed = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        probe.waitUntilExit()
        #expect(probe.terminationReason == .uncaughtSignal && probe.terminationStatus == SIGSEGV, "\(printed)")
        #expect(!printed.contains("survived"))
        let sha = try #require(
            printed.split(separator: " ").last.map { $0.trimmingCharacters(in: .whitespacesAndNewlines) })
        let marker = try String(contentsOfFile: data + "/crash-marker", encoding: .utf8)
        #expect(marker == "1 \(sha) \(SIGSEGV)\n")

        // 2. synod up: boom is quarantined; a second plugin starts and runs its epochs.
        try Self.plugin(name: "calm", crashAt: nil).write(
            to: plugins.appendingPathComponent("calm.lua"), atomically: true, encoding: .utf8)
        let up = try synod(
            ["up", "--plugins", plugins.path, "--data", data, "--block-time", "0.01", "--blocks", "6", "--no-metrics"])
        #expect(up.status == 0, "\(up.stderr)")
        #expect(up.stdout.contains("subnet 1: version \(sha.prefix(12)) quarantined: the host died of signal 11"))
        #expect(
            up.stdout.contains(
                "skipped \(boom): version \(sha.prefix(12)) of subnet 1 is quarantined: the host died while it ran"),
            "\(up.stdout)")
        #expect(up.stdout.contains("subnet 2 calm"))
        #expect(up.stdout.contains("block 5 · subnet 2 calm · epoch"))
        #expect(try String(contentsOfFile: data + "/crash-marker", encoding: .utf8).isEmpty)

        // 3. synod status says why.
        let status = try synod(["status", "--data", data])
        #expect(
            status.stdout.contains("subnet 1: version \(sha.prefix(12)) is quarantined since "), "\(status.stdout)")
        #expect(status.stdout.contains("the host died of signal 11 (Segmentation fault) while this version ran"))

        // 4. Still quarantined on the next start; an edited file loads.
        let again = try synod(
            ["up", "--plugins", plugins.path, "--data", data, "--block-time", "0.01", "--blocks", "1", "--no-metrics"])
        #expect(again.stdout.contains("skipped \(boom)"))
        try Self.plugin(name: "boom", crashAt: nil).write(toFile: boom, atomically: true, encoding: .utf8)
        let edited = try synod(
            ["up", "--plugins", plugins.path, "--data", data, "--block-time", "0.01", "--blocks", "1", "--no-metrics"])
        #expect(edited.status == 0, "\(edited.stderr)")
        #expect(edited.stdout.contains("subnet 1 boom (\(boom))"), "\(edited.stdout)")
    }
}
