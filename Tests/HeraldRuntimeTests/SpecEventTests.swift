import Foundation
import HeraldCompiler
import HeraldRuntime
import Testing

private typealias S = EngineSupport

/// SPEC §7 and §8.1: what an event must look like, and the order of the
/// per-event steps (malformed → invalid → unknown location → duplicate).
@Suite("SPEC §7/§8.1 events")
struct SpecEventTests {
    static let runtime = S.runtime(rules: SpecSupport.rule("on: work_order.status_changed", "channel: sms", "template: t"))

    static func first(_ line: String) -> DecisionRecord? {
        S.run(runtime, [line]).first
    }

    @Test(
        "a field of the right type, or null, is accepted; undeclared fields are ignored",
        arguments: [
            SendableDictionary(["total": 3]),  // an integer is a decimal
            SendableDictionary(["total": 0.25]),
            SendableDictionary(["items": -4]),
            SendableDictionary(["pickup_at": "2026-04-07T10:00:00Z"]),
            SendableDictionary(["pickup_at": "2026-04-07T10:00:00.250+05:30"]),
            SendableDictionary(["pickup_at": NSNull()]),
            SendableDictionary(["priority": NSNull()]),
            SendableDictionary(["priority": "urgent"]),
            SendableDictionary(["summary": NSNull(), "report_url": NSNull(), "closed_at": NSNull(), "previous_scheduled_for": NSNull()]),
            SendableDictionary(["colour": 5, "notes": ["a": [1, 2]]]),
        ] as [SendableDictionary])
    func acceptedWorkOrder(fields: SendableDictionary) {
        let record = Self.first(S.event("e1", workOrder: fields.value))
        #expect(record?.decision == .send, "\(String(describing: record))")
    }

    @Test(
        "a client field of the wrong type is invalid-event naming its path",
        arguments: [
            ("vip", SendableValue("yes"), "client.vip"),
            ("first_name", SendableValue(3), "client.first_name"),
            ("language", SendableValue(true), "client.language"),
            ("region", SendableValue(["north"]), "client.region"),
            ("head_office", SendableValue("false"), "client.head_office"),
            ("accepts_email", SendableValue(1), "client.accepts_email"),
            ("phone", SendableValue(5_511_999_990_000), "client.phone"),
            ("id", SendableValue(9), "client.id"),
        ] as [(String, SendableValue, String)])
    func wrongClientType(field: String, value: SendableValue, path: String) {
        let record = Self.first(S.event("e1", client: [field: value.value]))
        #expect(record?.decision == .reject)
        #expect(record?.reason == "invalid-event")
        #expect(record?.event == "e1")
        #expect(record?.message?.hasPrefix(path + ":") == true, "\(record?.message ?? "nil")")
    }

    @Test(
        "a custom or built-in work-order field of the wrong type is invalid-event naming its path",
        arguments: [
            ("priority", SendableValue("URGENT"), "work_order.priority"),  // enum values are case-sensitive
            ("priority", SendableValue(1), "work_order.priority"),
            ("total", SendableValue("12.50"), "work_order.total"),
            ("total", SendableValue(true), "work_order.total"),
            ("items", SendableValue(1.5), "work_order.items"),
            ("items", SendableValue("3"), "work_order.items"),
            ("pickup_at", SendableValue("2026-04-07"), "work_order.pickup_at"),
            ("pickup_at", SendableValue("2026-04-07T10:00:00"), "work_order.pickup_at"),
            ("pickup_at", SendableValue("2026-02-30T10:00:00Z"), "work_order.pickup_at"),
            ("scheduled_for", SendableValue(1_775_566_800), "work_order.scheduled_for"),
            ("closed_at", SendableValue("yesterday"), "work_order.closed_at"),
            ("previous_status", SendableValue(2), "work_order.previous_status"),
            ("summary", SendableValue(["a"]), "work_order.summary"),
            ("report_url", SendableValue(false), "work_order.report_url"),
            ("number", SendableValue(1001), "work_order.number"),
        ] as [(String, SendableValue, String)])
    func wrongWorkOrderType(field: String, value: SendableValue, path: String) {
        let record = Self.first(S.event("e1", workOrder: [field: value.value]))
        #expect(record?.reason == "invalid-event")
        #expect(record?.message?.hasPrefix(path + ":") == true, "\(record?.message ?? "nil")")
    }

