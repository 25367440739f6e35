import Foundation
import HTTPTypes
import HeraldCompiler
import HeraldRuntime
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing
@testable import HeraldService

/// The web console (issue 11) through HummingbirdTesting: sign-in, cookie
/// flags, CSRF, every page over seeded data, escaping and headers.
@Suite("Web console")
struct ConsoleTests {
    static let evil = "<script>alert(1)</script>"

    /// A work-order event of a client named `<script>alert(1)</script>`.
    static func evilEvent(_ id: String, workOrder: String = "WO-9") -> String {
        ServiceFixture.event(id, workOrder: workOrder).replacingOccurrences(
            of: "\"name\":\"Maria Souza\",\"first_name\":\"Maria\"", with: "\"name\":\"\(evil)\",\"first_name\":\"\(evil)\"")
    }

    /// Signs in and returns the cookie (`name=value`).
    static func signIn(_ client: some TestClientProtocol) async throws -> String {
        try await client.execute(
            uri: "/sign-in", method: .post, headers: [.contentType: "application/x-www-form-urlencoded"],
            body: ByteBuffer(string: "token=\(ServiceFixture.token)&next=%2F")
        ) { r in
            #expect(r.status == .seeOther)
            let cookie = r.headers[.setCookie] ?? ""
            return String(cookie.split(separator: ";")[0])
        }
    }

    /// GETs a page as a signed-in browser: status and text.
    static func get(_ client: some TestClientProtocol, _ uri: String, cookie: String) async throws -> (HTTPResponse.Status, String, HTTPFields) {
        try await client.execute(uri: uri, method: .get, headers: [.cookie: cookie]) { r in (r.status, r.body.text, r.headers) }
    }

    /// The CSRF token in a page's forms.
    static func csrf(in page: String) -> String? {
        guard let r = page.range(of: "name=\"csrf\" value=\"") else { return nil }
        return String(page[r.upperBound...].prefix { $0 != "\"" })
    }

    /// Posts events through the API.
    static func post(_ client: some TestClientProtocol, _ lines: [String]) async throws -> [[String: Any]] {
        try await client.execute(
            uri: "/v1/events", method: .post, headers: ServiceFixture.headers("application/x-ndjson"),
            body: ByteBuffer(string: lines.joined(separator: "\n") + "\n")
        ) { r in r.body.records }
    }

