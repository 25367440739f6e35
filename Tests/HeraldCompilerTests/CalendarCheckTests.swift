import Foundation
import HeraldCompiler
import HeraldSyntax
import Testing

/// SPEC §3.3 `closed` entries and §11 `zone-mismatch`.
@Suite("calendar checks")
struct CalendarCheckTests {
    static func set(closed: String, place: String = "timezone: America/Sao_Paulo") -> String {
        """
        calendars:
          hours:
            timezone: America/Sao_Paulo
            hours: {mon-fri: "08:00-18:00"}
            closed: \(closed)
        locations:
          shop: {\(place), calendar: hours}

        """
    }

    @Test("closed takes MM-DD (every year, 02-29 included) and YYYY-MM-DD")
    func annualAndDated() throws {
        let result = compile(Self.set(closed: "[12-25, \"01-01\", 02-29, 2027-02-16]"))
        #expect(result.diagnostics.isEmpty, "\(dump(result))")
        let spec = try #require(result.ruleSet?.calendars["hours"])
        #expect(spec.closed == [LocalDate(year: 2027, month: 2, day: 16)])
        #expect(
            spec.closedEveryYear == [AnnualDate(month: 12, day: 25), AnnualDate(month: 1, day: 1), AnnualDate(month: 2, day: 29)])
    }

    @Test("a closed entry that is no date is wrong-type", arguments: ["13-01", "02-30", "2-3", "2026-02-29", "12/25", "xmas"])
    func badDates(entry: String) {
        let result = compile(Self.set(closed: "[\"\(entry)\"]"))
        #expect(codes(result) == ["wrong-type"], "\(dump(result))")
        #expect(result.diagnostics.first?.message.contains("MM-DD") == true)
    }

    @Test("a location whose timezone differs from its calendar's is zone-mismatch, at its timezone")
    func zoneMismatch() throws {
        let result = compile(Self.set(closed: "[]", place: "timezone: Europe/Lisbon"))
        #expect(codes(result) == ["zone-mismatch"], "\(dump(result))")
        let d = try #require(result.diagnostics.first)
        #expect(d.severity == .warning)
        #expect(d.range.start.line == 7)
        #expect(d.message.contains("'Europe/Lisbon'") && d.message.contains("'America/Sao_Paulo'"))
        #expect(result.ruleSet != nil)
    }

    @Test("the same zone, or none of its own, is no mismatch; regions are checked too")
    func noMismatch() {
        #expect(compile(Self.set(closed: "[]")).diagnostics.isEmpty)
        #expect(compile(Self.set(closed: "[]", place: "name: Shop")).diagnostics.isEmpty)
        let region = Self.set(closed: "[]") + "regions:\n  north: {name: North, timezone: America/New_York, calendar: hours}\n"
        #expect(codes(compile(region)) == ["zone-mismatch"])
    }
}
