import Foundation
import HTTPTypes
import HeraldRuntime
import HeraldService
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing

@Suite("HTTP API (SPEC §12.2–§12.6)")
struct APITests {
    @Test("healthz answers without a token with the rules hash; metrics list every family")
    func healthAndMetrics() async throws {
        let f = try ServiceFixture()
        defer { f.remove() }
        try await f.withClient { client in
            try await client.execute(uri: "/healthz", method: .get) { r in
                #expect(r.status == .ok)
                #expect(r.body.object["status"] as? String == "ok")
                #expect((r.body.object["rules"] as? String)?.count == 32)
            }
            try await client.execute(uri: "/metrics", method: .get) { r in
                #expect(r.status == .ok)
                for family in [
                    "herald_events_total", "herald_decisions_total", "herald_deliveries_total",
                    "herald_delivery_attempts_total", "herald_deliveries_due", "herald_send_delay_seconds",
                    "herald_http_request_duration_seconds", "herald_rule_reloads_total",
                ] {
                    #expect(r.body.text.contains("# TYPE \(family)"), "missing \(family)")
                    let help = r.body.text.split(separator: "\n").filter { $0.hasPrefix("# HELP \(family) ") }
                    #expect(help.count == 1, "one # HELP line for \(family)")
                }
                for (family, type) in [
                    ("herald_events_total", "counter"), ("herald_deliveries_due", "gauge"),
                    ("herald_send_delay_seconds", "histogram"), ("herald_http_request_duration_seconds", "histogram"),
                ] {
                    #expect(r.body.text.contains("# TYPE \(family) \(type)\n"), "\(family) is a \(type)")
                }
                #expect(r.body.text.contains(#"herald_events_total{outcome="processed"} 0"#))
                #expect(r.body.text.contains(#"herald_http_request_duration_seconds_count{route="/healthz"} 1"#))
            }
        }
    }

    @Test("no token or a wrong one is 401 with a JSON error, on every /v1 route")
    func unauthorised() async throws {
        let f = try ServiceFixture()
        defer { f.remove() }
        try await f.withClient { client in
            for (uri, method) in [
                ("/v1/events", HTTPRequest.Method.post), ("/v1/deliveries", .get), ("/v1/deliveries/x", .get),
                ("/v1/deliveries/x/resend", .post), ("/v1/work-orders/WO-1/timeline", .get), ("/v1/rejects", .get),
                ("/v1/rules/reload", .post),
            ] {
                try await client.execute(uri: uri, method: method) { r in
                    #expect(r.status == .unauthorized, "\(uri)")
                    #expect(r.body.object["error"] as? String == "unauthorized")
                }
                try await client.execute(uri: uri, method: method, headers: [.authorization: "Bearer nope"]) { r in
                    #expect(r.status == .unauthorized, "\(uri)")
                }
            }
        }
    }

    @Test("another content type is 415; a declared length over 16 MiB is 413; a body over 16 MiB is 413")
    func contentChecks() async throws {
        let f = try ServiceFixture()
        defer { f.remove() }
        try await f.withClient { client in
            try await client.execute(
                uri: "/v1/events", method: .post, headers: ServiceFixture.headers("text/plain"),
                body: ByteBuffer(string: "id=1")
            ) { r in
                #expect(r.status == .unsupportedMediaType)
                #expect(r.body.object["error"] as? String == "unsupported-media-type")
            }
            let big = ByteBuffer(repeating: UInt8(ascii: "x"), count: 16 * 1024 * 1024 + 1)
            try await client.execute(
                uri: "/v1/events", method: .post, headers: ServiceFixture.headers("application/x-ndjson"), body: big
            ) { r in
                #expect(r.status == .contentTooLarge)
                #expect(r.body.object["error"] as? String == "too-large")
            }
        }
    }

