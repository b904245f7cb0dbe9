import Foundation
import NIOSSL
import Testing

@testable import Wire

@Suite struct AxonTests {
    let service = SumService(validators: [Golden.sender.address])

    @Test func aDendriteGetsTheMinersAnswer() async throws {
        try await withAxon(service: service) { port in
            let dendrite = Dendrite(hotkey: Golden.sender)
            let endpoint = MinerEndpoint(hotkey: Golden.receiver.address, url: "http://127.0.0.1:\(port)")
            for _ in 0..<3 {  // pooled connection reused; fresh nonce each time
                let outcome = await dendrite.forward(Golden.body, to: endpoint, netuid: 1)
                #expect(outcome.status == 200)
                #expect(
                    outcome.answer.map { String(decoding: $0, as: UTF8.self) }
                        == #"{"sum":6,"caller":"\#(Golden.senderAddress)"}"#)
            }
            try await dendrite.shutdown()
        }
    }

    @Test func tamperedAndReplayedRequestsAreRefusedWithTheReason() async throws {
        try await withAxon(service: service) { port in
            let headers = signed(Golden.body)
            func with(_ name: String, _ value: String) -> [(name: String, value: String)] {
                headers.filter { $0.name != name } + [(name, value)]
            }
            let signature = lookup(headers)(BTAuth.Header.signature)!
            let flipped = String(signature.dropLast()) + (signature.last == "0" ? "1" : "0")
            let nonce = Int64(lookup(headers)(BTAuth.Header.nonce)!)!
            let cases: [(String, [(name: String, value: String)], [UInt8], String, String)] = [
                ("body", headers, Array(#"{"numbers":[1,2,4]}"#.utf8), Golden.path, "bad_signature"),
                ("path", headers, Golden.body, "/v1/subnets/1/forward?x=1", "bad_signature"),
                ("nonce", with(BTAuth.Header.nonce, String(nonce + 1)), Golden.body, Golden.path, "bad_signature"),
                (
                    "receiver", with(BTAuth.Header.receiver, Golden.senderAddress), Golden.body, Golden.path,
                    "wrong_receiver"
                ),
                ("signature", with(BTAuth.Header.signature, flipped), Golden.body, Golden.path, "bad_signature"),
                ("unsigned", [], Golden.body, Golden.path, "malformed"),
                (
                    "ed25519 signature sent as sr25519", headers.filter { $0.name != BTAuth.Header.crypto },
                    Golden.body, Golden.path, "bad_signature"
                ),
                ("stale", signed(Golden.body, nonce: BTAuth.now() - 11_000_000_000), Golden.body, Golden.path, "stale"),
            ]
            for (name, headers, body, path, reason) in cases {
                let response = try await send(port: port, path: path, headers: headers, body: body)
                #expect(response.status == 401, "\(name)")
                #expect(response.reason == reason, "\(name): \(response.body)")
                #expect(response.headers["www-authenticate"] == "btauth/1")
                #expect(!response.body.contains(signature.dropFirst(2).prefix(16)))
            }
            let first = try await send(port: port, headers: headers, body: Golden.body)
            #expect(first.status == 200)
            let replay = try await send(port: port, headers: headers, body: Golden.body)
            #expect(replay.status == 401)
            #expect(replay.reason == "replayed")
        }
    }

    @Test func hostileRequestsGetTheirStatus() async throws {
        let configuration = AxonConfiguration(
            port: 0, maxBodySize: 1024, handlerTimeout: .milliseconds(300))
        try await withAxon(service: service, configuration: configuration) { port in
            func status(_ body: [UInt8], path: String = Golden.path, by sender: Hotkey = Golden.sender) async throws
                -> RawResponse
            {
                try await send(port: port, path: path, headers: signed(body, by: sender, path: path), body: body)
            }
            let big = Array(#"{"numbers":[\#(String(repeating: "1,", count: 600))1]}"#.utf8)
            var response = try await status(big)
            #expect(response.status == 413)
            #expect(response.reason == "too_large")

            response = try await status(Array(#"{"numbers":[1,2"#.utf8))
            #expect(response.status == 400)
            #expect(response.reason == "malformed_json")
            #expect(response.body.contains("at byte"))

            response = try await status(Golden.body, path: "/v1/subnets/9/forward")
            #expect(response.status == 404)
            #expect(response.reason == "unknown_subnet")

            let stranger = try Hotkey.generate()
            response = try await status(Golden.body, by: stranger)
            #expect(response.status == 403)
            #expect(response.body.contains("not a registered validator of subnet 1"))

            response = try await status(Array(#"{"mode":"sleep","ms":5000}"#.utf8))
            #expect(response.status == 504)
            #expect(response.reason == "timeout")

            response = try await status(Array(#"{"mode":"fail"}"#.utf8))
            #expect(response.status == 422)
            #expect(response.body.contains("numbers must be integers"))

            response = try await status(Array(#"{"mode":"crash"}"#.utf8))
            #expect(response.status == 500)
            #expect(response.reason == "handler_failed")

            response = try await status(Array(#"{"mode":"invalid"}"#.utf8))
            #expect(response.status == 500)
            #expect(response.body.contains("not valid JSON"))

            // The axon is still healthy after all of that.
            response = try await status(Golden.body)
            #expect(response.status == 200)
        }
    }

    @Test func oneCallerCannotTakeEverySlot() async throws {
        let configuration = AxonConfiguration(port: 0, maxConcurrentPerCaller: 2)
        let other = try Hotkey.generate()
        let service = SumService(validators: [Golden.sender.address, other.address])
        try await withAxon(service: service, configuration: configuration) { port in
            let slow = Array(#"{"mode":"sleep","ms":1500}"#.utf8)
            let statuses = try await withThrowingTaskGroup(of: Int.self) { group in
                for _ in 0..<4 {
                    group.addTask { try await send(port: port, headers: signed(slow), body: slow).status }
                }
                // While the first caller is at its bound, another validator still gets through.
                try await Task.sleep(for: .milliseconds(500))
                let otherStatus = try await send(port: port, headers: signed(Golden.body, by: other), body: Golden.body)
                #expect(otherStatus.status == 200)
                return try await group.reduce(into: [Int]()) { $0.append($1) }.sorted()
            }
            #expect(statuses == [200, 200, 429, 429])
        }
    }

    @Test func healthAndInfo() async throws {
        try await withAxon(service: service) { port in
            let health = try await send(port: port, method: "GET", path: "/health", headers: [], body: [])
            #expect(health.status == 200)
            #expect(health.body == #"{"status":"ok"}"#)
            let info = try await send(port: port, method: "GET", path: "/v1/info", headers: [], body: [])
            let object = try JSONSerialization.jsonObject(with: Data(info.body.utf8)) as? [String: Any]
            #expect(object?["hotkey"] as? String == Golden.receiverAddress)
            #expect(object?["protocol"] as? String == "btauth/1")
            #expect(object?["subnets"] as? [Int] == [1])
        }
    }

    @Test func servesHTTPS() async throws {
        let directory = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let openssl = Process()
        openssl.executableURL = URL(fileURLWithPath: "/usr/bin/openssl")
        openssl.arguments = [
            "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-days", "1",
            "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
            "-keyout", directory + "/key.pem", "-out", directory + "/cert.pem",
        ]
        openssl.standardError = FileHandle.nullDevice
        try openssl.run()
        openssl.waitUntilExit()
        #expect(openssl.terminationStatus == 0)
        let configuration = AxonConfiguration(
            port: 0,
            tls: .init(certificateChainPath: directory + "/cert.pem", privateKeyPath: directory + "/key.pem"))
        try await withAxon(service: service, configuration: configuration) { port in
            var tls = TLSConfiguration.makeClientConfiguration()
            tls.trustRoots = .file(directory + "/cert.pem")
            let dendrite = Dendrite(hotkey: Golden.sender, configuration: .init(tls: tls))
            let outcome = await dendrite.forward(
                Golden.body, to: MinerEndpoint(hotkey: Golden.receiver.address, url: "https://127.0.0.1:\(port)"),
                netuid: 1)
            #expect(outcome.status == 200, "\(outcome.result)")
            try await dendrite.shutdown()
        }
    }

    @Test func unreadableTLSFilesAreAClearError() async throws {
        let axon = Axon(
            hotkey: Golden.receiver.address, service: service,
            configuration: AxonConfiguration(
                port: 0,
                tls: .init(certificateChainPath: "/nonexistent/cert.pem", privateKeyPath: "/nonexistent/key.pem")))
        await #expect {
            try await axon.run()
        } throws: { error in
            String(describing: error).contains("cannot load the axon's TLS certificate /nonexistent/cert.pem")
        }
    }
}

@Suite struct DendriteTests {
    @Test func oneSlowOrDeadMinerDoesNotHoldUpTheRest() async throws {
        let service = SumService(validators: [Golden.sender.address])
        try await withAxon(service: service) { port in
            let dendrite = Dendrite(hotkey: Golden.sender)
            let good = MinerEndpoint(hotkey: Golden.receiver.address, url: "http://127.0.0.1:\(port)")
            // Signed for the wrong receiver: the axon refuses it.
            let misaddressed = MinerEndpoint(hotkey: Golden.sender.address, url: "http://127.0.0.1:\(port)")
            // Nothing listens on port 1.
            let dead = MinerEndpoint(hotkey: Golden.receiver.address, url: "http://127.0.0.1:1")
            let slowBody = Array(#"{"mode":"sleep","ms":3000,"numbers":[1]}"#.utf8)
            let fast = await dendrite.forward(
                Golden.body, to: [good, misaddressed, dead], netuid: 1, timeout: .seconds(2))
            #expect(fast[0].answer != nil)
            #expect(
                fast[1].result
                    == .refused(
                        status: 401, reason: "wrong_receiver",
                        message: "request was signed for a different receiving hotkey"))
            guard case .failed = fast[2].result else {
                Issue.record("expected a connection failure, got \(fast[2].result)")
                return
            }
            let slow = await dendrite.forward(slowBody, to: [good, good], netuid: 1, timeout: .milliseconds(500))
            #expect(slow.allSatisfy { $0.result == .timedOut })
            try await dendrite.shutdown()
        }
    }

    @Test func pathPrefixesAreSigned() {
        #expect(Dendrite.pathPrefix(of: "http://h:1") == "")
        #expect(Dendrite.pathPrefix(of: "http://h:1/miner") == "/miner")
    }
}
