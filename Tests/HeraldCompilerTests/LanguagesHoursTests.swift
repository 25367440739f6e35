import HeraldCompiler
import Testing

@Suite("Calendar hours (SPEC §3.3)")
struct LanguagesHoursTests {
    @Test(
        "day keys give ascending weekday indices, 0 = Monday",
        arguments: [
            ("mon", [0]), ("sun", [6]), ("mon-fri", [0, 1, 2, 3, 4]), ("sat-sun", [5, 6]), ("mon,wed", [0, 2]),
            ("mon-wed,fri", [0, 1, 2, 4]), ("wed,mon", [0, 2]), ("mon, wed", [0, 2]), ("mon - fri", [0, 1, 2, 3, 4]),
            ("fri-mon", [0, 4, 5, 6]), ("sun-tue", [0, 1, 6]), ("mon-sun", [0, 1, 2, 3, 4, 5, 6]),
        ])
    func days(text: String, expected: [Int]) throws {
        #expect(try HoursSyntax.parseDays(text).get() == expected)
    }

    @Test(
        "malformed day keys are invalid-hours at the offending part",
        arguments: [
            ("monday", ExpectedLocalIssue("invalid-hours", 0, 6, "unknown day 'monday'")),
            ("Mon", ExpectedLocalIssue("invalid-hours", 0, 3, "did you mean 'mon'?")),
            ("MON-FRI", ExpectedLocalIssue("invalid-hours", 0, 3, "did you mean 'mon'?")),
            ("mon-frj", ExpectedLocalIssue("invalid-hours", 4, 7, "did you mean 'fri'?")),
            ("mon-mon", ExpectedLocalIssue("invalid-hours", 0, 7, "two different days")),
            ("mon,mon", ExpectedLocalIssue("invalid-hours", 4, 7, "named twice")),
            ("mon-fri,wed", ExpectedLocalIssue("invalid-hours", 8, 11, "'wed' is named twice")),
            ("sat,fri-mon", ExpectedLocalIssue("invalid-hours", 4, 11, "'sat' is named twice")),
            ("mon,", ExpectedLocalIssue("invalid-hours", 3, 4, "must follow ','")),
            ("", ExpectedLocalIssue("invalid-hours", 0, 0, "empty")),
            ("mon-", ExpectedLocalIssue("invalid-hours", 3, 4, "missing")),
            ("mon;tue", ExpectedLocalIssue("invalid-hours", 3, 4, "';'")),
            ("mon-tue-wed", ExpectedLocalIssue("invalid-hours", 7, 8, "one '-'")),
            (",mon", ExpectedLocalIssue("invalid-hours", 0, 1, "expected a day name")),
        ])
    func invalidDays(text: String, expected: ExpectedLocalIssue) {
        guard case .failure(let issue) = HoursSyntax.parseDays(text) else {
            Issue.record("'\(text)' should not parse")
            return
        }
        #expect(expected.matches(issue), "\(issue)")
    }

    @Test(
        "time ranges parse into sorted minute spans; touching spans merge",
        arguments: [
            ("08:00-12:00, 13:00-18:00", [(480, 720), (780, 1080)]),
            ("13:00-18:00,08:00-12:00", [(480, 720), (780, 1080)]),
            ("00:00-24:00", [(0, 1440)]),
            ("09:00 - 13:00", [(540, 780)]),
            ("08:00-12:00, 12:00-18:00", [(480, 1080)]),
            ("22:30-23:59", [(1350, 1439)]),
            ("  08:00-09:00  ", [(480, 540)]),
        ])
    func spans(text: String, expected: [(Int, Int)]) throws {
        let spans = try HoursSyntax.parseSpans(text).get()
        #expect(spans == expected.map { MinuteSpan(start: $0.0, end: $0.1) })
    }

    @Test(
        "malformed, reversed and overlapping ranges are invalid-hours at the offending part",
        arguments: [
            ("8:00-12:00", ExpectedLocalIssue("invalid-hours", 0, 4, "HH:MM")),
            ("08:00-25:00", ExpectedLocalIssue("invalid-hours", 6, 11, "'25:00'")),
            ("08:60-09:00", ExpectedLocalIssue("invalid-hours", 0, 5, "'08:60'")),
            ("24:00-24:00", ExpectedLocalIssue("invalid-hours", 0, 5, "only end")),
            ("12:00-08:00", ExpectedLocalIssue("invalid-hours", 0, 11, "before the end")),
            ("12:00-12:00", ExpectedLocalIssue("invalid-hours", 0, 11, "before the end")),
            ("08:00-12:00, 11:00-13:00", ExpectedLocalIssue("invalid-hours", 13, 24, "overlaps '08:00-12:00'")),
            ("11:00-13:00, 08:00-12:00", ExpectedLocalIssue("invalid-hours", 13, 24, "'08:00-12:00' overlaps '11:00-13:00'")),
            ("08:00-18:00, 09:00-10:00", ExpectedLocalIssue("invalid-hours", 13, 24, "overlaps")),
            ("08:00-12:00,", ExpectedLocalIssue("invalid-hours", 11, 12, "must follow ','")),
            ("", ExpectedLocalIssue("invalid-hours", 0, 0, "no time range")),
            ("closed", ExpectedLocalIssue("invalid-hours", 0, 6, "'closed'")),
            ("08:00", ExpectedLocalIssue("invalid-hours", 0, 5, "expected '-'")),
            ("08:00-12:00;13:00-14:00", ExpectedLocalIssue("invalid-hours", 11, 12, "';'")),
            ("08:00-", ExpectedLocalIssue("invalid-hours", 5, 6, "expected a time")),
            ("08h00-12h00", ExpectedLocalIssue("invalid-hours", 0, 5, "HH:MM")),
        ])
    func invalidSpans(text: String, expected: ExpectedLocalIssue) {
        guard case .failure(let issue) = HoursSyntax.parseSpans(text) else {
            Issue.record("'\(text)' should not parse")
            return
        }
        #expect(expected.matches(issue), "\(issue)")
    }
}