    @Test(
        "each required field, absent or null, is invalid-event naming it",
        arguments: [
            ("id", "work_order"), ("number", "work_order"), ("status", "work_order"), ("id", "client"), ("name", "client"),
        ])
    func requiredNested(field: String, entity: String) {
        for value in [S.Remove() as Any, NSNull()] {
            let line =
                entity == "client" ? S.event("e1", client: [field: value]) : S.event("e1", workOrder: [field: value])
            let record = Self.first(line)
            #expect(record?.reason == "invalid-event")
            #expect(record?.message?.hasPrefix("\(entity).\(field):") == true, "\(record?.message ?? "nil")")
        }
    }

    @Test(
        "lead and csr events need their own entity with its required fields",
        arguments: [
            ("lead.created", SendableDictionary(["id": "L", "name": "Ana"]), "lead.status"),
            ("lead.status_changed", SendableDictionary(["id": "L", "status": "new"]), "lead.name"),
            ("lead.created", SendableDictionary(["name": "Ana", "status": "new"]), "lead.id"),
            ("csr.accepted", SendableDictionary(["id": "R"]), "csr.number"),
            ("csr.rejected", SendableDictionary(["number": "R-1"]), "csr.id"),
            ("csr.rejected", SendableDictionary(["id": "R", "number": "R-1", "rejection_reason": 5]), "csr.rejection_reason"),
            ("csr.accepted", SendableDictionary(["id": "R", "number": "R-1", "title": false]), "csr.title"),
        ] as [(String, SendableDictionary, String)])
    func otherEntities(type: String, entity: SendableDictionary, path: String) {
        let key = type.hasPrefix("lead.") ? "lead" : "csr"
        let record = Self.first(S.event("e1", type, extra: [key: entity.value]))
        #expect(record?.reason == "invalid-event")
        #expect(record?.message?.hasPrefix(path + ":") == true, "\(record?.message ?? "nil")")
    }

    @Test("a work_order event does not need lead or csr, and ignores them when present")
    func otherEntityIgnored() {
        #expect(Self.first(S.event("e1", extra: ["lead": 5, "csr": "x"]))?.decision == .send)
    }

    @Test("a valid event is validated before its location: invalid-event wins over unknown-location")
    func invalidBeforeLocation() {
        let record = Self.first(S.event("e1", location: "bh", client: ["name": S.Remove()]))
        #expect(record?.reason == "invalid-event")
    }

    @Test("an unknown type is invalid-event, even with an undeclared location")
    func unknownTypeBeforeLocation() {
        let record = Self.first(S.event("e1", location: "bh", extra: ["type": "work_order.deleted"]))
        #expect(record?.reason == "invalid-event")
        #expect(record?.message?.contains("work_order.deleted") == true)
    }

    @Test("location must be a string when present (step 2), in a rule set with locations and in one without")
    func locationType() {
        #expect(Self.first(S.event("e1", extra: ["location": 5]))?.reason == "invalid-event")
        #expect(Self.first(S.event("e1", extra: ["location": ["centro"]]))?.reason == "invalid-event")
        let regional = Runtime(ruleSet: S.ruleSet(Self.regional))
        let record = S.run(regional, [S.event("e1", "csr.accepted", extra: ["location": true])]).first
        #expect(record?.reason == "invalid-event")
        #expect(record?.message?.hasPrefix("location:") == true)
    }

    @Test("location names are matched exactly (case and spaces count)", arguments: ["Centro", "centro ", " centro", "CENTRO", ""])
    func exactLocation(name: String) {
        let record = Self.first(S.event("e1", location: name))
        #expect(record?.reason == "unknown-location")
        #expect(record?.event == "e1")
        #expect(record?.message?.isEmpty == false)
    }

