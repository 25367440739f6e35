import Foundation
import HeraldCompiler
import HeraldService
import Testing

/// The SMS gateway transport against an HTTP double on 127.0.0.1, driven
/// through a store and the scheduler.
@Suite("SMS gateway transport")
struct HTTPGatewayTransportTests {
    func harness(_ url: String, timeout: Swift.Duration = .seconds(5), body: [ServiceConfiguration.GatewayField]? = nil)
        throws -> DeliveryHarness
    {
        let gateway = HTTPGatewayTransport(url: url, token: "gw-token", timeout: timeout, body: body)
        return try DeliveryHarness(email: DirectoryTransport(directory: "/nonexistent", assembler: nil), sms: gateway)
    }

    @Test("2xx is sent with the reply's id; the request carries the token, the idempotency key and the JSON body")
    func accepted() async throws {
        try await withGatewayDouble { base, log in
            let h = try harness(base + "/sms/ok")
            defer { h.remove() }
            let id = try await h.changeStatus(phone: "+5511999990000")
            try await h.tick()
            let d = try await h.delivery(id)
            #expect(d.status == .sent)
            #expect(d.attemptCount == 1)
            #expect(d.providerID == "gw-1")
            let requests = await log.requests
            try #require(requests.count == 1)
            #expect(requests[0].authorization == "Bearer gw-token")
            #expect(requests[0].idempotencyKey == id)
            #expect(requests[0].contentType == "application/json")
            #expect(
                requests[0].body == [
                    "id": .string(id), "to": .string("+5511999990000"), "body": .string("Ordem 4711: agora in_repair."),
                    "segments": .number(1),
                ])
        }
    }

    @Test("sms.http.body shapes the JSON for the gateway's API")
    func shapedBody() async throws {
        try await withGatewayDouble { base, log in
            let body: [ServiceConfiguration.GatewayField] = [
                .init(key: "from", value: .literal("Acme")), .init(key: "to", value: .list([.to])),
                .init(key: "body", value: .body), .init(key: "client_reference", value: .id),
            ]
            let h = try harness(base + "/sms/ok", body: body)
            defer { h.remove() }
            let id = try await h.changeStatus(phone: "+5511999990000")
            try await h.tick()
            #expect(try await h.delivery(id).status == .sent)
            let requests = await log.requests
            #expect(
                requests.first?.body == [
                    "from": .string("Acme"), "to": .array([.string("+5511999990000")]),
                    "body": .string("Ordem 4711: agora in_repair."), "client_reference": .string(id),
                ])
        }
    }

    @Test("400 is a permanent failure with the reply's text")
    func badRequest() async throws {
        try await withGatewayDouble { base, log in
            let h = try harness(base + "/sms/bad")
            defer { h.remove() }
            let id = try await h.changeStatus(phone: "+5511999990000")
            try await h.tick()
            try await h.tick(after: 5)
            let d = try await h.delivery(id)
            #expect(d.status == .failed)
            #expect(d.attemptCount == 1)
            #expect(d.reason == #"SMS gateway: HTTP 400: {"error": "invalid 'to': not a mobile number"}"#)
            #expect(await log.accepted.isEmpty)
        }
    }

    @Test("429 is transient and the next attempt waits for Retry-After (seconds)")
    func tooManyRequests() async throws {
        try await withGatewayDouble { base, log in
            let h = try harness(base + "/sms/busy")
            defer { h.remove() }
            let id = try await h.changeStatus(phone: "+5511999990000")
            let before = Date().timeIntervalSince1970
            try await h.tick()
            var d = try await h.delivery(id)
            #expect(d.status == .retrying)
            #expect(d.attempts?.first?.detail?.contains("HTTP 429") == true)
            #expect(d.dueAt >= before + 119)
            try await h.tick(after: 5)
            #expect(try await h.delivery(id).attemptCount == 1, "not due before Retry-After")
            try await h.tick(after: 125)
            d = try await h.delivery(id)
            #expect(d.status == .sent)
            #expect(d.attemptCount == 2)
            #expect(await log.accepted == [id])
        }
    }

    @Test("429 with Retry-After as an HTTP date")
    func retryAfterDate() async throws {
        try await withGatewayDouble { base, _ in
            let h = try harness(base + "/sms/busy-date")
            defer { h.remove() }
            let id = try await h.changeStatus(phone: "+5511999990000")
            let before = Date().timeIntervalSince1970
            try await h.tick()
            let d = try await h.delivery(id)
            #expect(d.status == .retrying)
            #expect(d.dueAt >= before + 290)
            #expect(d.dueAt <= before + 310)
        }
    }

    @Test("500 is transient; the retry is accepted once under the same idempotency key")
    func serverError() async throws {
        try await withGatewayDouble { base, log in
            let h = try harness(base + "/sms/error")
            defer { h.remove() }
            let id = try await h.changeStatus(phone: "+5511999990000")
            try await h.tick()
            var d = try await h.delivery(id)
            #expect(d.status == .retrying)
            #expect(d.attempts?.first?.detail == "SMS gateway: HTTP 500: upstream carrier unavailable")
            try await h.tick(after: 5)
            d = try await h.delivery(id)
            #expect(d.status == .sent)
            #expect(d.attemptCount == 2)
            #expect(await log.requests.map(\.idempotencyKey) == [id, id])
            #expect(await log.accepted == [id])
        }
    }

    @Test("a gateway that does not answer in time is a transient failure")
    func hang() async throws {
        try await withGatewayDouble { base, log in
            let h = try harness(base + "/sms/hang", timeout: .seconds(1))
            defer { h.remove() }
            let id = try await h.changeStatus(phone: "+5511999990000")
            let start = ContinuousClock.now
            try await h.tick()
            #expect(ContinuousClock.now - start < .seconds(10))
            let d = try await h.delivery(id)
            #expect(d.status == .retrying)
            #expect(
                d.attempts?.first?.detail?.contains("no reply within") == true, "\(d.attempts?.first?.detail ?? "-")")
            #expect(await log.accepted.isEmpty)
        }
    }

    @Test("a refused connection is a transient failure, at once: not after the gateway's timeout")
    func refused() async throws {
        // Nothing listens on the discard port of loopback.
        let h = try harness("http://127.0.0.1:9/sms", timeout: .seconds(20))
        defer { h.remove() }
        let id = try await h.changeStatus(phone: "+5511999990000")
        let start = ContinuousClock.now
        try await h.tick()
        // The pool used to try the connection again until the 20 s timeout.
        #expect(ContinuousClock.now - start < .seconds(5))
        let d = try await h.delivery(id)
        #expect(d.status == .retrying)
        #expect(d.attempts?.first?.outcome == .transient)
    }

    @Test(
        "Retry-After values",
        arguments: [
            ("120", 120), ("0", 0), ("Sun, 06 Nov 1994 08:49:37 GMT", 0), ("soon", -1),
        ])
    func retryAfterParsing(value: String, seconds: Int) {
        let parsed = HTTPGatewayTransport.retryAfter(value, now: Date())
        #expect(parsed == (seconds < 0 ? nil : .seconds(seconds)))
    }
}