    @Test("a body of blank lines makes nothing; over 250,000 lines with content is 413 too-many-lines and nothing is kept")
    func lineLimits() async throws {
        let f = try ServiceFixture()
        defer { f.remove() }
        try await f.withClient { client in
            // 16 MiB of newlines used to cost about 9 GB and 50 s.
            let blanks = ByteBuffer(repeating: UInt8(ascii: "\n"), count: 16 * 1024 * 1024)
            try await client.execute(
                uri: "/v1/events", method: .post, headers: ServiceFixture.headers("application/x-ndjson"), body: blanks
            ) { r in
                #expect(r.status == .ok)
                #expect(r.body.readableBytes == 0)
            }
            // An event after 9 blank lines keeps its line number.
            let body = String(repeating: " \r\n", count: 9) + ServiceFixture.event("after-blanks") + "\n{\n"
            try await client.execute(
                uri: "/v1/events", method: .post, headers: ServiceFixture.headers("application/x-ndjson"), body: ByteBuffer(string: body)
            ) { r in
                let lines = r.body.text.split(separator: "\n")
                #expect(lines.count >= 2, "\(r.body.text)")
                #expect(lines.last?.contains("\"line\":11") == true, "\(r.body.text)")
            }
            let fragments = ByteBuffer(string: String(repeating: "x\n", count: 250_001))
            try await client.execute(
                uri: "/v1/events", method: .post, headers: ServiceFixture.headers("application/x-ndjson"), body: fragments
            ) { r in
                #expect(r.status == .contentTooLarge)
                #expect(r.body.object["error"] as? String == "too-many-lines")
            }
            try await client.execute(uri: "/v1/rejects", method: .get, headers: ServiceFixture.auth) { r in
                // Only the `{` of line 11.
                #expect((r.body.object["items"] as? [Any])?.count == 1, "\(r.body.text)")
            }
        }
    }

    @Test("one event: records as eval gives them, each send with a delivery id; a repost is duplicate-event")
    func intake() async throws {
        let f = try ServiceFixture()
        defer { f.remove() }
        try await f.withClient { client in
            let body = ByteBuffer(string: ServiceFixture.event("e1"))
            var ids: [String] = []
            try await client.execute(uri: "/v1/events", method: .post, headers: ServiceFixture.headers("application/json"), body: body) { r in
                #expect(r.status == .ok)
                #expect(r.headers[.contentType] == "application/x-ndjson")
                let records = r.body.records
                #expect(records.map { $0["decision"] as? String } == ["send", "send"])
                #expect(records.map { $0["channel"] as? String } == ["email", "sms"])
                ids = records.compactMap { $0["delivery"] as? String }
                #expect(ids.count == 2)
            }
            try await client.execute(uri: "/v1/events", method: .post, headers: ServiceFixture.headers("application/json"), body: body) { r in
                #expect(r.status == .ok)
                #expect(r.body.records.map { $0["reason"] as? String } == ["duplicate-event"])
            }
            try await client.execute(uri: "/v1/deliveries/\(ids[0])", method: .get, headers: ServiceFixture.auth) { r in
                #expect(r.status == .ok)
                #expect(r.body.object["status"] as? String == "scheduled")
                #expect(r.body.object["to"] as? String == "maria@example.com")
                #expect(r.body.object["work_order"] as? String == "WO-1")
                #expect(r.body.object["subject"] as? String == "Ordem de serviço 1 aberta")
            }
        }
    }

    @Test("NDJSON: malformed, invalid and unknown-location lines are rejects with their line, kept in /v1/rejects")
    func rejects() async throws {
        let f = try ServiceFixture()
        defer { f.remove() }
        try await f.withClient { client in
            let lines = [
                ServiceFixture.event("ok-1"), "{\"id\": \"broken\", ", "",
                #"{"id":"bad","type":"work_order.created","occurred_at":"2026-01-01T00:00:00Z","location":"centro","work_order":{"id":"W"},"client":{"id":"C","name":"N"}}"#,
                ServiceFixture.event("elsewhere").replacingOccurrences(of: "\"centro\"", with: "\"nowhere\""),
            ]
            try await client.execute(
                uri: "/v1/events", method: .post, headers: ServiceFixture.headers("application/x-ndjson"),
                body: ByteBuffer(string: lines.joined(separator: "\n") + "\n")
            ) { r in
                #expect(r.status == .ok)
                let rejects = r.body.records.filter { $0["decision"] as? String == "reject" }
                #expect(rejects.map { $0["reason"] as? String } == ["malformed-json", "invalid-event", "unknown-location"])
                #expect(rejects.map { $0["line"] as? Int } == [2, 4, 5])
            }
            try await client.execute(uri: "/v1/rejects", method: .get, headers: ServiceFixture.auth) { r in
                #expect(r.status == .ok)
                let items = r.body.object["items"] as? [[String: Any]] ?? []
                #expect(items.count == 3)
                #expect(items.first?["reason"] as? String == "unknown-location")
                #expect((items.last?["raw"] as? String)?.contains("broken") == true)
            }
            try await client.execute(uri: "/v1/rejects?since=2000-01-01T00:00:00Z&limit=1", method: .get, headers: ServiceFixture.auth) { r in
                #expect((r.body.object["items"] as? [Any])?.count == 1)
                #expect(r.body.object["next_cursor"] is String)
            }
        }
    }

