import HeraldCompiler
import HeraldRuntime
import HeraldTestSupport
import Testing

/// Builds a calendar from `"HH:MM-HH:MM"` spans per weekday (0 = Monday).
private func calendarOf(
    _ identifier: String, _ hours: [Int: [(String, String)]], closed: [LocalDate] = []
) -> WorkingCalendar? {
    func minutes(_ text: String) -> Int {
        let parts = text.split(separator: ":").compactMap { Int($0) }
        return parts.count == 2 ? parts[0] * 60 + parts[1] : -1
    }
    let week = (0..<7).map { day in
        (hours[day] ?? []).map { MinuteSpan(start: minutes($0.0), end: minutes($0.1)) }
    }
    return WorkingCalendar(spec: CalendarSpec(id: identifier, timeZone: identifier, week: week, closed: Set(closed)))
}

private func workingDays(_ days: ClosedRange<Int>, _ spans: [(String, String)]) -> [Int: [(String, String)]] {
    Dictionary(uniqueKeysWithValues: days.map { ($0, spans) })
}

/// lisbonHours-hours of the eval-features case: mon-fri "09:00-12:30, 14:00-19:00", closed 2026-10-05.
private let lisbonHours = calendarOf(
    "Europe/Lisbon", workingDays(0...4, [("09:00", "12:30"), ("14:00", "19:00")]),
    closed: [LocalDate(year: 2026, month: 10, day: 5)])
/// shopHours-hours of the eval-shopHours case: mon-fri 08:00-18:00, sat 09:00-13:00.
private let shopHours = calendarOf(
    "America/Sao_Paulo", workingDays(0...4, [("08:00", "18:00")]).merging([5: [("09:00", "13:00")]]) { a, _ in a })
/// Friday evening to Saturday 02:00 across midnight, with a 24:00 end.
private let lateNightHours = calendarOf("America/Sao_Paulo", [4: [("20:00", "24:00")], 5: [("00:00", "02:00")]])
/// Every day 01:00–01:30: repeated on a fall-back night.
private let earlyHoursNY = calendarOf("America/New_York", workingDays(0...6, [("01:00", "01:30")]))
/// Every day 01:00–02:30: ends inside the spring-forward gap.
private let intoGapNY = calendarOf("America/New_York", workingDays(0...6, [("01:00", "02:30")]))
/// Every day 02:30–04:00: starts inside the spring-forward gap.
private let fromGapNY = calendarOf("America/New_York", workingDays(0...6, [("02:30", "04:00")]))
/// Every day 02:00–03:00 on Lord Howe Island (30-minute DST).
private let lordHoweHours = calendarOf("Australia/Lord_Howe", workingDays(0...6, [("02:00", "03:00")]))
/// No hours at all.
private let neverOpenHours = calendarOf("UTC", [:])

@Suite("Working calendars")
struct TimeWorkingCalendarTests {
    @Test("an unknown zone gives no calendar")
    func unknownZone() {
        #expect(calendarOf("Nowhere/Atlantis", workingDays(0...4, [("09:00", "17:00")])) == nil)
    }

