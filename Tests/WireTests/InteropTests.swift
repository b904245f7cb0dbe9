import Foundation
import Testing

@testable import Wire

/// Synod against the `bittensor` 11.3.0 package itself, both directions.
@Suite(.enabled(if: PythonSDK.shouldRun, "bittensor SDK not installed (make test installs it)"), .serialized)
struct InteropTests {
    @Test func sdkSignedRequestsAreAcceptedAndTamperedOrReplayedOnesRefused() async throws {
        let sdk = try PythonSDK()
        let validator = try Hotkey.generate()
        let service = SumService(validators: [validator.address])
        try await withAxon(service: service) { port in
            let receiver = Golden.receiver.address
            func sdkSigned(
                path: String = Golden.path, body: [UInt8] = Golden.body, receiver: SS58Address = receiver,
                scheme: String = "ed25519"
            ) throws -> [(name: String, value: String)] {
                try sdk.sign(
                    seed: validator.seed, path: path, body: body, receiver: receiver, scheme: scheme)
            }
            let accepted = try sdkSigned()
            let ok = try await send(port: port, headers: accepted, body: Golden.body)
            #expect(ok.status == 200, "\(ok.body)")
            #expect(ok.body.contains(#""sum":6"#))

            let replay = try await send(port: port, headers: accepted, body: Golden.body)
            #expect(replay.status == 401)
            #expect(replay.reason == "replayed")

            func replacing(_ headers: [(name: String, value: String)], _ name: String, _ edit: (String) -> String)
                -> [(name: String, value: String)]
            {
                headers.map { $0.name.lowercased() == name.lowercased() ? ($0.name, edit($0.value)) : $0 }
            }
            let tampered: [(String, [(name: String, value: String)], String, String)] = [
                ("body", try sdkSigned(), "/v1/subnets/1/forward", "bad_signature"),
                ("path", try sdkSigned(path: "/v1/subnets/2/forward"), Golden.path, "bad_signature"),
                (
                    "nonce", replacing(try sdkSigned(), BTAuth.Header.nonce) { String(Int64($0)! - 1) }, Golden.path,
                    "bad_signature"
                ),
                ("receiver", try sdkSigned(receiver: validator.address), Golden.path, "wrong_receiver"),
                (
                    "signature",
                    replacing(try sdkSigned(), BTAuth.Header.signature) {
                        String($0.dropLast()) + ($0.last == "0" ? "1" : "0")
                    },
                    Golden.path, "bad_signature"
                ),
            ]
            for (name, headers, path, reason) in tampered {
                let body = name == "body" ? Array(#"{"numbers":[9]}"#.utf8) : Golden.body
                let response = try await send(port: port, path: path, headers: headers, body: body)
                #expect(response.status == 401, "\(name)")
                #expect(response.reason == reason, "\(name): \(response.body)")
            }
        }
    }

    /// A stock SDK wallet signs sr25519 (its default, no X-Bittensor-Crypto header): Synod's
    /// axon accepts it, and refuses it tampered or replayed.
    @Test func sdkSignedSr25519RequestsAreAccepted() async throws {
        let sdk = try PythonSDK()
        let seed = (0..<32).map { _ in UInt8.random(in: 0...255) }
        // The SDK treats the 32 bytes as the mini-secret: the same address as Synod's key.
        let validator = try Sr25519PrivateKey(miniSecret: seed).publicKey.address
        try await withAxon(service: SumService(validators: [validator])) { port in
            let headers = try sdk.sign(
                seed: seed, path: Golden.path, body: Golden.body, receiver: Golden.receiver.address, scheme: "sr25519")
            #expect(!headers.contains { $0.name.lowercased() == BTAuth.Header.crypto.lowercased() })
            let tampered = try await send(port: port, headers: headers, body: Array(#"{"numbers":[9]}"#.utf8))
            #expect(tampered.status == 401 && tampered.reason == "bad_signature", "\(tampered.body)")
            let stale = try sdk.sign(
                seed: seed, path: Golden.path, body: Golden.body, receiver: Golden.receiver.address,
                nonce: BTAuth.now() - 11_000_000_000, scheme: "sr25519")
            let refused = try await send(port: port, headers: stale, body: Golden.body)
            #expect(refused.status == 401 && refused.reason == "stale", "\(refused.body)")
            let ok = try await send(port: port, headers: headers, body: Golden.body)
            #expect(ok.status == 200, "\(ok.body)")
            #expect(ok.body.contains(#""caller":"\#(validator.string)""#))
            let replay = try await send(port: port, headers: headers, body: Golden.body)
            #expect(replay.status == 401 && replay.reason == "replayed")
        }
    }

    @Test func synodSignedSr25519RequestsVerifyWithTheSDK() async throws {
        let sdk = try PythonSDK()
        let key = try Sr25519PrivateKey.generate()
        let headers = try await BTAuthSigner.headers(
            method: "POST", target: Golden.path, body: Golden.body, receiver: Golden.receiver.address, signer: key)
        func verify(_ body: [UInt8]) throws -> [String: Any] {
            try sdk.call([
                "op": "verify", "headers": Dictionary(uniqueKeysWithValues: headers.map { ($0.name, $0.value) }),
                "body": Hex.encode(body), "method": "POST", "path": Golden.path, "receiver": Golden.receiverAddress,
            ])
        }
        #expect(try verify(Golden.body)["hotkey"] as? String == key.address.string)
        #expect(try verify(Array("{}".utf8))["error"] as? String == "BadSignature")
    }

    @Test func synodSignedRequestsVerifyWithTheSDK() throws {
        let sdk = try PythonSDK()
        let headers = BTAuthSigner(hotkey: Golden.sender).headers(
            method: "POST", target: Golden.path, body: Golden.body, receiver: Golden.receiver.address)
        func verify(_ body: [UInt8], path: String = Golden.path) throws -> [String: Any] {
            try sdk.call([
                "op": "verify", "headers": Dictionary(uniqueKeysWithValues: headers.map { ($0.name, $0.value) }),
                "body": Hex.encode(body), "method": "POST", "path": path, "receiver": Golden.receiverAddress,
            ])
        }
        let verified = try verify(Golden.body)
        #expect(verified["hotkey"] as? String == Golden.senderAddress, "\(verified)")
        #expect(try verify(Array("{}".utf8))["error"] as? String == "BadSignature")
        #expect(try verify(Golden.body, path: "/other")["error"] as? String == "BadSignature")
        // The SDK's own replay memory refuses the second use.
        #expect(try verify(Golden.body)["error"] as? String == "ReplayedRequest")
    }

    @Test func keyFilesAndAddressesCrossOver() throws {
        let sdk = try PythonSDK()
        let root = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: root) }

        for scheme in [BTAuth.Scheme.sr25519, .ed25519] {
            // The SDK's key (a stock sr25519 wallet, or ed25519), read by Synod.
            let made = try sdk.call([
                "op": "wallet_new", "path": root, "name": "sdk-\(scheme)", "hotkey": "hk", "scheme": scheme.rawValue,
            ])
            let read = try KeyFile.read(
                at: KeyFile.path(wallet: "sdk-\(scheme)", hotkey: "hk", walletsDirectory: root))
            #expect(read.address.string == made["address"] as? String)
            #expect(read.scheme == scheme)

            // Synod's key, read by the SDK, which signs with it: the signature verifies here.
            let mine = try Hotkey.generate(scheme: scheme)
            try KeyFile.write(mine, to: KeyFile.path(wallet: "synod-\(scheme)", hotkey: "hk", walletsDirectory: root))
            let seen = try sdk.call(["op": "wallet_read", "path": root, "name": "synod-\(scheme)", "hotkey": "hk"])
            #expect(seen["address"] as? String == mine.address.string)
            let signature = try #require(Hex.decode(seen["signature"] as? String ?? ""))
            let message = Array("synod interop".utf8)
            switch scheme {
            case .sr25519:
                #expect(Sr25519PublicKey(mine.publicKeyBytes).verify(signature: signature, of: message))
            case .ed25519:
                #expect(try Ed25519PublicKey(mine.publicKeyBytes).verify(signature: signature, of: message))
            }
        }

        // The same phrase gives the same sr25519 address here as in the SDK (12 and 24 words).
        for i in 0..<20 {
            let made = try sdk.call(["op": "mnemonic", "words": i % 2 == 0 ? 12 : 24])
            let phrase = try #require(made["mnemonic"] as? String)
            let key = try Hotkey(seed: Mnemonic.miniSecret(of: phrase), scheme: .sr25519)
            #expect(key.address.string == made["address"] as? String, "\(phrase)")
        }

        for _ in 0..<20 {
            let key = try Hotkey.generate()
            let address = try sdk.call(["op": "address", "public_key": Hex.encode(key.publicKeyBytes)])
            #expect(address["address"] as? String == key.address.string)
        }
    }

    @Test func aDendriteCallsThePythonExampleMiner() async throws {
        guard let python = PythonSDK.python else { throw WireError.transport("bittensor SDK not installed") }
        let root = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: root) }
        // A stock wallet's hotkey: sr25519, as btcli and the SDK make them.
        let minerKey = try Hotkey.generate(scheme: .sr25519)
        try KeyFile.write(minerKey, to: KeyFile.path(wallet: "miner", hotkey: "default", walletsDirectory: root))

