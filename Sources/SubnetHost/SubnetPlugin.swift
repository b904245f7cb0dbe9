import Foundation
import Ledger
public import Logging
public import LuaSandbox
import Tensor
import Wire

/// A plugin file loaded into its own sandbox: its checked ``SubnetDefinition`` and the
/// table of hooks it returned, ready to be called.
///
/// Loading runs the file once in a fresh sandbox (with the `tensor` module), requires it
/// to return its `subnet { … }` table, and checks that table again from Swift: required
/// hooks are functions, optional ones are functions when present, the name and version
/// are strings, tempo and timeout are positive, the hyperparameters are known and in
/// range. Any failure is a ``PluginError`` that says where and what to change.
///
/// ```swift
/// let plugin = try SubnetPlugin(path: "plugins/echo-sum.lua")
/// plugin.definition.config.tempo   // 20
/// ```
///
/// A plugin owns a `lua_State`, which is not thread-safe: keep each one inside one actor.
public final class SubnetPlugin {
    public let definition: SubnetDefinition
    public let sandbox: Sandbox
    /// The table the plugin returned, kept alive inside the sandbox.
    public let table: LuaReference
    /// The host's entry points into the plugin (see ``PluginRuntime``).
    let entries: [String: LuaReference]
    /// Where each hook call's cost goes (the subnet's meter), or nil for nowhere.
    var meter: CostMeter?

    /// Loads the plugin at `path`, naming it in errors as given.
    public convenience init(
        path: String, store: any PluginStore = MemoryStore(), limits: SandboxLimits = .default,
        logger: Logger = Logger(label: "synod.plugin")
    ) throws(PluginError) {
        try self.init(
            source: Self.readSource(path).source, chunkName: path, store: store, limits: limits, logger: logger)
    }

    /// Loads a plugin from its source text; `chunkName` (usually its path) names it in errors.
    ///
    /// - Parameter libraries: native libraries a host adds for its plugins, beside `tensor`.
    public init(
        source: [UInt8], chunkName: String, store: any PluginStore = MemoryStore(), limits: SandboxLimits = .default,
        logger: Logger = Logger(label: "synod.plugin"), libraries: [SandboxLibrary] = []
    ) throws(PluginError) {
        let name = URL(fileURLWithPath: chunkName).deletingPathExtension().lastPathComponent
        let sandbox: Sandbox
        let table: LuaReference
        let definition: SubnetDefinition
        var entries: [String: LuaReference] = [:]
        do {
            sandbox = try Sandbox(name: name, limits: limits, libraries: [.tensor] + libraries, logger: logger)
            try Self.registerStore(store, in: sandbox, quotaLog: RateLimitedLogger(logger: logger))
            try Self.registerHash(in: sandbox)
            // Synod's runtime first, so it keeps the original functions.
            let runtime = try sandbox.load(PluginRuntime.source, chunkName: PluginRuntime.chunkName)
            defer { sandbox.release(runtime) }
            guard let install = try sandbox.callKeepingResult(runtime) else {
                throw PluginError(PluginRuntime.chunkName, "internal: the runtime returned nothing")
            }
            defer { sandbox.release(install) }
            let chunk = try sandbox.load(source, chunkName: chunkName)
            defer { sandbox.release(chunk) }
            guard let result = try sandbox.callKeepingResult(chunk) else {
                throw PluginError(chunkName, "the file returns nothing; end it with `return subnet { … }`")
            }
            table = result
            definition = try Self.definition(sandbox, table, chunkName: chunkName, sha256: SHA256.hex(source))
            try sandbox.setGlobal("__synod_plugin", to: table)
            guard let api = try sandbox.callKeepingResult(install) else {
                throw PluginError(PluginRuntime.chunkName, "internal: the runtime installed nothing")
            }
            defer { sandbox.release(api) }
            for key in PluginContract.hooks.map(\.name) + ["adversary"] {
                entries[key] = try sandbox.reference(key, in: api)
            }
        } catch let error as SandboxError {
            throw PluginError(sandbox: error)
        } catch let error as PluginError {
            throw error
        } catch {
            throw PluginError(chunkName, "\(error)")
        }
        self.sandbox = sandbox
        self.table = table
        self.definition = definition
        self.entries = entries
    }

    deinit {
        for reference in entries.values { sandbox.release(reference) }
        sandbox.release(table)
        sandbox.close()
    }

