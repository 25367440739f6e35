import HeraldModel

/// When a channel's message goes out (an instant with its fraction of a
/// second; the offset is not used), or why it does not.
enum Timing {
    /// Send at this instant; `deferred` says from when and why when
    /// `work_hours: defer` moved it (SPEC §9 `message`).
    case at(Timestamp, late: Bool, deferred: String?)
    case skip(reason: String, message: String)
}

/// Whether a channel can deliver (SPEC §8.3), or why not. Plain data, kept
/// per event and channel (`EventContext.email`, `.sms`); the skip's
/// message is made only for a skip (`Runtime.undeliverable`), and the
/// address is read from the event where a record names it.
enum Deliverability: UInt8 {
    case deliverable
    case noAddress
    case invalidAddress
    case noConsent
}

/// Address checks of SPEC §7.
enum AddressCheck {
    /// `+` followed by 8–15 digits, for the text whose UTF-8 is `b`.
    static func isValidPhone(utf8 b: UnsafeBufferPointer<UInt8>) -> Bool {
        guard b.count >= 9, b.count <= 16, b[0] == UInt8(ascii: "+") else { return false }
        for i in 1..<b.count where b[i] &- 0x30 > 9 { return false }
        return true
    }

    /// One `@`, a non-empty local part, a domain with a dot, no spaces and
    /// no control or bidi-override characters (`SafeText.isUnsafe`), for the
    /// text whose UTF-8 is `b` (a `String` is made only to check the
    /// characters of an address that is not ASCII).
    static func isValidEmail(utf8 b: UnsafeBufferPointer<UInt8>) -> Bool {
        var at = -1
        var dotAfterAt = false
        var high = false
        for i in 0..<b.count {
            switch b[i] {
            case UInt8(ascii: "@"):
                guard at < 0 else { return false }
                at = i
            case UInt8(ascii: "."):
                if at >= 0 { dotAfterAt = true }
            case 0x00...0x20, 0x7F:
                // Spaces and control characters (a CR or LF could
                // start a new header line).
                return false
            case 0x80...:
                high = true
            default:
                break
            }
        }
        guard at > 0, at < b.count - 1, dotAfterAt else { return false }
        guard high else { return true }
        return !String(decoding: b, as: UTF8.self).unicodeScalars.contains {
            $0.properties.isWhitespace || SafeText.isUnsafe($0)
        }
    }
}

/// Checks 1–4 of docs/rule-language.md §10.2 for a rule that applies: place
/// switches, calendar, then per channel deliverability, timing and duplicates.
extension Runtime {
    // MARK: Checks 1–4 (SPEC §8.2)

    /// Plans a rule that applies: place switches, calendar, then per channel
    /// deliverability, timing and duplicates. Returns the sends made.
    ///
    /// `rescheduled` lists the channels of a reminder whose pending send this
    /// new plan replaces: each gets its `cancel` right before the channel's
    /// own record (SPEC §5.3 "for each channel … cancelled, then the new one
    /// is planned"; §9 channel order). When a once-per-rule skip replaces the
    /// whole plan, all cancels come first, in channel order; a channel that
    /// gets no record this time (an unused fallback) is cancelled at the end.
    func deliver<Out: RecordOutput & ~Copyable>(
        _ rule: CompiledRule, _ context: EventContext, _ reference: EntityReference, subject: String,
        reminder: (field: String, value: Timestamp, before: RuleDuration)?, alreadySent: [PlannedReminder] = [],
        rescheduled: [Channel] = [], state: inout RuntimeState, into out: inout Out
    ) -> [PlannedReminder] {
        var plan = SendPlan(
            toCancel: rescheduled.count > 1 ? rescheduled.sorted { rank($0, rule) < rank($1, rule) } : rescheduled)
        if let location = context.location, !location.place.notifications {
            plan.cancelRest(rule, context, subject, self, into: &out)
            out.append(
                skip(rule, context, nil, "location-inactive", "location '\(location.place.id)' has notifications switched off"))
            return []
        }
        if let region = context.region, !region.place.notifications {
            plan.cancelRest(rule, context, subject, self, into: &out)
            out.append(skip(rule, context, nil, "region-inactive", "region '\(region.place.id)' has notifications switched off"))
            return []
        }
        if rule.rule.workHours != nil, context.calendar == nil {
            let place = context.location.map { "location '\($0.place.id)'" } ?? context.region.map { "region '\($0.place.id)'" }
            plan.cancelRest(rule, context, subject, self, into: &out)
            out.append(
                skip(
                    rule, context, nil, "no-calendar",
                    "work_hours needs a calendar, but \(place.map { "\($0) has none" } ?? "the event has no location or region with one")"))
            return []
        }
        for channel in rule.rule.channels {
            plan.plan(
                channel, rule, context, reference, subject: subject, reminder: reminder, alreadySent: alreadySent,
                runtime: self, state: &state, into: &out)
        }
        if !plan.anyDeliverable, let fallback = rule.rule.fallback {
            plan.plan(
                fallback, rule, context, reference, subject: subject, reminder: reminder, alreadySent: alreadySent,
                runtime: self, state: &state, into: &out)
        }
        plan.cancelRest(rule, context, subject, self, into: &out)
        return plan.sends
    }

