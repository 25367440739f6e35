import Foundation
import HeraldCompiler
import HeraldRuntime
import Testing

private typealias S = EngineSupport
private typealias Z = SpecSupport

/// SPEC §5.3: reminders, with the §5.2 duration rules for `before` and the
/// §8.2 checks on planning.
@Suite("SPEC §5.3 reminders")
struct SpecReminderTests {
    static func reminder(before: String, _ extra: String...) -> String {
        "  - id: v\n    remind: work_order.scheduled_for\n    before: \(before)\n"
            + extra.map { "    \($0)\n" }.joined() + "    channel: sms\n    template: t\n"
    }

    @Test(
        "before: calendar days in the event's zone, the calendar part subtracted first, gaps forward, overlaps earlier",
        arguments: [
            ("1d", "2026-03-08T10:00:00-04:00", "ny", "2026-03-07T10:00:00-05:00"),
            ("24h", "2026-03-08T10:00:00-04:00", "ny", "2026-03-07T09:00:00-05:00"),
            ("1w", "2026-03-14T09:00:00-04:00", "ny", "2026-03-07T09:00:00-05:00"),
            // 03-09 02:30 − 1d = 03-08 02:30, in the gap → 03:30 EDT.
            ("1d", "2026-03-09T02:30:00-04:00", "ny", "2026-03-08T03:30:00-04:00"),
            // 11-02 01:30 − 1d = 11-01 01:30, ambiguous → the earlier instant (EDT).
            ("1d", "2026-11-02T01:30:00-05:00", "ny", "2026-11-01T01:30:00-04:00"),
            // Calendar part first: 03-09 03:30 − 1d = 03-08 03:30 EDT, − 1h = 01:30 EST.
            // (Exact part first would give 03-09 02:30 − 1d → gap → 03:30 EDT.)
            ("1d1h", "2026-03-09T03:30:00-04:00", "ny", "2026-03-08T01:30:00-05:00"),
            ("30m", "2026-03-08T03:10:00-04:00", "ny", "2026-03-08T01:40:00-05:00"),
            // The field's own offset does not matter: wall time is taken in the event's zone.
            ("1d", "2026-03-10T09:00:00Z", "ny", "2026-03-09T05:00:00-04:00"),
            ("1d", "2026-03-30T09:00:00Z", "lx", "2026-03-29T10:00:00+01:00"),
        ])
    func before(before: String, field: String, location: String, expected: String) {
        let runtime = Z.zonesRuntime(rules: Self.reminder(before: before))
        let records = S.run(runtime, [Z.scheduled("e1", at: "2026-03-01T00:00:00Z", field, location: location)])
        #expect(Z.lines(records) == ["e1 send v sms \(expected) v/WO-1/sms"])
    }

    @Test(
        "pending, late and past are decided against occurred_at",
        arguments: [
            // field − before == occurred_at: on time, not late.
            ("2026-04-06T10:00:00-03:00", "2026-04-07T10:00:00-03:00", "send v sms 2026-04-06T10:00:00-03:00 v/WO-1/sms"),
            // one second later: late, sent at occurred_at.
            ("2026-04-06T10:00:01-03:00", "2026-04-07T10:00:00-03:00", "send v sms 2026-04-06T10:00:01-03:00 late v/WO-1/sms"),
            ("2026-04-07T09:59:59-03:00", "2026-04-07T10:00:00-03:00", "send v sms 2026-04-07T09:59:59-03:00 late v/WO-1/sms"),
            // field == occurred_at (even written with another offset): past.
            ("2026-04-07T10:00:00-03:00", "2026-04-07T13:00:00Z", "skip v sms reminder-past"),
            ("2026-04-08T10:00:00-03:00", "2026-04-07T10:00:00-03:00", "skip v sms reminder-past"),
        ])
    func lateAndPast(at: String, field: String, expected: String) {
        let runtime = S.runtime(rules: Self.reminder(before: "1d"))
        #expect(Z.lines(S.run(runtime, [Z.scheduled("e1", at: at, field)])) == ["e1 " + expected])
    }

    @Test("a past or late reminder is written in the event's zone")
    func lateInZone() {
        let runtime = S.runtime(rules: Self.reminder(before: "1d"))
        let records = S.run(runtime, [Z.scheduled("e1", at: "2026-04-07T12:00:00Z", "2026-04-07T15:00:00Z", location: "lisboa")])
        #expect(Z.lines(records) == ["e1 send v sms 2026-04-07T13:00:00+01:00 late v/WO-1/sms"])
    }

