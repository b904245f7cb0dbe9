import Foundation

extension SimulationReport {
    /// One CSV per variant (`<variant>.csv`): per epoch and UID its strategy, stake,
    /// incentive, dividends, emission, consensus and validator trust. Returns the files'
    /// names.
    public func csv() -> [(name: String, text: String)] {
        variants.map { variant in
            var lines = [
                "epoch,block,uid,hotkey,role,strategy,stake,incentive,dividends,emission,consensus,validator_trust"
            ]
            for r in variant.rows {
                lines.append(
                    [
                        String(r.epoch), String(r.block), String(r.uid), r.hotkey, r.role, r.strategy, String(r.stake),
                        Self.decimal(r.incentive), Self.decimal(r.dividends), String(r.emission),
                        Self.decimal(r.consensus), Self.decimal(r.validatorTrust),
                    ].joined(separator: ","))
            }
            return ("\(variant.name).csv", lines.joined(separator: "\n") + "\n")
        }
    }

    /// Cumulative earnings per strategy over the epochs, one panel per variant, as SVG (no
    /// script, no external resources: any browser or image viewer shows it).
    public func svg() -> String {
        let width = 560.0
        let height = 320.0
        let left = 70.0
        let right = 150.0
        let top = 40.0
        let bottom = 40.0
        let names = strategies.map(\.strategy) + validators.map { "validators:\($0.strategy)" }
        let palette = [
            "#1b9e77", "#d95f02", "#7570b3", "#e7298a", "#66a61e", "#e6ab02", "#a6761d", "#666666", "#1f78b4",
            "#b2df8a", "#fb9a99", "#cab2d6",
        ]
        var out = [
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(width) * variants.count)\" height=\"\(Int(height))\" "
                + "font-family=\"sans-serif\" font-size=\"11\">",
            "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>",
        ]
        for (p, variant) in variants.enumerated() {
            let x0 = Double(p) * width
            let plotWidth = width - left - right
            let plotHeight = height - top - bottom
            let top = variant.series.flatMap { $0.earned.values }.max() ?? 0
            let yMax = max(Double(top) / 1e9, 1e-9)
            let epochs = max(variant.series.count, 1)
            func x(_ epoch: Int) -> Double { x0 + left + plotWidth * Double(epoch) / Double(epochs) }
            func y(_ rao: UInt64) -> Double { 40 + plotHeight * (1 - (Double(rao) / 1e9) / yMax) }
            out.append(
                "<text x=\"\(Self.f(x0 + left))\" y=\"24\" font-size=\"14\" font-weight=\"bold\">"
                    + "\(Self.escape(plugin)) · \(Self.escape(variant.name))</text>")
            out.append(
                "<line x1=\"\(Self.f(x(0)))\" y1=\"\(Self.f(40 + plotHeight))\" x2=\"\(Self.f(x(epochs)))\" "
                    + "y2=\"\(Self.f(40 + plotHeight))\" stroke=\"black\"/>")
            out.append(
                "<line x1=\"\(Self.f(x(0)))\" y1=\"40\" x2=\"\(Self.f(x(0)))\" y2=\"\(Self.f(40 + plotHeight))\" stroke=\"black\"/>"
            )
            for k in 0...4 {
                let value = yMax * Double(k) / 4
                let yy = 40 + plotHeight * (1 - Double(k) / 4)
                out.append(
                    "<text x=\"\(Self.f(x0 + left - 6))\" y=\"\(Self.f(yy + 4))\" text-anchor=\"end\">"
                        + "\(String(format: "%.3g", value))</text>")
            }
            out.append(
                "<text x=\"\(Self.f(x0 + 14))\" y=\"\(Self.f(40 + plotHeight / 2))\" "
                    + "transform=\"rotate(-90 \(Self.f(x0 + 14)) \(Self.f(40 + plotHeight / 2)))\" text-anchor=\"middle\">"
                    + "earned (TAO, cumulative)</text>")
            out.append(
                "<text x=\"\(Self.f(x0 + left + plotWidth / 2))\" y=\"\(Self.f(height - 10))\" text-anchor=\"middle\">"
                    + "epoch (of \(epochs))</text>")
            for (i, name) in names.enumerated() {
                let color = palette[i % palette.count]
                let points = [(0, UInt64(0))] + variant.series.map { ($0.epoch, $0.earned[name] ?? 0) }
                let path = points.map { "\(Self.f(x($0.0))),\(Self.f(y($0.1)))" }.joined(separator: " ")
                let dashed = name.hasPrefix("validators:") ? " stroke-dasharray=\"5 3\"" : ""
                out.append(
                    "<polyline fill=\"none\" stroke=\"\(color)\" stroke-width=\"2\"\(dashed) points=\"\(path)\"/>")
                let ly = 44 + Double(i) * 16
                out.append(
                    "<line x1=\"\(Self.f(x0 + width - right + 10))\" y1=\"\(Self.f(ly))\" "
                        + "x2=\"\(Self.f(x0 + width - right + 28))\" y2=\"\(Self.f(ly))\" stroke=\"\(color)\" "
                        + "stroke-width=\"2\"\(dashed)/>")
                out.append(
                    "<text x=\"\(Self.f(x0 + width - right + 32))\" y=\"\(Self.f(ly + 4))\">\(Self.escape(name))</text>"
                )
            }
        }
        out.append("</svg>")
        return out.joined(separator: "\n") + "\n"
    }

    static func f(_ x: Double) -> String { String(format: "%.1f", x) }

    static func decimal(_ x: Double) -> String { String(format: "%.6f", x) }

    static func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }
}
