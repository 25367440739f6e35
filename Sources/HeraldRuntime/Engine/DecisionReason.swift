/// Why a record was not a plain send: the `reason` of a `skip`, `cancel`,
/// `reject` or (with `explain`) `none` record, as a declared value a host
/// can switch on instead of comparing strings. The raw value is the text in
/// the record's JSON (the table in docs/rule-language.md, section 11).
public enum DecisionReason: String, Sendable, Hashable, CaseIterable, Codable {
    // reject
    /// The input line is not JSON.
    case malformedJSON = "malformed-json"
    /// The event is not valid as docs/rule-language.md section 9 describes.
    case invalidEvent = "invalid-event"
    /// The event names a location the rule set does not declare.
    case unknownLocation = "unknown-location"
    /// An event with this id was already processed.
    case duplicateEvent = "duplicate-event"

    // skip
    /// The event's location has notifications switched off.
    case locationInactive = "location-inactive"
    /// The event's region has notifications switched off.
    case regionInactive = "region-inactive"
    /// A rule with `work_hours` fired where no calendar applies.
    case noCalendar = "no-calendar"
    /// The client has no address for the channel.
    case noAddress = "no-address"
    /// The client's address for the channel is not valid.
    case invalidAddress = "invalid-address"
    /// The client has not accepted messages on the channel.
    case noConsent = "no-consent"
    /// The rendered SMS body, email subject or email body is empty or only whitespace.
    case emptyMessage = "empty-message"
    /// `work_hours: skip` and the send falls outside working hours.
    case outsideWorkHours = "outside-work-hours"
    /// A send with the same key is already planned or sent.
    case duplicate
    /// A reminder whose time is already past.
    case reminderPast = "reminder-past"
    /// The computed `send_at` lies outside the years 0000–9999.
    case sendAtOutOfRange = "send-at-out-of-range"

    // cancel
    /// The entity was closed.
    case closed
    /// The reminder's field was cleared (for `none`: the event lacks the field).
    case unscheduled
    /// The reminder rule's filters no longer hold.
    case noLongerApplies = "no-longer-applies"
    /// The reminder's field changed; a new send is planned.
    case rescheduled
    /// The rule of a pending reminder was removed from the rule set.
    case ruleRemoved = "rule-removed"
    /// A later event made the rule's `cancel_if` true.
    case cancelIf = "cancel-if"

    // none (explain)
    /// The rule is switched off (`active: false`).
    case inactive
    /// The event is not the rule's trigger.
    case trigger
    /// A status change to the same status.
    case noChange = "no-change"
    /// The event's location is not in the rule's `locations`.
    case locations
    /// The event's region is not in the rule's `regions`.
    case regions
    /// The new status is not in the rule's `to`.
    case to
    /// The previous status is not in the rule's `from`.
    case from
    /// The rule's `where` does not hold.
    case `where`
}