        let miner = Process()
        miner.executableURL = URL(fileURLWithPath: python)
        miner.arguments = [
            PythonSDK.repositoryRoot + "/examples/python-miner/miner.py", "--wallet", "miner",
            "--wallet-path", root, "--port", "0", "--validator", Golden.senderAddress,
        ]
        let output = Pipe()
        miner.standardOutput = output
        try miner.run()
        defer {
            // SIGKILL: a process that ran an axon ignores SIGTERM (the service group's signal
            // handling), and children inherit ignored signals.
            kill(miner.processIdentifier, SIGKILL)
            miner.waitUntilExit()
        }
        var line = Data()
        while !line.contains(0x0a) {
            let chunk = output.fileHandleForReading.availableData
            guard !chunk.isEmpty else { break }
            line.append(chunk)
        }
        let words = String(decoding: line, as: UTF8.self).split(separator: " ")
        try #require(
            words.count == 3 && words[0] == "listening", "miner said: \(String(decoding: line, as: UTF8.self))")
        #expect(words[2].trimmingCharacters(in: .whitespacesAndNewlines) == minerKey.address.string)
        let port = Int(words[1])!
        let endpoint = MinerEndpoint(hotkey: minerKey.address, url: "http://127.0.0.1:\(port)")
        let dendrite = Dendrite(hotkey: Golden.sender)
        let outcome = await dendrite.forward(Array(#"{"numbers":[1,2,3,4]}"#.utf8), to: endpoint, netuid: 3)
        #expect(outcome.answer.map { String(decoding: $0, as: UTF8.self) } == #"{"sum":10}"#, "\(outcome.result)")
        // A validator the miner does not serve is refused by the miner (its 403, so the SDK
        // verified this sr25519 validator's signature first).
        let stranger = Dendrite(hotkey: try Hotkey.generate(scheme: .sr25519))
        let refused = await stranger.forward(Golden.body, to: endpoint, netuid: 3)
        #expect(refused.status == 403)
        try await dendrite.shutdown()
        try await stranger.shutdown()
    }
}
