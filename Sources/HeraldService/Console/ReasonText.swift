import Foundation

/// Every reason code a record or a delivery can carry (docs/rule-language.md §7, §10, §11 and
/// docs/service.md "Deliveries and their statuses"), in the plain words the console shows next to it.
enum ReasonText {
    /// Sentences by decision, then reason code. A code whose words depend
    /// on the channel has one entry per channel (`no-address/sms`).
    static let table: [String: [String: String]] = [
        "skip": [
            "location-inactive": "not sent: notifications are switched off for this location",
            "region-inactive": "not sent: notifications are switched off for the client's region",
            "no-calendar": "not sent: the rule keeps to working hours but neither the location nor the region has a calendar",
            "no-address/email": "not sent: the client has no email address",
            "no-address/sms": "not sent: the client has no phone number",
            "invalid-address/email": "not sent: the client's email address is not valid",
            "invalid-address/sms": "not sent: the client's phone number is not valid",
            "no-consent/email": "not sent: the client has not agreed to email",
            "no-consent/sms": "not sent: the client has not agreed to SMS",
            "empty-message": "not sent: the message would be empty",
            "outside-work-hours": "not sent: it would go out outside working hours",
            "duplicate": "not sent: the same message is already planned",
            "reminder-past": "not sent: the time to remind of has already passed",
        ],
        "cancel": [
            "closed": "cancelled: the work order was closed",
            "unscheduled": "cancelled: the visit is no longer scheduled",
            "no-longer-applies": "cancelled: the rule no longer applies to it",
            "rescheduled": "cancelled: the visit was rescheduled",
            "rule-removed": "cancelled: its rule was removed from the rule set",
            "cancel-if": "cancelled: the rule's cancel_if condition held",
        ],
        "reject": [
            "malformed-json": "rejected: the event is not valid JSON",
            "invalid-event": "rejected: the event lacks a field or has a field of the wrong type",
            "unknown-location": "rejected: the event names no location of the rule set",
            "duplicate-event": "rejected: this event was already processed",
        ],
        "none": [
            "inactive": "did not apply: the rule is switched off (active: false)",
            "trigger": "did not apply: the rule reacts to another kind of event",
            "no-change": "did not apply: the status did not change",
            "locations": "did not apply: the event's location is not one of the rule's",
            "regions": "did not apply: the client is not in one of the rule's regions",
            "to": "did not apply: the new status is not one the rule waits for",
            "from": "did not apply: the previous status is not one the rule waits for",
            "where": "did not apply: its where condition does not hold",
            "unscheduled": "did not apply: the event has no time to remind of",
        ],
    ]

    /// The sentence for `reason` of a `decision` record on `channel`; a code
    /// not in the table is shown as it is.
    static func sentence(decision: String, reason: String?, channel: String? = nil) -> String? {
        guard let reason else { return nil }
        let row = table[decision] ?? [:]
        if let channel, let s = row[reason + "/" + channel] { return s }
        if let s = row[reason] { return s }
        if let s = row[reason + "/email"], channel == nil {
            return s.replacingOccurrences(of: "email address", with: "address").replacingOccurrences(of: "to email", with: "to this channel")
        }
        return "\(decision == "reject" ? "rejected" : decision == "none" ? "did not apply" : "not sent"): \(reason)"
    }

    /// Words for a delivery's final status and reason (a cancelled
    /// delivery carries its cancel code; a failed one the provider's answer).
    static func delivery(status: String, reason: String?) -> String? {
        switch status {
        case "cancelled": return sentence(decision: "cancel", reason: reason ?? "cancelled")
        case "failed": return reason.map { "failed: \($0)" } ?? "failed"
        case "retrying": return reason.map { "will retry: \($0)" }
        default: return nil
        }
    }
}
