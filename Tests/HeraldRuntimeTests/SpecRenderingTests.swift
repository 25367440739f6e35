import Foundation
import HeraldCompiler
import HeraldRuntime
import Testing

private typealias S = EngineSupport
private typealias Z = SpecSupport

/// SPEC §4 as the runtime renders it, §8.4 reply_to and §9 field presence.
@Suite("SPEC §4/§9 rendering and records")
struct SpecRenderingTests {
    /// The base rule set with `templates` added and one rule using `template` on `channels`.
    static func runtime(templates: String, template: String, channels: String = "[sms, email]") -> Runtime {
        let yaml = S.base.replacingOccurrences(of: "templates:\n", with: "templates:\n" + templates)
            + "rules:\n" + Z.rule("on: work_order.status_changed", "channel: \(channels)", "template: \(template)")
        return Runtime(ruleSet: S.ruleSet(yaml))
    }

    static let locales = Self.runtime(
        templates: """
              loc:
                sms: "base sms"
                email:
                  subject: "base subject"
                  body: "base body"
                locales:
                  pt:
                    sms: "pt sms"
                    email:
                      subject: "pt subject"
                      body: "pt body"
                  pt-BR:
                    email:
                      subject: "pt-BR subject"
                      body: "pt-BR body"
                  zh-Hant:
                    sms: "zh-Hant sms"

            """, template: "loc")

    @Test(
        "locale: exact client.language, else its language part, else base; a variant lacking a part uses the BASE part",
        arguments: [
            ("pt-BR", "base sms", "pt-BR body"),  // pt-BR has no sms: the base template's sms, not pt's
            ("pt", "pt sms", "pt body"),
            ("pt-PT", "pt sms", "pt body"),
            ("zh-Hant", "zh-Hant sms", "base body"),
            ("zh-Hant-TW", "base sms", "base body"),  // language part is zh: no variant
            ("zh", "base sms", "base body"),
            ("", "base sms", "base body"),
            ("de", "base sms", "base body"),
            ("PT-BR", "base sms", "base body"),  // keys are compared exactly
        ])
    func locale(language: String, sms: String, email: String) {
        let records = S.run(Self.locales, [S.event("e1", client: ["language": language])])
        #expect(records.map(\.body) == [sms, email])
    }

    @Test("without client.language the base template is used")
    func noLanguage() {
        #expect(S.run(Self.locales, [S.event("e1")]).map(\.body) == ["base sms", "base body"])
        #expect(S.run(Self.locales, [S.event("e1", client: ["language": NSNull()])]).map(\.body) == ["base sms", "base body"])
    }

    static let escaping = Self.runtime(
        templates: """
              esc:
                sms: "{{work_order.summary}}"
                email:
                  subject: "S: {{work_order.summary}} & <{{client.name}}>"
                  body: "B: {{work_order.summary}}"
                  html: "<p class=\\"x\\">{{work_order.summary}} &amp; {{client.name}}</p>"

            """, template: "esc")

