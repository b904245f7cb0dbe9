import Foundation
import HostReports
public import Hummingbird
public import Ledger
import NIOCore

/// The operator's web view of a host, served beside `/metrics`: the page at `/`, and the JSON
/// it polls — `/api/dashboard` (``DashboardSnapshot``) and `/api/status` (``StatusReport``),
/// each of every subnet or of those `?netuid=1,5` names.
/// Everything is read from the ledger on each request, so it shows what `synod status` shows.
public struct Dashboard: Sendable {
    public let ledger: Ledger

    public init(ledger: Ledger) { self.ledger = ledger }

    /// Adds the page and its JSON to `router`.
    public func routes(_ router: Router<BasicRequestContext>) {
        router.get("/") { _, _ in
            Response(
                status: .ok, headers: [.contentType: "text/html; charset=utf-8", .cacheControl: "no-cache"],
                body: .init(byteBuffer: ByteBuffer(string: DashboardPage.html)))
        }
        router.get("/api/dashboard") { request, _ in
            json { try DashboardSnapshot(ledger: ledger, netuids: Self.netuids(request)) }
        }
        router.get("/api/status") { request, _ in
            json { try StatusReport(ledger: ledger, netuids: Self.netuids(request)) }
        }
    }

    /// `?netuid=1,5`: the subnets asked for (nil: all of them; unreadable numbers are ignored).
    static func netuids(_ request: Request) -> Set<Int>? {
        guard let list = request.uri.queryParameters.get("netuid") else { return nil }
        return Set(list.split(separator: ",").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) })
    }

    private func json(_ make: () throws -> some Encodable) -> Response {
        do {
            return Response(
                status: .ok, headers: [.contentType: "application/json", .cacheControl: "no-store"],
                body: .init(byteBuffer: ByteBuffer(string: try ReportJSON.encode(try make(), pretty: false))))
        } catch {
            return Response(
                status: .internalServerError, headers: [.contentType: "application/json"],
                body: .init(
                    byteBuffer: ByteBuffer(
                        string: (try? ReportJSON.encode(["error": "cannot read the ledger: \(error)"], pretty: false))
                            ?? "{}")))
        }
    }
}
