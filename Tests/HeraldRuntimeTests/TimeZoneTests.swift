import Foundation
import HeraldCompiler
import HeraldRuntime
import HeraldTestSupport
import Testing

/// `2026-03-08 02:30` as a wall-clock value.
func wallTime(_ year: Int, _ month: Int, _ day: Int, _ hour: Int, _ minute: Int, _ second: Int = 0) -> LocalDateTime {
    LocalDateTime(date: LocalDate(year: year, month: month, day: day), secondOfDay: hour * 3600 + minute * 60 + second)
}

/// Seconds since 1970 of an RFC 3339 text that the test itself guarantees is valid.
func rfcInstant(_ text: String) -> Int64 {
    RFC3339.parse(text)?.seconds ?? Int64.min
}

func zoneNamed(_ identifier: String) -> Zone {
    Zone(identifier: identifier) ?? Zone.utc
}

@Suite("Time zones")
struct TimeZoneTests {
    @Test(
        "known identifiers load, unknown ones are nil",
        arguments: [
            ("America/New_York", true), ("Europe/Lisbon", true), ("America/Sao_Paulo", true),
            ("Australia/Lord_Howe", true), ("UTC", true), ("Etc/UTC", true), ("Asia/Kolkata", true),
            ("Mars/Olympus_Mons", false), ("", false), ("america/new_york", false),
        ])
    func identifiers(identifier: String, known: Bool) {
        #expect((Zone(identifier: identifier) != nil) == known)
    }

    @Test(
        "offsets at instants around transitions",
        arguments: [
            ("America/New_York", "2026-03-08T06:59:59Z", -18_000),
            ("America/New_York", "2026-03-08T07:00:00Z", -14_400),
            ("America/New_York", "2026-11-01T05:59:59Z", -14_400),
            ("America/New_York", "2026-11-01T06:00:00Z", -18_000),
            ("Europe/Lisbon", "2026-03-29T00:59:59Z", 0),
            ("Europe/Lisbon", "2026-03-29T01:00:00Z", 3600),
            ("Europe/Lisbon", "2026-10-25T01:00:00Z", 0),
            ("Europe/London", "2026-07-01T12:00:00Z", 3600),
            ("America/Sao_Paulo", "2018-11-04T03:00:00Z", -7200),
            ("America/Sao_Paulo", "2019-02-17T02:00:00Z", -10_800),
            ("America/Sao_Paulo", "2026-01-15T12:00:00Z", -10_800),
            ("America/Sao_Paulo", "2026-10-15T12:00:00Z", -10_800),
            ("Australia/Lord_Howe", "2026-01-15T00:00:00Z", 39_600),
            ("Australia/Lord_Howe", "2026-07-15T00:00:00Z", 37_800),
            ("Asia/Kolkata", "2026-07-15T00:00:00Z", 19_800),
            ("UTC", "2026-07-15T00:00:00Z", 0),
        ])
    func offsets(identifier: String, at text: String, expected: Int) {
        #expect(zoneNamed(identifier).offset(at: rfcInstant(text)) == expected)
    }

    @Test(
        "wall time to instant: gaps move forward, overlaps take the earlier instant",
        arguments: [
            // Ordinary times.
            ("America/New_York", wallTime(2026, 3, 6, 16, 0), "2026-03-06T21:00:00Z"),
            ("America/Sao_Paulo", wallTime(2026, 4, 10, 18, 30), "2026-04-10T21:30:00Z"),
            // Spring-forward gaps: forward by the gap's length.
            ("America/New_York", wallTime(2026, 3, 8, 2, 0), "2026-03-08T07:00:00Z"),
            ("America/New_York", wallTime(2026, 3, 8, 2, 30), "2026-03-08T07:30:00Z"),
            ("Europe/Lisbon", wallTime(2026, 3, 29, 1, 30), "2026-03-29T01:30:00Z"),
            ("Europe/London", wallTime(2026, 3, 29, 1, 30), "2026-03-29T01:30:00Z"),
            ("America/Sao_Paulo", wallTime(2018, 11, 4, 0, 30), "2018-11-04T03:30:00Z"),
            ("Australia/Lord_Howe", wallTime(2026, 10, 4, 2, 15), "2026-10-03T15:45:00Z"),
            // Fall-back overlaps: the earlier instant.
            ("America/New_York", wallTime(2026, 11, 1, 1, 30), "2026-11-01T05:30:00Z"),
            ("Europe/Lisbon", wallTime(2026, 10, 25, 1, 30), "2026-10-25T00:30:00Z"),
            ("America/Sao_Paulo", wallTime(2019, 2, 16, 23, 30), "2019-02-17T01:30:00Z"),
            ("Australia/Lord_Howe", wallTime(2026, 4, 5, 1, 45), "2026-04-04T14:45:00Z"),
            // Just outside the overlaps.
            ("America/New_York", wallTime(2026, 11, 1, 2, 0), "2026-11-01T07:00:00Z"),
            ("America/New_York", wallTime(2026, 11, 1, 0, 59), "2026-11-01T04:59:00Z"),
        ])
    func wallToInstant(identifier: String, local: LocalDateTime, expected: String) {
        #expect(zoneNamed(identifier).instant(of: local) == rfcInstant(expected))
    }

