#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A strict RFC 8259 syntax check that allocates nothing: the axon refuses malformed bodies
/// (400) before any handler sees them, without paying for a parse it would throw away, and
/// LuaValue reads only what passes it (Foundation's parser also takes trailing commas and
/// stops at a NUL byte).
public enum JSONSyntax {
    /// Why some bytes are not one JSON text, and where.
    public struct Failure: Error, Sendable, Equatable, CustomStringConvertible {
        /// Byte offset of the problem.
        public let offset: Int
        public let message: String
        public var description: String { "\(message) at byte \(offset)" }
    }

    /// The deepest nesting accepted.
    public static let maxDepth = 512

    /// Checks that `bytes` hold exactly one JSON value, surrounded by optional whitespace.
    public static func validate(_ bytes: UnsafeRawBufferPointer) throws(Failure) {
        var scanner = Scanner(bytes: bytes.bindMemory(to: UInt8.self))
        try scanner.value(depth: 0)
        scanner.skipWhitespace()
        if scanner.index != scanner.bytes.count {
            throw Failure(offset: scanner.index, message: "unexpected data after the JSON value")
        }
    }

    /// Checks `bytes` (see ``validate(_:)-(UnsafeRawBufferPointer)``).
    public static func validate(_ bytes: [UInt8]) throws(Failure) {
        let result: Failure? = bytes.withUnsafeBytes { raw -> Failure? in
            do throws(Failure) { try validate(raw) } catch { return error }
            return nil
        }
        if let result { throw result }
    }

    private struct Scanner {
        let bytes: UnsafeBufferPointer<UInt8>
        var index = 0

        init(bytes: UnsafeBufferPointer<UInt8>) { self.bytes = bytes }

        func fail(_ message: String) -> Failure { Failure(offset: index, message: message) }

        mutating func skipWhitespace() {
            while index < bytes.count {
                switch bytes[index] {
                case 0x20, 0x09, 0x0a, 0x0d: index += 1
                default: return
                }
            }
        }

        mutating func value(depth: Int) throws(Failure) {
            skipWhitespace()
            guard index < bytes.count else { throw fail("unexpected end of JSON") }
            switch bytes[index] {
            case UInt8(ascii: "{"):
                guard depth < JSONSyntax.maxDepth else { throw fail("JSON nested deeper than \(JSONSyntax.maxDepth)") }
                index += 1
                skipWhitespace()
                if index < bytes.count, bytes[index] == UInt8(ascii: "}") {
                    index += 1
                    return
                }
                while true {
                    skipWhitespace()
                    guard index < bytes.count, bytes[index] == UInt8(ascii: "\"") else {
                        throw fail("expected a string key")
                    }
                    try string()
                    skipWhitespace()
                    guard index < bytes.count, bytes[index] == UInt8(ascii: ":") else { throw fail("expected ':'") }
                    index += 1
                    try value(depth: depth + 1)
                    skipWhitespace()
                    guard index < bytes.count else { throw fail("unterminated object") }
                    if bytes[index] == UInt8(ascii: ",") {
                        index += 1
                    } else if bytes[index] == UInt8(ascii: "}") {
                        index += 1
                        return
                    } else {
                        throw fail("expected ',' or '}'")
                    }
                }
            case UInt8(ascii: "["):
                guard depth < JSONSyntax.maxDepth else { throw fail("JSON nested deeper than \(JSONSyntax.maxDepth)") }
                index += 1
                skipWhitespace()
                if index < bytes.count, bytes[index] == UInt8(ascii: "]") {
                    index += 1
                    return
                }
                while true {
                    try value(depth: depth + 1)
                    skipWhitespace()
                    guard index < bytes.count else { throw fail("unterminated array") }
                    if bytes[index] == UInt8(ascii: ",") {
                        index += 1
                    } else if bytes[index] == UInt8(ascii: "]") {
                        index += 1
                        return
                    } else {
                        throw fail("expected ',' or ']'")
                    }
                }
            case UInt8(ascii: "\""):
                try string()
            case UInt8(ascii: "t"): try literal("true")
            case UInt8(ascii: "f"): try literal("false")
            case UInt8(ascii: "n"): try literal("null")
            case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
                try number()
            default:
                throw fail("unexpected character")
            }
        }

