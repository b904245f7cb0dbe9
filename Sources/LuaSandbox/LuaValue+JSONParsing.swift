import StrictJSON

extension LuaValue {
    /// A value read from JSON text (what a miner sends back): objects become maps,
    /// non-empty arrays become arrays (an empty array an empty map, as Lua cannot tell
    /// them apart), numbers written without a fraction or exponent that fit 64 bits become
    /// integers (exactly), other numbers floats (correctly rounded).
    ///
    /// - Throws: ``SandboxError/Kind/value`` when the bytes are not JSON, nest deeper than
    ///   `maxDepth` (the sandbox's value depth limit by default), hold a number beyond a
    ///   double's range or a `\u` escape of half a surrogate pair.
    public init(json bytes: [UInt8], maxDepth: Int = SandboxLimits.default.maxValueDepth) throws(SandboxError) {
        // Only strict RFC 8259 text is read, and the reader below trusts that it was checked.
        do throws(JSONSyntax.Failure) {
            try JSONSyntax.validate(bytes)
        } catch {
            throw SandboxError(kind: .value, message: "the bytes are not JSON (\(error))")
        }
        let read: Result<LuaValue, SandboxError> = bytes.withUnsafeBufferPointer { buffer in
            var reader = JSONValueReader(bytes: buffer, maxDepth: maxDepth)
            do throws(SandboxError) { return .success(try reader.value(depth: 0)) } catch { return .failure(error) }
        }
        self = try read.get()
    }
}

/// Reads one value from text `JSONSyntax` accepted: it checks nothing the syntax check
/// already did, only what the syntax allows and a value cannot hold.
private struct JSONValueReader {
    let bytes: UnsafeBufferPointer<UInt8>
    let maxDepth: Int
    var index = 0

    init(bytes: UnsafeBufferPointer<UInt8>, maxDepth: Int) {
        self.bytes = bytes
        self.maxDepth = maxDepth
    }

    func fail(_ message: String) -> SandboxError {
        SandboxError(kind: .value, message: "the bytes are not JSON (\(message) at byte \(index))")
    }

    mutating func skipWhitespace() {
        while index < bytes.count,
            bytes[index] == 0x20 || bytes[index] == 0x0a || bytes[index] == 0x0d
                || bytes[index] == 0x09
        {
            index += 1
        }
    }

    mutating func value(depth: Int) throws(SandboxError) -> LuaValue {
        guard depth <= maxDepth else {
            throw SandboxError(kind: .value, message: "the JSON nests deeper than \(maxDepth) levels")
        }
        skipWhitespace()
        switch bytes[index] {
        case UInt8(ascii: "{"):
            index += 1
            var map: [String: LuaValue] = [:]
            skipWhitespace()
            if bytes[index] == UInt8(ascii: "}") {
                index += 1
                return .map(map)
            }
            while true {
                skipWhitespace()
                let key = try string()
                skipWhitespace()
                index += 1  // ':'
                map[key] = try value(depth: depth + 1)  // a repeated key: the last one counts
                skipWhitespace()
                index += 1  // ',' or '}'
                if bytes[index - 1] == UInt8(ascii: "}") { return .map(map) }
            }
        case UInt8(ascii: "["):
            index += 1
            skipWhitespace()
            if bytes[index] == UInt8(ascii: "]") {
                index += 1
                return .map([:])
            }
            var items: [LuaValue] = []
            while true {
                items.append(try value(depth: depth + 1))
                skipWhitespace()
                index += 1  // ',' or ']'
                if bytes[index - 1] == UInt8(ascii: "]") { return .array(items) }
            }
        case UInt8(ascii: "\""):
            return .string(try string())
        case UInt8(ascii: "t"):
            index += 4
            return .boolean(true)
        case UInt8(ascii: "f"):
            index += 5
            return .boolean(false)
        case UInt8(ascii: "n"):
            index += 4
            return .null
        default:
            return try number()
        }
    }

