import Foundation
import HeraldCompiler
import HeraldRuntime
import Testing

private typealias S = EngineSupport
private typealias Z = SpecSupport

/// Datetimes with a fraction of a second (SPEC §2.1 RFC 3339): kept in
/// `send_at`, compared as full instants, written with the digits they need.
/// Working hours look at the whole second (an instant is open when the start
/// of its second is).
@Suite("Sub-second timestamps")
struct SpecSubSecondTests {
    @Test(
        "RFC 3339 output writes a non-zero fraction with the digits it needs, and whole seconds as before",
        arguments: [
            (Int64(1_775_577_600), Int32(750_000_000), "America/Sao_Paulo", "2026-04-07T13:00:00.75-03:00"),
            (1_775_577_600, 0, "America/Sao_Paulo", "2026-04-07T13:00:00-03:00"),
            (1_775_577_600, 1, "UTC", "2026-04-07T16:00:00.000000001+00:00"),
            (1_775_577_600, 123_456_789, "Asia/Kathmandu", "2026-04-07T21:45:00.123456789+05:45"),
            (1_775_577_600, 500_000_000, "UTC", "2026-04-07T16:00:00.5+00:00"),
            (-1, 250_000_000, "UTC", "1969-12-31T23:59:59.25+00:00"),
            (253_402_300_800, 100_000_000, "UTC", "10000-01-01T00:00:00.1+00:00"),
        ])
    func formatFraction(seconds: Int64, nanoseconds: Int32, identifier: String, expected: String) throws {
        let zone = try #require(Zone(identifier: identifier))
        #expect(RFC3339.format(seconds, nanoseconds: nanoseconds, in: zone) == expected)
        #expect(Timestamp(seconds: seconds, nanoseconds: nanoseconds).formatted(in: zone) == expected)
        var bytes: [UInt8] = []
        RFC3339.append(seconds, nanoseconds: nanoseconds, in: zone, to: &bytes)
        #expect(String(decoding: bytes, as: UTF8.self) == expected)
    }

    @Test(
        "parse then format keeps the fraction (trailing zeros trimmed)",
        arguments: [
            ("2026-04-07T13:00:00.750-03:00", "2026-04-07T13:00:00.75-03:00"),
            ("2026-04-07T13:00:00.000-03:00", "2026-04-07T13:00:00-03:00"),
            ("2026-04-07T13:00:00.1234567891-03:00", "2026-04-07T13:00:00.123456789-03:00"),
        ])
    func roundTrip(text: String, expected: String) throws {
        let zone = try #require(Zone(identifier: "America/Sao_Paulo"))
        #expect(try #require(RFC3339.parse(text)).formatted(in: zone) == expected)
    }

    @Test(
        "date: S letters print the fraction truncated to their count",
        arguments: [
            ("s.S", "5.6"), ("ss.SS", "05.67"), ("HH:mm:ss.SSS", "15:04:05.678"), ("SSSSSS", "678912"),
            ("SSSSSSSSS", "678912345"), ("SSSSSSSSSSS", "67891234500"),
        ])
    func datePattern(pattern: String, expected: String) throws {
        let value = try #require(RFC3339.parse("2026-04-07T15:04:05.678912345Z"))
        #expect(DatePattern.format(value, in: .utc, pattern: pattern) == expected)
        #expect(DatePattern.format(value.seconds, in: .utc, pattern: "ss.SSS") == "05.000")
    }

    @Test("templates print a datetime value with its fraction, and the date filter's SSS through the runtime")
    func templateValues() {
        let yaml = S.base.replacingOccurrences(
            of: "templates:\n",
            with: "templates:\n  d:\n    sms: \"{{work_order.pickup_at}} {{work_order.pickup_at | date: \\\"ss.SSS\\\"}}\"\n")
            + "rules:\n" + Z.rule("on: work_order.status_changed", "channel: sms", "template: d")
        let runtime = Runtime(ruleSet: S.ruleSet(yaml))
        let records = S.run(runtime, [S.event("e1", workOrder: ["pickup_at": "2026-04-07T15:04:05.250Z"])])
        #expect(records.map(\.body) == ["2026-04-07T12:04:05.25-03:00 05.250"])
    }

    static let rules = """
          - id: now
            on: work_order.schedule_changed
            channel: sms
            template: t
          - id: hours
            on: work_order.schedule_changed
            channel: email
            work_hours: defer
            template: t
          - id: v
            remind: work_order.scheduled_for
            before: 1s
            channel: sms
            template: t

        """