    /// A channel's place in a rule's channel order: listed channels, then the
    /// fallback, then any other (a channel the rule no longer lists).
    func rank(_ channel: Channel, _ rule: CompiledRule) -> Int {
        if let i = rule.rule.channels.firstIndex(of: channel) { return i }
        return rule.rule.fallback == channel ? rule.rule.channels.count : rule.rule.channels.count + 1
    }

    /// SPEC §8.3. The address is checked where it is stored, without a
    /// `String` of it.
    func deliverability(_ channel: Channel, _ event: ParsedEvent) -> Deliverability {
        let layout = event.layout
        switch channel {
        case .email:
            guard let valid = event.withStringUTF8(layout.clientEmail, AddressCheck.isValidEmail(utf8:)) else {
                return .noAddress
            }
            guard valid else { return .invalidAddress }
            return event.flag(layout.clientAcceptsEmail) ? .deliverable : .noConsent
        case .sms:
            guard let valid = event.withStringUTF8(layout.clientPhone, AddressCheck.isValidPhone(utf8:)) else {
                return .noAddress
            }
            guard valid else { return .invalidAddress }
            return event.flag(layout.clientAcceptsSMS) ? .deliverable : .noConsent
        }
    }

    /// The reason and message of the skip for `channel` when its
    /// deliverability is not `.deliverable` (never asked for that case,
    /// which the switch folds into `no-consent` to stay total).
    func undeliverable(_ result: Deliverability, _ channel: Channel, _ event: ParsedEvent) -> (reason: String, message: String) {
        let layout = event.layout
        switch (result, channel) {
        case (.noAddress, .email):
            return ("no-address", "client has no email address")
        case (.noAddress, .sms):
            return ("no-address", "client has no phone number")
        case (.invalidAddress, .email):
            let address = event.string(layout.clientEmail) ?? ""
            return ("invalid-address", "client.email '\(address)' is not a valid email address")
        case (.invalidAddress, .sms):
            let phone = event.string(layout.clientPhone) ?? ""
            return ("invalid-address", "client.phone '\(phone)' is not a valid phone number (E.164: + and 8–15 digits)")
        case (.noConsent, .email), (.deliverable, .email):
            return ("no-consent", "client has not accepted email (client.accepts_email)")
        case (.noConsent, .sms), (.deliverable, .sms):
            return ("no-consent", "client has not accepted SMS (client.accepts_sms)")
        }
    }

    /// SPEC §8.4 for event rules. `send_at` keeps the fraction of a second
    /// of `occurred_at`; working hours look at its whole second (an instant
    /// is open when the start of its second is), and a deferred send goes
    /// out at the (whole-second) start of the next working period.
    func eventTiming(_ rule: CompiledRule, _ context: EventContext) -> Timing {
        var at = context.event.occurredAt
        at.offset = 0
        if !rule.rule.delay.isZero { at.seconds = rule.rule.delay.added(to: at.seconds, in: context.zone) }
        guard let policy = rule.rule.workHours, let calendar = context.calendar else { return .at(at, late: false, deferred: nil) }
        if calendar.isOpen(at: at.seconds) { return .at(at, late: false, deferred: nil) }
        switch policy {
        case .drop:
            return .skip(reason: "outside-work-hours", message: outsideMessage(at, calendar, context))
        case .defer:
            guard let next = calendar.nextOpening(atOrAfter: at.seconds) else {
                return .skip(
                    reason: "outside-work-hours", message: "calendar '\(calendar.id)' has no working hours in the next two years")
            }
            return .at(Timestamp(seconds: next), late: false, deferred: deferralNote(at, calendar, context))
        }
    }

    /// `deferred from TIME: outside working hours` / `…: closed on DATE`
    /// (SPEC §9): the planned instant and why the calendar moved it.
    func deferralNote(_ at: Timestamp, _ calendar: SharedCalendar, _ context: EventContext) -> String {
        // Written in one piece (`RFC3339.note`): no string per part.
        if let closed = calendar.closedDate(at: at.seconds) {
            return RFC3339.note(
                "deferred from ", at.seconds, nanoseconds: at.nanoseconds, in: context.zone, ": closed on ", date: closed)
        }
        return RFC3339.note(
            "deferred from ", at.seconds, nanoseconds: at.nanoseconds, in: context.zone, ": outside working hours")
    }

    func outsideMessage(_ at: Timestamp, _ calendar: SharedCalendar, _ context: EventContext) -> String {
        "\(at.formatted(in: context.zone)) is outside the working hours of calendar '\(calendar.id)'"
    }
}

/// The plan of one rule's channels for one event (docs/rule-language.md
/// §10.2 checks 1–4, §7 for reminders): the pending sends it replaces, the
/// timing its channels share, and the reminder sends it made. `deliver`
/// runs it channel by channel, then the fallback when no channel could
/// deliver.
///
/// The plan holds only what changes while it runs; the rule, the event and
/// the rest are parameters of its methods (borrowed, so the hot path
/// retains nothing a closure over them would not).
struct SendPlan {
    /// Channels whose pending send this plan replaces and that have not
    /// had their `cancel` yet, in channel order.
    var toCancel: [Channel]
    /// The reminder sends planned.
    var sends: [PlannedReminder] = []
    /// The timing, computed for the first deliverable channel and shared.
    var timing: Timing?
    /// Whether any channel could deliver (else the fallback is tried).
    var anyDeliverable = false

