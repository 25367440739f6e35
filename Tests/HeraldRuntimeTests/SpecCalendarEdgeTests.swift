import Foundation
import HeraldCompiler
import HeraldRuntime
import Testing

private typealias S = EngineSupport

/// The edges of the calendar (docs/rule-language.md §5.3): event times
/// outside the years RFC 3339 can write, a `send_at` computed past them, and
/// zone offsets with seconds (local mean time) that an RFC 3339 offset cannot
/// carry.
@Suite("calendar edges")
struct SpecCalendarEdgeTests {
    static let immediate = S.runtime(rules: SpecSupport.rule("on: work_order.status_changed", "channel: sms", "template: t"))
    static let nextDay = S.runtime(
        rules: SpecSupport.rule("on: work_order.status_changed", "delay: 1d", "channel: sms", "template: t"))

    @Test(
        "an event datetime whose instant is outside the years 0000–9999 in UTC is invalid-event naming its path",
        arguments: [
            ("0000-01-01T00:00:00+23:59", [String: String](), "occurred_at"),
            ("0000-01-01T00:00:00+00:01", [:], "occurred_at"),
            ("9999-12-31T23:59:59-23:59", [:], "occurred_at"),
            ("9999-12-31T23:59:59.5-00:01", [:], "occurred_at"),
            ("2026-04-07T10:00:00-03:00", ["pickup_at": "0000-01-01T00:00:00+00:01"], "work_order.pickup_at"),
            ("2026-04-07T10:00:00-03:00", ["scheduled_for": "9999-12-31T23:00:00-01:00"], "work_order.scheduled_for"),
        ])
    func outOfRangeEventTimes(at: String, workOrder: [String: String], path: String) {
        let records = S.run(Self.immediate, [S.event("e1", at: at, workOrder: workOrder)])
        #expect(records.count == 1)
        #expect(records.first?.decision == .reject)
        #expect(records.first?.reason == "invalid-event")
        #expect(records.first?.message?.hasPrefix("\(path): ") == true, "\(records.first?.message ?? "nil")")
        #expect(records.first?.message?.contains("outside the years 0000–9999") == true)
    }

    @Test(
        "the first and last instants of the range are accepted",
        arguments: ["0000-01-01T00:00:00Z", "0000-01-01T00:00:00-00:01", "9999-12-31T23:59:59Z", "9999-12-31T23:59:59.999+00:00"])
    func edgesAccepted(at: String) {
        let records = S.run(Self.immediate, [S.event("e1", at: at)])
        #expect(records.first?.decision == .send, "\(records)")
    }

    @Test("a send_at computed past 9999-12-31 is skipped with send-at-out-of-range, never written with five digits")
    func sendAtPastTheRange() throws {
        let records = S.run(Self.nextDay, [S.event("e1", at: "9999-12-31T12:00:00Z")])
        let record = try #require(records.first)
        #expect(records.count == 1)
        #expect(record.decision == .skip)
        #expect(record.reason == "send-at-out-of-range")
        #expect(record.channel == .sms)
        #expect(record.message?.contains("outside the years 0000–9999") == true)
        #expect(record.sendAt == nil)
    }

    @Test("a send_at that UTC could write but the event's zone would put in the year −1 is send-at-out-of-range")
    func sendAtBeforeYearZeroInZone() throws {
        let yaml = """
            herald: 1
            statuses:
              work_order: [open, ready]
            locations:
              west: {timezone: Etc/GMT+12}
            templates:
              t: {sms: "OS {{work_order.number}}"}
            rules:
              - id: r
                on: work_order.status_changed
                channel: sms
                template: t

            """
        let runtime = Runtime(ruleSet: S.ruleSet(yaml))
        let records = S.run(runtime, [S.event("e1", at: "0000-01-01T05:00:00Z", location: "west")])
        #expect(records.map(\.reason) == ["send-at-out-of-range"])
        let later = S.run(runtime, [S.event("e2", at: "0000-01-01T12:00:00Z", location: "west")])
        #expect(later.first?.sendAt == "0000-01-01T00:00:00-12:00")
    }

    @Test(
        "an offset with seconds (São Paulo local mean time, −03:06:28) writes the exact instant in UTC",
        arguments: [
            ("1900-01-01T00:00:00Z", "1900-01-01T00:00:00Z"),
            ("1900-01-01T00:00:00.25-03:00", "1900-01-01T03:00:00.25Z"),
            ("0000-01-01T00:00:00Z", "0000-01-01T00:00:00Z"),
            // From 1914 São Paulo keeps whole-minute offsets again.
            ("1914-06-01T12:00:00Z", "1914-06-01T09:00:00-03:00"),
        ])
    func localMeanTime(at: String, expected: String) {
        let records = S.run(Self.immediate, [S.event("e1", at: at)])
        #expect(records.first?.sendAt == expected, "\(records)")
        let parsedBack = RFC3339.parse(expected)
        #expect(parsedBack == RFC3339.parse(at), "the written text names the same instant")
    }

    @Test("RFC3339.format and Timestamp.formatted never drop the seconds of an offset")
    func formatWithOffsetSeconds() throws {
        let zone = try #require(Zone(identifier: "America/Sao_Paulo"))
        let instant = try #require(RFC3339.parse("1910-05-01T12:00:00Z"))
        #expect(zone.offset(at: instant.seconds) == -(3 * 3600 + 6 * 60 + 28))
        #expect(RFC3339.format(instant.seconds, in: zone) == "1910-05-01T12:00:00Z")
        #expect(RFC3339.format(instant.seconds, nanoseconds: 500_000_000, in: zone) == "1910-05-01T12:00:00.5Z")
        #expect(instant.formatted(in: zone) == "1910-05-01T12:00:00Z")
        #expect(instant.isFormattable(in: zone))
    }

    @Test(
        "isFormattable agrees with the year of the wall time near both ends of the range",
        arguments: ["UTC", "Pacific/Kiritimati", "Pacific/Pago_Pago", "America/Sao_Paulo", "Asia/Kathmandu"])
    func formattableNearTheEnds(identifier: String) throws {
        let zone = try #require(Zone(identifier: identifier))
        for end in [Timestamp.firstRFC3339Second, Timestamp.lastRFC3339Second] {
            // Every half hour from three days before the end to three after.
            for step in -144...144 {
                let seconds = end &+ Int64(step) &* 1800
                // RFC 3339 writes the wall time, or UTC for an offset with seconds.
                let offset = zone.offset(at: seconds)
                let year = LocalDateTime(secondsSince1970: offset % 60 == 0 ? seconds &+ Int64(offset) : seconds).date.year
                #expect(
                    Timestamp(seconds: seconds).isFormattable(in: zone) == (0...9999).contains(year),
                    "\(identifier) \(seconds)")
            }
        }
    }

    @Test("a reminder whose field is near the end of the range and whose send_at fits is sent")
    func reminderNearTheEnd() {
        let runtime = S.runtime(
            rules: SpecSupport.rule("remind: work_order.scheduled_for", "before: 1d", "channel: sms", "template: t"))
        let records = S.run(
            runtime,
            [S.event("e1", "work_order.created", at: "9999-12-01T00:00:00Z", workOrder: ["scheduled_for": "9999-12-31T23:00:00Z"])])
        #expect(records.first?.decision == .send, "\(records)")
        #expect(records.first?.sendAt == "9999-12-30T20:00:00-03:00")
    }
}
