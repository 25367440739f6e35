/// Parses durations (docs/rule-language.md §6, `Grammar/duration.ebnf`): `30s`, `15m`, `2h`,
/// `1d`, `1w`, sums like `1h30m` or `1d12h` (units in descending order
/// w > d > h > m > s, each at most once, whole non-negative numbers, no spaces).
/// `w` and `d` are calendar days (`1w` = 7 days); `h`, `m`, `s` are exact seconds.
/// `0s` parses: whether zero is allowed (`delay`) or not (`before`) is the
/// document checker's decision.
public enum DurationSyntax {
    /// The longest duration accepted: 100 years of 365 days (longer ones are
    /// surely typos, and keeping them small keeps time arithmetic exact).
    public static let maximumDays = RuleDuration.maximumDays

    /// The units in the order they must appear, with their size in seconds
    /// (for `h`, `m`, `s`) or days (for `w`, `d`).
    private static let units: [(unit: Unicode.Scalar, days: Int, seconds: Int)] = [
        ("w", 7, 0), ("d", 1, 0), ("h", 0, 3600), ("m", 0, 60), ("s", 0, 1),
    ]

    /// What every `invalid-duration` message ends with.
    static let acceptedForms =
        "write a whole number and a unit (s, m, h, d, w), e.g. 30s, 15m, 2h, 1d, 1w, or a sum in descending order without spaces such as 1h30m or 1d12h"

    /// Parses `text`; on failure returns an `invalid-duration` issue that
    /// covers the whole text and says what is wrong and which forms are accepted.
    public static func parse(_ text: String) -> Result<RuleDuration, LocalIssue> {
        let s = ScalarLexing.scalars(of: text)
        switch parse(scalars: s) {
        case .success(let d): return .success(d)
        case .failure(let reason):
            let message = "invalid duration '\(text)'\(reason.isEmpty ? "" : ": \(reason.text)"); \(acceptedForms)"
            return .failure(LocalIssue(code: .invalidDuration, message: message, from: 0, to: s.count))
        }
    }

    private static func parse(scalars s: [Unicode.Scalar]) -> Result<RuleDuration, InvalidReason> {
        if s.isEmpty { return .failure(InvalidReason("the value is empty")) }
        var days = 0, seconds = 0
        var nextUnit = 0  // index into `units` of the smallest unit still allowed first
        var seen: [Unicode.Scalar] = []
        var i = 0
        while i < s.count {
            let c = s[i]
            if c == "-" { return .failure(InvalidReason("a duration cannot be negative")) }
            if c == "+" { return .failure(InvalidReason("'+' is not allowed")) }
            if ScalarLexing.isSpace(c) { return .failure(InvalidReason("spaces are not allowed")) }
            guard ScalarLexing.isDigit(c) else {
                if i == 0 { return .failure(InvalidReason("a duration starts with a number")) }
                return .failure(InvalidReason("unexpected \(ScalarLexing.describe(c))"))
            }
            var value = 0
            while i < s.count, ScalarLexing.isDigit(s[i]) {
                let (m, o1) = value.multipliedReportingOverflow(by: 10)
                let (a, o2) = m.addingReportingOverflow(Int(s[i].value - 0x30))
                if o1 || o2 { return .failure(InvalidReason("the number is too large")) }
                value = a
                i += 1
            }
            guard i < s.count else {
                return .failure(InvalidReason("the number \(value) has no unit"))
            }
            let u = s[i]
            if u == "." || u == "," {
                return .failure(InvalidReason("only whole numbers are allowed (write 90m, not 1.5h)"))
            }
            if ScalarLexing.isSpace(u) { return .failure(InvalidReason("spaces are not allowed")) }
            guard let index = units.firstIndex(where: { $0.unit == u }) else {
                let lower = Unicode.Scalar(UInt8(truncatingIfNeeded: u.value | 0x20))
                if u.value < 0x80, units.contains(where: { $0.unit == lower }) {
                    return .failure(InvalidReason("units are lower-case ('\(Character(lower))', not '\(Character(u))')"))
                }
                return .failure(InvalidReason("unknown unit \(ScalarLexing.describe(u))"))
            }
            if seen.contains(u) {
                return .failure(InvalidReason("the unit '\(Character(u))' appears twice"))
            }
            if index < nextUnit {
                return .failure(InvalidReason("units must be in descending order (w, d, h, m, s)"))
            }
            seen.append(u)
            nextUnit = index + 1
            i += 1
            let unit = units[index]
            if unit.days > 0 {
                let (p, o1) = value.multipliedReportingOverflow(by: unit.days)
                let (sum, o2) = days.addingReportingOverflow(p)
                if o1 || o2 || sum > maximumDays { return .failure(tooLong) }
                days = sum
            } else {
                let (p, o1) = value.multipliedReportingOverflow(by: unit.seconds)
                let (sum, o2) = seconds.addingReportingOverflow(p)
                if o1 || o2 || sum > maximumDays * 86_400 { return .failure(tooLong) }
                seconds = sum
            }
        }
        if days * 86_400 + seconds > maximumDays * 86_400 { return .failure(tooLong) }
        return .success(RuleDuration(days: days, seconds: seconds))
    }

    private static let tooLong = InvalidReason("it is longer than \(maximumDays) days")
}

/// Why a sub-language value is invalid (the part of the message before the
/// common advice).
struct InvalidReason: Error {
    /// The explanation.
    var text: String
    /// Whether there is no explanation.
    var isEmpty: Bool { text.isEmpty }

    /// Creates a reason.
    init(_ text: String) { self.text = text }
}
