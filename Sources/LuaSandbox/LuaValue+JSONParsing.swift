import Foundation

extension LuaValue {
    /// A value read from JSON text (what a miner sends back): objects become maps,
    /// non-empty arrays become arrays (an empty array an empty map, as Lua cannot tell
    /// them apart), whole numbers that fit become integers, other numbers floats.
    ///
    /// - Throws: ``SandboxError/Kind/value`` when the bytes are not JSON, or nest deeper
    ///   than `maxDepth` (the sandbox's value depth limit by default).
    public init(json bytes: [UInt8], maxDepth: Int = SandboxLimits.default.maxValueDepth) throws(SandboxError) {
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
            let d = number.doubleValue
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
