import Foundation
import Testing

@testable import Wire

/// The signer: keys in one process, signatures for another over a private socket, and
/// nothing signed but btauth/1 payloads of its own keys.
@Suite struct SignerTests {
    func server(_ names: [String] = ["validator-0", "miner-0"]) throws -> (SignerServer, String, [String: Hotkey]) {
        let root = temporaryDirectory()
        let keys = try SignerKeys.load(names: names, wallet: "w", walletsDirectory: root + "/wallets", create: true)
        let server = try SignerServer(keys: keys, socketPath: root + "/signer.sock")
        Thread { server.serve() }.start()
        return (server, root + "/signer.sock", keys)
    }

    @Test func signaturesFromTheSignerVerifyAndTheSocketIsPrivate() async throws {
        let (_, socket, keys) = try server()
        let attributes = try FileManager.default.attributesOfItem(atPath: socket)
        #expect((attributes[.posixPermissions] as? Int) == 0o600)
        let addresses = try SignerClient.addresses(socketPath: socket, names: ["miner-0", "validator-0"])
        #expect(addresses.map(\.address) == [keys["miner-0"]!.address, keys["validator-0"]!.address])
        #expect(addresses.map(\.scheme) == [.ed25519, .ed25519])
        let client = SignerClient(
            socketPath: socket, name: "validator-0", address: addresses[1].address, scheme: .ed25519)
        // A request signed through the signer passes the verifier like one signed in-process.
        let receiver = keys["miner-0"]!.address
        let headers = try await BTAuthSigner.headers(
            method: "POST", target: Golden.path, body: Golden.body, receiver: receiver, signer: client)
        let verifier = BTAuthVerifier(receiver: receiver)
        let caller = try verifier.verify(
            method: "POST", target: Golden.path, header: lookup(headers), body: Golden.body)
        #expect(caller.hotkey == addresses[1].address)
        // The same bytes as the key itself would sign (Ed25519 is deterministic).
        let nonce = BTAuth.now()
        let direct = BTAuthSigner(hotkey: keys["validator-0"]!).headers(
            method: "POST", target: Golden.path, body: Golden.body, receiver: receiver, nonce: nonce)
        let remote = try await BTAuthSigner.headers(
            method: "POST", target: Golden.path, body: Golden.body, receiver: receiver, signer: client, nonce: nonce)
        #expect(lookup(direct)(BTAuth.Header.signature) == lookup(remote)(BTAuth.Header.signature))
    }

    @Test func itSignsNothingButBtauthPayloadsOfItsOwnKeys() async throws {
        let (_, socket, keys) = try server()
        let client = SignerClient(
            socketPath: socket, name: "validator-0", address: keys["validator-0"]!.address, scheme: .ed25519)
        func refusal(_ payload: [UInt8], by client: SignerClient) async -> String {
            do {
                _ = try await client.sign(payload: payload)
                return "signed"
            } catch {
                return "\(error)"
            }
        }
        // Arbitrary bytes (a chain transaction, say) are refused.
        #expect(
            await refusal(Array("transfer 1000 TAO".utf8), by: client)
                == "the signer refused: only btauth/1 request payloads are signed here")
        // A btauth/1 payload claiming another sender is refused.
        let other = BTAuth.payload(
            scheme: .ed25519, method: "POST", target: "/", bodySHA256Hex: "00", nonce: 1,
            sender: keys["miner-0"]!.address.string, receiver: nil)
        #expect(await refusal(other, by: client) == "the signer refused: the payload's sender is not this key")
        // A key it does not hold.
        let stranger = SignerClient(
            socketPath: socket, name: "owner", address: keys["miner-0"]!.address, scheme: .ed25519)
        #expect(await refusal(other, by: stranger) == "the signer refused: no key named 'owner' in the signer")
        // The connection survives refusals: a good payload is still signed.
        let good = BTAuth.payload(
            scheme: .ed25519, method: "POST", target: "/", bodySHA256Hex: "00", nonce: 1,
            sender: keys["validator-0"]!.address.string, receiver: nil)
        #expect(try await client.sign(payload: good) == keys["validator-0"]!.sign(good))
    }

    @Test func aKeyThatCannotBeReadStopsTheSigner() throws {
        let root = temporaryDirectory()
        #expect {
            try SignerKeys.load(names: ["missing"], wallet: "w", walletsDirectory: root, create: false)
        } throws: { error in
            String(describing: error).contains("no such file")
        }
        #expect(throws: WireError.self) {
            try SignerKeys.load(names: ["../escape"], wallet: "w", walletsDirectory: root, create: true)
        }
    }

    /// A stock sr25519 hotkey in the signer's wallet is used as it is: the signer reports its
    /// scheme, and what it signs verifies as sr25519.
    @Test func anSr25519KeyInTheWalletSignsAsSr25519() async throws {
        let root = temporaryDirectory()
        let stock = try Hotkey.generate(scheme: .sr25519)
        try KeyFile.write(
            stock, to: KeyFile.path(wallet: "w", hotkey: "validator-0", walletsDirectory: root + "/wallets"))
        let keys = try SignerKeys.load(
            names: ["validator-0"], wallet: "w", walletsDirectory: root + "/wallets", create: true)
        let server = try SignerServer(keys: keys, socketPath: root + "/signer.sock")
        Thread { server.serve() }.start()
        let listed = try SignerClient.addresses(socketPath: root + "/signer.sock", names: ["validator-0"])
        #expect(listed.first?.address == stock.address && listed.first?.scheme == .sr25519)
        let client = SignerClient(
            socketPath: root + "/signer.sock", name: "validator-0", address: stock.address, scheme: .sr25519)
        let headers = try await BTAuthSigner.headers(
            method: "POST", target: Golden.path, body: Golden.body, receiver: Golden.receiver.address, signer: client)
        let caller = try BTAuthVerifier(receiver: Golden.receiver.address).verify(
            method: "POST", target: Golden.path, header: lookup(headers), body: Golden.body)
        #expect(caller.hotkey == stock.address)
    }
}