    @Test("html escapes & < > \" ' in values only; subject, body and sms keep values as they are")
    func htmlEscaping() throws {
        let records = S.run(Self.escaping, [S.event("e1", workOrder: ["summary": #"<b>"Tom" & 'Jerry'</b>"#], client: ["name": "A&B"])])
        let email = try #require(records.last)
        #expect(email.html == #"<p class="x">&lt;b&gt;&quot;Tom&quot; &amp; &#39;Jerry&#39;&lt;/b&gt; &amp; A&amp;B</p>"#
            || email.html == #"<p class="x">&lt;b&gt;&quot;Tom&quot; &amp; &#x27;Jerry&#x27;&lt;/b&gt; &amp; A&amp;B</p>"#
            || email.html == #"<p class="x">&lt;b&gt;&quot;Tom&quot; &amp; &apos;Jerry&apos;&lt;/b&gt; &amp; A&amp;B</p>"#)
        #expect(email.subject == #"S: <b>"Tom" & 'Jerry'</b> & <A&B>"#)
        #expect(email.body == #"B: <b>"Tom" & 'Jerry'</b>"#)
        #expect(records.first?.body == #"<b>"Tom" & 'Jerry'</b>"#)
    }

    @Test(
        "in a subject each line break in a value (CRLF, LF or CR) becomes one space; body and html keep them",
        arguments: [
            ("a\r\nb", "a b"), ("a\nb", "a b"), ("a\rb", "a b"), ("a\r\n\r\nb", "a  b"), ("a\n\rb", "a  b"),
            ("\nab\n", " ab "), ("a\r\r\nb", "a  b"), ("a\n\nb", "a  b"), ("a\r\rb", "a  b"),
        ])
    func subjectFolding(value: String, folded: String) {
        let records = S.run(Self.escaping, [S.event("e1", workOrder: ["summary": value], client: ["name": "N"])])
        #expect(records.last?.subject == "S: \(folded) & <N>")
        #expect(records.last?.body == "B: \(value)")
        #expect(records.first?.body == value)
    }

    static let filters = Self.runtime(
        templates: """
              fil:
                sms: "[{{work_order.summary | upper}}][{{work_order.summary | lower}}][{{work_order.summary | truncate: 3}}][{{ client.first_name | default: client.name }}][{{client.first_name | default: \\"Cliente\\"}}][{{work_order.priority | upper}}][{{work_order.status | truncate: 2}}]"
                email:
                  subject: "{{work_order.pickup_at | date: \\"dd/MM/yyyy HH:mm\\"}}"
                  body: "{{#if client.vip}}VIP{{else}}regular{{/if}} {{#if work_order.summary}}has{{else}}none{{/if}} {{#if work_order.items}}items{{/if}} {{\\"{{\\"}}"

            """, template: "fil")

    @Test("upper, lower, truncate (characters, nothing added), default with a path or a literal, enum and status values")
    func filters() {
        let records = S.run(
            Self.filters,
            [
                S.event("e1", workOrder: ["summary": "Çà straße", "priority": "urgent"], client: ["first_name": "Zé"]),
                S.event("e2", workOrder: ["summary": "🇧🇷🇵🇹é"]),
                S.event("e3", workOrder: ["summary": "ab"]),
            ])
        let sms = records.filter { $0.channel == .sms }.map(\.body)
        #expect(
            sms == [
                "[ÇÀ STRASSE][çà straße][Çà ][Zé][Zé][URGENT][re]",
                "[🇧🇷🇵🇹É][🇧🇷🇵🇹é][🇧🇷🇵🇹é][Maria][Cliente][][re]",
                "[AB][ab][ab][Maria][Cliente][][re]",
            ])
    }

    @Test("default replaces a missing or null value, never an empty string (SPEC §2.1, §7: only null or missing is absent)")
    func defaultOnlyWhenAbsent() {
        let records = S.run(
            Self.filters,
            [
                S.event("e1", workOrder: ["summary": ""], client: ["first_name": ""]),
                S.event("e2", workOrder: ["summary": ""], client: ["first_name": NSNull()]),
            ])
        let sms = records.filter { $0.channel == .sms }.map(\.body)
        #expect(sms == ["[][][][][][][re]", "[][][][Maria][Cliente][][re]"])
    }

    static let pickup = "2026-04-09T15:00:00-03:00"

    @Test("{{#if}} is true for a present value (false only for a bool false or an absent value); {{else}} otherwise")
    func ifBlocks() {
        let records = S.run(
            Self.filters,
            [
                // A pickup time, so that the subject (only the date) is not blank.
                S.event("e1", workOrder: ["summary": "x", "items": 0, "pickup_at": Self.pickup], client: ["vip": true]),
                S.event("e2", workOrder: ["pickup_at": Self.pickup], client: ["vip": false]),
                S.event("e3", workOrder: ["summary": NSNull(), "items": NSNull(), "pickup_at": Self.pickup]),
            ])
        let bodies = records.filter { $0.channel == .email }.map(\.body)
        #expect(bodies == ["VIP has items {{", "regular none  {{", "regular none  {{"])
    }

    @Test(
        "date renders a datetime in the event's effective zone, whatever the value's offset",
        arguments: [
            ("centro", "2026-04-08T12:00:00Z", "08/04/2026 09:00"),
            ("lisboa", "2026-04-08T12:00:00Z", "08/04/2026 13:00"),
            ("lisboa", "2026-01-08T12:00:00-03:00", "08/01/2026 15:00"),
            ("centro", "2026-04-09T02:30:00+05:30", "08/04/2026 18:00"),
        ])
    func dateInZone(location: String, value: String, expected: String) {
        let records = S.run(Self.filters, [S.event("e1", location: location, workOrder: ["pickup_at": value])])
        #expect(records.last?.subject == expected)
    }

    @Test("date in a region-based set uses the client's region zone, else UTC")
    func dateRegionZone() {
        let runtime = Runtime(
            ruleSet: S.ruleSet(
                """
                regions:
                  north: {name: North, timezone: America/New_York}
                  bare: {name: Bare}
                fields:
                  work_order:
                    visit: datetime
                templates:
                  d:
                    sms: "{{work_order.visit | date: \\"yyyy-MM-dd HH:mm xxx\\"}}"
                rules:
                  - id: r
                    on: work_order.created
                    channel: sms
                    template: d

                """))
        let records = S.run(
            runtime,
            ["north", "bare", "south", nil].enumerated().map { i, region in
                S.event(
                    "e\(i)", "work_order.created", at: "2026-07-01T12:00:00Z", location: nil,
                    workOrder: ["visit": "2026-07-02T12:00:00Z"], client: region.map { ["region": $0] } ?? [:])
            })
        #expect(records.map(\.body) == [
            "2026-07-02 08:00 -04:00", "2026-07-02 12:00 +00:00", "2026-07-02 12:00 +00:00", "2026-07-02 12:00 +00:00",
        ])
        #expect(records.map(\.sendAt) == [
            "2026-07-01T08:00:00-04:00", "2026-07-01T12:00:00+00:00", "2026-07-01T12:00:00+00:00", "2026-07-01T12:00:00+00:00",
        ])
    }

    static let smsOnly = Self.runtime(templates: "  raw:\n    sms: \"{{work_order.summary}}\"\n", template: "raw", channels: "sms")

    static func segments(_ text: String) -> Int? {
        S.run(smsOnly, [S.event("e1", workOrder: ["summary": text])]).first?.segments
    }

    @Test(
        "SMS segments: GSM-7 (basic set + extension table counting twice) 160/153",
        arguments: [
            (String(repeating: "a", count: 160), 1),
            (String(repeating: "a", count: 161), 2),
            (String(repeating: "a", count: 306), 2),
            (String(repeating: "a", count: 307), 3),
            (String(repeating: "€", count: 80), 1),
            (String(repeating: "€", count: 80) + "a", 2),
            (String(repeating: "a", count: 158) + "^", 1),
            (String(repeating: "a", count: 159) + "{", 2),
            (String(repeating: "a", count: 159) + "\\", 2),
            (String(repeating: "[~]|}", count: 32), 3),  // 160 characters but 320 septets
            ("@£$¥èéùìòÇØøÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ!\"#¤%&'()*+,-./:;<=>?¡ÄÖÑÜ§¿äöñüà\n\r" + String(repeating: "a", count: 90), 1),
            ("Ç" + String(repeating: "a", count: 159), 1),
        ])
    func gsm(text: String, expected: Int) {
        #expect(Self.segments(text) == expected)
    }

    @Test(
        "SMS segments: any other character makes UCS-2, counted in UTF-16 code units, 70/67",
        arguments: [
            ("ç" + String(repeating: "a", count: 69), 1),
            ("ç" + String(repeating: "a", count: 70), 2),
            ("á" + String(repeating: "a", count: 133), 2),
            ("á" + String(repeating: "a", count: 134), 3),
            ("`" + String(repeating: "a", count: 100), 2),  // the backtick is not in GSM 03.38
            ("Ã" + String(repeating: "a", count: 100), 2),
            ("\u{00A0}" + String(repeating: "a", count: 100), 2),
            (String(repeating: "😀", count: 35), 1),  // 70 UTF-16 code units
            (String(repeating: "😀", count: 35) + "a", 2),
            (String(repeating: "😀", count: 67), 2),  // 134 units
            (String(repeating: "😀", count: 67) + "a", 3),
            ("e\u{0301}" + String(repeating: "a", count: 68), 1),  // 70 units: a combining mark counts as a unit
            ("e\u{0301}" + String(repeating: "a", count: 69), 2),
        ])
    func ucs2(text: String, expected: Int) {
        #expect(Self.segments(text) == expected)
    }

    @Test("attachments only with attach_report and a report_url; filename from the work order number")
    func attachments() {
        let runtime = Self.runtime(
            templates: """
                  rep:
                    email:
                      subject: "s"
                      body: "b"
                      attach_report: true
                  norep:
                    email:
                      subject: "s"
                      body: "b"

                """, template: "rep", channels: "email")
        let records = S.run(
            runtime,
            [
                S.event("e1", workOrder: ["report_url": "https://r.example/1.pdf", "number": "A-7"]),
                S.event("e2"),
                S.event("e3", workOrder: ["report_url": NSNull()]),
            ])
        #expect(records.map(\.attachments) == [
            [DecisionRecord.Attachment(url: "https://r.example/1.pdf", filename: "work-order-A-7.pdf")], nil, nil,
        ])
        #expect(records.first?.jsonLine.contains(#""attachments":[{"url":"https://r.example/1.pdf","content_type":"application/pdf","filename":"work-order-A-7.pdf"}]"#) == true)
        #expect(records.last?.jsonLine.contains("attachments") == false)
    }

    @Test("reply_to: the location's, else the client's declared region's, else none (and then absent from the record)")
    func replyTo() {
        let runtime = S.runtime(rules: Z.rule("on: work_order.status_changed", "channel: email", "template: t"))
        let cases: [(String, [String: Any], String?)] = [
            ("centro", ["region": "north"], "centro@acme.example"),
            ("centro", [:], "centro@acme.example"),
            ("norte", ["region": "north"], "north@acme.example"),
            ("norte", ["region": "off"], nil),  // switched off: skipped anyway
            ("norte", ["region": "nowhere"], nil),
            ("norte", [:], nil),
        ]
        for (location, client, expected) in cases {
            let record = S.run(runtime, [S.event("e1", location: location, client: client)]).first
            if client["region"] as? String == "off" {
                #expect(record?.reason == "region-inactive")
                continue
            }
            #expect(record?.replyTo == expected, "\(location) \(client)")
            #expect(record?.jsonLine.contains("reply_to") == (expected != nil))
        }
    }

    @Test("record fields per decision: send email, send sms, skip, cancel, reject, none (SPEC §9)")
    func fieldPresence() throws {
        let runtime = S.runtime(
            rules: """
                  - id: r
                    on: work_order.schedule_changed
                    channel: [email, sms]
                    template: t
                  - id: v
                    remind: work_order.scheduled_for
                    before: 1h
                    channel: sms
                    template: t
                  - id: n
                    on: lead.created
                    channel: sms
                    template: lead

                """)
        let records = S.run(
            runtime,
            [
                S.event("e1", "work_order.schedule_changed", location: "norte", workOrder: ["scheduled_for": "2026-04-07T15:00:00-03:00"],
                    client: ["accepts_email": false]),
                S.event("e2", "work_order.schedule_changed", location: "norte", workOrder: ["scheduled_for": NSNull()]),
                S.event("e3", "work_order.schedule_changed", location: "norte"),
                S.event("e4", "work_order.schedule_changed", location: "bh"),
                "nope",
            ], explain: true)
        func keys(_ r: DecisionRecord) -> [String] {
            let object = (try? JSONSerialization.jsonObject(with: Data(r.jsonLine.utf8))) as? [String: Any] ?? [:]
            return object.keys.sorted()
        }
        #expect(
            records.map { "\($0.event ?? "null") \($0.decision.rawValue) \($0.rule ?? "-"): " + keys($0).joined(separator: ",") } == [
                "e1 skip r: channel,decision,event,message,reason,rule",
                "e1 send r: body,channel,decision,event,key,rule,segments,send_at,to",
                "e1 send v: body,channel,decision,event,key,rule,segments,send_at,to",
                "e1 none n: decision,event,message,reason,rule",
                "e2 send r: body,channel,decision,event,key,rule,send_at,subject,to",
                "e2 send r: body,channel,decision,event,key,rule,segments,send_at,to",
                "e2 none v: decision,event,message,reason,rule",
                "e2 cancel v: channel,decision,event,key,reason,rule",
                "e2 none n: decision,event,message,reason,rule",
                "e3 send r: body,channel,decision,event,key,rule,send_at,subject,to",
                "e3 send r: body,channel,decision,event,key,rule,segments,send_at,to",
                "e3 none v: decision,event,message,reason,rule",
                "e3 none n: decision,event,message,reason,rule",
                "e4 reject -: decision,event,line,message,reason",
                "null reject -: decision,event,line,message,reason",
            ])
        #expect(records.last?.jsonLine.hasPrefix(#"{"event":null,"#) == true)
    }
}