    @Test(
        "send_at keeps the fraction; late and past compare full instants; working hours look at the whole second",
        arguments: [
            // Inside hours: both event rules at occurred_at with its fraction; the
            // reminder (field − 1s = 10:00:00.25, half a second before the event)
            // is late, sent at occurred_at.
            (
                "2026-04-07T10:00:00.750-03:00", "2026-04-07T10:00:01.250-03:00",
                [
                    "e1 send now sms 2026-04-07T10:00:00.75-03:00 now/e1/sms",
                    "e1 send hours email 2026-04-07T10:00:00.75-03:00 hours/e1/email",
                    "e1 send v sms 2026-04-07T10:00:00.75-03:00 late v/WO-1/sms",
                ]
            ),
            // 17:59:59.9 is open (its second is); 18:00:00.1 is not: deferred to 08:00 sharp.
            // The reminder keeps the field's fraction (field − 1s = 18:00:00.95).
            (
                "2026-04-07T17:59:59.900-03:00", "2026-04-07T18:00:01.950-03:00",
                [
                    "e1 send now sms 2026-04-07T17:59:59.9-03:00 now/e1/sms",
                    "e1 send hours email 2026-04-07T17:59:59.9-03:00 hours/e1/email",
                    "e1 send v sms 2026-04-07T18:00:00.95-03:00 v/WO-1/sms",
                ]
            ),
            (
                "2026-04-07T18:00:00.100-03:00", "2026-04-07T18:00:00.100-03:00",
                [
                    "e1 send now sms 2026-04-07T18:00:00.1-03:00 now/e1/sms",
                    "e1 send hours email 2026-04-08T08:00:00-03:00 hours/e1/email",
                    "e1 skip v sms reminder-past",
                ]
            ),
            // The field 0.5 s after occurred_at is not past: sent late at occurred_at.
            (
                "2026-04-07T10:00:00.250-03:00", "2026-04-07T10:00:00.750-03:00",
                [
                    "e1 send now sms 2026-04-07T10:00:00.25-03:00 now/e1/sms",
                    "e1 send hours email 2026-04-07T10:00:00.25-03:00 hours/e1/email",
                    "e1 send v sms 2026-04-07T10:00:00.25-03:00 late v/WO-1/sms",
                ]
            ),
        ])
    func timing(occurredAt: String, field: String, expected: [String]) {
        let runtime = S.runtime(rules: Self.rules)
        #expect(Z.lines(S.run(runtime, [Z.scheduled("e1", at: occurredAt, field)])) == expected)
    }

    @Test("a reminder due later within the same second is still pending: a new value cancels it")
    func pendingWithinASecond() throws {
        let runtime = S.runtime(
            rules: """
                  - id: v
                    remind: work_order.scheduled_for
                    before: 1d
                    channel: sms
                    template: t

                """)
        let events = [
            Z.scheduled("e1", at: "2026-04-06T10:00:00-03:00", "2026-04-08T10:00:00.500-03:00"),
            Z.scheduled("e2", at: "2026-04-07T10:00:00.250-03:00", "2026-04-09T10:00:00-03:00"),
        ]
        let records = S.run(runtime, events)
        #expect(
            Z.lines(records) == [
                "e1 send v sms 2026-04-07T10:00:00.5-03:00 v/WO-1/sms",
                "e2 cancel v sms rescheduled v/WO-1/sms",
                "e2 send v sms 2026-04-08T10:00:00-03:00 v/WO-1/sms",
            ])
        // The fraction of a planned reminder survives the state's JSON round trip.
        var state = RuntimeState()
        _ = S.run(runtime, Array(events.prefix(1)), state: &state)
        var restored = try JSONDecoder().decode(RuntimeState.self, from: try JSONEncoder().encode(state))
        #expect(restored == state)
        #expect(Z.lines(S.run(runtime, Array(events.dropFirst()), state: &restored)) == Array(Z.lines(records).dropFirst()))
    }

    @Test("a deferred reminder due at a fraction inside a closed minute moves to the latest whole open minute")
    func deferredReminder() {
        let runtime = S.runtime(
            rules: """
                  - id: v
                    remind: work_order.scheduled_for
                    before: 1h
                    channel: sms
                    work_hours: defer
                    template: t

                """)
        let records = S.run(runtime, [Z.scheduled("e1", at: "2026-04-07T10:00:00-03:00", "2026-04-07T19:00:00.500-03:00")])
        #expect(Z.lines(records) == ["e1 send v sms 2026-04-07T17:59:00-03:00 v/WO-1/sms"])
    }
}