    @Test("a page without a session redirects to the sign-in page, with the security headers")
    func redirectsToSignIn() async throws {
        let f = try ServiceFixture()
        defer { f.remove() }
        try await f.withClient { client in
            for uri in ["/", "/rules", "/rejects", "/try", "/work-orders/WO-1", "/deliveries/x"] {
                try await client.execute(uri: uri, method: .get) { r in
                    #expect(r.status == .seeOther, "\(uri)")
                    #expect(r.headers[.location]?.hasPrefix("/sign-in?next=") == true, "\(uri)")
                    #expect(r.headers[ConsoleSite.csp] == ConsoleSite.pagePolicy)
                }
            }
            try await client.execute(uri: "/sign-in", method: .get) { r in
                #expect(r.status == .ok)
                #expect(r.headers[.contentType] == "text/html; charset=utf-8")
                #expect(r.headers[ConsoleSite.csp]?.contains("default-src 'none'") == true)
                #expect(r.headers[ConsoleSite.csp]?.contains("script-src") == false)
                #expect(r.headers[ConsoleSite.nosniff] == "nosniff")
                #expect(r.headers[ConsoleSite.referrer] == "same-origin")
                #expect(r.body.text.contains("name=\"token\""))
                #expect(!r.body.text.contains("<script"))
            }
            try await client.execute(uri: "/console.css", method: .get) { r in
                #expect(r.status == .ok)
                #expect(r.headers[.contentType] == "text/css; charset=utf-8")
                #expect(r.headers[ConsoleSite.nosniff] == "nosniff")
            }
            // The API keeps answering JSON 401s.
            try await client.execute(uri: "/v1/deliveries", method: .get) { r in #expect(r.status == .unauthorized) }
        }
    }

    @Test("sign-in: a wrong token is refused; the right one sets an HttpOnly SameSite=Strict cookie, Secure behind TLS")
    func signInCookie() async throws {
        let f = try ServiceFixture()
        defer { f.remove() }
        try await f.withClient { client in
            let form: HTTPFields = [.contentType: "application/x-www-form-urlencoded"]
            try await client.execute(uri: "/sign-in", method: .post, headers: form, body: ByteBuffer(string: "token=nope&next=%2Frules")) { r in
                #expect(r.status == .unauthorized)
                #expect(r.headers[.setCookie] == nil)
                #expect(r.body.text.contains("not this service&#39;s API token"))
            }
            try await client.execute(
                uri: "/sign-in", method: .post, headers: form,
                body: ByteBuffer(string: "token=\(ServiceFixture.token)&next=%2Frules")
            ) { r in
                #expect(r.status == .seeOther)
                #expect(r.headers[.location] == "/rules")
                let cookie = r.headers[.setCookie] ?? ""
                #expect(cookie.hasPrefix("herald_console="))
                #expect(cookie.contains("; HttpOnly"))
                #expect(cookie.contains("; SameSite=Strict"))
                #expect(cookie.contains("; Path=/"))
                #expect(!cookie.contains("Secure"))
            }
            var tls = form
            tls[HTTPField.Name("X-Forwarded-Proto")!] = "https"
            try await client.execute(
                uri: "/sign-in", method: .post, headers: tls,
                body: ByteBuffer(string: "token=\(ServiceFixture.token)&next=https%3A%2F%2Fevil.example%2F")
            ) { r in
                #expect(r.headers[.setCookie]?.contains("; Secure") == true)
                #expect(r.headers[.location] == "/", "an absolute next URL is not followed")
            }
            // Browsers drop a tab or line break inside a URL: `/<TAB>/evil.example` is `//evil.example`.
            for next in ["%2F%09%2Fevil.example", "%2F%0A%2Fevil.example", "%2F%5Cevil.example", "%2F%2Fevil.example", "%2F%20%2Fx"] {
                try await client.execute(
                    uri: "/sign-in", method: .post, headers: form,
                    body: ByteBuffer(string: "token=\(ServiceFixture.token)&next=\(next)")
                ) { r in
                    #expect(r.headers[.location] == "/", "\(next)")
                }
            }
            let cookie = try await Self.signIn(client)
            let (status, page, _) = try await Self.get(client, "/", cookie: cookie)
            #expect(status == .ok)
            #expect(page.contains("<h1>Deliveries</h1>"))
            // A forged or expired cookie is no session.
            // The last character changed (always to another one: a fixed
            // "00" was the cookie itself one time in 256).
            let forgedCookie = String(cookie.dropLast()) + (cookie.last == "0" ? "1" : "0")
            let (forged, _, _) = try await Self.get(client, "/", cookie: forgedCookie)
            #expect(forged == .seeOther)
            let expired = ConsoleSessions(token: ServiceFixture.token).newSession(now: Date().timeIntervalSince1970 - 13 * 3600)
            let (old, _, _) = try await Self.get(client, "/", cookie: "herald_console=\(expired)")
            #expect(old == .seeOther)
            // Another token's session is not valid here.
            let other = ConsoleSessions(token: "another-token").newSession()
            let (foreign, _, _) = try await Self.get(client, "/", cookie: "herald_console=\(other)")
            #expect(foreign == .seeOther)
        }
    }

    @Test("forms that change something are refused without the session's CSRF token or from another origin")
    func csrf() async throws {
        let f = try ServiceFixture()
        defer { f.remove() }
        try await f.withClient { client in
            let records = try await Self.post(client, [ServiceFixture.event("e1")])
            let id = try #require(records.first?["delivery"] as? String)
            // Make it resendable.
            let claimed = try await f.store.claimDue(now: Date().timeIntervalSince1970 + 10, limit: 10)
            try await f.store.finish(
                claimed.map {
                    AttemptResult(deliveryID: $0.id, attempt: 1, status: .failed, outcome: .permanent, detail: "550 no such user",
                        finishedAt: Date().timeIntervalSince1970)
                })
            let cookie = try await Self.signIn(client)
            let (_, page, _) = try await Self.get(client, "/deliveries/\(id)", cookie: cookie)
            let token = try #require(Self.csrf(in: page))
            #expect(page.contains("action=\"/deliveries/\(id)/resend\""))
            let form: HTTPFields = [.contentType: "application/x-www-form-urlencoded", .cookie: cookie]
            for body in ["", "csrf=", "csrf=0000\(token.dropFirst(4))"] {
                try await client.execute(uri: "/deliveries/\(id)/resend", method: .post, headers: form, body: ByteBuffer(string: body)) { r in
                    #expect(r.status == .forbidden, "\(body)")
                    #expect(r.body.text.contains("CSRF"))
                }
            }
            var crossSite = form
            crossSite[.origin] = "https://evil.example"
            try await client.execute(uri: "/deliveries/\(id)/resend", method: .post, headers: crossSite, body: ByteBuffer(string: "csrf=\(token)")) { r in
                #expect(r.status == .forbidden)
            }
            // Sign-out needs the token too.
            try await client.execute(uri: "/sign-out", method: .post, headers: form, body: ByteBuffer(string: "")) { r in
                #expect(r.status == .forbidden)
            }
            #expect(try await f.store.deliveries(DeliveryQuery()).items.count == 2, "nothing was re-sent")
            // No session at all: to the sign-in page.
            try await client.execute(
                uri: "/deliveries/\(id)/resend", method: .post, headers: [.contentType: "application/x-www-form-urlencoded"],
                body: ByteBuffer(string: "csrf=\(token)")
            ) { r in #expect(r.status == .seeOther) }
            // With the token it works.
            let newID = try await client.execute(
                uri: "/deliveries/\(id)/resend", method: .post, headers: form, body: ByteBuffer(string: "csrf=\(token)")
            ) { r in
                #expect(r.status == .seeOther)
                let location = r.headers[.location] ?? ""
                #expect(location.hasPrefix("/deliveries/\(id)?resent="))
                return String(location.split(separator: "=").last ?? "")
            }
            let copy = try #require(try await f.store.delivery(id: newID))
            #expect(copy.resendOf == id)
            #expect(copy.status == .scheduled)
            try await client.execute(uri: "/sign-out", method: .post, headers: form, body: ByteBuffer(string: "csrf=\(token)")) { r in
                #expect(r.status == .seeOther)
                #expect(r.headers[.setCookie]?.contains("Max-Age=0") == true)
            }
        }
    }

    @Test("every page renders over seeded data, and a client named <script> shows as text everywhere")
    func pages() async throws {
        let f = try ServiceFixture()
        defer { f.remove() }
        try await f.withClient { client in
            let later = Date().timeIntervalSince1970 + 3 * 86_400
            let records = try await Self.post(
                client,
                [
                    ServiceFixture.event("e1"), Self.evilEvent("e2"),
                    ServiceFixture.event("e3", "work_order.schedule_changed", extra: ",\"scheduled_for\":\"\(ServiceFixture.iso(later))\""),
                    ServiceFixture.event("e4", "work_order.schedule_changed", extra: ",\"scheduled_for\":\"\(ServiceFixture.iso(later + 3600))\""),
                    "{\"id\": \"broken\", ", "{\"id\":\"\(Self.evil)\",\"type\":\"nope\"}",
                ])
            let evilIDs = records.filter { $0["event"] as? String == "e2" }.compactMap { $0["delivery"] as? String }
            #expect(evilIDs.count == 2)
            let emailID = try #require(evilIDs.first)
            let cookie = try await Self.signIn(client)
            var bodies: [String: String] = [:]

            let (s1, log, h1) = try await Self.get(client, "/", cookie: cookie)
            #expect(s1 == .ok)
            #expect(h1[ConsoleSite.csp] == ConsoleSite.pagePolicy)
            #expect(h1[ConsoleSite.nosniff] == "nosniff")
            #expect(h1[ConsoleSite.referrer] == "same-origin")
            #expect(log.contains("<svg"), "the chart")
            #expect(log.contains("class=\"s-scheduled\""))
            #expect(log.contains("/deliveries/\(emailID)"))
            #expect(log.contains("/work-orders/WO-9"))
            bodies["/"] = log
            let (_, filtered, _) = try await Self.get(client, "/?status=cancelled&channel=sms", cookie: cookie)
            #expect(filtered.contains("<td>visit-reminder</td>"), "the rescheduled reminder was cancelled")
            #expect(!filtered.contains("<td>wo-created</td>"))
            let (_, byWorkOrder, _) = try await Self.get(client, "/?work_order=WO-9&since=2000-01-01", cookie: cookie)
            #expect(byWorkOrder.contains("/deliveries/\(emailID)"))
            #expect(!byWorkOrder.contains("/work-orders/WO-1\""))
            let (_, paged, _) = try await Self.get(client, "/?limit=1&cursor=czI", cookie: cookie)
            #expect(paged.contains("Newest"))

            let (s2, delivery, _) = try await Self.get(client, "/deliveries/\(emailID)", cookie: cookie)
            #expect(s2 == .ok)
            #expect(delivery.contains("Ordem de serviço 9 aberta"))
            #expect(delivery.contains("<iframe class=\"html-part\" sandbox src=\"/deliveries/\(emailID)/html\""))
            #expect(delivery.contains("No attempt yet"))
            bodies["delivery"] = delivery

            let (s3, html, h3) = try await Self.get(client, "/deliveries/\(emailID)/html", cookie: cookie)
            #expect(s3 == .ok)
            #expect(h3[ConsoleSite.csp] == ConsoleSite.messagePolicy)
            #expect(html.contains("&lt;script&gt;"), "the template escaped the value in the html part")

            let (s4, timeline, _) = try await Self.get(client, "/work-orders/WO-1", cookie: cookie)
            #expect(s4 == .ok)
            #expect(timeline.contains("work_order.schedule_changed"))
            #expect(timeline.contains("cancelled: the visit was rescheduled"))
            let (_, evilTimeline, _) = try await Self.get(client, "/work-orders/WO-9", cookie: cookie)
            bodies["timeline"] = evilTimeline
            let (_, unknown, _) = try await Self.get(client, "/leads/L-404", cookie: cookie)
            #expect(unknown.contains("Nothing is known of this lead"))

            let (s5, rejects, _) = try await Self.get(client, "/rejects", cookie: cookie)
            #expect(s5 == .ok)
            #expect(rejects.contains("malformed-json"))
            #expect(rejects.contains("rejected: the event is not valid JSON"))
            #expect(rejects.contains("{&quot;id&quot;: &quot;broken&quot;, "))
            bodies["rejects"] = rejects

            let (s6, rules, _) = try await Self.get(client, "/rules", cookie: cookie)
            #expect(s6 == .ok)
            #expect(rules.contains("Location Centro"))
            #expect(rules.contains("<div class=\"src\">shop.yaml:"), "file:line of each rule")
            #expect(rules.contains("reminder 1d before work_order.scheduled_for"))
            #expect(rules.contains("id=\"rule-wo-followup\""))

            let (_, tryPage, _) = try await Self.get(client, "/try", cookie: cookie)
            let token = try #require(Self.csrf(in: tryPage))
            let event = Self.evilEvent("e-try", workOrder: "WO-1").replacingOccurrences(
                of: "\"accepts_sms\":true", with: "\"accepts_sms\":false")
            let tried = try await client.execute(
                uri: "/try", method: .post, headers: [.contentType: "application/x-www-form-urlencoded", .cookie: cookie],
                body: ByteBuffer(string: "csrf=\(token)&event=" + ConsoleSite.queryValue(event))
            ) { r in
                #expect(r.status == .ok)
                return r.body.text
            }
            #expect(tried.contains("not sent: the client has not agreed to SMS"))
            #expect(tried.contains("did not apply"), "explain records")
            #expect(tried.contains("was not processed before"))
            bodies["try"] = tried
            #expect(try await f.store.stateSnapshot(eventID: "e-try", entity: .init(entity: .workOrder, id: "WO-1")).eventProcessed == false)
            let again = try await client.execute(
                uri: "/try", method: .post, headers: [.contentType: "application/x-www-form-urlencoded", .cookie: cookie],
                body: ByteBuffer(string: "csrf=\(token)&event=" + ConsoleSite.queryValue(ServiceFixture.event("e1")))
            ) { r in r.body.text }
            #expect(again.contains("rejected: this event was already processed"))
            #expect(try await f.store.deliveries(DeliveryQuery()).items.count == records.filter { $0["delivery"] != nil }.count)

            for (name, body) in bodies {
                #expect(!body.contains(Self.evil), "\(name) shows the name as markup")
                #expect(body.contains("&lt;script&gt;alert(1)&lt;/script&gt;"), "\(name) shows the name as text")
                #expect(!body.contains("<script"), "\(name)")
                #expect(!body.contains(" style="), "\(name): no inline style")
            }
            let (s7, missing, _) = try await Self.get(client, "/deliveries/nope", cookie: cookie)
            #expect(s7 == .notFound)
            #expect(missing.contains("There is no delivery"))
        }
    }

    @Test("a timeline names the delivery a re-send re-sends, with its link")
    func resendInTimeline() async throws {
        let f = try ServiceFixture()
        defer { f.remove() }
        try await f.withClient { client in
            _ = try await Self.post(client, [ServiceFixture.event("e1")])
            let (original, _) = try await f.sendAndResend(newID: "copy-1", now: Date().timeIntervalSince1970)
            let cookie = try await Self.signIn(client)
            let (status, page, _) = try await Self.get(client, "/work-orders/WO-1", cookie: cookie)
            #expect(status == .ok)
            let note = "<a href=\"/deliveries/copy-1\">copy-1</a> (a re-send of <a href=\"/deliveries/\(original.id)\">\(original.id)</a>)"
            #expect(page.components(separatedBy: note).count - 1 == 2, "on the attempt and on the final status")
        }
    }

    @Test("templates never write a value unescaped")
    func noTripleMustache() {
        for (name, text) in ConsoleTemplates.sources {
            #expect(!text.contains("{{{"), "\(name)")
            #expect(!text.contains("{{&"), "\(name)")
        }
    }

    @Test("every reason code of SPEC §5.3, §8 and §9 has a sentence")
    func reasons() {
        let codes: [(String, String, String?)] = [
            ("skip", "location-inactive", nil), ("skip", "region-inactive", nil), ("skip", "no-calendar", nil),
            ("skip", "no-address", "email"), ("skip", "no-address", "sms"), ("skip", "invalid-address", "email"),
            ("skip", "invalid-address", "sms"), ("skip", "no-consent", "email"), ("skip", "no-consent", "sms"),
            ("skip", "empty-message", "sms"), ("skip", "outside-work-hours", "sms"), ("skip", "duplicate", "email"),
            ("skip", "reminder-past", "sms"), ("cancel", "closed", "sms"), ("cancel", "unscheduled", "sms"),
            ("cancel", "no-longer-applies", "sms"), ("cancel", "rescheduled", "sms"), ("cancel", "rule-removed", "sms"),
            ("cancel", "cancel-if", "email"), ("reject", "malformed-json", nil), ("reject", "invalid-event", nil),
            ("reject", "unknown-location", nil), ("reject", "duplicate-event", nil), ("none", "inactive", nil),
            ("none", "trigger", nil), ("none", "no-change", nil), ("none", "locations", nil), ("none", "regions", nil),
            ("none", "to", nil), ("none", "from", nil), ("none", "where", nil), ("none", "unscheduled", nil),
        ]
        for (decision, reason, channel) in codes {
            let sentence = ReasonText.sentence(decision: decision, reason: reason, channel: channel) ?? ""
            #expect(!sentence.hasSuffix(": \(reason)"), "\(decision) \(reason) has no sentence")
        }
        #expect(ReasonText.sentence(decision: "skip", reason: "no-consent", channel: "sms") == "not sent: the client has not agreed to SMS")
        #expect(ReasonText.sentence(decision: "skip", reason: "no-address", channel: "sms") == "not sent: the client has no phone number")
        #expect(ReasonText.sentence(decision: "cancel", reason: "rescheduled") == "cancelled: the visit was rescheduled")
    }

    @Test("store: counts per status, per hour, and the state snapshot read without writing", arguments: ServiceFixture.Backend.available)
    func storeQueries(_ backend: ServiceFixture.Backend) async throws {
        let f = try await ServiceFixture.make(backend)
        defer { f.remove() }
        let later = Date().timeIntervalSince1970 + 3 * 86_400
        _ = try await f.server.intake(
            body: Array(
                [
                    ServiceFixture.event("e1"), ServiceFixture.event("e2", workOrder: "WO-2"),
                    ServiceFixture.event("e3", "work_order.schedule_changed", extra: ",\"scheduled_for\":\"\(ServiceFixture.iso(later))\""),
                ].joined(separator: "\n").utf8), ndjson: true)
        var q = DeliveryQuery()
        q.status = .sent
        let counts = try await f.store.deliveryCounts(q)
        #expect(counts[.scheduled] == 5, "the status filter is ignored")
        q.workOrder = "WO-2"
        #expect(try await f.store.deliveryCounts(q) == [.scheduled: 2])
        let now = Date().timeIntervalSince1970
        let hourly = try await f.store.deliveriesPerHour(since: now - 3600, until: now + 3600)
        #expect(hourly.reduce(0) { $0 + $1.count } == 5)
        #expect(hourly.allSatisfy { $0.hour % 3600 == 0 && $0.status == .scheduled })
        #expect(try await f.store.deliveriesPerHour(since: now + 3600, until: now + 7200).isEmpty)
        let snapshot = try await f.store.stateSnapshot(eventID: "e3", entity: .init(entity: .workOrder, id: "WO-1"))
        #expect(snapshot.eventProcessed)
        #expect(snapshot.plans.keys.sorted() == ["visit-reminder"])
        let fresh = try await f.store.stateSnapshot(eventID: "e9", entity: .init(entity: .workOrder, id: "WO-2"))
        #expect(!fresh.eventProcessed)
        #expect(fresh.plans.isEmpty)
    }
}
