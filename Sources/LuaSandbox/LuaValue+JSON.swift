extension LuaValue {
    /// The value as JSON text: maps with sorted keys (so output is stable), integers as
    /// integers, floats in their shortest round-trip form.
    ///
    /// - Throws: ``SandboxError/Kind/value`` for what JSON cannot hold: NaN or infinite
    ///   numbers and strings that are not valid UTF-8. The message gives the path (`$.a[2]`).
    public func jsonText() throws(SandboxError) -> String {
        var out = ""
        try writeJSON(into: &out, path: "$")
        return out
    }

    private func writeJSON(into out: inout String, path: @autoclosure () -> String) throws(SandboxError) {
        switch self {
        case .null: out += "null"
        case .boolean(let b): out += b ? "true" : "false"
        case .integer(let i): out += String(i)
        case .number(let d):
            guard d.isFinite else {
                throw SandboxError(kind: .value, message: "\(d) at \(path()) cannot be written as JSON")
            }
            out += d.description
        case .string(let s), .function(let s): Self.writeJSONString(s, into: &out)
        case .bytes:
            throw SandboxError(
                kind: .value, message: "the string at \(path()) is not valid UTF-8 and cannot be written as JSON")
        case .array(let items):
            out += "["
            for (i, item) in items.enumerated() {
                if i > 0 { out += "," }
                try item.writeJSON(into: &out, path: "\(path())[\(i + 1)]")
            }
            out += "]"
        case .map(let entries):
            out += "{"
            for (i, key) in entries.keys.sorted().enumerated() {
                if i > 0 { out += "," }
                Self.writeJSONString(key, into: &out)
                out += ":"
                try entries[key]!.writeJSON(into: &out, path: "\(path()).\(key)")
            }
            out += "}"
        }
    }

    private static func writeJSONString(_ s: String, into out: inout String) {
        out += "\""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20:
                let hex = String(scalar.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: out.unicodeScalars.append(scalar)
            }
        }
        out += "\""
    }
}
