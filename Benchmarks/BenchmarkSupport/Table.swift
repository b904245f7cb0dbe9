/// Prints rows under a header, each column padded to its widest cell, as every Synod
/// benchmark reports its figures.
public func printTable(header: [String], rows: [[String]]) {
    let widths = header.indices.map { c in ([header] + rows).map { $0[c].count }.max() ?? 0 }
    func line(_ cells: [String]) -> String {
        cells.enumerated().map { $1 + String(repeating: " ", count: max(0, widths[$0] - $1.count)) }
            .joined(separator: "  ")
    }
    print(line(header))
    print(widths.map { String(repeating: "-", count: $0) }.joined(separator: "  "))
    for row in rows { print(line(row)) }
}