    init(toCancel: [Channel]) {
        self.toCancel = toCancel
    }

    /// The `cancel` of `channel`'s replaced send, right before the
    /// channel's own record.
    mutating func cancelPending<Out: RecordOutput & ~Copyable>(
        _ channel: Channel, _ rule: CompiledRule, _ context: EventContext, _ subject: String, _ runtime: Runtime,
        into out: inout Out
    ) {
        guard !toCancel.isEmpty, let i = toCancel.firstIndex(of: channel) else { return }
        toCancel.remove(at: i)
        out.append(runtime.cancel(rule, context, subject, channel, "rescheduled"))
    }

    /// The `cancel`s of the replaced sends no channel has taken over.
    mutating func cancelRest<Out: RecordOutput & ~Copyable>(
        _ rule: CompiledRule, _ context: EventContext, _ subject: String, _ runtime: Runtime,
        into out: inout Out
    ) {
        for channel in toCancel { out.append(runtime.cancel(rule, context, subject, channel, "rescheduled")) }
        toCancel.removeAll()
    }

    /// Checks 2–4 for one channel (deliverability, an empty message,
    /// timing, duplicates), then its `send` or `skip`.
    mutating func plan<Out: RecordOutput & ~Copyable>(
        _ channel: Channel, _ rule: CompiledRule, _ context: EventContext, _ reference: EntityReference,
        subject: String, reminder: (field: String, value: Timestamp, before: RuleDuration)?,
        alreadySent: [PlannedReminder], runtime: Runtime, state: inout RuntimeState, into out: inout Out
    ) {
        cancelPending(channel, rule, context, subject, runtime, into: &out)
        let result: Deliverability
        switch channel {
        case .email:
            if context.email == nil { context.email = runtime.deliverability(.email, context.event) }
            result = context.email ?? .noAddress
        case .sms:
            if context.sms == nil { context.sms = runtime.deliverability(.sms, context.event) }
            result = context.sms ?? .noAddress
        }
        guard result == .deliverable else {
            let (reason, message) = runtime.undeliverable(result, channel, context.event)
            out.append(runtime.skip(rule, context, channel, reason, message))
            return
        }
        anyDeliverable = true
        if rule.mayRenderBlank(channel, in: runtime.compiled), let message = runtime.blankMessage(rule, context, channel) {
            out.append(runtime.skip(rule, context, channel, "empty-message", message))
            return
        }
        if timing == nil {
            if let reminder {
                timing = runtime.reminderTiming(rule, reminder.field, reminder.value, reminder.before, context)
            } else {
                timing = runtime.eventTiming(rule, context)
            }
            if case .at(let at, _, _)? = timing, !at.isFormattable(in: context.zone) {
                timing = .skip(
                    reason: "send-at-out-of-range",
                    message: "the computed send_at \(at.formatted(in: context.zone)) lies outside the years 0000–9999")
            }
        }
        guard case .at(let at, let late, let deferred)? = timing else {
            if case .skip(let reason, let message)? = timing { out.append(runtime.skip(rule, context, channel, reason, message)) }
            return
        }
        // The key as a string only when a check or the state needs it, made
        // once; the record writes it straight into its text buffer.
        var keyText: String?
        func key() -> String {
            if let keyText { return keyText }
            let made = rule.key(subject, channel)
            keyText = made
            return made
        }
        if reminder == nil, context.plannedSends > 0 || state.mustLookUpNewKeys,
            let planned = state.planned[key()], planned > context.occurred
        {
            out.append(runtime.skip(rule, context, channel, "duplicate", "a send with key '\(key())' is already planned"))
            return
        }
        if reminder != nil, alreadySent.contains(where: { $0.channel == channel }) {
            out.append(runtime.skip(rule, context, channel, "duplicate", "the reminder with key '\(key())' was already sent"))
            return
        }
        runtime.appendSend(
            rule, context, channel, at: at, late: late, deferred: deferred, subject: subject, to: &out)
        if reminder != nil {
            sends.append(PlannedReminder(channel: channel, sendAt: at.seconds, sendAtNanoseconds: at.nanoseconds))
        } else {
            if at.seconds > context.occurred {
                // Planned sends are kept in whole seconds: their keys contain
                // the event id, so the duplicate check never needs the fraction.
                state.notePlannedSend(key(), at: at.seconds)
                context.plannedSends += 1
            }
            if rule.cancelIf != nil, (at.seconds, at.nanoseconds) > (context.event.occurredAt.seconds, context.event.occurredAt.nanoseconds) {
                state.pendingSends[reference, default: []].append(
                    PendingSend(rule: rule.id, key: key(), channel: channel, sendAt: at.seconds, sendAtNanoseconds: at.nanoseconds))
            }
        }
    }
}
