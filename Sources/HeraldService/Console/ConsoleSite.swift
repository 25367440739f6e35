import Foundation
import HTTPTypes
import HeraldCompiler
import HeraldRuntime
import Hummingbird
import Logging
import Mustache
import NIOCore
import Synchronization

/// The web console (issue 11): server-rendered pages under `/` on the
/// service's router, behind a sign-in with the API token. No JavaScript:
/// every page is links and forms. Every page answers with a strict
/// Content-Security-Policy, `nosniff` and a `Referrer-Policy`; every form
/// that changes something carries the session's CSRF token.
final class ConsoleSite: Sendable {
    let server: HeraldServer
    let sessions: ConsoleSessions
    /// Rule id → file:line, for the rules in force (by their hash).
    private let sourceCache = Mutex<(hash: String, sources: RuleSources)?>(nil)

    init(server: HeraldServer) {
        self.server = server
        self.sessions = ConsoleSessions(token: server.token)
    }

    /// The Content-Security-Policy of every page: no script at all, style
    /// only from `/console.css`, frames only from this service.
    static let pagePolicy =
        "default-src 'none'; style-src 'self'; img-src 'self' data:; frame-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
    /// The policy of a message's html part, shown in a sandboxed frame.
    static let messagePolicy = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; sandbox; frame-ancestors 'self'"

    static let csp = HTTPField.Name("Content-Security-Policy")!
    static let nosniff = HTTPField.Name("X-Content-Type-Options")!
    static let referrer = HTTPField.Name("Referrer-Policy")!
    static let frameOptions = HTTPField.Name("X-Frame-Options")!
    static let forwardedProto = HTTPField.Name("X-Forwarded-Proto")!

    // MARK: Routes

    func register(on router: Router<BasicRequestContext>) {
        router.get("/console.css") { _, _ in
            var buffer = ByteBuffer()
            buffer.writeString(ConsoleTemplates.css)
            return Response(
                status: .ok,
                headers: [
                    .contentType: "text/css; charset=utf-8", Self.nosniff: "nosniff", .cacheControl: "max-age=300",
                ], body: .init(byteBuffer: buffer))
        }
        let pages = router.group().add(middleware: ConsoleMiddleware(site: self))
        pages.get("/sign-in") { request, _ in
            let next = Self.safeNext(API.query(request)["next"])
            if self.sessions.session(of: request) != nil { return Self.redirect(next) }
            return self.render("sign-in", ["title": "Sign in", "next": next], session: nil)
        }
        pages.post("/sign-in") { request, _ in try await self.signIn(request) }
        pages.post("/sign-out") { request, _ in
            try await self.change(request) { _, _ in
                var r = Self.redirect("/sign-in")
                r.headers[.setCookie] = self.sessions.clearCookie(secure: Self.isTLS(request))
                return r
            }
        }
        pages.get("/") { request, _ in try await self.page(request) { try await self.deliveriesPage(request, $0) } }
        pages.get("/deliveries/:id") { request, context in
            let id = try API.pathParameter("id", context)
            return try await self.page(request) { try await self.deliveryPage(id, request, $0) }
        }
        pages.get("/deliveries/:id/html") { request, context in
            let id = try API.pathParameter("id", context)
            return try await self.page(request) { _ in try await self.htmlPart(id) }
        }
        pages.post("/deliveries/:id/resend") { request, context in
            let id = try API.pathParameter("id", context)
            return try await self.change(request) { session, _ in try await self.resend(id, session) }
        }
        for kind in EntityKind.all {
            pages.get("/\(kind.segment)/:id") { request, context in
                let id = try API.pathParameter("id", context)
                return try await self.page(request) { try await self.timelinePage(kind, id, $0) }
            }
        }
        pages.get("/find") { request, _ in
            try await self.page(request) { _ in
                let p = API.query(request)
                let kind = EntityKind.all.first { $0.segment == p["kind"] } ?? EntityKind.all[0]
                let id = (p["id"] ?? "").trimmingCharacters(in: .whitespaces)
                return Self.redirect(id.isEmpty ? "/" : "/\(kind.segment)/\(Self.pathComponent(id))")
            }
        }
        pages.get("/rejects") { request, _ in try await self.page(request) { try await self.rejectsPage(request, $0) } }
        pages.get("/rules") { request, _ in try await self.page(request) { self.rulesPage($0) } }
        pages.get("/try") { request, _ in
            try await self.page(request) { self.render("try", self.base("Try an event", $0, nav: "try"), session: $0) }
        }
        pages.post("/try") { request, _ in
            try await self.change(request) { session, form in try await self.tryEvent(form["event"] ?? "", session) }
        }
    }

