import Foundation
import HeraldCompiler
import HeraldRuntime
import Testing

private typealias S = EngineSupport
private typealias Z = SpecSupport

/// SPEC §5.2 (durations across DST) and §8.4 (work_hours), in zones with DST.
@Suite("SPEC §5.2/§8.4 timing")
struct SpecTimingTests {
    static func sendAt(_ option: String, at: String, location: String, sourceLocation: SourceLocation = #_sourceLocation) -> String {
        let runtime = Z.zonesRuntime(
            rules: Z.rule("on: work_order.created", option, "channel: sms", "template: t"), sourceLocation: sourceLocation)
        let records = S.run(runtime, [S.event("e1", "work_order.created", at: at, location: location)])
        guard records.count == 1, let record = records.first else { return "\(records.count) records" }
        return record.sendAt ?? record.reason ?? "?"
    }

    @Test(
        "delay: d and w are calendar days in the event's zone (same wall time); s, m, h are exact",
        arguments: [
            // New York, spring forward 2026-03-08 02:00 → 03:00.
            ("delay: 1d", "2026-03-07T09:00:00-05:00", "ny", "2026-03-08T09:00:00-04:00"),
            ("delay: 24h", "2026-03-07T09:00:00-05:00", "ny", "2026-03-08T10:00:00-04:00"),
            ("delay: 2d", "2026-03-07T09:00:00-05:00", "ny", "2026-03-09T09:00:00-04:00"),
            ("delay: 1w", "2026-03-03T02:15:00-05:00", "ny", "2026-03-10T02:15:00-04:00"),
            ("delay: 1d", "2026-03-07T01:30:00-05:00", "ny", "2026-03-08T01:30:00-05:00"),
            ("delay: 1d", "2026-03-08T01:30:00-05:00", "ny", "2026-03-09T01:30:00-04:00"),
            // New York, fall back 2026-11-01 02:00 → 01:00.
            ("delay: 1d", "2026-10-31T23:30:00-04:00", "ny", "2026-11-01T23:30:00-05:00"),
            ("delay: 1d", "2026-11-01T01:30:00-05:00", "ny", "2026-11-02T01:30:00-05:00"),
            ("delay: 1w", "2026-10-28T12:00:00-04:00", "ny", "2026-11-04T12:00:00-05:00"),
            // Lisbon, spring forward 2026-03-29 01:00 → 02:00; fall back 2026-10-25 02:00 → 01:00.
            ("delay: 1d", "2026-03-28T12:00:00+00:00", "lx", "2026-03-29T12:00:00+01:00"),
            ("delay: 3d", "2026-10-23T18:00:00+01:00", "lx", "2026-10-26T18:00:00+00:00"),
            ("delay: 72h", "2026-10-23T18:00:00+01:00", "lx", "2026-10-26T17:00:00+00:00"),
            // The event's offset does not matter, only its instant and the zone.
            ("delay: 1d", "2026-03-07T14:00:00Z", "ny", "2026-03-08T09:00:00-04:00"),
            ("delay: 30s", "2026-03-08T01:59:45-05:00", "ny", "2026-03-08T03:00:15-04:00"),
        ])
    func calendarDays(option: String, at: String, location: String, expected: String) {
        #expect(Self.sendAt(option, at: at, location: location) == expected)
    }

    @Test(
        "a wall time in a spring-forward gap moves forward by the gap; an ambiguous one is the earlier instant",
        arguments: [
            ("delay: 1d", "2026-03-07T02:30:00-05:00", "ny", "2026-03-08T03:30:00-04:00"),
            ("delay: 1d", "2026-03-07T02:00:00-05:00", "ny", "2026-03-08T03:00:00-04:00"),
            ("delay: 1d", "2026-03-28T01:15:00+00:00", "lx", "2026-03-29T02:15:00+01:00"),
            ("delay: 1d", "2026-10-31T01:30:00-04:00", "ny", "2026-11-01T01:30:00-04:00"),
            ("delay: 1w", "2026-10-25T01:30:00-04:00", "ny", "2026-11-01T01:30:00-04:00"),
            ("delay: 1d", "2026-10-24T01:30:00+01:00", "lx", "2026-10-25T01:30:00+01:00"),
        ])
    func gapsAndOverlaps(option: String, at: String, location: String, expected: String) {
        #expect(Self.sendAt(option, at: at, location: location) == expected)
    }

    @Test(
        "in a sum the calendar part is applied first, then the exact part",
        arguments: [
            // Calendar first: 03-08 02:30 (gap → 03:30 EDT) + 30m = 04:00. Exact first would give 03:00 EDT.
            ("delay: 1d30m", "2026-03-07T02:30:00-05:00", "ny", "2026-03-08T04:00:00-04:00"),
            // Calendar first: 10-25 00:30 +01:00, + 1h = 01:30 +01:00 (the first 01:30).
            ("delay: 1d1h", "2026-10-24T00:30:00+01:00", "lx", "2026-10-25T01:30:00+01:00"),
            ("delay: 1w1d1h1m1s", "2026-03-01T08:00:00-05:00", "ny", "2026-03-09T09:01:01-04:00"),
            ("delay: 1h30m", "2026-03-08T01:00:00-05:00", "ny", "2026-03-08T03:30:00-04:00"),
        ])
    func sums(option: String, at: String, location: String, expected: String) {
        #expect(Self.sendAt(option, at: at, location: location) == expected)
    }