    @Test(
        "an ambiguous wall time has a later instant too",
        arguments: [
            ("America/New_York", wallTime(2026, 11, 1, 1, 30), "2026-11-01T05:30:00Z", "2026-11-01T06:30:00Z"),
            ("Australia/Lord_Howe", wallTime(2026, 4, 5, 1, 45), "2026-04-04T14:45:00Z", "2026-04-04T15:15:00Z"),
            ("America/Sao_Paulo", wallTime(2019, 2, 16, 23, 30), "2019-02-17T01:30:00Z", "2019-02-17T02:30:00Z"),
            ("America/New_York", wallTime(2026, 7, 1, 9, 0), "2026-07-01T13:00:00Z", "2026-07-01T13:00:00Z"),
        ])
    func bothInstants(identifier: String, local: LocalDateTime, earlier: String, later: String) {
        let both = zoneNamed(identifier).instants(of: local)
        #expect(both.earlier == rfcInstant(earlier))
        #expect(both.later == rfcInstant(later))
    }

    @Test(
        "instant to wall time",
        arguments: [
            ("America/New_York", "2026-11-01T06:30:00Z", wallTime(2026, 11, 1, 1, 30)),
            ("Australia/Lord_Howe", "2026-10-03T15:30:00Z", wallTime(2026, 10, 4, 2, 30)),
            ("America/Sao_Paulo", "2026-04-11T00:00:00Z", wallTime(2026, 4, 10, 21, 0)),
            ("UTC", "1969-12-31T23:59:59Z", wallTime(1969, 12, 31, 23, 59, 59)),
            ("Europe/Lisbon", "2024-02-29T23:30:00Z", wallTime(2024, 2, 29, 23, 30)),
        ])
    func instantToWall(identifier: String, text: String, expected: LocalDateTime) {
        #expect(zoneNamed(identifier).local(at: rfcInstant(text)) == expected)
    }

    @Test(
        "offsets agree with Foundation from 1900 to 2150",
        arguments: [
            "America/New_York", "Europe/Lisbon", "America/Sao_Paulo", "Australia/Lord_Howe", "Europe/London",
            "Pacific/Apia", "America/Caracas", "Europe/Moscow", "Asia/Kathmandu",
        ])
    func agreesWithFoundation(identifier: String) throws {
        let ours = try #require(Zone(identifier: identifier))
        let theirs = try #require(TimeZone(identifier: identifier))
        var generator = SeededGenerator(seed: UInt64(identifier.utf8.count))
        for _ in 0..<20_000 {
            let t = -2_208_988_800 + Int64(generator.next() % 7_950_000_000)
            #expect(ours.offset(at: t) == theirs.secondsFromGMT(for: Date(timeIntervalSince1970: Double(t))))
        }
    }

    @Test(
        "offsets and wall times agree with Foundation on both sides of every transition and at the table's ends",
        arguments: [
            "America/New_York", "Europe/Lisbon", "America/Sao_Paulo", "Australia/Lord_Howe", "Pacific/Apia",
            "Europe/Moscow", "Asia/Kathmandu", "America/Santiago",
        ])
    func agreesAtTransitions(identifier: String) throws {
        let ours = try #require(Zone(identifier: identifier))
        let theirs = try #require(TimeZone(identifier: identifier))
        func foundation(_ t: Int64) -> Int { theirs.secondsFromGMT(for: Date(timeIntervalSince1970: Double(t))) }
        // 1900-01-01, 2200-01-01: where the table ends and Foundation is asked instead.
        var instants: [Int64] = [-2_208_988_800, 7_258_118_400]
        var cursor = Date(timeIntervalSince1970: -2_208_988_800)
        while let next = theirs.nextDaylightSavingTimeTransition(after: cursor), next.timeIntervalSince1970 < 7_258_118_400 {
            instants.append(Int64(next.timeIntervalSince1970.rounded(.down)))
            cursor = next
        }
        #expect(instants.count > 2)
        for edge in instants {
            for t in [edge - 3600, edge - 1, edge, edge + 1, edge + 3600] {
                #expect(ours.offset(at: t) == foundation(t), "offset at \(t)")
                let back = ours.instants(of: ours.local(at: t))
                #expect(back.earlier == t || back.later == t, "wall time of \(t)")
            }
        }
    }

    @Test(
        "a wall time read back from an instant gives the instant (earlier side of overlaps)",
        arguments: [
            "America/New_York", "Europe/Lisbon", "America/Sao_Paulo", "Australia/Lord_Howe",
        ])
    func roundTrip(identifier: String) {
        let z = zoneNamed(identifier)
        var generator = SeededGenerator(seed: 7)
        for _ in 0..<20_000 {
            let t = Int64(generator.next() % 4_000_000_000)
            let back = z.instants(of: z.local(at: t))
            #expect(back.earlier == t || back.later == t)
        }
    }