    // MARK: Sessions

    /// Runs `body` for a signed-in browser; others go to the sign-in page.
    func page(_ request: Request, _ body: (ConsoleSessions.Session) async throws -> Response) async throws -> Response {
        guard let session = sessions.session(of: request) else {
            var target = request.uri.path
            if let q = request.uri.query, !q.isEmpty { target += "?" + q }
            return Self.redirect("/sign-in?next=" + Self.queryValue(target))
        }
        return try await body(session)
    }

    /// Runs `body` for a form that changes something: signed in, sent from
    /// this site (`Origin`, when the browser gives one) and carrying the
    /// session's CSRF token; else `403`.
    func change(
        _ request: Request, _ body: (ConsoleSessions.Session, [String: String]) async throws -> Response
    ) async throws -> Response {
        try await page(request) { session in
            if let origin = request.headers[.origin],
                URL(string: origin).map({ ($0.host ?? "") + ($0.port.map { ":\($0)" } ?? "") }) != request.head.authority
            {
                return self.errorPage(.forbidden, "This form was sent from another site.", session)
            }
            let form = try await Self.form(request)
            guard session.accepts(csrf: form["csrf"]) else {
                return self.errorPage(
                    .forbidden, "The form has no valid CSRF token: reload the page and send it again.", session)
            }
            return try await body(session, form)
        }
    }

    func signIn(_ request: Request) async throws -> Response {
        let form = try await Self.form(request)
        let next = Self.safeNext(form["next"])
        guard let token = form["token"], sessions.isToken(token) else {
            var r = render(
                "sign-in", ["title": "Sign in", "next": next, "error": "That is not this service's API token."], session: nil)
            r.status = .unauthorized
            return r
        }
        var r = Self.redirect(next)
        r.headers[.setCookie] = sessions.setCookie(sessions.newSession(), secure: Self.isTLS(request))
        server.logger.info("console sign-in")
        return r
    }

    static func isTLS(_ request: Request) -> Bool {
        request.head.scheme == "https" || request.headers[forwardedProto]?.lowercased() == "https"
    }

    /// A local path to go to after signing in (never another site).
    static func safeNext(_ next: String?) -> String {
        // Browsers drop tabs and line breaks from a URL (WHATWG URL), so
        // `/<TAB>/evil.example` would become `//evil.example`, another site:
        // a path with any control character, space or backslash is refused.
        guard let next, next.hasPrefix("/"), !next.hasPrefix("//"),
            !next.unicodeScalars.contains(where: { $0.value <= 0x20 || $0.value == 0x7F || $0 == "\\" })
        else { return "/" }
        return next
    }

    // MARK: Rendering

    func base(_ title: String, _ session: ConsoleSessions.Session?, nav: String? = nil) -> [String: Any] {
        var c: [String: Any] = ["title": title]
        if let session {
            c["session"] = true
            c["csrf"] = session.csrf
        }
        if let nav { c["nav"] = [nav: true] }
        return c
    }