    @Test("deliveries: filters, paging with an opaque cursor, bad parameters are 400 with a JSON error")
    func listing() async throws {
        let f = try ServiceFixture()
        defer { f.remove() }
        try await f.withClient { client in
            for i in 1...3 {
                try await client.execute(
                    uri: "/v1/events", method: .post, headers: ServiceFixture.headers("application/json"),
                    body: ByteBuffer(string: ServiceFixture.event("e\(i)", workOrder: "WO-\(i)")))
            }
            try await client.execute(uri: "/v1/deliveries?channel=sms&work_order=WO-2", method: .get, headers: ServiceFixture.auth) { r in
                let items = r.body.object["items"] as? [[String: Any]] ?? []
                #expect(items.count == 1)
                #expect(items.first?["channel"] as? String == "sms")
                #expect(r.body.object["next_cursor"] is NSNull)
            }
            var seen: [String] = []
            var cursor: String? = nil
            repeat {
                let uri = "/v1/deliveries?limit=4" + (cursor.map { "&cursor=\($0)" } ?? "")
                let page = try await client.execute(uri: uri, method: .get, headers: ServiceFixture.auth) { $0.body.object }
                seen += (page["items"] as? [[String: Any]] ?? []).compactMap { $0["id"] as? String }
                cursor = page["next_cursor"] as? String
            } while cursor != nil
            #expect(seen.count == 6)
            #expect(Set(seen).count == 6)
            #expect(seen == seen.sorted(by: >), "newest first, and ids are time-ordered")
            for bad in ["limit=0", "limit=x", "status=lost", "channel=fax", "since=yesterday", "cursor=zzz"] {
                try await client.execute(uri: "/v1/deliveries?\(bad)", method: .get, headers: ServiceFixture.auth) { r in
                    #expect(r.status == .badRequest, "\(bad)")
                    #expect(r.body.object["error"] as? String == "bad-request")
                }
            }
            try await client.execute(uri: "/v1/deliveries", method: .delete, headers: ServiceFixture.auth) { r in
                #expect(r.status == .methodNotAllowed)
                #expect(r.headers[.allow] == "GET, HEAD")
                #expect(r.body.object["error"] as? String == "method-not-allowed")
            }
            // HEAD wherever GET is: GET's status and headers, no body.
            let stable = ["/healthz", "/openapi.json", "/sign-in"]
            let csp = try #require(HTTPField.Name("Content-Security-Policy"))
            for (uri, headers) in [
                ("/healthz", HTTPFields()), ("/openapi.json", HTTPFields()), ("/sign-in", HTTPFields()), ("/metrics", HTTPFields()),
                ("/v1/deliveries", ServiceFixture.auth),
            ] {
                let get = try await client.execute(uri: uri, method: .get, headers: headers) { $0 }
                try await client.execute(uri: uri, method: .head, headers: headers) { r in
                    #expect(r.status == .ok, "HEAD \(uri)")
                    #expect(r.headers[.contentType] == get.headers[.contentType], "HEAD \(uri)")
                    #expect(r.headers[csp] == get.headers[csp], "HEAD \(uri)")
                    if stable.contains(uri) {
                        #expect(r.headers[.contentLength] == get.headers[.contentLength], "HEAD \(uri): GET's length")
                    }
                    #expect(r.body.readableBytes == 0, "HEAD \(uri)")
                }
            }
            try await client.execute(uri: "/v1/deliveries", method: .head) { r in
                #expect(r.status == .unauthorized, "HEAD needs the token where GET does")
            }
            try await client.execute(uri: "/v1/deliveries?cursor=", method: .get, headers: ServiceFixture.auth) { r in
                #expect(r.status == .ok, "an empty cursor is the first page")
            }
            // Every filter given empty, as SPEC §12.5 writes the URL and as a
            // form sends blank fields: no filter at all.
            let blank = "/v1/deliveries?status=&channel=&rule=&work_order=&lead=&client=&since=&until=&limit="
            try await client.execute(uri: blank, method: .get, headers: ServiceFixture.auth) { r in
                #expect(r.status == .ok, "empty parameters are not given")
                #expect((r.body.object["items"] as? [Any])?.count == 6)
            }
            try await client.execute(uri: "/v1/rejects?since=&until=", method: .get, headers: ServiceFixture.auth) { r in
                #expect(r.status == .ok)
            }
            try await client.execute(uri: "/v1/nothing-here", method: .get, headers: ServiceFixture.auth) { r in
                #expect(r.status == .notFound)
                #expect(r.body.object["error"] as? String == "no-such-route")
            }
        }
    }