    @Test(
        "work_hours: defer on a reminder moves it earlier, to the latest whole minute inside working hours",
        arguments: [
            // Calendar `shop` (São Paulo): mon-fri 08:00-18:00, sat 09:00-13:00, closed 2026-04-21.
            ("2026-04-08T21:00:00-03:00", "2026-04-08T17:59:00-03:00"),  // planned 19:00 → 17:59
            ("2026-04-08T20:00:00-03:00", "2026-04-08T17:59:00-03:00"),  // planned 18:00 (end is exclusive) → 17:59
            ("2026-04-08T19:59:00-03:00", "2026-04-08T17:59:00-03:00"),  // planned 17:59 is inside: unchanged
            ("2026-04-08T10:00:30-03:00", "2026-04-08T08:00:30-03:00"),  // inside, not a whole minute: unchanged
            ("2026-04-08T09:59:30-03:00", "2026-04-07T17:59:00-03:00"),  // planned 07:59:30 → the day before
            ("2026-04-13T09:00:00-03:00", "2026-04-11T12:59:00-03:00"),  // Monday 07:00 → Saturday 12:59
            ("2026-04-22T09:00:00-03:00", "2026-04-20T17:59:00-03:00"),  // Wednesday 07:00, Tuesday closed → Monday
            ("2026-04-12T12:00:00-03:00", "2026-04-11T12:59:00-03:00"),  // Sunday → Saturday 12:59
        ])
    func deferEarlier(field: String, expected: String) {
        let runtime = S.runtime(rules: Self.reminder(before: "2h", "work_hours: defer"))
        let records = S.run(runtime, [Z.scheduled("e1", at: "2026-04-06T09:00:00-03:00", field)])
        #expect(Z.lines(records) == ["e1 send v sms \(expected) v/WO-1/sms"])
    }

    @Test(
        "a deferred reminder that would be before occurred_at is sent at occurred_at (late) inside hours, else skipped",
        arguments: [
            // planned 19:00, latest minute 17:59:00 < occurred 17:59:30, which is inside: late.
            ("2026-04-07T17:59:30-03:00", "2026-04-07T21:00:00-03:00", "send v sms 2026-04-07T17:59:30-03:00 late v/WO-1/sms"),
            // planned 19:00, latest minute 17:59 < occurred 18:30, outside.
            ("2026-04-07T18:30:00-03:00", "2026-04-07T21:00:00-03:00", "skip v sms outside-work-hours"),
            // late (planned 07:00 < occurred 08:30), inside.
            ("2026-04-08T08:30:00-03:00", "2026-04-08T09:00:00-03:00", "send v sms 2026-04-08T08:30:00-03:00 late v/WO-1/sms"),
            // late, occurred 07:30 outside.
            ("2026-04-08T07:30:00-03:00", "2026-04-08T09:00:00-03:00", "skip v sms outside-work-hours"),
            // planned 05:00 (outside), the previous working minute is before occurred 04:00 (outside too).
            ("2026-04-08T04:00:00-03:00", "2026-04-08T07:00:00-03:00", "skip v sms outside-work-hours"),
        ])
    func deferLate(at: String, field: String, expected: String) {
        let runtime = S.runtime(rules: Self.reminder(before: "2h", "work_hours: defer"))
        #expect(Z.lines(S.run(runtime, [Z.scheduled("e1", at: at, field)])) == ["e1 " + expected])
    }

    @Test(
        "work_hours: drop on a reminder skips a planned time outside hours, late ones included",
        arguments: [
            ("2026-04-06T09:00:00-03:00", "2026-04-08T21:00:00-03:00", "skip v sms outside-work-hours"),
            ("2026-04-06T09:00:00-03:00", "2026-04-08T12:00:00-03:00", "send v sms 2026-04-08T10:00:00-03:00 v/WO-1/sms"),
            ("2026-04-08T11:00:00-03:00", "2026-04-08T12:00:00-03:00", "send v sms 2026-04-08T11:00:00-03:00 late v/WO-1/sms"),
            ("2026-04-08T18:30:00-03:00", "2026-04-08T19:00:00-03:00", "skip v sms outside-work-hours"),
        ])
    func dropReminder(at: String, field: String, expected: String) {
        let runtime = S.runtime(rules: Self.reminder(before: "2h", "work_hours: drop"))
        #expect(Z.lines(S.run(runtime, [Z.scheduled("e1", at: at, field)])) == ["e1 " + expected])
    }

