import Foundation
import HeraldCompiler
import HeraldRuntime
import Testing

private typealias S = EngineSupport

/// SPEC §9: the plain-words `message` of `none` records and deferred sends,
/// and `line` on every reject of NDJSON input.
@Suite("SPEC §9 messages and lines")
struct SpecMessageTests {
    @Test(
        "every none record says what did not hold",
        arguments: [
            ("active: false", "{}", "rule 'r' is switched off (active: false)"),
            ("on: work_order.created", "{}", "the event is work_order.status_changed; the rule is on work_order.created"),
            ("locations: [norte, lisboa]", "{}", "location 'centro' is not one of the rule's locations (norte, lisboa)"),
            ("regions: [north]", "{}", "the client has no region (client.region); the rule is for regions (north)"),
            ("to: delivered", "{}", "status 'ready' is not one of the rule's 'to' statuses (delivered)"),
            ("to: ready", #"{"status": "Ready_For_Pickup"}"#, "status 'Ready_For_Pickup' is not a work_order status"),
            ("from: [open, delivered]", "{}", "previous_status 'in_repair' is not one of the rule's 'from' statuses (open, delivered)"),
            ("from: open", #"{"previous_status": "Mystery"}"#, "previous_status 'Mystery' is not a work_order status"),
            ("from: open", #"{"previous_status": null}"#, "the event has no work_order.previous_status; the rule's 'from' is (open)"),
            ("where: client.vip", "{}", "'where' does not hold: client.vip"),
            ("on: work_order.status_changed", #"{"status": "ready", "previous_status": "ready"}"#,
             "work_order.status 'ready' is the same as its previous_status: the status did not change"),
        ])
    func noneMessages(filter: String, workOrderJSON: String, message: String) throws {
        let workOrder = try JSONSerialization.jsonObject(with: Data(workOrderJSON.utf8)) as? [String: Any] ?? [:]
        let on = filter.hasPrefix("on:") ? "" : "    on: work_order.status_changed\n"
        let runtime = S.runtime(rules: "  - id: r\n\(on)    \(filter)\n    channel: sms\n    template: t\n")
        let records = S.run(runtime, [S.event("e1", workOrder: workOrder)], explain: true)
        #expect(records.count == 1)
        #expect(records.first?.decision == DecisionRecord.Decision.none)
        #expect(records.first?.message == message)
        #expect(records.first?.jsonLine.contains("\"message\":") == true)
    }

    @Test("a status change to the same status is none with reason no-change")
    func noChangeReason() {
        let runtime = S.runtime(rules: "  - id: r\n    on: work_order.status_changed\n    channel: sms\n    template: t\n")
        let records = S.run(runtime, [S.event("e1", workOrder: ["previous_status": "ready"])], explain: true)
        #expect(records.map(\.reason) == ["no-change"])
    }

    @Test("a region filter names the client's region, declared or not")
    func regionMessages() {
        let runtime = S.runtime(rules: "  - id: r\n    on: work_order.status_changed\n    regions: [north]\n    channel: sms\n    template: t\n")
        let records = S.run(
            runtime,
            [S.event("e1", client: ["region": "south"]), S.event("e2", client: ["region": "off"])], explain: true)
        #expect(
            records.map(\.message) == [
                "client.region 'south' is not a declared region; the rule is for regions (north)",
                "client.region 'off' is not one of the rule's regions (north)",
            ])
    }

    @Test("a reminder whose field the event lacks is none with reason unscheduled; other entities are trigger")
    func reminderNone() {
        let runtime = S.runtime(rules: "  - id: v\n    remind: work_order.scheduled_for\n    before: 1d\n    channel: sms\n    template: t\n")
        let records = S.run(
            runtime, [S.event("e1"), S.event("e2", "lead.created")], explain: true)
        #expect(records.map(\.reason) == ["unscheduled", "trigger"])
        #expect(
            records.map(\.message) == [
                "the event has no work_order.scheduled_for: nothing to remind of",
                "the event is lead.created, not a work_order event; the rule reminds of work_order.scheduled_for",
            ])
    }

    @Test(
        "a deferred send says from when and why; one on time has no message",
        arguments: [
            // Tuesday 21:00 in São Paulo: after hours.
            ("2026-04-07T21:00:00-03:00", "2026-04-08T08:00:00-03:00",
             "deferred from 2026-04-07T21:00:00-03:00: outside working hours" as String?),
            // 2026-04-21 is a closed date of the base calendar.
            ("2026-04-21T10:00:00-03:00", "2026-04-22T08:00:00-03:00",
             "deferred from 2026-04-21T10:00:00-03:00: closed on 2026-04-21"),
            ("2026-04-07T10:00:00-03:00", "2026-04-07T10:00:00-03:00", nil),
        ])
    func deferredMessage(at: String, sendAt: String, message: String?) {
        let runtime = S.runtime(
            rules: "  - id: r\n    on: work_order.status_changed\n    work_hours: defer\n    channel: sms\n    template: t\n")
        let records = S.run(runtime, [S.event("e1", at: at)])
        #expect(records.map(\.sendAt) == [sendAt])
        #expect(records.first?.message == message)
        #expect(records.first?.jsonLine.contains("\"message\":") == (message != nil))
    }

    @Test(
        "a reminder's deferral note keeps the field's fraction of a second, on a closed date too",
        arguments: [
            ("2026-04-08T20:00:00.5-03:00", "2026-04-08T17:59:00-03:00",
             "deferred from 2026-04-08T19:00:00.5-03:00: outside working hours"),
            // 2026-04-21 is a closed date of the base calendar.
            ("2026-04-21T11:00:00.125-03:00", "2026-04-20T17:59:00-03:00",
             "deferred from 2026-04-21T10:00:00.125-03:00: closed on 2026-04-21"),
        ])
    func deferredReminderFraction(pickup: String, sendAt: String, message: String) {
        let runtime = S.runtime(
            rules: "  - id: v\n    remind: work_order.pickup_at\n    before: 1h\n    work_hours: defer\n    channel: sms\n    template: t\n")
        let records = S.run(runtime, [S.event("e1", workOrder: ["pickup_at": pickup])])
        #expect(records.map(\.sendAt) == [sendAt])
        #expect(records.first?.message == message)
        #expect(records.first?.jsonLine.contains("\"message\":\"\(message)\"") == true)
    }

    @Test("a reminder moved into working hours says from when")
    func deferredReminder() {
        let runtime = S.runtime(
            rules: "  - id: v\n    remind: work_order.pickup_at\n    before: 1h\n    work_hours: defer\n    channel: sms\n    template: t\n")
        // 2026-04-08T20:00 − 1h = 19:00, after hours: moved to 17:59.
        let records = S.run(runtime, [S.event("e1", workOrder: ["pickup_at": "2026-04-08T20:00:00-03:00"])])
        #expect(records.map(\.sendAt) == ["2026-04-08T17:59:00-03:00"])
        #expect(records.first?.message == "deferred from 2026-04-08T19:00:00-03:00: outside working hours")
    }

    @Test("every reject of NDJSON input carries its 1-based line")
    func rejectLines() {
        let runtime = S.runtime(rules: "  - id: r\n    on: work_order.status_changed\n    channel: sms\n    template: t\n")
        let lines = [
            "{not json",
            "",
            #"{"id": "x", "type": "work_order.status_changed"}"#,
            S.event("e1", location: "nowhere"),
            S.event("e2"),
            S.event("e2"),
            S.event("e3", location: nil),
        ]
        let records = S.run(runtime, lines).filter { $0.decision == .reject }
        #expect(records.map(\.reason) == ["malformed-json", "invalid-event", "unknown-location", "duplicate-event", "unknown-location"])
        #expect(records.map(\.line) == [1, 3, 4, 6, 7])
        #expect(records.allSatisfy { $0.jsonLine.contains("\"line\":") })
        // Runtime.parse gives the line too.
        if case .rejected(let r) = runtime.parse(line: #"{"id": 3}"#, lineNumber: 9) {
            #expect(r.line == 9)
        } else {
            Issue.record("not rejected")
        }
    }

    @Test(
        "closed MM-DD entries close that day every year; 02-29 only in leap years",
        arguments: [
            // 2026-12-25 (Friday), 2027-12-25 (Saturday → the calendar is open on Saturdays 09-13).
            ("2026-12-25T10:00:00-03:00", "2026-12-26T09:00:00-03:00"),
            ("2027-12-25T10:00:00-03:00", "2027-12-27T08:00:00-03:00"),
            // 2028-02-29 is a Tuesday in a leap year: closed.
            ("2028-02-29T10:00:00-03:00", "2028-03-01T08:00:00-03:00"),
            // 2027-03-01 (Monday) is not closed by 02-29.
            ("2027-03-01T10:00:00-03:00", "2027-03-01T10:00:00-03:00"),
            // YYYY-MM-DD closes only that year: 2026-04-21, not 2027-04-21 (Wednesday).
            ("2027-04-21T10:00:00-03:00", "2027-04-21T10:00:00-03:00"),
        ])
    func annualClosedDates(at: String, sendAt: String) {
        let yaml = S.base.replacingOccurrences(of: "closed: [2026-04-21]", with: "closed: [2026-04-21, 12-25, \"02-29\"]")
        let runtime = Runtime(
            ruleSet: S.ruleSet(yaml + "rules:\n  - id: r\n    on: work_order.status_changed\n    work_hours: defer\n    channel: sms\n    template: t\n"))
        let records = S.run(runtime, [S.event("e1", at: at)])
        #expect(records.map(\.sendAt) == [sendAt])
        if sendAt != at {
            #expect(records.first?.message?.contains("closed on " + at.prefix(10)) == true)
        }
    }
}
