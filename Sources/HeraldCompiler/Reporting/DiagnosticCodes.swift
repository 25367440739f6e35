public import HeraldSyntax

// The codes the rule-set checks and the compiler emit, one per row of
// `DiagnosticCatalog` (docs/rule-language.md, section 12), plus `unreadable-file`.
extension DiagnosticCode {
    /// A key that is not allowed at this place (error).
    public static let unknownKey = DiagnosticCode(rawValue: "unknown-key")
    /// A required key is absent (error).
    public static let missingKey = DiagnosticCode(rawValue: "missing-key")
    /// A value does not have the type its key expects (error).
    public static let wrongType = DiagnosticCode(rawValue: "wrong-type")
    /// A name is defined more than once in the rule set (error).
    public static let duplicateName = DiagnosticCode(rawValue: "duplicate-name")
    /// A rule's `on` names no known trigger (error).
    public static let unknownTrigger = DiagnosticCode(rawValue: "unknown-trigger")
    /// A status that is not in its entity's status list (error).
    public static let unknownStatus = DiagnosticCode(rawValue: "unknown-status")
    /// A path that names no field of the event's schema (error).
    public static let unknownField = DiagnosticCode(rawValue: "unknown-field")
    /// A rule names a template that is not defined (error).
    public static let unknownTemplate = DiagnosticCode(rawValue: "unknown-template")
    /// A rule names a location that is not defined (error).
    public static let unknownLocation = DiagnosticCode(rawValue: "unknown-location")
    /// A rule names a region that is not defined (error).
    public static let unknownRegion = DiagnosticCode(rawValue: "unknown-region")
    /// A location or region names a calendar that is not defined (error).
    public static let unknownCalendar = DiagnosticCode(rawValue: "unknown-calendar")
    /// A channel other than `email` or `sms` (error).
    public static let unknownChannel = DiagnosticCode(rawValue: "unknown-channel")
    /// A template uses a filter that does not exist (error).
    public static let unknownFilter = DiagnosticCode(rawValue: "unknown-filter")
    /// A rule sends on a channel its template has no text for (error).
    public static let missingTemplateChannel = DiagnosticCode(rawValue: "missing-template-channel")
    /// A `to`/`from` filter on a trigger that is not a status change (error).
    public static let filterNotApplicable = DiagnosticCode(rawValue: "filter-not-applicable")
    /// A value, comparison or filter of the wrong type (error).
    public static let typeMismatch = DiagnosticCode(rawValue: "type-mismatch")
    /// A `where` expression that cannot be parsed (error).
    public static let expressionSyntax = DiagnosticCode(rawValue: "expression-syntax")
    /// A template text that cannot be parsed (error).
    public static let templateSyntax = DiagnosticCode(rawValue: "template-syntax")
    /// A `delay` or `before` that is not a valid duration (error).
    public static let invalidDuration = DiagnosticCode(rawValue: "invalid-duration")
    /// A time zone that is not an IANA zone name (error).
    public static let invalidTimeZone = DiagnosticCode(rawValue: "invalid-time-zone")
    /// Working hours that are malformed, overlapping or name a day twice (error).
    public static let invalidHours = DiagnosticCode(rawValue: "invalid-hours")
    /// A `reply_to` that is not a valid email address (error).
    public static let invalidEmail = DiagnosticCode(rawValue: "invalid-email")
    /// A rule with `work_hours` can fire where no calendar applies (error).
    public static let missingCalendar = DiagnosticCode(rawValue: "missing-calendar")
    /// A file's `herald` version is not 1; the file is skipped (error).
    public static let unsupportedVersion = DiagnosticCode(rawValue: "unsupported-version")
    /// An optional value is printed without `default` or an `{{#if}}` guard (warning).
    public static let optionalTag = DiagnosticCode(rawValue: "optional-tag")
    /// The literal text of an SMS needs more than one segment (warning).
    public static let smsTooLong = DiagnosticCode(rawValue: "sms-too-long")
    /// A template no rule uses (warning).
    public static let unusedTemplate = DiagnosticCode(rawValue: "unused-template")
    /// A calendar no location or region uses (warning).
    public static let unusedCalendar = DiagnosticCode(rawValue: "unused-calendar")
    /// A location or region whose timezone differs from its calendar's (warning).
    public static let zoneMismatch = DiagnosticCode(rawValue: "zone-mismatch")
    /// Two rules with the same trigger, filters, channel and timing (warning).
    public static let duplicateNotification = DiagnosticCode(rawValue: "duplicate-notification")
    /// A rule whose filters can never all hold (warning).
    public static let unreachableRule = DiagnosticCode(rawValue: "unreachable-rule")
    /// A rule set path that cannot be read: missing, unreadable, not a regular file, or past the
    /// limits of a directory walk (error).
    public static let unreadableFile = DiagnosticCode(rawValue: "unreadable-file")
}