    @Test("resend: 201 for sent, 409 for scheduled, 404 for unknown")
    func resend() async throws {
        let f = try ServiceFixture()
        defer { f.remove() }
        let transport = ScriptedTransport()
        try await f.withClient { client in
            let ids = try await client.execute(
                uri: "/v1/events", method: .post, headers: ServiceFixture.headers("application/json"),
                body: ByteBuffer(string: ServiceFixture.event("e1"))
            ) { $0.body.records.compactMap { $0["delivery"] as? String } }
            try await client.execute(uri: "/v1/deliveries/\(ids[0])/resend", method: .post, headers: ServiceFixture.auth) { r in
                #expect(r.status == .conflict)
                #expect(r.body.object["error"] as? String == "not-resendable")
            }
            let scheduler = Scheduler(
                store: f.store, transports: .init(email: transport, sms: transport), retry: f.server.configuration.retry,
                concurrency: 2, metrics: ServiceMetrics(), clock: ContinuousClock())
            try await scheduler.tick(now: Date().timeIntervalSince1970)
            try await client.execute(uri: "/v1/deliveries/\(ids[0])/resend", method: .post, headers: ServiceFixture.auth) { r in
                #expect(r.status == .created)
                #expect(r.body.object["resend_of"] as? String == ids[0])
                #expect(r.body.object["status"] as? String == "scheduled")
                #expect(r.body.object["subject"] as? String == "Ordem de serviço 1 aberta")
                // Scheduled now: send_at is the time of the re-send, in the original's offset (São Paulo).
                let sendAt = r.body.object["send_at"] as? String ?? ""
                #expect(sendAt.hasSuffix("-03:00"), "\(sendAt)")
                let at = ISO8601DateFormatter().date(from: sendAt)?.timeIntervalSince1970 ?? 0
                #expect(abs(at - Date().timeIntervalSince1970) < 5, "\(sendAt)")
            }
            try await client.execute(uri: "/v1/deliveries/none/resend", method: .post, headers: ServiceFixture.auth) { r in
                #expect(r.status == .notFound)
            }
        }
    }

