// libFuzzer target (Swift): JSON as it arrives from the network and crosses into Lua.
//
// For any input: the axon's validator (JSONSyntax) and LuaValue's reader must not crash;
// whatever LuaValue can read, the validator must accept (the axon never hands a plugin
// what it would refuse); a value read crosses into a real sandbox through the value bridge
// and back unchanged; and its JSON text reads back as the same value.
import CLuaShim
import Foundation
import StrictJSON

nonisolated(unsafe) var sandbox: OpaquePointer?
nonisolated(unsafe) var echo: Int32 = 0

func openSandbox() -> OpaquePointer {
    if let sandbox { return sandbox }
    guard let prelude = FileManager.default.contents(atPath: "sandbox/prelude.lua") else {
        fatalError("run from the repository root: sandbox/prelude.lua not found")
    }
    var limits = synod_limits(
        memory_bytes: 32 << 20, instructions: 2_000_000, timeout_seconds: 2, max_value_depth: 64,
        max_value_bytes: 1 << 20, max_output_bytes: 4096)
    let opened = prelude.withUnsafeBytes { text in
        synod_open(
            &limits, "fuzz", text.baseAddress!.assumingMemoryBound(to: CChar.self), text.count, nil, 0, nil, nil,
            nil)
    }
    guard let opened, synod_open_status(opened) == 0 else { fatalError("the sandbox does not open") }
    let source = "return v"
    guard synod_load(opened, source, source.utf8.count, "=echo.lua", &echo) == 0 else { fatalError("load") }
    sandbox = opened
    return opened
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOne(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    let accepted: Bool
    do {
        try JSONSyntax.validate(bytes)
        accepted = true
    } catch {
        accepted = false
    }
    let read = try? LuaValue(json: bytes)
    // Beside Foundation's parser, on what the validator accepts: the same value (numbers
    // compared by value: an integer beyond 2^53 is exact here, a float there), or refused by
    // both (a number beyond a double's range, half a surrogate pair).
    if accepted {
        let foundation = foundationReading(bytes)
        if (read == nil) != (foundation == nil) || read.map(numeric) != foundation.map(numeric) {
            fatalError(
                "LuaValue(json:) read \(String(describing: read)), Foundation \(String(describing: foundation)): "
                    + String(decoding: bytes.prefix(200), as: UTF8.self))
        }
    }
    guard let value = read else { return 0 }
    if !accepted {
        fatalError(
            "LuaValue read JSON the axon's validator refuses: \(String(decoding: bytes.prefix(200), as: UTF8.self))")
    }
    // Into Lua and back through the bridge.
    var encoded: [UInt8] = []
    guard (try? LuaValue.encodeList([value], into: &encoded)) != nil else { return 0 }
    let S = openSandbox()
    guard synod_set_global(S, "v", encoded, encoded.count) == 0 else { return 0 }
    guard synod_call(S, echo, nil, nil, 0, 0, nil) == 0 else { return 0 }
    var length = 0
    let output = synod_output(S, &length)
    let back = try? LuaValue.decodeList(UnsafeRawBufferPointer(start: output, count: length))
    // A JSON null is Lua's nil, which a table cannot hold: values with nulls change shape
    // by design (documented), so only null-free values must come back unchanged.
    if !containsNull(value), back != [value] {
        fatalError("the value changed crossing into Lua and back: \(value) → \(String(describing: back))")
    }
    // Its JSON text reads back as the same value.
    // (Numerically: a float with an integral value may come back as an integer, since the
    // reader decides integer-ness from Foundation's number, not from the text.)
    if let text = try? value.jsonText(), let again = try? LuaValue(json: Array(text.utf8)),
        numeric(again) != numeric(value)
    {
        fatalError("JSON text does not read back: \(text)")
    }
    return 0
}

func containsNull(_ value: LuaValue) -> Bool {
    switch value {
    case .null: return true
    case .array(let items): return items.contains(where: containsNull)
    case .map(let entries): return entries.values.contains(where: containsNull)
    default: return false
    }
}

/// `value` with every integer as a float, for comparisons by numeric value.
func numeric(_ value: LuaValue) -> LuaValue {
    switch value {
    case .integer(let i): return .number(Double(i))
    case .array(let items): return .array(items.map(numeric))
    case .map(let entries): return .map(entries.mapValues(numeric))
    default: return value
    }
}

/// The value Foundation's JSONSerialization reads from `bytes` (how LuaValue(json:) read
/// JSON before it had its own reader), or nil when it refuses them or they nest deeper than
/// the reader's default limit.
func foundationReading(_ bytes: [UInt8]) -> LuaValue? {
    guard let object = try? JSONSerialization.jsonObject(with: Data(bytes), options: [.fragmentsAllowed]) else {
        return nil
    }
    func convert(_ json: Any, depth: Int) -> LuaValue? {
        guard depth <= SandboxLimits.default.maxValueDepth else { return nil }
        switch json {
        case is NSNull: return .null
        case let number as NSNumber:
            if String(cString: number.objCType) == "c" { return .boolean(number.boolValue) }
            let d = Double(number.stringValue) ?? number.doubleValue
            if let i = Int64(exactly: d), number.stringValue == String(i) { return .integer(i) }
            return .number(d)
        case let string as String: return .string(string)
        case let array as [Any]:
            if array.isEmpty { return .map([:]) }
            var items: [LuaValue] = []
            for item in array {
                guard let value = convert(item, depth: depth + 1) else { return nil }
                items.append(value)
            }
            return .array(items)
        case let object as [String: Any]:
            var map: [String: LuaValue] = [:]
            for (key, item) in object {
                guard let value = convert(item, depth: depth + 1) else { return nil }
                map[key] = value
            }
            return .map(map)
        default: return nil
        }
    }
    return convert(object, depth: 0)
}