    @Test("zones load concurrently and agree")
    func concurrentLoading() async {
        let identifiers = ["Europe/Berlin", "America/Chicago", "Asia/Tokyo", "Africa/Cairo", "America/Santiago"]
        let t: Int64 = 1_775_577_600
        let offsets = await withTaskGroup(of: (String, Int?).self) { group in
            for round in 0..<40 {
                let identifier = identifiers[round % identifiers.count]
                group.addTask { (identifier, Zone(identifier: identifier)?.offset(at: t)) }
            }
            var seen: [String: Set<Int?>] = [:]
            for await (identifier, offset) in group { seen[identifier, default: []].insert(offset) }
            return seen
        }
        #expect(offsets.count == identifiers.count)
        for (identifier, values) in offsets {
            #expect(values.count == 1 && values.first != nil, "\(identifier): \(values)")
        }
        #expect(offsets["Asia/Tokyo"] == [32_400])
    }

    @Test(
        "weekday of a date, Monday = 0",
        arguments: [
            (LocalDate(year: 1970, month: 1, day: 1), 3),
            (LocalDate(year: 2026, month: 4, day: 6), 0),
            (LocalDate(year: 2026, month: 4, day: 11), 5),
            (LocalDate(year: 2026, month: 10, day: 25), 6),
            (LocalDate(year: 2000, month: 2, day: 29), 1),
            (LocalDate(year: 1900, month: 1, day: 1), 0),
            (LocalDate(year: 2100, month: 3, day: 1), 0),
        ])
    func weekday(date: LocalDate, expected: Int) {
        #expect(LocalDateTime.weekday(of: date) == expected)
    }

    @Test("day numbers round-trip through civil dates")
    func civilRoundTrip() {
        for day in stride(from: -800_000, through: 800_000, by: 97) {
            #expect(LocalDate(daysSince1970: day).daysSince1970 == day)
        }
        #expect(LocalDate(year: 2026, month: 4, day: 7).daysSince1970 == 20_550)
    }
}

@Suite("Durations in a zone")
struct TimeDurationTests {
    @Test(
        "adding crosses DST by wall-clock days, then exact seconds",
        arguments: [
            ("America/New_York", "2026-03-06T16:00:00-05:00", RuleDuration(days: 3), "2026-03-09T16:00:00-04:00"),
            ("America/New_York", "2026-03-07T16:00:00-05:00", RuleDuration(seconds: 86_400), "2026-03-08T17:00:00-04:00"),
            ("America/New_York", "2026-03-07T02:30:00-05:00", RuleDuration(days: 1), "2026-03-08T03:30:00-04:00"),
            ("America/New_York", "2026-10-31T01:30:00-04:00", RuleDuration(days: 1), "2026-11-01T01:30:00-04:00"),
            (
                "America/New_York", "2026-10-31T12:00:00-04:00", RuleDuration(days: 1, seconds: 5400),
                "2026-11-01T13:30:00-05:00"
            ),
            ("Europe/Lisbon", "2026-03-22T10:00:00+00:00", RuleDuration(days: 7), "2026-03-29T10:00:00+01:00"),
            (
                "Europe/Lisbon", "2026-10-24T19:00:00+01:00", RuleDuration(days: 1, seconds: 3600),
                "2026-10-25T20:00:00+00:00"
            ),
            ("Australia/Lord_Howe", "2026-10-03T02:15:00+10:30", RuleDuration(days: 1), "2026-10-04T02:45:00+11:00"),
            ("America/Sao_Paulo", "2026-04-10T18:30:00-03:00", RuleDuration(days: 1), "2026-04-11T18:30:00-03:00"),
            ("UTC", "2026-04-10T18:30:00Z", RuleDuration(seconds: 90), "2026-04-10T18:31:30Z"),
        ])
    func adding(identifier: String, start: String, duration: RuleDuration, expected: String) {
        #expect(duration.added(to: rfcInstant(start), in: zoneNamed(identifier)) == rfcInstant(expected))
    }

    @Test(
        "subtracting takes the calendar days first",
        arguments: [
            ("America/New_York", "2026-03-09T16:00:00-04:00", RuleDuration(days: 3), "2026-03-06T16:00:00-05:00"),
            ("America/New_York", "2026-03-09T02:30:00-04:00", RuleDuration(days: 1), "2026-03-08T03:30:00-04:00"),
            (
                "America/New_York", "2026-03-09T10:00:00-04:00", RuleDuration(days: 1, seconds: 7200),
                "2026-03-08T08:00:00-04:00"
            ),
            ("America/New_York", "2026-11-02T01:30:00-05:00", RuleDuration(days: 1), "2026-11-01T01:30:00-04:00"),
            ("Europe/Lisbon", "2026-10-26T10:00:00+00:00", RuleDuration(seconds: 7200), "2026-10-26T08:00:00+00:00"),
            (
                "Europe/Lisbon", "2026-03-30T00:30:00+01:00", RuleDuration(days: 1, seconds: 3600),
                "2026-03-28T23:30:00+00:00"
            ),
        ])
    func subtracting(identifier: String, start: String, duration: RuleDuration, expected: String) {
        #expect(duration.subtracted(from: rfcInstant(start), in: zoneNamed(identifier)) == rfcInstant(expected))
    }
}