    func render(_ template: String, _ context: [String: Any], session: ConsoleSessions.Session?, status: HTTPResponse.Status = .ok)
        -> Response
    {
        var c = context
        c["rulesHash"] = String(server.rulesHash.prefix(12))
        if let session, c["session"] == nil {
            c["session"] = true
            c["csrf"] = session.csrf
        }
        let text = ConsoleTemplates.library.render(c, withTemplate: template) ?? ""
        var buffer = ByteBuffer()
        buffer.writeString(text)
        return Response(
            status: status, headers: [.contentType: "text/html; charset=utf-8", .cacheControl: "no-store"],
            body: .init(byteBuffer: buffer))
    }

    func errorPage(_ status: HTTPResponse.Status, _ message: String, _ session: ConsoleSessions.Session?) -> Response {
        render(
            "error", ["title": "\(status.code) \(status.reasonPhrase)", "message": message], session: session, status: status)
    }

    static func redirect(_ location: String) -> Response {
        Response(status: .seeOther, headers: [.location: location, .cacheControl: "no-store"])
    }

    // MARK: Deliveries

    func deliveriesPage(_ request: Request, _ session: ConsoleSessions.Session) async throws -> Response {
        let p = API.query(request)
        func value(_ name: String) -> String? {
            guard let v = p[name]?.trimmingCharacters(in: .whitespaces), !v.isEmpty else { return nil }
            return v
        }
        var q = DeliveryQuery()
        var problems: [String] = []
        if let s = value("status") {
            if let status = Delivery.Status(rawValue: s) { q.status = status } else { problems.append("status '\(s)' is not a delivery status") }
        }
        if let c = value("channel") {
            if let channel = Channel(rawValue: c) { q.channel = channel } else { problems.append("channel '\(c)' is neither email nor sms") }
        }
        q.rule = value("rule")
        q.location = value("location")
        q.workOrder = value("work_order")
        q.lead = value("lead")
        q.csr = value("csr")
        q.client = value("client")
        if let s = value("since") {
            if let t = Self.day(s) { q.since = t } else { problems.append("from '\(s)' is not a date (YYYY-MM-DD)") }
        }
        if let s = value("until") {
            if let t = Self.day(s) { q.until = t + 86_400 } else { problems.append("to '\(s)' is not a date (YYYY-MM-DD)") }
        }
        if let c = value("cursor") {
            if let seq = API.parseCursor(c) { q.before = seq } else { problems.append("that page link is not valid") }
        }
        q.limit = 50
        let page = try await server.store.deliveries(q)
        let counts = try await server.store.deliveryCounts(q)
        let now = Date().timeIntervalSince1970
        let hourly = try await server.store.deliveriesPerHour(since: DeliveryChart.start(now: now), until: now + 3600)

        let filterNames = ["status", "channel", "rule", "location", "work_order", "lead", "csr", "client", "since", "until"]
        var filters: [(String, String)] = []
        for name in filterNames { if let v = value(name) { filters.append((name, v)) } }
        func href(set: [String: String] = [:], remove: [String] = []) -> String {
            var pairs = filters.filter { set[$0.0] == nil && !remove.contains($0.0) }
            for (k, v) in set.sorted(by: { $0.key < $1.key }) { pairs.append((k, v)) }
            return "/" + (pairs.isEmpty ? "" : "?" + Self.query(pairs))
        }
        let total = counts.values.reduce(0, +)
        var c = base("Deliveries", session, nav: "deliveries")
        c["counts"] = Delivery.Status.allCases.map { s -> [String: Any] in
            ["status": s.rawValue, "count": counts[s] ?? 0, "href": href(set: ["status": s.rawValue]), "current": q.status == s]
        }
        c["total"] = total
        c["allStatusesHref"] = href(remove: ["status"])
        c["chart"] = DeliveryChart(counts: hourly, now: now).context
        c["statusOptions"] = Delivery.Status.allCases.map { ["value": $0.rawValue, "selected": q.status == $0] }
        c["channelOptions"] = Channel.allCases.map { ["value": $0.rawValue, "selected": q.channel == $0] }
        let ruleSet = server.evaluator.runtime.compiled.ruleSet
        c["ruleOptions"] = ruleSet.rules.map { ["value": $0.id, "selected": q.rule == $0.id] }
        c["locationOptions"] = ruleSet.locations.values.sorted { $0.id < $1.id }.map {
            ["value": $0.id, "label": $0.name == $0.id ? $0.id : "\($0.name) (\($0.id))", "selected": q.location == $0.id]
        }
        var shown: [String: String] = [:]
        for (k, v) in filters { shown[k] = v }
        c["filters"] = shown
        if !problems.isEmpty { c["problem"] = problems.joined(separator: "; ") }
        c["rows"] = page.items.map { d -> [String: Any] in
            var row: [String: Any] = [
                "path": Self.pathComponent(d.id), "created": Self.short(d.createdAt), "status": d.status.rawValue,
                "channel": d.channel.rawValue, "to": d.to, "rule": d.rule, "sendAt": Self.short(d.sendAt),
                "summary": Self.truncate(d.subject ?? d.body ?? "", 90),
            ]
            if let e = Self.entity(of: d) { row["entity"] = e }
            if let client = d.client { row["client"] = client }
            if let r = ReasonText.delivery(status: d.status.rawValue, reason: d.reason) { row["reasonText"] = r }
            return row
        }
        if case .string(let cursor) = API.cursor(page.nextBefore) { c["nextHref"] = href(set: ["cursor": cursor]) }
        if q.before != nil { c["newestHref"] = href(remove: ["cursor"]) }
        return render("deliveries", c, session: session)
    }

