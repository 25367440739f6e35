import Foundation
import HeraldModel
import HeraldRuntime
import Testing

/// An event's texts are kept as spans of a copy of its line (escaped ones
/// resolved in place), and readers that only need bytes read them there:
/// what each reader sees must be what a `String` per field gave.
@Suite("event texts kept as spans of the line")
struct EventTextSpanTests {
    typealias S = EngineSupport

    @Test("escaped texts are resolved in place, and their neighbours keep their own bytes")
    func escapedNeighbours() {
        let runtime = S.runtime(rules: "  []\n")
        // Two escaped texts side by side, one that shrinks a lot (\u escapes),
        // then an unescaped one right after.
        let line = #"""
            {"id": "e\"1", "type": "work_order.created", "occurred_at": "2026-04-07T10:00:00-03:00", "location": "centro", "work_order": {"id": "W\u004F-1", "number": "\u0031\u0030\u0030\u0031", "status": "open", "report_url": "tab\there"}, "client": {"id": "C-1", "name": "Jo\u00e3o \\ \"Z\"", "first_name": "Jo\u00e3o", "email": "j@example.com"}}
            """#
        guard case .event(let event) = runtime.parse(line: line, lineNumber: 1) else {
            Issue.record("not parsed")
            return
        }
        #expect(event.id == "e\"1")
        #expect(event.value(FieldPath(dotted: "work_order.id")) == .string("WO-1"))
        #expect(event.value(FieldPath(dotted: "work_order.number")) == .string("1001"))
        #expect(event.value(FieldPath(dotted: "work_order.status")) == .string("open"))
        #expect(event.value(FieldPath(dotted: "work_order.report_url")) == .string("tab\there"))
        #expect(event.value(FieldPath(dotted: "client.name")) == .string("João \\ \"Z\""))
        #expect(event.value(FieldPath(dotted: "client.first_name")) == .string("João"))
        #expect(event.value(FieldPath(dotted: "client.email")) == .string("j@example.com"))
        #expect(event.value(FieldPath(dotted: "client.phone")) == nil)
        #expect(event.value(FieldPath(dotted: "client.accepts_sms")) == .bool(false))
        #expect(event.occurredAt == RFC3339.parse("2026-04-07T10:00:00-03:00"))
    }

    @Test(
        "datetimes keep their seconds, fraction and offset in the slot",
        arguments: [
            "1900-01-01T00:00:00.000000001+05:45", "2026-04-08T10:00:00.999999999-23:59", "9999-12-31T23:59:59Z",
            "0000-01-01T00:00:00+00:00", "2026-04-08T10:00:00.5+23:59",
        ])
    func datetimes(text: String) throws {
        let runtime = S.runtime(rules: "  []\n")
        let line = S.event("e", workOrder: ["pickup_at": text])
        guard case .event(let event) = runtime.parse(line: line, lineNumber: 1) else {
            Issue.record("not parsed: \(text)")
            return
        }
        let expected = try #require(RFC3339.parse(text))
        #expect(event.value(FieldPath(dotted: "work_order.pickup_at")) == .datetime(expected))
        if case .datetime(let t)? = event.value(FieldPath(dotted: "work_order.pickup_at")) {
            #expect(t.nanoseconds == expected.nanoseconds && t.offset == expected.offset && t.seconds == expected.seconds)
        }
    }

    @Test("an event parsed by one runtime is evaluated by another with a different schema")
    func relaid() throws {
        let first = S.runtime(rules: "  []\n")
        // Another schema: a custom field more on each side shifts every slot.
        let yaml = S.base.replacingOccurrences(of: "    vip: bool\n", with: "    vip: bool\n    aaa: string\n")
            .replacingOccurrences(of: "    items: int\n", with: "    items: int\n    aaa: string\n")
        let second = Runtime(
            ruleSet: S.ruleSet(
                yaml.replacingOccurrences(
                    of: "templates:\n  t:",
                    with: """
                        templates:
                          x:
                            sms: '{{client.name}} {{work_order.number}} {{work_order.total}} {{work_order.pickup_at | date: "dd/MM HH:mm"}} {{client.vip}} {{work_order.priority}}'
                          t:
                        """)
                        + """
                        rules:
                          - id: r
                            on: work_order.status_changed
                            channel: sms
                            template: x

                        """))
        let line = S.event(
            "e1", workOrder: ["total": 12.5, "pickup_at": "2026-04-08T10:00:00-03:00", "priority": "urgent"],
            client: ["name": "Zé \"Z\"", "vip": true])
        guard case .event(let event) = first.parse(line: line, lineNumber: 1) else {
            Issue.record("not parsed")
            return
        }
        var state = RuntimeState()
        var records: [DecisionRecord] = []
        second.process(event: event, state: &state, into: &records)
        let send = try #require(records.first { $0.decision == .send })
        #expect(send.body == "Zé \"Z\" 1001 12.5 08/04 10:00 true urgent")
    }

    @Test("no-change compares status texts as strings do: canonically equivalent Unicode is the same status")
    func noChangeUnicode() {
        let runtime = S.runtime(
            rules: """
                  - id: changed
                    on: work_order.status_changed
                    channel: sms
                    template: t

                """)
        // "é" precomposed and decomposed: equal `String`s, different bytes.
        let same = S.event("e1", workOrder: ["status": "caf\u{E9}", "previous_status": "cafe\u{301}"])
        #expect(S.run(runtime, [same], explain: true).first?.reason == "no-change")
        let ascii = S.event("e2", workOrder: ["status": "ready", "previous_status": "readY"])
        #expect(S.summary(S.run(runtime, [ascii])) == ["e2 changed send sms -"])
        let equal = S.event("e3", workOrder: ["status": "ready", "previous_status": "ready"])
        #expect(S.run(runtime, [equal], explain: true).first?.reason == "no-change")
    }

    @Test("`default:` and `{{#if}}` read texts in place with the same results")
    func defaultAndIf() throws {
        let runtime = Runtime(
            ruleSet: S.ruleSet(
                S.base.replacingOccurrences(
                    of: "templates:\n  t:",
                    with: """
                        templates:
                          d:
                            sms: '[{{client.first_name | default: client.name}}][{{work_order.total | default: client.name}}]{{#if client.first_name}}F{{/if}}{{#if client.vip}}V{{/if}}'
                          t:
                        """)
                        + """
                        rules:
                          - id: r
                            on: work_order.status_changed
                            channel: sms
                            template: d

                        """))
        func body(_ client: [String: Any], _ workOrder: [String: Any] = [:]) throws -> String? {
            let records = S.run(runtime, [S.event("e", workOrder: workOrder, client: client)])
            return try #require(records.first { $0.decision == .send }).body
        }
        // Present: the field; an empty text is a value (truthy), not absent.
        #expect(try body(["first_name": "Ana"]) == "[Ana][Maria]F")
        #expect(try body(["first_name": ""]) == "[][Maria]F")
        // Absent or null: the other field.
        #expect(try body([:]) == "[Maria][Maria]")
        #expect(try body(["first_name": NSNull(), "vip": false]) == "[Maria][Maria]")
        // A number falls to the general path; a true flag is truthy.
        #expect(try body(["vip": true], ["total": 7]) == "[Maria][7]V")
    }
}