        mutating func literal(_ word: StaticString) throws(Failure) {
            let count = word.utf8CodeUnitCount
            guard index + count <= bytes.count,
                memcmp(bytes.baseAddress! + index, word.utf8Start, count) == 0
            else { throw fail("invalid literal") }
            index += count
        }

        mutating func digits() -> Int {
            let start = index
            while index < bytes.count, bytes[index] >= 0x30, bytes[index] <= 0x39 { index += 1 }
            return index - start
        }

        mutating func number() throws(Failure) {
            if bytes[index] == UInt8(ascii: "-") { index += 1 }
            guard index < bytes.count else { throw fail("invalid number") }
            if bytes[index] == UInt8(ascii: "0") {
                index += 1
            } else if digits() == 0 {
                throw fail("invalid number")
            }
            if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
                index += 1
                guard digits() > 0 else { throw fail("invalid number: digits expected after '.'") }
            }
            if index < bytes.count, bytes[index] | 0x20 == UInt8(ascii: "e") {
                index += 1
                if index < bytes.count, bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") {
                    index += 1
                }
                guard digits() > 0 else { throw fail("invalid number: exponent digits expected") }
            }
        }

        mutating func string() throws(Failure) {
            index += 1  // opening quote
            while index < bytes.count {
                let byte = bytes[index]
                switch byte {
                case UInt8(ascii: "\""):
                    index += 1
                    return
                case UInt8(ascii: "\\"):
                    index += 1
                    guard index < bytes.count else { throw fail("unterminated string") }
                    switch bytes[index] {
                    case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"), UInt8(ascii: "b"),
                        UInt8(ascii: "f"), UInt8(ascii: "n"), UInt8(ascii: "r"), UInt8(ascii: "t"):
                        index += 1
                    case UInt8(ascii: "u"):
                        guard index + 4 < bytes.count,
                            (1...4).allSatisfy({ JSONSyntax.isHexDigit(bytes[index + $0]) })
                        else { throw fail("invalid \\u escape") }
                        index += 5
                    default:
                        throw fail("invalid escape")
                    }
                case 0..<0x20:
                    throw fail("control character in string")
                case 0x80...:
                    try utf8Sequence()
                default:
                    index += 1
                }
            }
            throw fail("unterminated string")
        }

        /// One well-formed UTF-8 sequence (no overlongs, no surrogates, ≤ U+10FFFF).
        mutating func utf8Sequence() throws(Failure) {
            let lead = bytes[index]
            let length: Int
            var low: UInt8 = 0x80
            var high: UInt8 = 0xbf
            switch lead {
            case 0xc2...0xdf: length = 2
            case 0xe0:
                length = 3
                low = 0xa0
            case 0xe1...0xec, 0xee...0xef: length = 3
            case 0xed:
                length = 3
                high = 0x9f
            case 0xf0:
                length = 4
                low = 0x90
            case 0xf1...0xf3: length = 4
            case 0xf4:
                length = 4
                high = 0x8f
            default: throw fail("invalid UTF-8")
            }
            guard index + length <= bytes.count else { throw fail("invalid UTF-8") }
            let second = bytes[index + 1]
            guard second >= low, second <= high else { throw fail("invalid UTF-8") }
            for k in 2..<max(2, length) where bytes[index + k] & 0xc0 != 0x80 {
                throw fail("invalid UTF-8")
            }
            index += length
        }
    }
}

extension JSONSyntax {
    static func isHexDigit(_ byte: UInt8) -> Bool {
        switch byte {
        case 0x30...0x39, 0x41...0x46, 0x61...0x66: true
        default: false
        }
    }
}