    func deliveryPage(_ id: String, _ request: Request, _ session: ConsoleSessions.Session) async throws -> Response {
        guard let d = try await server.store.delivery(id: id) else {
            return errorPage(.notFound, "There is no delivery '\(id)'.", session)
        }
        var c = base(d.channel == .email ? "Email to \(d.to)" : "SMS to \(d.to)", session, nav: "deliveries")
        c["id"] = d.id
        c["path"] = Self.pathComponent(d.id)
        c["status"] = d.status.rawValue
        if let r = ReasonText.delivery(status: d.status.rawValue, reason: d.reason) { c["reasonText"] = r }
        c["email"] = d.channel == .email
        c["sms"] = d.channel == .sms
        c["to"] = d.to
        if let r = d.replyTo { c["replyTo"] = r }
        c["subject"] = d.subject ?? ""
        c["body"] = d.body ?? ""
        c["hasHTML"] = d.html != nil
        c["segments"] = d.segments ?? 1
        c["attachments"] = (d.attachments ?? []).map { a -> [String: Any] in
            ["filename": a.filename, "contentType": a.contentType, "url": a.url,
             "link": a.url.hasPrefix("https://") || a.url.hasPrefix("http://")]
        }
        c["hasAttachments"] = !(d.attachments ?? []).isEmpty
        c["rule"] = d.rule
        c["event"] = d.event
        c["key"] = d.key
        if let e = Self.entity(of: d) { c["entity"] = e }
        if let client = d.client {
            c["client"] = client
            c["clientQuery"] = Self.queryValue(client)
        }
        if let l = d.location { c["location"] = l }
        c["sendAt"] = Self.short(d.sendAt)
        c["late"] = d.late
        c["created"] = Self.short(d.createdAt)
        c["updated"] = Self.short(d.updatedAt)
        if let s = d.sentAt { c["sentAt"] = Self.short(s) }
        if let n = d.nextAttemptAt { c["nextAttemptAt"] = Self.short(n) }
        if let p = d.providerID { c["providerID"] = p }
        if let r = d.resendOf {
            c["resendOf"] = r
            c["resendOfPath"] = Self.pathComponent(r)
        }
        c["resendable"] = d.status == .sent || d.status == .failed
        if let resent = API.query(request)["resent"], !resent.isEmpty { c["resent"] = resent }
        c["attempts"] = (d.attempts ?? []).map { a -> [String: Any] in
            var row: [String: Any] = ["number": a.number, "startedAt": Self.short(a.startedAt), "outcome": a.outcome.rawValue]
            row["finishedAt"] = a.finishedAt.map(Self.short) ?? "—"
            row["detail"] = a.detail ?? ""
            return row
        }
        return render("delivery", c, session: session)
    }

