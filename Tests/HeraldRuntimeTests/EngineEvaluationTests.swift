import Foundation
import HeraldCompiler
import HeraldRuntime
import Testing

private typealias S = EngineSupport

/// SPEC §8.2–§8.5: filters, checks, channels, timing, keys.
@Suite("Rule evaluation")
struct EngineEvaluationTests {
    @Test(
        "--explain names the first filter that fails",
        arguments: [
            ("active: false", "{}", "inactive"),
            ("on: work_order.created", "{}", "trigger"),
            ("locations: [norte]", "{}", "locations"),
            ("regions: [north]", "{}", "regions"),
            ("to: delivered", "{}", "to"),
            ("from: open", "{}", "from"),
            ("where: client.vip", "{}", "where"),
            ("where: work_order.priority == \"urgent\"", "{\"priority\": \"low\"}", "where"),
            ("to: delivered\n    where: client.vip", "{}", "to"),
            ("locations: [norte]\n    to: delivered", "{}", "locations"),
        ])
    func explainReasons(filter: String, workOrder: String, reason: String) throws {
        let on = filter.hasPrefix("on:") ? "" : "    on: work_order.status_changed\n"
        let runtime = S.runtime(rules: "  - id: r\n\(on)    \(filter)\n    channel: sms\n    template: t\n")
        let wo = try JSONSerialization.jsonObject(with: Data(workOrder.utf8)) as? [String: Any] ?? [:]
        let records = S.run(runtime, [S.event("e1", workOrder: wo)], explain: true)
        #expect(records.map { [$0.event, $0.decision.rawValue, $0.rule, $0.reason] } == [["e1", "none", "r", reason]])
        #expect(records.first?.message?.isEmpty == false)
        #expect(S.run(runtime, [S.event("e1", workOrder: wo)]).isEmpty)
    }