    @Test("closed wins over an absent field; after closing, the planned value is forgotten")
    func closedThenReplanned() {
        let runtime = S.runtime(rules: Self.reminder(before: "1d"))
        let records = S.run(
            runtime,
            [
                Z.scheduled("e1", at: "2026-04-06T10:00:00-03:00", "2026-04-10T10:00:00-03:00"),
                Z.scheduled("e2", at: "2026-04-06T11:00:00-03:00", nil, type: "work_order.closed"),
                Z.scheduled("e3", at: "2026-04-06T12:00:00-03:00", "2026-04-10T10:00:00-03:00"),
                Z.scheduled("e4", at: "2026-04-06T13:00:00-03:00", "2026-04-10T10:00:00-03:00", type: "work_order.closed"),
                Z.scheduled("e5", at: "2026-04-06T14:00:00-03:00", "2026-04-10T10:00:00-03:00", type: "work_order.closed"),
            ])
        #expect(
            Z.lines(records) == [
                "e1 send v sms 2026-04-09T10:00:00-03:00 v/WO-1/sms",
                "e2 cancel v sms closed v/WO-1/sms",
                "e3 send v sms 2026-04-09T10:00:00-03:00 v/WO-1/sms",
                "e4 cancel v sms closed v/WO-1/sms",
            ])
    }

    @Test("an absent field with nothing pending emits nothing; a failing filter with nothing pending emits nothing")
    func nothingPending() {
        let runtime = S.runtime(rules: Self.reminder(before: "1d", "locations: [centro]"))
        let records = S.run(
            runtime,
            [
                Z.scheduled("e1", at: "2026-04-06T10:00:00-03:00", nil),
                Z.scheduled("e2", at: "2026-04-06T11:00:00-03:00", "2026-04-10T10:00:00-03:00", location: "norte"),
                Z.scheduled("e3", at: "2026-04-06T12:00:00-03:00", nil, type: "work_order.closed"),
            ])
        #expect(records.isEmpty)
    }

    @Test("a failing locations filter cancels the pending reminder (no-longer-applies) on every channel")
    func locationsNoLongerApply() {
        let runtime = S.runtime(
            rules: """
                  - id: v
                    remind: work_order.scheduled_for
                    before: 1d
                    locations: [centro, norte]
                    channel: [sms, email]
                    template: t

                """)
        let records = S.run(
            runtime,
            [
                Z.scheduled("e1", at: "2026-04-06T10:00:00-03:00", "2026-04-10T10:00:00-03:00"),
                Z.scheduled("e2", at: "2026-04-06T11:00:00-03:00", "2026-04-10T10:00:00-03:00", location: "norte"),
                Z.scheduled("e3", at: "2026-04-06T12:00:00-03:00", "2026-04-10T10:00:00-03:00", location: "lisboa"),
                Z.scheduled("e4", at: "2026-04-06T13:00:00-03:00", "2026-04-10T10:00:00-03:00", location: "norte"),
            ])
        #expect(
            Z.lines(records) == [
                "e1 send v sms 2026-04-09T10:00:00-03:00 v/WO-1/sms",
                "e1 send v email 2026-04-09T10:00:00-03:00 v/WO-1/email",
                "e3 cancel v sms no-longer-applies v/WO-1/sms",
                "e3 cancel v email no-longer-applies v/WO-1/email",
                "e4 send v sms 2026-04-09T10:00:00-03:00 v/WO-1/sms",
                "e4 send v email 2026-04-09T10:00:00-03:00 v/WO-1/email",
            ])
    }

    @Test("a channel skipped for its value is not re-planned when consent arrives with the same value")
    func skippedChannelKeepsValue() {
        let runtime = S.runtime(
            rules: """
                  - id: v
                    remind: work_order.scheduled_for
                    before: 1d
                    channel: [sms, email]
                    template: t

                """)
        let records = S.run(
            runtime,
            [
                Z.scheduled("e1", at: "2026-04-06T10:00:00-03:00", "2026-04-10T10:00:00-03:00", client: ["accepts_sms": false]),
                Z.scheduled("e2", at: "2026-04-06T11:00:00-03:00", "2026-04-10T10:00:00-03:00"),
            ])
        #expect(
            Z.lines(records) == [
                "e1 skip v sms no-consent",
                "e1 send v email 2026-04-09T10:00:00-03:00 v/WO-1/email",
            ])
    }

    @Test("rescheduled into the past: the pending reminder is cancelled, then the new value is reminder-past")
    func rescheduledIntoThePast() {
        let runtime = S.runtime(rules: Self.reminder(before: "1d"))
        let records = S.run(
            runtime,
            [
                Z.scheduled("e1", at: "2026-04-06T10:00:00-03:00", "2026-04-10T10:00:00-03:00"),
                Z.scheduled("e2", at: "2026-04-06T11:00:00-03:00", "2026-04-06T09:00:00-03:00"),
                Z.scheduled("e3", at: "2026-04-06T12:00:00-03:00", "2026-04-06T09:00:00-03:00"),
            ])
        #expect(
            Z.lines(records) == [
                "e1 send v sms 2026-04-09T10:00:00-03:00 v/WO-1/sms",
                "e2 cancel v sms rescheduled v/WO-1/sms",
                "e2 skip v sms reminder-past",
            ])
    }

    @Test("a reminder on a lead's custom datetime field is re-planned by lead events; its key uses the lead id")
    func leadReminder() {
        let yaml = S.base.replacingOccurrences(of: "  client:\n    vip: bool\n", with: "  client:\n    vip: bool\n  lead:\n    call_at: datetime\n")
            + """
            rules:
              - id: call
                remind: lead.call_at
                before: 1h
                channel: sms
                template: lead

            """
        let runtime = Runtime(ruleSet: S.ruleSet(yaml))
        func lead(_ id: String, _ type: String, at: String, callAt: String?) -> String {
            var lead: [String: Any] = ["id": "L-7", "name": "Ana", "status": "new"]
            if let callAt { lead["call_at"] = callAt }
            return S.event(id, type, at: at, extra: ["lead": lead])
        }
        let records = S.run(
            runtime,
            [
                lead("l1", "lead.created", at: "2026-04-06T10:00:00-03:00", callAt: "2026-04-06T15:00:00-03:00"),
                S.event("w1", "work_order.schedule_changed", at: "2026-04-06T10:30:00-03:00"),
                lead("l2", "lead.status_changed", at: "2026-04-06T11:00:00-03:00", callAt: "2026-04-06T15:00:00-03:00"),
                lead("l3", "lead.status_changed", at: "2026-04-06T11:30:00-03:00", callAt: "2026-04-06T16:00:00-03:00"),
                lead("l4", "lead.status_changed", at: "2026-04-06T12:00:00-03:00", callAt: nil),
            ])
        #expect(
            Z.lines(records) == [
                "l1 send call sms 2026-04-06T14:00:00-03:00 call/L-7/sms",
                "l3 cancel call sms rescheduled call/L-7/sms",
                "l3 send call sms 2026-04-06T15:00:00-03:00 call/L-7/sms",
                "l4 cancel call sms unscheduled call/L-7/sms",
            ])
        #expect(records.first?.body == "Lead Ana")
    }

    @Test("reminders of different work orders are independent; the key names the entity, not the event")
    func perEntity() {
        let runtime = S.runtime(rules: Self.reminder(before: "1d"))
        let records = S.run(
            runtime,
            [
                Z.scheduled("e1", at: "2026-04-06T10:00:00-03:00", "2026-04-10T10:00:00-03:00", wo: "WO-1"),
                Z.scheduled("e2", at: "2026-04-06T10:00:00-03:00", "2026-04-10T10:00:00-03:00", wo: "WO-2"),
                Z.scheduled("e3", at: "2026-04-06T11:00:00-03:00", nil, wo: "WO-1"),
            ])
        #expect(
            Z.lines(records) == [
                "e1 send v sms 2026-04-09T10:00:00-03:00 v/WO-1/sms",
                "e2 send v sms 2026-04-09T10:00:00-03:00 v/WO-2/sms",
                "e3 cancel v sms unscheduled v/WO-1/sms",
            ])
    }

    @Test("a reminder with a fallback: the fallback channel is planned, cancelled and keyed like any channel")
    func fallbackReminder() {
        let runtime = S.runtime(
            rules: """
                  - id: v
                    remind: work_order.scheduled_for
                    before: 1d
                    channel: sms
                    fallback: email
                    template: t

                """)
        let records = S.run(
            runtime,
            [
                Z.scheduled("e1", at: "2026-04-06T10:00:00-03:00", "2026-04-10T10:00:00-03:00", client: ["phone": S.Remove()]),
                Z.scheduled("e2", at: "2026-04-06T11:00:00-03:00", nil, type: "work_order.closed"),
            ])
        #expect(
            Z.lines(records) == [
                "e1 skip v sms no-address",
                "e1 send v email 2026-04-09T10:00:00-03:00 v/WO-1/email",
                "e2 cancel v email closed v/WO-1/email",
            ])
    }

    @Test("a switched-off location: one skip without channel for the new value, nothing for the same value")
    func inactiveLocation() {
        let runtime = S.runtime(rules: Self.reminder(before: "1d"))
        let records = S.run(
            runtime,
            [
                Z.scheduled("e1", at: "2026-04-06T10:00:00-03:00", "2026-04-10T10:00:00-03:00", location: "fechado"),
                Z.scheduled("e2", at: "2026-04-06T11:00:00-03:00", "2026-04-10T10:00:00-03:00", location: "fechado"),
            ])
        #expect(Z.lines(records) == ["e1 skip v location-inactive"])
        #expect(records.first?.channel == nil)
    }

    /// §5.3 "for each channel: … cancelled (`rescheduled`), then the new one
    /// is planned"; §9 channel order. Decisions of the runtime for the cases
    /// the SPEC leaves open: a once-per-rule skip cancels every channel
    /// first; an unused fallback's pending send is cancelled last.
    @Test(
        "a reschedule cancels each channel right before its new record; a once-per-rule skip comes after all cancels",
        arguments: [
            // A channel skipped for consent: its cancel, its skip, then the next channel.
            (
                "accepts_sms: false",
                [
                    "e2 cancel v sms rescheduled v/WO-1/sms", "e2 skip v sms no-consent",
                    "e2 cancel v email rescheduled v/WO-1/email", "e2 send v email 2026-04-10T10:00:00-03:00 v/WO-1/email",
                ]
            ),
            // A switched-off region replaces the plan: both cancels, then the one skip.
            (
                "region: off",
                ["e2 cancel v sms rescheduled v/WO-1/sms", "e2 cancel v email rescheduled v/WO-1/email", "e2 skip v region-inactive"]
            ),
        ])
    func rescheduleOrder(change: String, expected: [String]) {
        let runtime = S.runtime(rules: "  - id: v\n    remind: work_order.scheduled_for\n    before: 1d\n    channel: [sms, email]\n    template: t\n")
        let client: [String: Any] = change == "region: off" ? ["region": "off"] : ["accepts_sms": false]
        let records = S.run(
            runtime,
            [
                Z.scheduled("e1", at: "2026-04-06T10:00:00-03:00", "2026-04-10T10:00:00-03:00"),
                Z.scheduled("e2", at: "2026-04-06T11:00:00-03:00", "2026-04-11T10:00:00-03:00", client: client),
            ])
        #expect(Z.lines(records).filter { $0.hasPrefix("e2 ") } == expected)
    }

    @Test("a rescheduled fallback is cancelled right before its own record, or last when the fallback is not used")
    func rescheduleFallbackOrder() {
        let runtime = S.runtime(
            rules: """
                  - id: v
                    remind: work_order.scheduled_for
                    before: 1d
                    channel: sms
                    fallback: email
                    template: t

                """)
        let records = S.run(
            runtime,
            [
                Z.scheduled("e1", at: "2026-04-06T10:00:00-03:00", "2026-04-10T10:00:00-03:00", client: ["phone": S.Remove()]),
                Z.scheduled("e2", at: "2026-04-06T11:00:00-03:00", "2026-04-11T10:00:00-03:00"),
                Z.scheduled("e3", at: "2026-04-06T12:00:00-03:00", "2026-04-12T10:00:00-03:00", client: ["phone": S.Remove()]),
            ])
        #expect(
            Z.lines(records) == [
                "e1 skip v sms no-address",
                "e1 send v email 2026-04-09T10:00:00-03:00 v/WO-1/email",
                "e2 send v sms 2026-04-10T10:00:00-03:00 v/WO-1/sms",
                "e2 cancel v email rescheduled v/WO-1/email",
                "e3 cancel v sms rescheduled v/WO-1/sms",
                "e3 skip v sms no-address",
                "e3 send v email 2026-04-11T10:00:00-03:00 v/WO-1/email",
            ])
    }
}
