import Foundation
import Testing

@Suite("synod store: a subnet's plugin store")
struct StoreCommandTests {
    @Test func listsKeysAndPrintsValues() throws {
        let data = FileManager.default.temporaryDirectory.appendingPathComponent("synod-store-\(UUID().uuidString)")
            .path
        defer { try? FileManager.default.removeItem(atPath: data) }
        let up = try synod(["up", "--data", data, "--block-time", "0.01", "--blocks", "12", "--no-metrics"])
        #expect(up.status == 0, "\(up.stderr)")
        // sort keeps each validator's moving average of scores in its store.
        let list = try synod(["store", "list", "--data", data, "--netuid", "5"])
        #expect(list.status == 0, "\(list.stderr)")
        let keys = list.stdout.split(separator: "\n").dropFirst(1).map { String($0.split(separator: " ")[0]) }
        #expect(keys.count == 2 && keys.allSatisfy { $0.hasPrefix("synod.moving_average/5") }, "\(list.stdout)")
        let get = try synod(["store", "get", "--data", data, "--netuid", "5", keys[0]])
        #expect(get.status == 0 && get.stdout.hasPrefix("["), "\(get.stdout)")
        let missing = try synod(["store", "get", "--data", data, "--netuid", "5", "nope"])
        #expect(missing.status == 1 && missing.stderr.contains("no key 'nope' in subnet 5's store"))
        let none = try synod(["store", "list", "--data", data, "--netuid", "9"])
        #expect(none.status == 64 || none.status == 2, "\(none.status) \(none.stderr)")
    }
}