    @Test("a rule whose filters all hold sends, with every field of §9")
    func sendRecord() {
        let runtime = S.runtime(
            rules: """
                  - id: r
                    on: work_order.status_changed
                    to: [ready, delivered]
                    from: in_repair
                    locations: [centro, norte]
                    where: work_order.priority == "urgent" and not client.head_office
                    channel: sms
                    template: t

                """)
        let records = S.run(runtime, [S.event("e1", workOrder: ["priority": "urgent"])])
        #expect(
            records == [
                DecisionRecord(
                    event: "e1", decision: .send, rule: "r", channel: .sms, to: "+5511999990000",
                    sendAt: "2026-04-07T10:00:00-03:00", sendAtSeconds: 1_775_566_800, key: "r/e1/sms", body: "OS 1001",
                    segments: 1)
            ])
    }

    @Test("a send record from the runtime and one built field by field are equal, hash alike, and change `to` alike")
    func sendRecordValue() {
        let runtime = S.runtime(rules: "  - id: r\n    on: work_order.status_changed\n    channel: sms\n    template: t\n")
        let evaluated = S.run(runtime, [S.event("e1")])
        // The runtime copies the address after the rendered texts; the
        // initialiser writes it first: the records are still equal.
        var built = DecisionRecord(
            event: "e1", decision: .send, rule: "r", channel: .sms, to: "+5511999990000",
            sendAt: "2026-04-07T10:00:00-03:00", sendAtSeconds: 1_775_566_800, key: "r/e1/sms", body: "OS 1001", segments: 1)
        #expect(evaluated == [built])
        #expect(Set(evaluated + [built]).count == 1)
        guard var record = evaluated.first else { return }
        #expect(record.to == "+5511999990000")
        record.to = "+5511888880000"
        built.to = "+5511888880000"
        #expect(record == built)
        #expect(record.body == "OS 1001" && record.key == "r/e1/sms" && record.sendAt == "2026-04-07T10:00:00-03:00")
        #expect(record.jsonLine.contains(#""to":"+5511888880000","send_at":"#))
        record.to = nil
        #expect(record != built && record.to == nil && !record.jsonLine.contains(#""to""#))
        built.body = "other"
        #expect(record.body != built.body)
    }

    @Test("a status change to the same status applies no event rule, but reminders still plan")
    func noChange() {
        let runtime = S.runtime(
            rules: """
                  - id: changed
                    on: work_order.status_changed
                    channel: sms
                    template: t
                  - id: pickup
                    remind: work_order.pickup_at
                    before: 1h
                    channel: sms
                    template: t

                """)
        let event = S.event("e1", workOrder: ["previous_status": "ready", "pickup_at": "2026-04-08T10:00:00-03:00"])
        let records = S.run(runtime, [event], explain: true)
        #expect(S.summary(records) == ["e1 pickup send sms -"])
        #expect(records.first?.reason == "no-change")
        #expect(records.first?.message == "work_order.status 'ready' is the same as its previous_status: the status did not change")
        #expect(records.last?.sendAt == "2026-04-08T09:00:00-03:00")
    }

    @Test("a status that is not in the list matches no to/from filter but other rules still apply")
    func unlistedStatus() {
        let runtime = S.runtime(
            rules: """
                  - id: to-ready
                    on: work_order.status_changed
                    to: ready
                    channel: sms
                    template: t
                  - id: from-repair
                    on: work_order.status_changed
                    from: in_repair
                    channel: sms
                    template: t
                  - id: any
                    on: work_order.status_changed
                    channel: sms
                    template: t

                """)
        let records = S.run(
            runtime, [S.event("e1", workOrder: ["status": "mystery", "previous_status": "enigma"])], explain: true)
        #expect(records.map { $0.reason ?? $0.decision.rawValue } == ["to", "from", "send"])
    }

    static let twoChannels = """
          - id: r
            on: work_order.status_changed
            channel: [email, sms]
            template: t

        """

    @Test("a switched-off location gives one skip without channel")
    func locationInactive() {
        let records = S.run(S.runtime(rules: Self.twoChannels), [S.event("e1", location: "fechado")])
        #expect(records.count == 1)
        #expect(records.first?.decision == .skip)
        #expect(records.first?.reason == "location-inactive")
        #expect(records.first?.channel == nil)
        #expect(records.first?.message?.contains("fechado") == true)
    }

    @Test("a switched-off client region gives one skip without channel")
    func regionInactive() {
        let records = S.run(S.runtime(rules: Self.twoChannels), [S.event("e1", client: ["region": "off"])])
        #expect(S.summary(records) == ["e1 r skip - region-inactive"])
    }

    @Test("work_hours without an effective calendar gives one skip no-calendar")
    func noCalendar() {
        var ruleSet = S.ruleSet(
            S.base + """
                rules:
                  - id: r
                    on: work_order.status_changed
                    work_hours: drop
                    channel: [email, sms]
                    template: t

                """)
        ruleSet.locations["norte"]?.calendar = nil
        let records = S.run(Runtime(ruleSet: ruleSet), [S.event("e1", location: "norte"), S.event("e2")])
        #expect(S.summary(records) == ["e1 r skip - no-calendar", "e2 r send email -", "e2 r send sms -"])
    }

    @Test(
        "deliverability per channel: no-address, invalid-address, no-consent in that order",
        arguments: [
            ([:], ["send email -", "send sms -"]),
            (["email": "-"], ["skip email no-address", "send sms -"]),
            (["email": "-", "accepts_email": "false"], ["skip email no-address", "send sms -"]),
            (["email": "a@b"], ["skip email invalid-address", "send sms -"]),
            (["email": "a b@c.d"], ["skip email invalid-address", "send sms -"]),
            (["email": "a@@b.c"], ["skip email invalid-address", "send sms -"]),
            (["email": "@b.c"], ["skip email invalid-address", "send sms -"]),
            (["email": "a@b.c", "accepts_email": "false"], ["skip email no-consent", "send sms -"]),
            (["email": "a@b.c", "accepts_email": "-"], ["skip email no-consent", "send sms -"]),
            (["phone": "5511999990000"], ["send email -", "skip sms invalid-address"]),
            (["phone": "+1234567"], ["send email -", "skip sms invalid-address"]),
            (["phone": "+1234567890123456"], ["send email -", "skip sms invalid-address"]),
            (["phone": "+12345678"], ["send email -", "send sms -"]),
            (["phone": "+55 11 99999"], ["send email -", "skip sms invalid-address"]),
            (["phone": "-"], ["send email -", "skip sms no-address"]),
            (["accepts_sms": "false"], ["send email -", "skip sms no-consent"]),
        ])
    func deliverability(client: [String: String], expected: [String]) {
        var changes: [String: Any] = [:]
        for (k, v) in client {
            switch v {
            case "-": changes[k] = S.Remove()
            case "false": changes[k] = false
            default: changes[k] = v
            }
        }
        let records = S.run(S.runtime(rules: Self.twoChannels), [S.event("e1", client: changes)])
        #expect(S.summary(records).map { $0.split(separator: " ").dropFirst(2).joined(separator: " ") } == expected)
    }

    @Test(
        "a send's address is the event's text, escapes resolved, the same in records and in the NDJSON output",
        arguments: [
            (#""maria@example.com""#, #""+5511999990000""#, "maria@example.com", "+5511999990000"),
            (#""maria\u0040exa\u006Dple.com""#, #""\u002B5511999990000""#, "maria@example.com", "+5511999990000"),
            (#""jos\u00e9@caf\u00e9.example""#, #""+44\/7700900123""#, "josé@café.example", "+44/7700900123"),
            (#""ana.maria.da.silva.souza+oficina-centro@exemplo-longo.com.br""#, #""+551199999000011""#,
             "ana.maria.da.silva.souza+oficina-centro@exemplo-longo.com.br", "+551199999000011"),
        ])
    func addressFromEventText(email: String, phone: String, expectedEmail: String, expectedPhone: String) throws {
        let runtime = S.runtime(rules: Self.twoChannels)
        // The event's own line, its address members as written above.
        let line = S.event("e1", client: ["email": "EMAIL", "phone": "PHONE"])
            .replacingOccurrences(of: #""EMAIL""#, with: email).replacingOccurrences(of: #""PHONE""#, with: phone)
        let records = S.run(runtime, [line])
        let sends = records.filter { $0.decision == .send }
        // "+44/7700900123" is not E.164: that SMS is skipped.
        let phoneIsValid = !expectedPhone.contains("/")
        #expect(sends.map(\.to) == (phoneIsValid ? [expectedEmail, expectedPhone] : [expectedEmail]))
        var writer = NDJSONWriter()
        var state = RuntimeState()
        Array(line.utf8).withUnsafeBytes { writer.process(line: $0, lineNumber: 1, runtime: runtime, state: &state) }
        let written = writer.withBytes { String(decoding: $0, as: UTF8.self) }
        #expect(written == records.map { $0.jsonLine + "\n" }.joined())
        let decoded = try written.split(separator: "\n").map {
            try JSONDecoder().decode(DecisionRecord.self, from: Data($0.utf8))
        }
        #expect(decoded.filter { $0.decision == .send }.map(\.to) == sends.map(\.to))
    }

    @Test(
        "the fallback channel is used only when no listed channel can deliver",
        arguments: [
            ([:], ["send sms -"]),
            (["accepts_sms": false], ["skip sms no-consent", "send email -"]),
            (["accepts_sms": false, "accepts_email": false], ["skip sms no-consent", "skip email no-consent"]),
        ] as [([String: Bool], [String])])
    func fallback(client: [String: Bool], expected: [String]) {
        let runtime = S.runtime(
            rules: """
                  - id: r
                    on: work_order.status_changed
                    channel: sms
                    fallback: email
                    template: t

                """)
        let records = S.run(runtime, [S.event("e1", client: client)])
        #expect(S.summary(records).map { $0.split(separator: " ").dropFirst(2).joined(separator: " ") } == expected)
    }

    @Test(
        "timing: delay, calendar days across DST, work_hours defer and drop",
        arguments: [
            ("delay: 1h", "2026-04-07T10:00:00-03:00", "centro", "2026-04-07T11:00:00-03:00"),
            ("delay: 1h30m", "2026-04-07T10:00:00-03:00", "centro", "2026-04-07T11:30:00-03:00"),
            ("delay: 1d", "2026-03-28T10:00:00+00:00", "lisboa", "2026-03-29T10:00:00+01:00"),
            ("delay: 1d2h", "2026-03-28T10:00:00+00:00", "lisboa", "2026-03-29T12:00:00+01:00"),
            ("work_hours: defer", "2026-04-07T19:00:00-03:00", "centro", "2026-04-08T08:00:00-03:00"),
            ("work_hours: defer", "2026-04-20T19:00:00-03:00", "centro", "2026-04-22T08:00:00-03:00"),
            ("work_hours: defer", "2026-04-11T12:59:00-03:00", "centro", "2026-04-11T12:59:00-03:00"),
            ("work_hours: defer\n    delay: 1h", "2026-04-11T12:30:00-03:00", "centro", "2026-04-13T08:00:00-03:00"),
            ("work_hours: drop", "2026-04-07T10:00:00-03:00", "centro", "2026-04-07T10:00:00-03:00"),
            ("work_hours: drop", "2026-04-07T18:00:00-03:00", "centro", "outside-work-hours"),
            ("work_hours: drop", "2026-04-21T10:00:00-03:00", "centro", "outside-work-hours"),
        ])
    func timing(option: String, at: String, location: String, expected: String) {
        let runtime = S.runtime(
            rules: "  - id: r\n    on: work_order.status_changed\n    \(option)\n    channel: sms\n    template: t\n")
        let records = S.run(runtime, [S.event("e1", at: at, location: location)])
        #expect(records.count == 1)
        if expected.contains("T") {
            #expect(records.first?.decision == .send)
            #expect(records.first?.sendAt == expected)
        } else {
            #expect(records.first?.decision == .skip)
            #expect(records.first?.reason == expected)
            #expect(records.first?.channel == .sms)
        }
    }

    @Test("records come in event order, then rule declaration order, then channel order")
    func order() {
        let runtime = S.runtime(
            rules: """
                  - id: zeta
                    on: work_order.status_changed
                    channel: [sms, email]
                    template: t
                  - id: alpha
                    on: work_order.status_changed
                    channel: [email, sms]
                    template: t

                """)
        let records = S.run(runtime, [S.event("e1"), S.event("e2")])
        #expect(
            records.map { "\($0.event ?? "") \($0.rule ?? "") \($0.channel?.rawValue ?? "") \($0.key ?? "")" } == [
                "e1 zeta sms zeta/e1/sms", "e1 zeta email zeta/e1/email", "e1 alpha email alpha/e1/email",
                "e1 alpha sms alpha/e1/sms", "e2 zeta sms zeta/e2/sms", "e2 zeta email zeta/e2/email",
                "e2 alpha email alpha/e2/email", "e2 alpha sms alpha/e2/sms",
            ])
    }

    @Test("templates: locale variants, part fallback to the base, subject line breaks, HTML escaping")
    func rendering() {
        let yaml = S.base.replacingOccurrences(
            of: "templates:\n",
            with: """
                templates:
                  loc:
                    sms: "base {{work_order.number}}"
                    email:
                      subject: "S {{work_order.summary | default: \\"none\\"}}"
                      body: "B {{client.name}}"
                      html: "<b>{{client.name}}</b>"
                      attach_report: true
                    locales:
                      en:
                        sms: "english"
                      pt-BR:
                        sms: "brasil"
                      es:
                        email:
                          subject: "asunto"
                          body: "cuerpo"

                """)
            + """
            rules:
              - id: r
                on: work_order.status_changed
                channel: [sms, email]
                template: loc

            """
        let runtime = Runtime(ruleSet: S.ruleSet(yaml))
        func run(_ language: String?, workOrder: [String: Any] = [:], name: String = "Maria") -> [DecisionRecord] {
            var client: [String: Any] = ["name": name]
            if let language { client["language"] = language }
            return S.run(runtime, [S.event("e1", workOrder: workOrder, client: client)])
        }
        #expect(run("en-GB").first?.body == "english")
        #expect(run("en").first?.body == "english")
        #expect(run("pt-BR").first?.body == "brasil")
        #expect(run("pt").first?.body == "base 1001")
        #expect(run("EN").first?.body == "base 1001")
        #expect(run(nil).first?.body == "base 1001")
        #expect(run("es").first?.body == "base 1001")
        #expect(run("es").last?.subject == "asunto")
        #expect(run("es-MX").last?.body == "cuerpo")
        #expect(run("es").last?.html == nil)

        let email = run(nil, workOrder: ["summary": "a\r\nb\nc\rd", "report_url": "https://x.example/r.pdf"], name: "<Ana & \"Bo\">")
            .last
        #expect(email?.subject == "S a b c d")
        #expect(email?.body == "B <Ana & \"Bo\">")
        #expect(email?.html == "<b>&lt;Ana &amp; &quot;Bo&quot;&gt;</b>")
        #expect(
            email?.attachments == [
                DecisionRecord.Attachment(url: "https://x.example/r.pdf", filename: "work-order-1001.pdf")
            ])
        #expect(email?.replyTo == "centro@acme.example")
        #expect(run(nil).last?.attachments == nil)
        #expect(run(nil).last?.subject == "S none")
    }

    @Test("SMS segments: GSM-7 160/153, UCS-2 70/67")
    func segments() {
        let runtime = S.runtime(
            rules: """
                  - id: r
                    on: work_order.status_changed
                    channel: sms
                    template: t

                """)
        func segments(_ number: String) -> Int? {
            S.run(runtime, [S.event("e1", workOrder: ["number": number])]).first?.segments
        }
        #expect(segments(String(repeating: "x", count: 157)) == 1)
        #expect(segments(String(repeating: "x", count: 158)) == 2)
        #expect(segments(String(repeating: "ç", count: 67)) == 1)
        #expect(segments(String(repeating: "ç", count: 68)) == 2)
    }

    @Test("reply_to: the location's, else the client's region's, else none")
    func replyTo() {
        let runtime = S.runtime(
            rules: """
                  - id: r
                    on: work_order.status_changed
                    channel: email
                    template: t

                """)
        #expect(S.run(runtime, [S.event("e1", location: "centro", client: ["region": "north"])]).first?.replyTo == "centro@acme.example")
        #expect(S.run(runtime, [S.event("e1", location: "norte", client: ["region": "north"])]).first?.replyTo == "north@acme.example")
        #expect(S.run(runtime, [S.event("e1", location: "norte", client: ["region": "nowhere"])]).first?.replyTo == nil)
        #expect(S.run(runtime, [S.event("e1", location: "norte")]).first?.replyTo == nil)
    }

    @Test("a region-based rule set ignores event.location and uses the client's region zone, else UTC")
    func regionBased() {
        let runtime = Runtime(
            ruleSet: S.ruleSet(
                """
                regions:
                  north: {name: North, timezone: America/New_York, vars: {url: "https://n.example"}}
                templates:
                  t:
                    email:
                      subject: "S"
                      body: "{{region.vars.url}} {{region.name}}"
                  u:
                    sms: "hello"
                rules:
                  - id: north-only
                    on: csr.accepted
                    regions: [north]
                    channel: email
                    template: t
                  - id: all
                    on: csr.accepted
                    channel: sms
                    template: u

                """))
        let records = S.run(
            runtime,
            [
                S.event("e1", "csr.accepted", at: "2026-03-05T14:00:00Z", location: "anything", client: ["region": "north"]),
                S.event("e2", "csr.accepted", at: "2026-03-05T14:00:00Z", location: nil, client: ["region": "south"]),
            ])
        #expect(
            records.map { "\($0.event ?? "") \($0.rule ?? "") \($0.sendAt ?? "")" } == [
                "e1 north-only 2026-03-05T09:00:00-05:00", "e1 all 2026-03-05T09:00:00-05:00", "e2 all 2026-03-05T14:00:00+00:00",
            ])
        #expect(records.first?.body == "https://n.example North")
        #expect(records.first?.replyTo == nil)
    }

    @Test("rejects: unknown location, duplicate id; only accepted events count as processed")
    func rejects() {
        let runtime = S.runtime(rules: Self.twoChannels)
        let records = S.run(
            runtime,
            [
                S.event("e1", location: "bh"),
                S.event("e1", location: nil),
                S.event("e1", client: ["name": S.Remove()]),
                "{not json",
                S.event("e1"),
                S.event("e1"),
            ])
        #expect(
            records.map { "\($0.event ?? "null") \($0.decision.rawValue) \($0.reason ?? "-") \($0.line.map(String.init) ?? "-")" } == [
                "e1 reject unknown-location 1", "e1 reject unknown-location 2", "e1 reject invalid-event 3",
                "null reject malformed-json 4", "e1 send - -", "e1 send - -", "e1 reject duplicate-event 6",
            ])
        #expect(records.allSatisfy { $0.decision != .reject || $0.message?.isEmpty == false })
        #expect(records.first?.message == "location 'bh' is not declared")
    }

    @Test("a delayed send still planned makes a re-sent event with a forgotten id a duplicate")
    func duplicateKey() {
        let runtime = S.runtime(
            rules: """
                  - id: r
                    on: work_order.status_changed
                    delay: 1d
                    channel: sms
                    template: t

                """)
        var state = RuntimeState()
        let first = S.run(runtime, [S.event("e1")], state: &state)
        #expect(S.summary(first) == ["e1 r send sms -"])
        state.processedEventIDs.remove("e1")
        let again = S.run(runtime, [S.event("e1", at: "2026-04-07T12:00:00-03:00")], state: &state)
        #expect(S.summary(again) == ["e1 r skip sms duplicate"])
        state.processedEventIDs.remove("e1")
        let later = S.run(runtime, [S.event("e1", at: "2026-04-09T12:00:00-03:00")], state: &state)
        #expect(S.summary(later) == ["e1 r send sms -"])
    }
}
