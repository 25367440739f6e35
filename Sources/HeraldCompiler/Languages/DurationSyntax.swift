/// Parses durations (SPEC §5.2, `Grammar/duration.ebnf`): `30s`, `15m`, `2h`,
/// `1d`, `1w`, sums like `1h30m` (units descending, each at most once).
///
/// TODO(languages helper): implement.
public enum DurationSyntax {
    /// Parses `text`; on failure returns an `invalid-duration` issue.
    public static func parse(_ text: String) -> Result<Duration, LocalIssue> {
        .failure(LocalIssue(code: "invalid-duration", message: "not implemented", from: 0, to: text.unicodeScalars.count))
    }
}
