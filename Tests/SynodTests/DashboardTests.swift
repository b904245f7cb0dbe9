import Foundation
import Testing

/// `synod up`'s dashboard in a real browser: headless Chromium (Debian's `chromium`, which
/// `make deps` installs) opens the page while the chain runs, waits for the data, and the DOM
/// is checked; a screenshot lands in `.build/dashboard.png` (README's picture is one).
@Suite("synod up: the dashboard in headless Chromium")
struct DashboardTests {
    static let chromium = ["/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"].first {
        FileManager.default.isExecutableFile(atPath: $0)
    }

    /// Runs Chromium headless on `url` with `arguments` and returns what it printed.
    static func browse(_ url: String, _ arguments: [String], profile: URL) throws -> SynodRun {
        let browser = URL(fileURLWithPath: try #require(chromium, "install chromium: make deps"))
        // --no-sandbox: CI runs as root, where Chromium's own sandbox cannot start. The page's
        // polling runs in virtual time: 5 s of it, network fetches completing in between.
        return try runToEnd(
            browser,
            [
                "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
                "--user-data-dir=\(profile.path)", "--virtual-time-budget=5000", "--hide-scrollbars",
            ] + arguments + [url])
    }

    @Test func theDashboardShowsEverySubnetLiveAndARejectedReloadWithItsLine() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("synod-dash-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        let plugins = folder.appendingPathComponent("plugins")
        try FileManager.default.createDirectory(at: plugins, withIntermediateDirectories: true)
        for name in try FileManager.default.contentsOfDirectory(
            atPath: packageRoot.appendingPathComponent("plugins").path)
        where name.hasSuffix(".lua") {
            try FileManager.default.copyItem(
                at: packageRoot.appendingPathComponent("plugins/\(name)"), to: plugins.appendingPathComponent(name))
        }
        let host = try SynodProcess(
            "up", folder: folder,
            [
                "up", "--plugins", plugins.path, "--data", folder.appendingPathComponent("data").path,
                "--block-time", "0.05", "--miners", "3", "--metrics-port", "0",
            ])
        defer { host.stop() }
        let announced = try host.waitForLine { $0.hasPrefix("dashboard on http://127.0.0.1:") }
        let url = String(announced.dropFirst("dashboard on ".count))
        // Two epochs of data (tempo 20) before the browser looks.
        try host.waitForLine { $0.hasPrefix("block 40 · subnet 1 echo-sum · epoch") }
        // A broken version of echo-sum: rejected, logged once however long it stays.
        let echo = plugins.appendingPathComponent("echo-sum.lua")
        let broken = try String(contentsOf: echo, encoding: .utf8) + "\nthis is not lua\n"
        try broken.write(to: echo, atomically: true, encoding: .utf8)
        let rejection = try host.waitForLine { $0.hasPrefix("subnet 1: kept the running version; the new one fails:") }
        #expect(rejection.contains("echo-sum.lua:"), "the rejection names the file and line: \(rejection)")
        let seen = host.lines.count
        // The clock here is the chain's: 60 more blocks (3 s at 0.05 s) span three reload checks.
        let now = try #require(
            host.lines.compactMap { $0.hasPrefix("block ") ? UInt64($0.dropFirst(6).prefix { $0.isNumber }) : nil }
                .max())
        try host.waitForLine { $0.hasPrefix("block \((now / 20 + 4) * 20) · subnet 1 ") }
        #expect(
            host.lines.filter { $0.contains("kept the running version") }.count == 1, "\(host.lines.suffix(from: seen))"
        )

        let profile = folder.appendingPathComponent("chromium")
        let dom = try Self.browse(url, ["--dump-dom"], profile: profile)
        #expect(dom.status == 0, "\(dom.stderr)")
        let html = dom.stdout
        #expect(html.contains("data-state=\"live\""), "the page loaded its data: \(html.prefix(2000))")
        let refreshes = html.firstMatch(of: /data-refreshes="(\d+)"/).flatMap { Int($0.1) } ?? 0
        #expect(refreshes >= 2, "it polls: \(refreshes) refreshes")
        for (netuid, name) in [
            (1, "echo-sum"), (2, "embed"), (3, "forecast"), (4, "proof-of-compute"), (5, "sort"), (6, "storage"),
        ] {
            #expect(html.contains("data-netuid=\"\(netuid)\"") && html.contains("subnet \(netuid) · \(name)"))
        }
        #expect(html.contains("<polyline"), "incentive and dividends are drawn")
        #expect(html.contains("class=\"valid\""), "miners' answers are shown")
        #expect(html.contains("s/epoch") && html.contains("J/epoch") && html.contains("J/answer"))
        #expect(html.contains(">score<"), "the cost per hook")
        #expect(html.contains(">rejected<") && html.contains("echo-sum.lua:"), "the reload history, with file:line")

        // A few subnets at a time, named in the address.
        let one = try Self.browse(url + "#netuid=4", ["--dump-dom"], profile: profile)
        #expect(one.stdout.contains("data-netuid=\"4\"") && !one.stdout.contains("data-netuid=\"1\""))

        let screenshot = packageRoot.appendingPathComponent(".build/dashboard.png")
        try? FileManager.default.removeItem(at: screenshot)
        let shot = try Self.browse(
            url, ["--screenshot=\(screenshot.path)", "--window-size=1400,2000"], profile: profile)
        #expect(shot.status == 0, "\(shot.stderr)")
        let png = try Data(contentsOf: screenshot)
        #expect(png.starts(with: [0x89, 0x50, 0x4E, 0x47]) && png.count > 20_000, "a PNG of the page")

        // Ctrl-C: a clean stop, no error lines.
        host.signal(SIGINT)
        host.process.waitUntilExit()
        #expect(host.process.terminationStatus == 0, "\(host.output.suffix(2000))")
        #expect(
            !host.lines.contains {
                $0.contains(" error ") || $0.contains("CancellationError") || $0.contains("Already closed")
            },
            "\(host.output.suffix(3000))")
    }
}
