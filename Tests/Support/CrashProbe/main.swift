// A host process that dies of a real memory fault while a plugin runs, for the crash
// quarantine tests: `CrashProbe <data folder> <plugin file>` attaches the plugin to subnet 1
// of the data folder's ledger, installs the crash marker as `synod up` does, and calls the
// plugin's `task` at block 5 through SubnetRuntime. The plugin reaches the fault through a
// native library only this probe adds (`fault.segv()` writes to address 64), standing in
// for a memory bug in host code a plugin can drive.
import Foundation
import Ledger
import LuaSandbox
import SubnetHost

let arguments = CommandLine.arguments
guard arguments.count == 3 else {
    FileHandle.standardError.write(Data("usage: CrashProbe <data folder> <plugin file>\n".utf8))
    exit(2)
}
let (data, plugin) = (arguments[1], arguments[2])

let ledger = try Ledger(path: LocalNet.ledgerPath(dataDirectory: data))
try ledger.createSubnet(netuid: 1, name: "boom", owner: "owner", plugin: plugin)
try CrashMarker.install(path: CrashMarker.path(dataDirectory: data))
let runtime = try await SubnetRuntime(netuid: 1, path: plugin, ledger: ledger, libraries: [Fault.library])
// Written straight to the descriptor: what is said before the fault must reach the test.
FileHandle.standardOutput.write(Data("loaded \(await runtime.definition.sha256)\n".utf8))
_ = try await runtime.task(HookContext(netuid: 1, block: 5, validator: "v"))
print("survived")