    @Test(
        "work_hours: defer moves send_at to the start of the next working period",
        arguments: [
            ("2026-03-02T11:59:59-05:00", "2026-03-02T11:59:59-05:00"),  // inside: unchanged
            ("2026-03-02T12:00:00-05:00", "2026-03-02T13:00:00-05:00"),  // lunch: end is exclusive
            ("2026-03-02T12:59:59-05:00", "2026-03-02T13:00:00-05:00"),
            ("2026-03-02T18:00:00-05:00", "2026-03-03T08:00:00-05:00"),  // evening
            ("2026-03-03T03:00:00-05:00", "2026-03-03T08:00:00-05:00"),  // night
            ("2026-03-06T18:30:00-05:00", "2026-03-07T09:00:00-05:00"),  // Friday evening → Saturday morning
            ("2026-03-07T13:00:00-05:00", "2026-03-09T08:00:00-04:00"),  // Saturday afternoon → Monday, across the DST night
            ("2026-03-08T12:00:00-04:00", "2026-03-09T08:00:00-04:00"),  // Sunday (not listed) is closed
            ("2026-03-09T18:30:00-04:00", "2026-03-11T08:00:00-04:00"),  // Tuesday 10 is a closed date
            ("2026-12-24T19:00:00-05:00", "2026-12-26T09:00:00-05:00"),  // Friday 25 closed → Saturday
            ("2026-10-31T13:00:00-04:00", "2026-11-02T08:00:00-05:00"),  // across the fall-back night
            ("2026-03-02T17:30:00Z", "2026-03-02T13:00:00-05:00"),  // offsets of the event do not matter
        ])
    func deferNext(at: String, expected: String) {
        #expect(Self.sendAt("work_hours: defer", at: at, location: "ny") == expected)
    }

    @Test(
        "work_hours: drop skips the channel with outside-work-hours, and sends inside",
        arguments: [
            ("2026-03-02T12:30:00-05:00", "outside-work-hours"),
            ("2026-03-02T13:00:00-05:00", "2026-03-02T13:00:00-05:00"),
            ("2026-03-02T07:59:59-05:00", "outside-work-hours"),
            ("2026-03-02T08:00:00-05:00", "2026-03-02T08:00:00-05:00"),
            ("2026-03-07T12:59:00-05:00", "2026-03-07T12:59:00-05:00"),
            ("2026-03-08T10:00:00-04:00", "outside-work-hours"),
            ("2026-03-10T10:00:00-04:00", "outside-work-hours"),
        ])
    func drop(at: String, expected: String) {
        #expect(Self.sendAt("work_hours: drop", at: at, location: "ny") == expected)
    }

    @Test("delay is applied before work_hours: the delayed time is what is checked")
    func delayThenHours() {
        let runtime = Z.zonesRuntime(
            rules: Z.rule("on: work_order.created", "delay: 1h", "work_hours: defer", "channel: sms", "template: t")
                + "  - id: d\n    on: work_order.created\n    delay: 1d\n    work_hours: drop\n    channel: sms\n    template: t\n")
        let records = S.run(
            runtime,
            [
                S.event("e1", "work_order.created", at: "2026-03-02T11:30:00-05:00", location: "ny"),
                S.event("e2", "work_order.created", at: "2026-03-06T14:00:00-05:00", location: "ny"),
            ])
        #expect(
            Z.lines(records) == [
                "e1 send r sms 2026-03-02T13:00:00-05:00 r/e1/sms",
                "e1 send d sms 2026-03-03T11:30:00-05:00 d/e1/sms",
                "e2 send r sms 2026-03-06T15:00:00-05:00 r/e2/sms",
                "e2 skip d sms outside-work-hours",
            ])
    }

    @Test("hours are read in the calendar's zone; send_at is written in the location's zone")
    func calendarZone() {
        // lx: Europe/Lisbon location with a São Paulo calendar (08:00-18:00, UTC-3).
        #expect(Self.sendAt("work_hours: defer", at: "2026-04-07T23:00:00+01:00", location: "lx") == "2026-04-08T12:00:00+01:00")
        #expect(Self.sendAt("work_hours: drop", at: "2026-04-07T13:00:00+01:00", location: "lx") == "2026-04-07T13:00:00+01:00")
        #expect(Self.sendAt("work_hours: drop", at: "2026-04-07T11:00:00+01:00", location: "lx") == "outside-work-hours")
    }

    @Test("every timestamp is written in the event's effective zone, whatever the event's offset")
    func writtenInZone() {
        #expect(Self.sendAt("delay: 0s", at: "2026-07-01T12:00:00Z", location: "ny") == "2026-07-01T08:00:00-04:00")
        #expect(Self.sendAt("delay: 0s", at: "2026-01-01T12:00:00+09:00", location: "lx") == "2026-01-01T03:00:00+00:00")
    }
}