    static func definition(_ sandbox: Sandbox, _ table: LuaReference, chunkName: String, sha256: String) throws
        -> SubnetDefinition
    {
        func field(_ key: String) throws -> LuaValue { try sandbox.value(key, in: table) }
        func expects(_ key: String) -> String { PluginContract.fields.first { $0.name == key }!.expects }
        sandbox.describesFunctions = true
        defer { sandbox.describesFunctions = false }

        guard case .string(let name) = try field("name") else {
            throw PluginError(chunkName, "the returned table has no 'name'; return subnet { name = \"my-subnet\", … }")
        }
        let allowed = { (c: Character) in c.isASCII && (c.isLetter || c.isNumber || c == "-" || c == "_") }
        guard let first = name.first, first.isASCII, first.isLetter || first.isNumber, name.allSatisfy(allowed) else {
            throw PluginError(chunkName, "'name' must be \(expects("name"))")
        }
        var version = "0.0.0"
        switch try field("version") {
        case .null: break
        case .string(let v): version = v
        case let other:
            throw PluginError(chunkName, "'version' must be a string such as \"1.0.0\" (got \(other.typeName))")
        }
        for (key, reason) in PluginContract.unsupportedHooks where try field(key) != .null {
            throw PluginError(chunkName, reason)
        }
        var hooks: [String: String] = [:]
        for key in SubnetDefinition.requiredHooks + SubnetDefinition.optionalHooks {
            let value = try field(key)
            if case .function(let text) = value {
                hooks[key] = text.hasPrefix("function: ") ? String(text.dropFirst("function: ".count)) : text
            } else if value != .null || SubnetDefinition.requiredHooks.contains(key) {
                let required = SubnetDefinition.requiredHooks.contains(key)
                throw PluginError(
                    chunkName,
                    "'\(key)' must be a function\(required ? "" : " when present") (got \(value == .null ? "nothing" : value.typeName))"
                )
            }
        }
        var config = SubnetConfig()
        switch try field("tempo") {
        case .null: break
        case let value:
            let range = PluginContract.tempo
            guard let t = value.doubleValue, t.rounded() == t, t >= Double(range.lowerBound),
                t <= Double(range.upperBound)
            else {
                throw PluginError(chunkName, "'tempo' must be \(expects("tempo"))")
            }
            config.tempo = Int(t)
        }
        var timeout = SubnetDefinition.defaultTimeout
        switch try field("timeout") {
        case .null: break
        case let value:
            guard let t = value.doubleValue, t > 0, t <= PluginContract.maxTimeout else {
                throw PluginError(chunkName, "'timeout' must be \(expects("timeout"))")
            }
            timeout = t
        }
        do {
            try Hyperparameters.apply(try field("hyperparameters"), to: &config)
        } catch let error as HyperparameterError {
            throw PluginError(chunkName, error.message)
        }
        if let problem = config.problem { throw PluginError(chunkName, problem) }
        var contract = 1
        switch try field("contract") {
        case .null: break
        case let value:
            guard let c = value.doubleValue, c.rounded() == c, let whole = Int(exactly: c),
                PluginContract.versions.contains(whole)
            else {
                throw PluginError(chunkName, "'contract' must be \(expects("contract"))")
            }
            contract = whole
        }
        for (hook, reason) in PluginContract.contract2Hooks where contract < 2 && hooks[hook] != nil {
            throw PluginError(chunkName, reason)
        }
        var adversaries: [String: String] = [:]
        switch try field("adversaries") {
        case .null: break
        case .map(let entries):
            for (name, value) in entries {
                guard case .function(let text) = value, (try? MinerStrategy(parsing: name)) == .adversary(name) else {
                    throw PluginError(
                        chunkName,
                        "'adversaries.\(name)' must be a function, named with letters, digits, '-' or '_' and not "
                            + "after a built-in strategy")
                }
                adversaries[name] = text.hasPrefix("function: ") ? String(text.dropFirst("function: ".count)) : text
            }
        case .array(let items) where items.isEmpty: break
        default: throw PluginError(chunkName, "'adversaries' must be \(expects("adversaries"))")
        }
        var definition = SubnetDefinition(
            name: name, version: version, timeout: timeout, config: config, hooks: hooks, sha256: sha256)
        definition.contract = contract
        definition.adversaries = adversaries
        return definition
    }
}

/// A plugin cannot be loaded; ``description`` says where (`file:line` when known) and what.
public struct PluginError: Error, Sendable, Hashable, CustomStringConvertible {
    /// Where: the plugin's path, with a line when the problem has one.
    public var location: String
    public var message: String
    /// The sandbox's error when the plugin failed while running (syntax, runtime, limits).
    public var sandboxError: SandboxError?

    public init(_ location: String, _ message: String) {
        self.location = location
        self.message = message
    }

    init(sandbox error: SandboxError) {
        location = error.location?.description ?? "plugin"
        message = "\(error.kind): \(error.message)"
        sandboxError = error
    }

    public var description: String { "\(location): \(message)" }
}
