/// The fields of a decision record (docs/rule-language.md §11) as an expected record may list
/// them: each with the type its value must have and the decisions whose
/// records carry it.
enum RecordField: String, CaseIterable, Sendable {
    case event, decision, rule, reason, message, channel, to
    case sendAt = "send_at"
    case key, subject, body, html
    case replyTo = "reply_to"
    case attachments, segments, late, line

    /// What a listed value must be.
    enum ValueKind {
        /// Text (any scalar's text; quoting is not needed).
        case text
        /// Text or null (`event` is null for a malformed line).
        case textOrNull
        /// An RFC 3339 timestamp with offset, compared as an instant.
        case timestamp
        /// A whole number.
        case integer
        /// `true` / `false`.
        case boolean
        /// One of the decisions a test can see.
        case decision
        /// `email` / `sms`.
        case channel
        /// A list of `{url, content_type, filename}`.
        case attachments
    }

    var valueKind: ValueKind {
        switch self {
        case .event: .textOrNull
        case .decision: .decision
        case .channel: .channel
        case .sendAt: .timestamp
        case .segments, .line: .integer
        case .late: .boolean
        case .attachments: .attachments
        case .rule, .reason, .message, .to, .key, .subject, .body, .html, .replyTo: .text
        }
    }

    /// The decisions whose records can carry this field (docs/rule-language.md §11 table).
    var decisions: Set<String> {
        switch self {
        case .event, .decision: ["send", "skip", "cancel", "reject"]
        case .rule: ["send", "skip", "cancel"]
        case .reason: ["skip", "cancel", "reject"]
        case .message: ["skip", "reject"]
        case .channel: ["send", "skip", "cancel"]
        case .key: ["send", "cancel"]
        case .to, .sendAt, .subject, .body, .html, .replyTo, .attachments, .segments, .late: ["send"]
        case .line: ["reject"]
        }
    }

    /// The decisions a test compares, in docs/rule-language.md §11 order. `none` (explain
    /// records) is never produced by a test run.
    static let decisions = ["send", "skip", "cancel", "reject"]

    /// The members of one attachment object.
    static let attachmentMembers = ["url", "content_type", "filename"]
}