    @Test(
        "open inside spans, closed at their ends, on weekends and closed dates",
        arguments: [
            (lisbonHours, "2026-10-01T09:00:00+01:00", true),
            (lisbonHours, "2026-10-01T08:59:59+01:00", false),
            (lisbonHours, "2026-10-01T12:29:59+01:00", true),
            (lisbonHours, "2026-10-01T12:30:00+01:00", false),
            (lisbonHours, "2026-10-01T14:00:00+01:00", true),
            (lisbonHours, "2026-10-01T19:00:00+01:00", false),
            (lisbonHours, "2026-10-03T10:00:00+01:00", false),
            (lisbonHours, "2026-10-05T10:00:00+01:00", false),
            (lisbonHours, "2026-10-06T10:00:00+01:00", true),
            (lisbonHours, "2026-10-26T08:30:00+00:00", false),
            (lisbonHours, "2026-10-26T09:00:00+00:00", true),
            (shopHours, "2026-04-11T12:59:00-03:00", true),
            (shopHours, "2026-04-11T13:00:00-03:00", false),
            (shopHours, "2026-04-12T10:00:00-03:00", false),
            (lateNightHours, "2026-04-10T23:59:59-03:00", true),
            (lateNightHours, "2026-04-11T00:00:00-03:00", true),
            (lateNightHours, "2026-04-11T02:00:00-03:00", false),
            (earlyHoursNY, "2026-11-01T01:15:00-04:00", true),
            (earlyHoursNY, "2026-11-01T01:45:00-04:00", false),
            (earlyHoursNY, "2026-11-01T01:15:00-05:00", true),
            (intoGapNY, "2026-03-08T01:59:00-05:00", true),
            (intoGapNY, "2026-03-08T03:00:00-04:00", false),
            (neverOpenHours, "2026-03-08T03:00:00Z", false),
        ])
    func isOpen(calendar: WorkingCalendar?, at text: String, expected: Bool) throws {
        let calendar = try #require(calendar)
        #expect(calendar.isOpen(at: rfcInstant(text)) == expected)
    }

    @Test(
        "the next opening skips lunch, evenings, weekends and holidays",
        arguments: [
            (shopHours, "2026-04-10T18:30:00-03:00", "2026-04-11T09:00:00-03:00"),
            (shopHours, "2026-04-11T13:00:00-03:00", "2026-04-13T08:00:00-03:00"),
            (shopHours, "2026-04-13T07:00:00-03:00", "2026-04-13T08:00:00-03:00"),
            (lisbonHours, "2026-10-01T10:00:00+01:00", "2026-10-01T10:00:00+01:00"),
            (lisbonHours, "2026-10-01T12:30:00+01:00", "2026-10-01T14:00:00+01:00"),
            (lisbonHours, "2026-10-02T19:00:00+01:00", "2026-10-06T09:00:00+01:00"),
            (lisbonHours, "2026-10-24T10:00:00+01:00", "2026-10-26T09:00:00+00:00"),
            (lisbonHours, "2026-03-27T20:00:00+00:00", "2026-03-30T09:00:00+01:00"),
            (lateNightHours, "2026-04-10T19:00:00-03:00", "2026-04-10T20:00:00-03:00"),
            (lateNightHours, "2026-04-11T02:00:00-03:00", "2026-04-17T20:00:00-03:00"),
            // Clocks fall back from 01:59:59 EDT to 01:00 EST, back into the period.
            (earlyHoursNY, "2026-11-01T01:45:00-04:00", "2026-11-01T01:00:00-05:00"),
            (earlyHoursNY, "2026-11-01T01:45:00-05:00", "2026-11-02T01:00:00-05:00"),
            // A period starting in a gap opens when the clocks jump into it.
            (fromGapNY, "2026-03-08T01:59:00-05:00", "2026-03-08T03:00:00-04:00"),
            (fromGapNY, "2026-03-07T05:00:00-05:00", "2026-03-08T03:00:00-04:00"),
            (lordHoweHours, "2026-10-04T01:59:00+10:30", "2026-10-04T02:30:00+11:00"),
            (lordHoweHours, "2026-10-04T03:00:00+11:00", "2026-10-05T02:00:00+11:00"),
        ])
    func nextOpening(calendar: WorkingCalendar?, from text: String, expected: String) throws {
        let calendar = try #require(calendar)
        #expect(calendar.nextOpening(atOrAfter: rfcInstant(text)) == rfcInstant(expected))
    }

