import Foundation

/// How every report is written as JSON: keys in snake_case and sorted, so the output is the
/// same for the same ledger (the schemas are in docs/reports.md).
public enum ReportJSON {
    /// One JSON document (pretty, for `--json`) or one line (for JSON Lines and the dashboard).
    public static func encode(_ value: some Encodable, pretty: Bool = true) throws -> String {
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.outputFormatting =
            pretty ? [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes] : [.sortedKeys, .withoutEscapingSlashes]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(
            positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }

    /// A time as the reports write it: ISO 8601 in UTC, to the second.
    static func time(_ date: Date) -> String { ISO8601DateFormatter().string(from: date) }
}
