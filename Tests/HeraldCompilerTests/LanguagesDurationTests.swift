import HeraldCompiler
import Testing

@Suite("Durations (SPEC §5.2)")
struct LanguagesDurationTests {
    @Test(
        "valid durations parse into calendar days and exact seconds",
        arguments: [
            ("30s", 0, 30), ("15m", 0, 900), ("2h", 0, 7200), ("1d", 1, 0), ("1w", 7, 0),
            ("1h30m", 0, 5400), ("1d12h", 1, 43_200), ("1w2d3h4m5s", 9, 3 * 3600 + 4 * 60 + 5),
            ("0s", 0, 0), ("90m", 0, 5400), ("2w", 14, 0), ("1d1s", 1, 1), ("007m", 0, 420),
            ("36500d", 36_500, 0),
        ])
    func valid(text: String, days: Int, seconds: Int) throws {
        let duration = try DurationSyntax.parse(text).get()
        #expect(duration == RuleDuration(days: days, seconds: seconds))
    }

    @Test(
        "invalid durations are invalid-duration over the whole text, saying why",
        arguments: [
            ("soon", "starts with a number"),
            ("1 hour", "spaces are not allowed"),
            ("1.5h", "whole numbers"),
            ("-1h", "negative"),
            ("+1h", "'+'"),
            ("30m1h", "descending order"),
            ("1h1h", "appears twice"),
            ("1d1w", "descending order"),
            ("", "empty"),
            ("99999999999999999999s", "too large"),
            ("9223372036854775807w", "longer than 36500 days"),
            ("36501d", "longer than 36500 days"),
            ("5214w3d", "longer than 36500 days"),
            ("1H", "lower-case"),
            ("1y", "unknown unit 'y'"),
            ("1", "has no unit"),
            ("h", "starts with a number"),
            (" 1h", "spaces"),
            ("1h ", "spaces"),
            ("1h30", "has no unit"),
            ("１h", "starts with a number"),
        ])
    func invalid(text: String, reason: String) {
        guard case .failure(let issue) = DurationSyntax.parse(text) else {
            Issue.record("'\(text)' should not parse")
            return
        }
        #expect(issue.code == .invalidDuration)
        #expect(issue.from == 0)
        #expect(issue.to == text.unicodeScalars.count)
        #expect(issue.message.contains(reason), "\(issue.message)")
        #expect(issue.message.contains("'\(text)'"), "the message quotes the value")
        #expect(issue.message.contains("1h30m"), "the message shows the accepted forms")
    }
}