    /// An integer when the text has no fraction or exponent and fits 64 bits; else the
    /// nearest double.
    mutating func number() throws(SandboxError) -> LuaValue {
        let start = index
        let negative = bytes[index] == UInt8(ascii: "-")
        if negative { index += 1 }
        var magnitude: UInt64 = 0
        var fits = true
        while index < bytes.count, bytes[index] &- 0x30 < 10 {
            let (times10, o1) = magnitude.multipliedReportingOverflow(by: 10)
            let (sum, o2) = times10.addingReportingOverflow(UInt64(bytes[index] &- 0x30))
            fits = fits && !o1 && !o2
            magnitude = sum
            index += 1
        }
        var integral = true
        if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
            integral = false
            index += 1
            skipDigits()
        }
        if index < bytes.count, bytes[index] | 0x20 == UInt8(ascii: "e") {
            integral = false
            index += 1
            if bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") { index += 1 }
            skipDigits()
        }
        if integral, fits {
            if negative, magnitude <= UInt64(Int64.max) + 1 {
                return .integer(Int64(truncatingIfNeeded: 0 &- magnitude))
            }
            if !negative, magnitude <= UInt64(Int64.max) { return .integer(Int64(magnitude)) }
        }
        let text = String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<index]), as: UTF8.self)
        guard let double = Double(text), double.isFinite else {
            index = start
            throw fail("the number \(text) is beyond a double's range")
        }
        return .number(double)
    }

    mutating func skipDigits() {
        while index < bytes.count, bytes[index] &- 0x30 < 10 { index += 1 }
    }

    /// The string at `index` (its opening quote), unescaped. Runs without escapes are copied
    /// as they are: the syntax check has proven them UTF-8.
    mutating func string() throws(SandboxError) -> String {
        index += 1
        let start = index
        while bytes[index] != UInt8(ascii: "\""), bytes[index] != UInt8(ascii: "\\") { index += 1 }
        if bytes[index] == UInt8(ascii: "\"") {
            index += 1
            return String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<(index - 1)]), as: UTF8.self)
        }
        var utf8 = Array(bytes[start..<index])
        while true {
            switch bytes[index] {
            case UInt8(ascii: "\""):
                index += 1
                return String(decoding: utf8, as: UTF8.self)
            case UInt8(ascii: "\\"):
                index += 1
                let escape = bytes[index]
                index += 1
                switch escape {
                case UInt8(ascii: "b"): utf8.append(0x08)
                case UInt8(ascii: "f"): utf8.append(0x0c)
                case UInt8(ascii: "n"): utf8.append(0x0a)
                case UInt8(ascii: "r"): utf8.append(0x0d)
                case UInt8(ascii: "t"): utf8.append(0x09)
                case UInt8(ascii: "u"): try appendEscapedScalar(to: &utf8)
                default: utf8.append(escape)  // '"', '\\' or '/'
                }
            default:
                utf8.append(bytes[index])
                index += 1
            }
        }
    }

    /// The scalar of a `\uXXXX` escape (after its `u`), a surrogate pair taking two escapes.
    mutating func appendEscapedScalar(to utf8: inout [UInt8]) throws(SandboxError) {
        let at = index - 2
        var code = hex4()
        if (0xd800..<0xdc00).contains(code) {
            guard index + 6 <= bytes.count, bytes[index] == UInt8(ascii: "\\"), bytes[index + 1] == UInt8(ascii: "u")
            else {
                index = at
                throw fail("\\u escape of a high surrogate without its low half")
            }
            index += 2
            let low = hex4()
            guard (0xdc00..<0xe000).contains(low) else {
                index = at
                throw fail("\\u escape of a high surrogate without its low half")
            }
            code = 0x10000 + ((code - 0xd800) << 10) + (low - 0xdc00)
        } else if (0xdc00..<0xe000).contains(code) {
            index = at
            throw fail("\\u escape of a low surrogate without its high half")
        }
        utf8.append(contentsOf: Unicode.UTF8.encode(Unicode.Scalar(code)!)!)
    }

    mutating func hex4() -> UInt32 {
        var code: UInt32 = 0
        for _ in 0..<4 {
            let byte = bytes[index]
            let digit = byte <= 0x39 ? byte &- 0x30 : (byte | 0x20) &- 0x57
            code = code << 4 | UInt32(digit)
            index += 1
        }
        return code
    }
}
