import Foundation
import StrictJSON

extension LuaValue {
    /// A value read from JSON text (what a miner sends back): objects become maps,
    /// non-empty arrays become arrays (an empty array an empty map, as Lua cannot tell
    /// them apart), whole numbers that fit become integers, other numbers floats.
    ///
    /// - Throws: ``SandboxError/Kind/value`` when the bytes are not JSON, or nest deeper
    ///   than `maxDepth` (the sandbox's value depth limit by default).
    public init(json bytes: [UInt8], maxDepth: Int = SandboxLimits.default.maxValueDepth) throws(SandboxError) {
        // Only strict RFC 8259 text is read: Foundation's parser also takes trailing commas
        // ("[1,]") and stops at a NUL byte ("0\0…" read as 0), both found by the JSON fuzzer.
        do throws(JSONSyntax.Failure) {
            try JSONSyntax.validate(bytes)
        } catch {
            throw SandboxError(kind: .value, message: "the bytes are not JSON (\(error))")
        }
        let object: Any
        do {
            object = try JSONSerialization.jsonObject(with: Data(bytes), options: [.fragmentsAllowed])
        } catch {
            throw SandboxError(kind: .value, message: "the bytes are not JSON (\(error.localizedDescription))")
        }
        self = try Self.from(json: object, depth: 0, maxDepth: maxDepth)
    }

    private static func from(json: Any, depth: Int, maxDepth: Int) throws(SandboxError) -> LuaValue {
        guard depth <= maxDepth else {
            throw SandboxError(kind: .value, message: "the JSON nests deeper than \(maxDepth) levels")
        }
        switch json {
        case is NSNull: return .null
        case let number as NSNumber:
            if String(cString: number.objCType) == "c" { return .boolean(number.boolValue) }
            // Foundation may hold a large or long number as a decimal whose `doubleValue` is
            // not the nearest double (found by the JSON fuzzer: 123456789012345678901234567890
            // came back from its own JSON text as a different number); its exact digits,
            // read by the correctly rounded parser, are.
            let d = Double(number.stringValue) ?? number.doubleValue
            if let i = Int64(exactly: d), number.stringValue == String(i) { return .integer(i) }
            return .number(d)
        case let string as String: return .string(string)
        case let array as [Any]:
            if array.isEmpty { return .map([:]) }
            var items: [LuaValue] = []
            items.reserveCapacity(array.count)
            for item in array { items.append(try from(json: item, depth: depth + 1, maxDepth: maxDepth)) }
            return .array(items)
        case let object as [String: Any]:
            var map: [String: LuaValue] = [:]
            for (key, value) in object { map[key] = try from(json: value, depth: depth + 1, maxDepth: maxDepth) }
            return .map(map)
        default:
            throw SandboxError(kind: .value, message: "unexpected JSON value \(type(of: json))")
        }
    }
}
