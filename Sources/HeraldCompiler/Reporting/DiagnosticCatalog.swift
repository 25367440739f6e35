public import HeraldSyntax

/// Every diagnostic code of docs/rule-language.md §12 with its severity and a one-line
/// description: the `rules` of a SARIF log and the table in
/// docs/rule-language.md are made from it.
public enum DiagnosticCatalog {
    /// One diagnostic code.
    public struct Entry: Sendable, Hashable {
        /// The stable kebab-case code, e.g. `unknown-status`.
        public var code: DiagnosticCode
        /// The severity every diagnostic with this code has.
        public var severity: Severity
        /// What the code means, in one sentence without a final period.
        public var summary: String
    }

    /// All codes: errors first, then warnings, each in docs/rule-language.md §12 order.
    public static let entries: [Entry] = [
        Entry(code: .yamlSyntax, severity: .error, summary: "The file is not well-formed YAML"),
        Entry(code: .unknownKey, severity: .error, summary: "A key that is not allowed at this place"),
        Entry(code: .missingKey, severity: .error, summary: "A required key is absent"),
        Entry(code: .wrongType, severity: .error, summary: "A value does not have the type its key expects"),
        Entry(code: .duplicateName, severity: .error, summary: "A name is defined more than once in the rule set"),
        Entry(code: .unknownTrigger, severity: .error, summary: "A rule's `on` names no known trigger"),
        Entry(code: .unknownStatus, severity: .error, summary: "A status that is not in its entity's status list"),
        Entry(code: .unknownField, severity: .error, summary: "A path that names no field of the event's schema"),
        Entry(code: .unknownTemplate, severity: .error, summary: "A rule names a template that is not defined"),
        Entry(code: .unknownLocation, severity: .error, summary: "A rule names a location that is not defined"),
        Entry(code: .unknownRegion, severity: .error, summary: "A rule names a region that is not defined"),
        Entry(code: .unknownCalendar, severity: .error, summary: "A location or region names a calendar that is not defined"),
        Entry(code: .unknownChannel, severity: .error, summary: "A channel other than `email` or `sms`"),
        Entry(code: .unknownFilter, severity: .error, summary: "A template uses a filter that does not exist"),
        Entry(code: .missingTemplateChannel, severity: .error, summary: "A rule sends on a channel its template has no text for"),
        Entry(code: .filterNotApplicable, severity: .error, summary: "A `to`/`from` filter on a trigger that is not a status change"),
        Entry(code: .typeMismatch, severity: .error, summary: "A value, comparison or filter of the wrong type"),
        Entry(code: .expressionSyntax, severity: .error, summary: "A `where` expression that cannot be parsed"),
        Entry(code: .templateSyntax, severity: .error, summary: "A template text that cannot be parsed"),
        Entry(code: .invalidDuration, severity: .error, summary: "A `delay` or `before` that is not a valid duration"),
        Entry(code: .invalidTimeZone, severity: .error, summary: "A time zone that is not an IANA zone name"),
        Entry(code: .invalidHours, severity: .error, summary: "Working hours that are malformed, overlapping or name a day twice"),
        Entry(code: .invalidEmail, severity: .error, summary: "A `reply_to` that is not a valid email address"),
        Entry(code: .missingCalendar, severity: .error, summary: "A rule with `work_hours` can fire where no calendar applies"),
        Entry(code: .unsupportedVersion, severity: .error, summary: "A file's `herald` version is not 1; the file is skipped"),
        Entry(code: .optionalTag, severity: .warning, summary: "An optional value is printed without `default` or an `{{#if}}` guard"),
        Entry(code: .smsTooLong, severity: .warning, summary: "The literal text of an SMS needs more than one segment"),
        Entry(code: .unusedTemplate, severity: .warning, summary: "A template no rule uses"),
        Entry(code: .unusedCalendar, severity: .warning, summary: "A calendar no location or region uses"),
        Entry(
            code: .zoneMismatch, severity: .warning,
            summary: "A location or region whose timezone differs from its calendar's"),
        Entry(code: .duplicateNotification, severity: .warning, summary: "Two rules with the same trigger, filters, channel and timing"),
        Entry(code: .unreachableRule, severity: .warning, summary: "A rule whose filters can never all hold"),
    ]

    /// The entry for `code`, if it is a known code.
    public static func entry(for code: DiagnosticCode) -> Entry? {
        index[code].map { entries[$0] }
    }

    private static let index: [DiagnosticCode: Int] = Dictionary(
        entries.enumerated().map { ($1.code, $0) }, uniquingKeysWith: { first, _ in first })
}
