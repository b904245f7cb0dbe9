public import LuaSandbox

/// Answers an attacker would try, made from the plugin's own reference answer: the same
/// shape with zeros, huge or negative numbers, emptied, truncated or padded lists, missing
/// keys, and the wrong type altogether. The self-check puts each through `validate` and
/// makes `score` survive every one that passes.
public enum AdversarialAnswers {
    /// Each with a label for messages, the reference's shape first.
    public static func made(from answer: LuaValue) -> [(label: String, answer: LuaValue)] {
        var made: [(String, LuaValue)] = [
            ("an all-zero", numbers(answer) { $0.isInteger ? .integer(0) : .number(0) }),
            ("a huge-number", numbers(answer) { $0.isInteger ? .integer(.max) : .number(1e308) }),
            ("a negative-number", numbers(answer) { $0.isInteger ? .integer(-1_000_000_000) : .number(-1e9) }),
            ("an empty", empty(answer)),
            ("a string", .string("not an answer")),
            ("a number", .integer(0)),
            ("an empty-table", .map([:])),
        ]
        switch answer {
        case .array(let items) where !items.isEmpty:
            made.append(("a truncated", .array([items[0]])))
            made.append(("a padded", .array(items + items)))
        case .map(let fields):
            for key in fields.keys.sorted().prefix(3) {
                var without = fields
                without[key] = nil
                made.append(("a no-'\(key)'", .map(without)))
            }
        default: break
        }
        return made.filter { $0.1 != answer }
    }

    /// `value` with every number replaced.
    static func numbers(_ value: LuaValue, _ replace: (LuaValue) -> LuaValue) -> LuaValue {
        switch value {
        case .integer, .number: replace(value)
        case .array(let items): .array(items.map { numbers($0, replace) })
        case .map(let fields): .map(fields.mapValues { numbers($0, replace) })
        default: value
        }
    }

    /// `value` with every list and string emptied (tables keep their keys).
    static func empty(_ value: LuaValue) -> LuaValue {
        switch value {
        case .array: .array([])
        case .string: .string("")
        case .map(let fields): .map(fields.mapValues(empty))
        default: value
        }
    }
}

extension LuaValue {
    fileprivate var isInteger: Bool { if case .integer = self { true } else { false } }
}