    func htmlPart(_ id: String) async throws -> Response {
        guard let d = try await server.store.delivery(id: id), let html = d.html else {
            return Response(status: .notFound, headers: [.contentType: "text/plain; charset=utf-8"])
        }
        var buffer = ByteBuffer()
        buffer.writeString(html)
        return Response(
            status: .ok,
            headers: [
                .contentType: "text/html; charset=utf-8", Self.csp: Self.messagePolicy, Self.frameOptions: "SAMEORIGIN",
                .cacheControl: "no-store",
            ], body: .init(byteBuffer: buffer))
    }

    func resend(_ id: String, _ session: ConsoleSessions.Session) async throws -> Response {
        switch try await server.store.resend(id: id, newID: DeliveryID.make(), now: Date().timeIntervalSince1970) {
        case .created(let d):
            server.metrics.delivery(d.channel, .scheduled)
            server.logger.info("console resend", metadata: ["delivery": .string(id), "new": .string(d.id)])
            return Self.redirect("/deliveries/\(Self.pathComponent(id))?resent=\(Self.queryValue(d.id))")
        case .notFound:
            return errorPage(.notFound, "There is no delivery '\(id)'.", session)
        case .conflict(let status):
            return errorPage(.conflict, "Delivery '\(id)' is \(status.rawValue); only sent and failed deliveries can be re-sent.", session)
        }
    }

    // MARK: Timeline

    /// The entities that have a timeline page.
    struct EntityKind: Sendable {
        var segment: String
        var entity: Entity
        var label: String
        var word: String
        var filter: String

        static let all = [
            EntityKind(segment: "work-orders", entity: .workOrder, label: "Work order", word: "work order", filter: "work_order"),
            EntityKind(segment: "leads", entity: .lead, label: "Lead", word: "lead", filter: "lead"),
            EntityKind(segment: "csrs", entity: .csr, label: "Service request", word: "service request", filter: "csr"),
        ]
    }