    @Test(
        "the latest open minute before an instant",
        arguments: [
            (lisbonHours, "2026-10-26T08:00:00+00:00", "2026-10-23T18:59:00+01:00"),
            (lisbonHours, "2026-10-01T13:00:00+01:00", "2026-10-01T12:29:00+01:00"),
            (lisbonHours, "2026-10-01T10:00:30+01:00", "2026-10-01T10:00:00+01:00"),
            (lisbonHours, "2026-10-01T10:00:00+01:00", "2026-10-01T09:59:00+01:00"),
            (lisbonHours, "2026-10-01T09:00:00+01:00", "2026-09-30T18:59:00+01:00"),
            (lisbonHours, "2026-10-06T09:00:00+01:00", "2026-10-02T18:59:00+01:00"),
            (lisbonHours, "2026-10-06T19:30:00+01:00", "2026-10-06T18:59:00+01:00"),
            (shopHours, "2026-04-13T07:00:00-03:00", "2026-04-11T12:59:00-03:00"),
            (lateNightHours, "2026-04-11T00:00:00-03:00", "2026-04-10T23:59:00-03:00"),
            (lateNightHours, "2026-04-11T05:00:00-03:00", "2026-04-11T01:59:00-03:00"),
            (earlyHoursNY, "2026-11-01T01:45:00-05:00", "2026-11-01T01:29:00-05:00"),
            (earlyHoursNY, "2026-11-01T01:00:00-05:00", "2026-11-01T01:29:00-04:00"),
            // Open until the clocks jump from 02:00 to 03:00.
            (intoGapNY, "2026-03-08T03:10:00-04:00", "2026-03-08T01:59:00-05:00"),
        ])
    func latestOpenMinute(calendar: WorkingCalendar?, before text: String, expected: String) throws {
        let calendar = try #require(calendar)
        #expect(calendar.latestOpenMinute(before: rfcInstant(text)) == rfcInstant(expected))
    }

    @Test("a calendar without hours never opens")
    func neverOpens() throws {
        let calendar = try #require(neverOpenHours)
        #expect(calendar.nextOpening(atOrAfter: rfcInstant("2026-04-10T18:30:00Z")) == nil)
        #expect(calendar.latestOpenMinute(before: rfcInstant("2026-04-10T18:30:00Z")) == nil)
    }

    @Test("a search gives up after about two years")
    func boundedSearch() throws {
        // Open on Mondays only, but every Monday of 2026–2028 is closed.
        let start = LocalDate(year: 2026, month: 1, day: 5).daysSince1970
        let mondays = stride(from: start, to: start + 3 * 366, by: 7).map { LocalDate(daysSince1970: $0) }
        let calendar = try #require(
            WorkingCalendar(
                spec: CalendarSpec(
                    id: "mondays", timeZone: "UTC",
                    week: [[MinuteSpan(start: 540, end: 1020)], [], [], [], [], [], []], closed: Set(mondays))))
        #expect(calendar.nextOpening(atOrAfter: rfcInstant("2026-01-01T00:00:00Z")) == nil)
        #expect(calendar.latestOpenMinute(before: rfcInstant("2028-12-31T00:00:00Z")) == nil)
        #expect(calendar.nextOpening(atOrAfter: rfcInstant("2028-12-01T00:00:00Z")) != nil)
    }

    @Test(
        "every result is open and nothing open was skipped",
        arguments: [lisbonHours, shopHours, earlyHoursNY, fromGapNY, intoGapNY, lordHoweHours])
    func consistentWithIsOpen(calendar: WorkingCalendar?) throws {
        let calendar = try #require(calendar)
        var generator = SeededGenerator(seed: 11)
        let base = rfcInstant("2026-02-20T00:00:00Z")
        for _ in 0..<300 {
            let t = base + Int64(generator.next() % (300 * 86_400))
            let next = try #require(calendar.nextOpening(atOrAfter: t))
            #expect(next >= t && calendar.isOpen(at: next))
            // No open minute between t and the opening.
            let skipped = stride(from: t, to: next, by: 60).first { calendar.isOpen(at: $0) }
            #expect(skipped == nil)
            let latest = try #require(calendar.latestOpenMinute(before: t))
            #expect(latest < t && calendar.isOpen(at: latest))
            #expect(calendar.zone.local(at: latest).secondOfDay % 60 == 0)
            // Later whole minutes before t are closed (sampled: at most a week back).
            let missed = stride(from: latest + 60, to: min(t, latest + 7 * 86_400), by: 60).first {
                calendar.isOpen(at: $0)
            }
            #expect(missed == nil)
        }
    }
}