    @Test("timeline: events oldest first with their decisions, attempts and final statuses")
    func timeline() async throws {
        let f = try ServiceFixture()
        defer { f.remove() }
        let transport = ScriptedTransport()
        let now = Date().timeIntervalSince1970
        try await f.withClient { client in
            try await client.execute(
                uri: "/v1/events", method: .post, headers: ServiceFixture.headers("application/json"),
                body: ByteBuffer(string: ServiceFixture.event("first", at: now - 600)))
            let scheduler = Scheduler(
                store: f.store, transports: .init(email: transport, sms: transport), retry: f.server.configuration.retry,
                concurrency: 2, metrics: ServiceMetrics(), clock: ContinuousClock())
            try await scheduler.tick(now: now)
            try await client.execute(
                uri: "/v1/events", method: .post, headers: ServiceFixture.headers("application/json"),
                body: ByteBuffer(
                    string: ServiceFixture.event("second", "work_order.closed", at: now - 300)
                        .replacingOccurrences(of: ServiceFixture.iso(now - 300), with: "2026-11-30T09:15:00+01:00")))
            try await client.execute(uri: "/v1/work-orders/WO-1/timeline", method: .get, headers: ServiceFixture.auth) { r in
                #expect(r.status == .ok)
                let items = r.body.object["items"] as? [[String: Any]] ?? []
                let kinds = items.compactMap { $0["kind"] as? String }
                #expect(kinds.first == "event")
                #expect(kinds.filter { $0 == "event" }.count == 2)
                // Each event's occurred_at reads as it was posted.
                let occurred = items.filter { $0["kind"] as? String == "event" }.compactMap { $0["occurred_at"] as? String }
                #expect(occurred == [ServiceFixture.iso(now - 600), "2026-11-30T09:15:00+01:00"])
                // SPEC §12.5: each event with its id, type, occurred_at and status change.
                let events = items.filter { $0["kind"] as? String == "event" }
                #expect(events.compactMap { $0["id"] as? String } == ["first", "second"])
                #expect(events.compactMap { $0["type"] as? String } == ["work_order.created", "work_order.closed"])
                #expect(events.allSatisfy { $0["status"] as? String == "open" })
                #expect(kinds.contains("attempt") && kinds.contains("delivery") && kinds.contains("decision"))
                let text = r.body.text
                let first = text.range(of: "\"first\"")!.lowerBound
                let second = text.range(of: "\"second\"")!.lowerBound
                #expect(first < second)
                #expect(text.contains("wo-followup"))
            }
            try await client.execute(uri: "/v1/leads/L-404/timeline", method: .get, headers: ServiceFixture.auth) { r in
                #expect(r.status == .ok)
                #expect((r.body.object["items"] as? [Any])?.isEmpty == true)
            }
        }
    }

