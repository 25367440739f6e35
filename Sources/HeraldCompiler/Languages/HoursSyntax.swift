/// Parses calendar `hours` keys and values (SPEC §3.3).
///
/// TODO(languages helper): implement.
public enum HoursSyntax {
    /// Parses a day key (`mon`, `mon-fri`, `mon,wed`, `sat-sun`) into weekday
    /// indices (0 = Monday). Returns an `invalid-hours` issue when malformed.
    public static func parseDays(_ text: String) -> Result<[Int], LocalIssue> {
        .failure(LocalIssue(code: "invalid-hours", message: "not implemented", from: 0, to: text.unicodeScalars.count))
    }

    /// Parses `"08:00-12:00, 13:00-18:00"` into sorted, non-overlapping spans.
    /// Returns `invalid-hours` issues for malformed, empty or overlapping ranges.
    public static func parseSpans(_ text: String) -> Result<[MinuteSpan], LocalIssue> {
        .failure(LocalIssue(code: "invalid-hours", message: "not implemented", from: 0, to: text.unicodeScalars.count))
    }
}
