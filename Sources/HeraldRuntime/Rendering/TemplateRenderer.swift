public import HeraldCompiler

/// Renders compiled templates (SPEC §4).
/// TODO(time helper): implement.
public enum TemplateRenderer {
    /// How values are written into the text.
    public enum Escaping: Sendable {
        /// As is (SMS, plain body).
        case none
        /// HTML-escape `&`, `<`, `>`, `"`, `'` (html body).
        case html
        /// Each line break in a value (CRLF, LF or CR) becomes one space (subject).
        case subject
    }

    /// Renders `text`. `lookup` returns a field's value or nil when absent;
    /// `zone` is the event's effective zone for `date`.
    public static func render(
        _ text: TemplateText, escaping: Escaping, zone: Zone, lookup: (FieldPath) -> Value?
    ) -> String { text.source }
}

/// Unicode date patterns (`dd/MM/yyyy HH:mm`) for the `date` filter.
/// TODO(time helper): implement.
public enum DatePattern {
    /// Formats `instant` in `zone` by `pattern`.
    public static func format(_ instant: Int64, in zone: Zone, pattern: String) -> String { "" }
}