    func timelinePage(_ kind: EntityKind, _ id: String, _ session: ConsoleSessions.Session) async throws -> Response {
        let items = try await server.store.timeline(EntityReference(entity: kind.entity, id: id)) ?? []
        var c = base("\(kind.label) \(id)", session)
        c["kindLabel"] = kind.label
        c["kindWord"] = kind.word
        c["id"] = id
        c["deliveriesHref"] = "/?" + Self.query([(kind.filter, id)])
        c["items"] = items.map { item -> [String: Any] in
            let j = item.json
            let kindName = Self.text(j["kind"]) ?? ""
            var row: [String: Any] = ["kind": kindName, "at": Self.short(Self.text(j["at"]) ?? "")]
            switch kindName {
            case "event":
                var e: [String: Any] = ["type": Self.text(j["type"]) ?? "", "id": Self.text(j["event"]) ?? ""]
                e["occurredAt"] = Self.short(Self.text(j["occurred_at"]) ?? "")
                let status = Self.text(j["status"])
                if let prev = Self.text(j["previous_status"]), let status {
                    e["change"] = "status \(prev) → \(status)"
                } else if let status {
                    e["change"] = "status \(status)"
                }
                row["event"] = e
            case "decision":
                if case .raw(let text)? = j["record"],
                    let record = (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [String: Any]
                {
                    row["decision"] = Self.recordContext(record, delivery: Self.text(j["delivery"]))
                }
            case "attempt":
                var a: [String: Any] = [
                    "delivery": Self.text(j["delivery"]) ?? "", "deliveryPath": Self.pathComponent(Self.text(j["delivery"]) ?? ""),
                    "outcome": Self.text(j["outcome"]) ?? "", "channel": Self.text(j["channel"]) ?? "",
                ]
                if case .int(let n)? = j["number"] { a["number"] = Int(n) }
                if let d = Self.text(j["detail"]) { a["detail"] = d }
                Self.addResendOf(j, to: &a)
                row["attempt"] = a
            default:
                let status = Self.text(j["status"]) ?? ""
                var f: [String: Any] = [
                    "status": status, "delivery": Self.text(j["delivery"]) ?? "",
                    "deliveryPath": Self.pathComponent(Self.text(j["delivery"]) ?? ""), "channel": Self.text(j["channel"]) ?? "",
                ]
                if let r = ReasonText.delivery(status: status, reason: Self.text(j["reason"])) { f["reasonText"] = r }
                Self.addResendOf(j, to: &f)
                row["final"] = f
            }
            return row
        }
        return render("timeline", c, session: session)
    }

    /// The delivery a timeline item's delivery re-sends, with its link, when it is a re-send.
    static func addResendOf(_ item: [String: JSONValue], to context: inout [String: Any]) {
        guard let original = text(item["resend_of"]) else { return }
        context["resendOf"] = original
        context["resendOfPath"] = pathComponent(original)
    }

    /// A decision record (as JSON) for the `record` partial: its reason in
    /// plain words, and for a send where and when it goes.
    static func recordContext(_ r: [String: Any], delivery: String?) -> [String: Any] {
        let decision = r["decision"] as? String ?? ""
        var c: [String: Any] = ["decision": decision]
        if let rule = r["rule"] as? String { c["rule"] = rule }
        let channel = r["channel"] as? String
        if let channel { c["channel"] = channel }
        if decision == "send" {
            var line = "to \(r["to"] as? String ?? "?")"
            if let at = r["send_at"] as? String { line += " at \(short(at))" }
            if r["late"] as? Bool == true { line += " (late reminder)" }
            c["sendLine"] = line
            if let preview = (r["subject"] as? String) ?? (r["body"] as? String) { c["preview"] = preview }
        } else if let sentence = ReasonText.sentence(decision: decision, reason: r["reason"] as? String, channel: channel) {
            c["sentence"] = sentence
        }
        if let m = r["message"] as? String { c["message"] = m }
        if let delivery {
            c["delivery"] = delivery
            c["deliveryPath"] = pathComponent(delivery)
        }
        return c
    }

    // MARK: Rejects

    func rejectsPage(_ request: Request, _ session: ConsoleSessions.Session) async throws -> Response {
        let p = API.query(request)
        var q = RejectQuery()
        q.limit = 50
        if let c = p["cursor"], let seq = API.parseCursor(c) { q.before = seq }
        let page = try await server.store.rejects(q)
        var c = base("Rejected events", session, nav: "rejects")
        c["rows"] = page.items.map { r -> [String: Any] in
            var row: [String: Any] = [
                "receivedAt": Self.short(r.receivedAt), "reason": r.reason, "raw": r.raw,
                "sentence": ReasonText.sentence(decision: "reject", reason: r.reason) ?? "",
            ]
            row["event"] = r.event ?? "—"
            row["line"] = r.line.map(String.init) ?? "—"
            row["message"] = r.message ?? ""
            return row
        }
        if case .string(let cursor) = API.cursor(page.nextBefore) { c["nextHref"] = "/rejects?" + Self.query([("cursor", cursor)]) }
        if q.before != nil { c["newestHref"] = "/rejects" }
        return render("rejects", c, session: session)
    }

    // MARK: Rules

    func ruleSources() -> RuleSources {
        let hash = server.rulesHash
        if let cached = sourceCache.withLock({ $0 }), cached.hash == hash { return cached.sources }
        let sources = RuleSources(path: server.rulesPath)
        sourceCache.withLock { $0 = (hash, sources) }
        return sources
    }

    func rulesPage(_ session: ConsoleSessions.Session) -> Response {
        let ruleSet = server.evaluator.runtime.compiled.ruleSet
        let sources = ruleSources()
        var c = base("Rules", session, nav: "rules")
        c["ruleCount"] = ruleSet.rules.count
        c["rulesPath"] = server.rulesPath
        c["hasSources"] = !sources.entries.isEmpty
        var places: [[String: Any]] = []
        func place(_ kind: String, _ p: Place, _ rules: [Rule]) -> [String: Any] {
            var c: [String: Any] = [
                "kind": kind, "name": p.name, "id": p.id, "anchor": "\(kind.lowercased())-\(p.id)", "on": p.notifications,
                "rules": rules.map { RulesPage.row($0, sources) },
            ]
            if let z = p.timeZone { c["zone"] = z }
            if let cal = p.calendar { c["calendar"] = cal }
            if let r = p.replyTo { c["replyTo"] = r }
            return c
        }
        for p in ruleSet.locations.values.sorted(by: { $0.id < $1.id }) {
            places.append(place("Location", p, ruleSet.rules.filter { $0.locations?.contains(p.id) ?? true }))
        }
        for p in ruleSet.regions.values.sorted(by: { $0.id < $1.id }) {
            places.append(
                place(
                    "Region", p,
                    ruleSet.rules.filter { r in
                        r.regions?.contains(p.id) ?? (ruleSet.locations.isEmpty)
                    }))
        }
        if places.isEmpty {
            places.append(
                place("Everywhere", Place(id: "all", name: "all events", notifications: true), ruleSet.rules))
        }
        c["places"] = places
        c["allRules"] = ruleSet.rules.map { r -> [String: Any] in
            [
                "id": r.id, "source": sources.entries[r.id]?.location ?? "—", "when": RulesPage.when(r),
                "locations": r.locations?.joined(separator: ", ") ?? "any", "regions": r.regions?.joined(separator: ", ") ?? "any",
                "template": r.template, "active": r.active,
            ]
        }
        return render("rules", c, session: session)
    }

    // MARK: Try an event

    func tryEvent(_ text: String, _ session: ConsoleSessions.Session) async throws -> Response {
        var c = base("Try an event", session, nav: "try")
        c["event"] = text
        let evaluator = server.evaluator
        let line = evaluator.prepare(line: Array(text.utf8)[...], number: nil)
        var records: [DecisionRecord] = []
        var state: String?
        switch line.content {
        case .blank:
            break
        case .rejected(let record):
            records = [record]
        case .event(let event, let entity):
            let snapshot = try await server.store.stateSnapshot(eventID: event.id, entity: entity)
            var runtimeState = RuntimeState()
            if snapshot.eventProcessed { runtimeState.processedEventIDs = [event.id] }
            if !snapshot.plans.isEmpty { runtimeState.reminders[entity] = snapshot.plans }
            records = evaluator.runtime.process(event: event, state: &runtimeState, explain: true)
            let kind = EntityKind.all.first { $0.entity == entity.entity }?.word ?? entity.entity.rawValue
            let n = snapshot.plans.count
            state =
                "Evaluated against the stored state of \(kind) \(entity.id): event id '\(event.id)' "
                + (snapshot.eventProcessed ? "was already processed" : "was not processed before") + "; "
                + (n == 0 ? "no reminder plan" : n == 1 ? "1 reminder plan" : "\(n) reminder plans") + " stored."
        }
        var result: [String: Any] = [
            "records": records.map { r -> [String: Any] in
                let json = (try? JSONSerialization.jsonObject(with: Data(r.jsonLine.utf8))) as? [String: Any] ?? [:]
                return Self.recordContext(json, delivery: nil)
            }
        ]
        if let state { result["state"] = state }
        if case .blank = line.content { result["state"] = "The event is empty." }
        c["result"] = result
        return render("try", c, session: session)
    }

    // MARK: Small helpers

    static func text(_ v: JSONValue?) -> String? {
        if case .string(let s)? = v { return s }
        return nil
    }

    static func entity(of d: Delivery) -> [String: Any]? {
        if let w = d.workOrder { return ["kind": "Work order", "label": w, "href": "/work-orders/\(pathComponent(w))"] }
        if let l = d.lead { return ["kind": "Lead", "label": l, "href": "/leads/\(pathComponent(l))"] }
        if let s = d.csr { return ["kind": "Service request", "label": s, "href": "/csrs/\(pathComponent(s))"] }
        return nil
    }

    /// `2026-04-06T13:00:00.000Z` → `2026-04-06 13:00:00`; other offsets are kept.
    static func short(_ time: String) -> String {
        var t = time.replacingOccurrences(of: "T", with: " ")
        if t.hasSuffix(".000Z") { t = String(t.dropLast(5)) } else if t.hasSuffix("Z") {
            t = String(t.dropLast())
            if let dot = t.lastIndex(of: "."), t.distance(from: dot, to: t.endIndex) == 4 { t = String(t[..<dot]) }
        }
        return t
    }

    static func truncate(_ s: String, _ n: Int) -> String {
        let flat = s.split(whereSeparator: \.isNewline).joined(separator: " ")
        return flat.count <= n ? flat : String(flat.prefix(n - 1)) + "…"
    }

    /// Seconds since 1970 of a `YYYY-MM-DD` day's start in UTC.
    static func day(_ s: String) -> Double? {
        guard s.count == 10 else { return nil }
        return ServiceTime.parse(s + "T00:00:00Z")
    }

    private static let unreserved: CharacterSet = {
        var set = CharacterSet.alphanumerics.intersection(CharacterSet(charactersIn: Unicode.Scalar(0)...Unicode.Scalar(127)))
        set.insert(charactersIn: "-._~")
        return set
    }()

    /// One path segment, percent-encoded.
    static func pathComponent(_ s: String) -> String { s.addingPercentEncoding(withAllowedCharacters: unreserved) ?? "" }

    /// One query value, percent-encoded.
    static func queryValue(_ s: String) -> String { pathComponent(s) }

    static func query(_ pairs: [(String, String)]) -> String {
        pairs.map { queryValue($0.0) + "=" + queryValue($0.1) }.joined(separator: "&")
    }

    /// Reads a form body (at most 1 MiB).
    static func form(_ request: Request) async throws -> [String: String] {
        let body = try await request.body.collect(upTo: 1 << 20)
        return API.form(String(buffer: body))
    }
}

/// Adds the security headers to every console response and turns errors
/// into HTML pages (the API's are JSON).
struct ConsoleMiddleware: RouterMiddleware {
    typealias Context = BasicRequestContext
    let site: ConsoleSite

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        var response: Response
        do {
            response = try await next(request, context)
        } catch let e as HTTPError {
            response = site.errorPage(e.status, e.body ?? e.status.reasonPhrase, site.sessions.session(of: request))
        } catch {
            site.server.logger.error("console: \(error)")
            response = site.errorPage(
                .internalServerError, "Something went wrong: \(error)", site.sessions.session(of: request))
        }
        if response.headers[ConsoleSite.csp] == nil { response.headers[ConsoleSite.csp] = ConsoleSite.pagePolicy }
        if response.headers[ConsoleSite.frameOptions] == nil { response.headers[ConsoleSite.frameOptions] = "DENY" }
        response.headers[ConsoleSite.nosniff] = "nosniff"
        response.headers[ConsoleSite.referrer] = "same-origin"
        return response
    }
}
