import Foundation
import HeraldCompiler
import HeraldRuntime
import Testing

private typealias S = EngineSupport
private typealias Z = SpecSupport

/// Places where the runtime disagreed with SPEC.md, found by a QA pass and
/// since fixed: each test states the SPEC's behaviour. (A new discrepancy can
/// be pinned here inside `withKnownIssue` until it is fixed.)
@Suite("SPEC discrepancies (fixed)")
struct SpecDiscrepancyTests {
    /// §5.3 "For each channel of the rule: … a pending reminder is cancelled
    /// (rescheduled), then the new one is planned"; §9 "in event order, then
    /// rule declaration order, then channel order".
    @Test("a rescheduled two-channel reminder writes cancel then plan per channel, in channel order")
    func rescheduleRecordOrder() {
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
                Z.scheduled("e1", at: "2026-04-06T10:00:00-03:00", "2026-04-10T10:00:00-03:00"),
                Z.scheduled("e2", at: "2026-04-06T11:00:00-03:00", "2026-04-11T10:00:00-03:00"),
            ])
        #expect(
            Z.lines(records) == [
                "e1 send v sms 2026-04-09T10:00:00-03:00 v/WO-1/sms",
                "e1 send v email 2026-04-09T10:00:00-03:00 v/WO-1/email",
                "e2 cancel v sms rescheduled v/WO-1/sms",
                "e2 send v sms 2026-04-10T10:00:00-03:00 v/WO-1/sms",
                "e2 cancel v email rescheduled v/WO-1/email",
                "e2 send v email 2026-04-10T10:00:00-03:00 v/WO-1/email",
            ])
    }

    /// §8.2 "The filters, in order: active; trigger (or, for reminders, the
    /// entity); …  A failing filter means the event rule does not apply:
    /// nothing is emitted (only --explain shows it, naming the failed filter)";
    /// --explain "adds `none`" for rules that did not apply.
    @Test("--explain names the failing filter of a reminder rule also when the event lacks the field or closes the entity")
    func explainReminderWithoutField() {
        let runtime = S.runtime(
            rules: """
                  - id: off
                    remind: work_order.scheduled_for
                    before: 1d
                    active: false
                    channel: sms
                    template: t
                  - id: north
                    remind: work_order.scheduled_for
                    before: 1d
                    locations: [norte]
                    channel: sms
                    template: t

                """)
        let records = S.run(
            runtime,
            [
                Z.scheduled("e1", at: "2026-04-06T10:00:00-03:00", nil),
                Z.scheduled("e2", at: "2026-04-06T11:00:00-03:00", "2026-04-10T10:00:00-03:00", type: "work_order.closed"),
            ], explain: true)
        #expect(
            Z.lines(records, explained: true) == [
                "e1 none off inactive", "e1 none north locations", "e2 none off inactive", "e2 none north locations",
            ])
    }

    /// §8.4 "`send_at` = `occurred_at + delay`"; §5.3 "send at `field − before`",
    /// "send at `occurred_at`"; the conformance runner compares timestamps as
    /// instants. RFC 3339 datetimes may carry fractional seconds (§2.1).
    @Test("send_at keeps the sub-second part of occurred_at and of the reminder's field")
    func subSecondSendAt() {
        let runtime = S.runtime(
            rules: """
                  - id: now
                    on: work_order.schedule_changed
                    delay: 1h
                    channel: sms
                    template: t
                  - id: v
                    remind: work_order.scheduled_for
                    before: 1d
                    channel: sms
                    template: t

                """)
        let records = S.run(
            runtime,
            [Z.scheduled("e1", at: "2026-04-07T10:00:00.750-03:00", "2026-04-10T10:00:00.250-03:00")])
        let instants = records.map { Self.instant($0.sendAt) }
        #expect(instants == [Self.instant("2026-04-07T11:00:00.750-03:00"), Self.instant("2026-04-09T10:00:00.250-03:00")])
    }

    /// §4 "`date: "pattern"` (datetime; Unicode date pattern …)": `S` is the
    /// fractional-second field of Unicode (TR 35) patterns.
    @Test("date: the S pattern letters print the fractional seconds of the value")
    func fractionalSecondsPattern() {
        let yaml = S.base.replacingOccurrences(
            of: "templates:\n", with: "templates:\n  d:\n    sms: \"{{work_order.pickup_at | date: \\\"HH:mm:ss.SSS\\\"}}\"\n")
            + "rules:\n" + Z.rule("on: work_order.status_changed", "channel: sms", "template: d")
        let runtime = Runtime(ruleSet: S.ruleSet(yaml))
        let records = S.run(runtime, [S.event("e1", workOrder: ["pickup_at": "2026-04-07T15:04:05.678Z"])])
        #expect(records.first?.body == "12:04:05.678")
    }

    static func instant(_ text: String?) -> Double? {
        guard let text else { return nil }
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        if let date = formatter.date(from: text) { return date.timeIntervalSince1970 }
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.date(from: text)?.timeIntervalSince1970
    }
}
