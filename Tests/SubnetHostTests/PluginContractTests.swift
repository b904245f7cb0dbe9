import Foundation
import Ledger
import LuaSandbox
import SubnetHost
import Testing

/// The contract is declared once (`PluginContract`); the prelude's `subnet{}`, the runtime's
/// `ctx` and `docs/plugin-api.md` are checked against that declaration.
@Suite("PluginContract: one declaration, and everything that must agree with it")
struct PluginContractTests {
    static let base = """
        name = "s", task = function(ctx) return {} end,
        score = function(t, r) return tensor.zeros(#r) end, reward = function(s) return s end,
        """

    /// Whether a plugin returning `{ base, extra }` loads: through the prelude's `subnet{}`,
    /// and as a plain table that only the host's Swift check sees.
    func loads(_ extra: String, throughPrelude: Bool) -> Bool {
        let table = "{ \(Self.base) \(extra) }"
        let source = "return " + (throughPrelude ? "subnet \(table)" : table)
        return (try? SubnetPlugin(source: Array(source.utf8), chunkName: "plugins/s.lua")) != nil
    }

    static let cases: [(String, Bool)] = [
        ("", true), ("tempo = 20", true), ("tempo = 1", true), ("tempo = 65535", true), ("tempo = 20.0", true),
        ("tempo = 1.5", false), ("tempo = 0", false), ("tempo = 65536", false), ("tempo = '20'", false),
        ("tempo = 0/0", false), ("timeout = 600", true), ("timeout = 0.25", true), ("timeout = 0", false),
        ("timeout = 601", false), ("timeout = 1/0", false), ("version = '1.0'", true), ("version = 3", false),
        ("name = 'a b'", false), ("name = '-x'", false), ("name = 'x-1_y'", true), ("name = ''", false),
        ("migrate = function() end", false), ("consensus = function() end", false),
        ("miner = 5", false), ("validate = 'yes'", false), ("on_load = {}", false), ("on_epoch = true", false),
        ("miner = function(t) return t end", true), ("score = 7", false),
        ("contract = 1", true), ("contract = 2", true), ("contract = 3", false), ("contract = 1.5", false),
        ("contract = '2'", false),
    ]

    @Test(arguments: cases)
    func thePreludeAndTheHostRefuseTheSameTables(extra: String, accepted: Bool) {
        #expect(loads(extra, throughPrelude: true) == accepted, "subnet{} with \(extra)")
        #expect(loads(extra, throughPrelude: false) == accepted, "a plain table with \(extra)")
    }

    @Test func unsupportedHooksAreRefusedByNameWithWhatToDoInstead() throws {
        for (name, reason) in PluginContract.unsupportedHooks {
            let source = "return { \(Self.base) \(name) = function() end }"
            #expect(throws: PluginError.self) {
                try SubnetPlugin(source: Array(source.utf8), chunkName: "plugins/s.lua")
            }
            do {
                _ = try SubnetPlugin(source: Array(source.utf8), chunkName: "plugins/s.lua")
            } catch {
                #expect(error.message == reason)
                #expect(error.message.contains("instead"))
            }
        }
    }

    @Test func ctxHasExactlyTheDeclaredFields() throws {
        let source = """
            return subnet { name = "s",
              task = function(ctx)
                local keys = {}
                for k in pairs(ctx) do keys[#keys + 1] = k end
                table.sort(keys)
                return keys
              end,
              score = function(t, r) return tensor.zeros(#r) end, reward = function(s) return s end }
            """
        let plugin = try SubnetPlugin(source: Array(source.utf8), chunkName: "plugins/s.lua")
        let keys = try plugin.task(HookContext(netuid: 1, block: 1, validator: "v"))
        #expect(keys == .array(PluginContract.contextFields.sorted().map { .string($0) }))
    }

    // MARK: The docs

    static let docs: String = {
        let path = SubnetPluginTests.root.appendingPathComponent("docs/plugin-api.md").path
        return (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
    }()

    /// The lines of the section whose heading starts with `## heading`.
    func section(_ heading: String) -> [Substring] {
        let lines = Self.docs.split(separator: "\n", omittingEmptySubsequences: false)
        guard let start = lines.firstIndex(where: { $0.hasPrefix("## \(heading)") }) else { return [] }
        let rest = lines[(start + 1)...]
        let end = rest.firstIndex { $0.hasPrefix("## ") } ?? rest.endIndex
        return Array(rest[..<end])
    }

    /// The backquoted words in the first column of a section's table rows.
    func firstColumn(_ heading: String) -> [String] {
        section(heading).filter { $0.hasPrefix("| `") }.flatMap { row in
            let cell = row.split(separator: "|", omittingEmptySubsequences: true).first ?? ""
            return cell.split(separator: "`").enumerated().filter { $0.offset % 2 == 1 }.map { String($0.element) }
        }
    }

    @Test func theDocsListEveryHookWithItsArgumentsAndNoOther() {
        let documented = firstColumn("Hooks")
        let declared = PluginContract.hooks.map { "\($0.name)(\($0.arguments.joined(separator: ", ")))" }
        #expect(documented.sorted() == declared.sorted())
        for (name, _) in PluginContract.unsupportedHooks {
            let prose = Self.docs.replacingOccurrences(of: "\n", with: " ")
            #expect(prose.contains("`\(name)` (not supported yet"), "\(name)")
        }
    }

    @Test func theDocsListEveryContextFieldAndNoOther() {
        let documented = firstColumn("`ctx`").map { $0.split(separator: "(")[0] }.map {
            String($0.dropFirst("ctx.".count))
        }
        #expect(documented.sorted() == PluginContract.contextFields.sorted())
    }

    @Test func theDocsListEveryHyperparameterAndNoOther() {
        #expect(firstColumn("Hyperparameters").sorted() == Hyperparameters.known.map(\.name).sorted())
    }

    @Test func theDocsTableShowsEveryFieldAndHook() {
        let example = section("The table").joined(separator: "\n")
        let shown = PluginContract.fields.map(\.name) + PluginContract.hooks.map(\.name)
        for name in shown { #expect(example.contains("  \(name) = "), "\(name)") }
    }

    @Test func synodCheckPrintsEveryHyperparameterUnderThePluginsName() {
        let names = Hyperparameters.chainValues(of: .init()).map(\.name)
        #expect(names == Hyperparameters.known.map(\.name))
        #expect(Hyperparameters.chainValues(of: .init()).allSatisfy { $0.value != .null })
    }
}