    @Test(
        "timeline: reschedules committed together read in the order they happened, each cancelled delivery after the cancel that ended it",
        arguments: ServiceFixture.Backend.available)
    func timelineWithinOneCommit(backend: ServiceFixture.Backend) async throws {
        let f = try await ServiceFixture.make(backend)
        defer { f.remove() }
        let now = Date().timeIntervalSince1970
        let lines = (0..<3).map { n in
            ServiceFixture.event(
                "tl-\(n)", "work_order.schedule_changed", workOrder: "WO-tl", at: now - 60 + Double(n),
                extra: ",\"scheduled_for\":\"\(ServiceFixture.iso(now + Double(3 + n) * 86_400))\"")
        }
        _ = try await f.server.intake(body: Array(lines.joined(separator: "\n").utf8), ndjson: true)
        let items = try #require(try await f.store.timeline(EntityReference(entity: .workOrder, id: "WO-tl")))
        func describe(_ item: TimelineItem) -> String {
            switch item.json["kind"] {
            case .string("event"): if case .string(let id)? = item.json["event"] { return "event \(id)" }
            case .string("delivery"):
                if case .string(let status)? = item.json["status"], case .string(let id)? = item.json["delivery"] {
                    return "\(status) \(id)"
                }
            case .string("decision"):
                if case .raw(let record)? = item.json["record"] {
                    let decision = record.contains("\"decision\":\"cancel\"") ? "cancel" : "send"
                    if case .string(let id)? = item.json["delivery"] { return "\(decision) \(id)" }
                    return decision
                }
            default: break
            }
            return "?"
        }
        let feed = items.map(describe)
        let sends = feed.filter { $0.hasPrefix("send ") }.map { String($0.dropFirst(5)) }
        try #require(sends.count == 3, "\(feed)")
        #expect(
            feed == [
                "event tl-0", "send \(sends[0])", "event tl-1", "cancel", "cancelled \(sends[0])", "send \(sends[1])",
                "event tl-2", "cancel", "cancelled \(sends[1])", "send \(sends[2])",
            ], "\(feed)")
    }

    @Test("a timeline's id is percent-decoded: spaces, slashes and non-ASCII ids are reachable")
    func timelineDecodesID() async throws {
        let f = try ServiceFixture()
        defer { f.remove() }
        try await f.withClient { client in
            for (i, (id, path)) in [("WO 7", "WO%207"), ("A/B", "A%2FB"), ("ÖS-ü", "%C3%96S-%C3%BC"), ("WO-B1", "WO%2DB1")].enumerated() {
                try await client.execute(
                    uri: "/v1/events", method: .post, headers: ServiceFixture.headers("application/json"),
                    body: ByteBuffer(string: ServiceFixture.event("p\(i)", workOrder: id)))
                try await client.execute(uri: "/v1/work-orders/\(path)/timeline", method: .get, headers: ServiceFixture.auth) { r in
                    #expect(r.status == .ok)
                    let items = r.body.object["items"] as? [[String: Any]] ?? []
                    #expect(items.first?["kind"] as? String == "event", "\(id)")
                }
            }
        }
    }

    @Test("query values are decoded as forms encode them: + and %20 are spaces, %2B a plus; an offset's bare + still reads")
    func queryDecoding() async throws {
        let f = try ServiceFixture()
        defer { f.remove() }
        let at = Date().timeIntervalSince1970 - 60
        _ = try await f.server.intake(body: Array(ServiceFixture.event("q1", workOrder: "WO 7", at: at).utf8), ndjson: false)
        _ = try await f.server.intake(body: Array(ServiceFixture.event("q2", workOrder: "WO+8", at: at).utf8), ndjson: false)
        try await f.withClient { client in
            for (query, count) in [
                ("work_order=WO+7", 2), ("work_order=WO%207", 2), ("work_order=WO%2B8", 2), ("work_order=WO+8", 0),
                ("since=2000-01-01T00:00:00+02:00", 4), ("since=2000-01-01T00:00:00%2B02:00", 4),
                // What `herald deliveries --work-order …` sends (a raw `+` was read as a space).
                (ServiceClient.formEncoded([("work_order", "WO+8")]), 2), (ServiceClient.formEncoded([("work_order", "WO 7")]), 2),
                (ServiceClient.formEncoded([("work_order", "WO+8"), ("since", "2000-01-01T00:00:00+02:00")]), 2),
            ] {
                try await client.execute(uri: "/v1/deliveries?" + query, method: .get, headers: ServiceFixture.auth) { r in
                    #expect(r.status == .ok, "\(query)")
                    #expect((r.body.object["items"] as? [Any])?.count == count, "\(query): \(r.body.text)")
                }
            }
        }
    }

    @Test("the auth scheme is matched in any case, followed by one or more spaces (RFC 9110 §11.1)")
    func bearerScheme() async throws {
        let f = try ServiceFixture()
        defer { f.remove() }
        try await f.withClient { client in
            for header in ["Bearer \(ServiceFixture.token)", "bearer \(ServiceFixture.token)", "BEARER  \(ServiceFixture.token)"] {
                try await client.execute(uri: "/v1/rejects", method: .get, headers: [.authorization: header]) { r in
                    #expect(r.status == .ok, "\(header)")
                }
            }
            for header in ["Bearer", "Bearer ", "Bearer\(ServiceFixture.token)", "Basic \(ServiceFixture.token)", "Bearer x\(ServiceFixture.token)"] {
                try await client.execute(uri: "/v1/rejects", method: .get, headers: [.authorization: header]) { r in
                    #expect(r.status == .unauthorized, "\(header)")
                }
            }
        }
    }

    @Test("reload: 422 with diagnostics keeps the old rules; a clean one swaps them and changes the hash")
    func reload() async throws {
        let f = try ServiceFixture()
        defer { f.remove() }
        let before = f.server.rulesHash
        try ServiceFixture.rules.replacingOccurrences(of: "template: followup", with: "template: folowup")
            .write(toFile: f.rulesPath + "/shop.yaml", atomically: true, encoding: .utf8)
        try await f.withClient { client in
            try await client.execute(uri: "/v1/rules/reload", method: .post, headers: ServiceFixture.auth) { r in
                #expect(r.status == .unprocessableContent)
                #expect(r.body.object["error"] as? String == "rules-invalid")
                let diagnostics = r.body.object["diagnostics"] as? [[String: Any]] ?? []
                #expect(diagnostics.contains { $0["code"] as? String == "unknown-template" && $0["line"] as? Int != nil })
            }
            #expect(f.server.rulesHash == before)
            try (ServiceFixture.rules + "  - id: wo-extra\n    on: work_order.closed\n    channel: sms\n    template: followup\n")
                .write(toFile: f.rulesPath + "/shop.yaml", atomically: true, encoding: .utf8)
            try await client.execute(uri: "/v1/rules/reload", method: .post, headers: ServiceFixture.auth) { r in
                #expect(r.status == .ok)
                #expect(r.body.object["rules"] as? String != before)
            }
            try await client.execute(
                uri: "/v1/events", method: .post, headers: ServiceFixture.headers("application/json"),
                body: ByteBuffer(string: ServiceFixture.event("c1", "work_order.closed"))
            ) { r in
                #expect(r.body.records.contains { $0["rule"] as? String == "wo-extra" })
            }
        }
    }

    @Test("a reminder whose rule a reload removed is cancelled with reason rule-removed on the next event")
    func ruleRemoved() async throws {
        let f = try ServiceFixture()
        defer { f.remove() }
        let now = Date().timeIntervalSince1970
        let scheduled = ",\"scheduled_for\":\"\(ServiceFixture.iso(now + 10 * 86_400))\""
        try await f.withClient { client in
            let id = try await client.execute(
                uri: "/v1/events", method: .post, headers: ServiceFixture.headers("application/json"),
                body: ByteBuffer(string: ServiceFixture.event("s1", "work_order.schedule_changed", extra: scheduled))
            ) { $0.body.records.compactMap { $0["delivery"] as? String }.first }
            let withoutReminder = ServiceFixture.rules.components(separatedBy: "  - id: visit-reminder")[0]
            try withoutReminder.write(toFile: f.rulesPath + "/shop.yaml", atomically: true, encoding: .utf8)
            try await client.execute(uri: "/v1/rules/reload", method: .post, headers: ServiceFixture.auth) { r in
                #expect(r.status == .ok)
            }
            try await client.execute(
                uri: "/v1/events", method: .post, headers: ServiceFixture.headers("application/json"),
                body: ByteBuffer(string: ServiceFixture.event("s2", "work_order.schedule_changed", extra: scheduled))
            ) { r in
                let records = r.body.records
                #expect(records.count == 1)
                #expect(records.first?["decision"] as? String == "cancel")
                #expect(records.first?["reason"] as? String == "rule-removed")
            }
            try await client.execute(uri: "/v1/deliveries/\(id ?? "")", method: .get, headers: ServiceFixture.auth) { r in
                #expect(r.body.object["status"] as? String == "cancelled")
                #expect(r.body.object["reason"] as? String == "rule-removed")
            }
        }
    }

    @Test("the OpenAPI document lists exactly the routed operations, and each is routed")
    func openAPI() async throws {
        let f = try ServiceFixture()
        defer { f.remove() }
        let document = try #require(
            (try? JSONSerialization.jsonObject(with: Data(OpenAPIDocument.json.utf8))) as? [String: Any])
        let paths = try #require(document["paths"] as? [String: [String: Any]])
        let listed = Set(paths.flatMap { path, ops in ops.keys.map { "\($0) \(path)" } })
        #expect(listed == Set(OpenAPIDocument.operations.map { "\($0.method) \($0.path)" }))
        try await f.withClient { client in
            try await client.execute(uri: "/openapi.json", method: .get) { r in
                #expect(r.status == .ok)
                #expect(r.body.object["openapi"] as? String == "3.1.0")
            }
            for op in OpenAPIDocument.operations {
                let uri = op.path.replacingOccurrences(of: "{id}", with: "x")
                let method: HTTPRequest.Method = op.method == "post" ? .post : .get
                try await client.execute(
                    uri: uri, method: method, headers: ServiceFixture.headers("application/json"), body: ByteBuffer(string: "{}")
                ) { r in
                    #expect(r.status != .methodNotAllowed, "\(op)")
                    #expect(r.body.object["error"] as? String != "no-such-route", "\(op) is not routed")
                }
            }
        }
    }
}