    static let regional = """
        regions:
          north: {name: North, timezone: America/New_York}
        templates:
          u:
            sms: "hi"
        rules:
          - id: r
            on: csr.accepted
            channel: sms
            template: u

        """

    @Test("a region-based rule set ignores event.location: absent, null or any name")
    func regionBasedIgnoresLocation() {
        let runtime = Runtime(ruleSet: S.ruleSet(Self.regional))
        let records = S.run(
            runtime,
            [
                S.event("e1", "csr.accepted", location: nil),
                S.event("e2", "csr.accepted", location: "nowhere"),
                S.event("e3", "csr.accepted", location: nil, extra: ["location": NSNull()]),
            ])
        #expect(SpecSupport.lines(records).map { $0.components(separatedBy: " ").prefix(3).joined(separator: " ") } == [
            "e1 send r", "e2 send r", "e3 send r",
        ])
    }

    @Test("the order of the steps: a rejected event's id is not processed, whatever step rejected it")
    func rejectedIDsAreReusable() {
        let records = S.run(
            Self.runtime,
            [
                S.event("e1", workOrder: ["total": "x"]),  // step 2
                S.event("e1", location: "bh"),  // step 3
                S.event("e1"),  // accepted
                S.event("e1", client: ["name": NSNull()]),  // step 2 comes before step 4
                S.event("e1", location: "bh"),  // step 3 comes before step 4
                S.event("e1", at: "2026-04-08T10:00:00-03:00"),  // step 4
            ])
        #expect(
            records.map { "\($0.event ?? "null") \($0.decision.rawValue) \($0.reason ?? "-")" } == [
                "e1 reject invalid-event", "e1 reject unknown-location", "e1 send -", "e1 reject invalid-event",
                "e1 reject unknown-location", "e1 reject duplicate-event",
            ])
    }

    @Test("duplicate-event compares ids exactly, whatever else differs")
    func duplicateIDs() {
        let records = S.run(
            Self.runtime,
            [S.event("E1"), S.event("e1"), S.event("e1", "work_order.created"), S.event("e1 ")])
        #expect(records.map { $0.reason ?? $0.decision.rawValue } == ["send", "send", "duplicate-event", "send"])
    }

    @Test("malformed JSON has event null and the line number it was given; reject records carry a message")
    func malformedLine() {
        var state = RuntimeState()
        let records = Self.runtime.process(line: #"{"id": "e1", "type": "#, lineNumber: 42, state: &state)
        #expect(records.count == 1)
        #expect(records.first?.event == nil)
        #expect(records.first?.line == 42)
        #expect(records.first?.message?.isEmpty == false)
        #expect(records.first?.jsonLine.hasPrefix(#"{"event":null,"decision":"reject","reason":"malformed-json""#) == true)
        // The id of a malformed line is not processed either.
        #expect(Self.runtime.process(line: S.event("e1"), lineNumber: 43, state: &state).first?.decision == .send)
    }

    @Test("every reject of NDJSON input carries its line, not only malformed-json (SPEC §9)")
    func lineOnEveryReject() {
        let invalid = Self.first(S.event("e1", client: ["name": S.Remove()]))
        #expect(invalid?.line == 1)
        #expect(invalid?.jsonLine.contains("\"line\":1") == true)
        let unknown = Self.first(S.event("e1", location: "bh"))
        #expect(unknown?.line == 1)
    }
}

/// A `[String: Any]` that can be a test argument.
struct SendableDictionary: @unchecked Sendable, CustomTestStringConvertible {
    let value: [String: Any]
    init(_ value: [String: Any]) { self.value = value }
    var testDescription: String { "\(value)" }
}

/// A JSON value that can be a test argument.
struct SendableValue: @unchecked Sendable, CustomTestStringConvertible {
    let value: Any
    init(_ value: Any) { self.value = value }
    var testDescription: String { "\(value)" }
}
