import HeraldModel

/// Everything about one accepted event that rules read: the event, its
/// location and region, zone and calendar, status indices. One per event,
/// shared by reference so rule checks and template look-ups copy nothing.
final class EventContext {
    let event: ParsedEvent
    let location: CompiledPlace?
    let region: CompiledPlace?
    let locationIndex: Int
    let regionIndex: Int
    let zone: Zone
    let calendar: SharedCalendar?
    /// `occurred_at` in whole seconds (floor); `event.occurredAt` has its fraction.
    let occurred: Int64
    /// Index of the entity's status / previous status in its list (-1: none or unlisted).
    let status: Int
    let previousStatus: Int
    /// A `*.status_changed` event whose status equals its previous status.
    let noChange: Bool
    /// Deliverability per channel, computed on first use.
    var email: Deliverability?
    var sms: Deliverability?
    /// Sends of this event noted in `RuntimeState.plannedSends`.
    var plannedSends = 0
    /// Whether the entity has pending `cancel_if` sends this event must check.
    var checksPendingSends = false
    /// The last instant written as `send_at`, its offset and wall time
    /// (the records of one event mostly share it).
    private var lastAt: Int64 = .min
    private var lastWritten = (local: LocalDateTime(secondsSince1970: 0), offset: 0, zulu: false)
    /// Where a send record's texts are written before they are copied into
    /// the record in one piece (reused for every record of the event). It
    /// starts small enough for glibc's per-thread malloc cache (1 KB: most
    /// records fit; a longer one grows it once for the event).
    var scratch = ByteSink(capacity: 1000)

    /// Appends `RFC3339.format(at.seconds, nanoseconds: at.nanoseconds, in: zone)` to `out`.
    func appendRFC3339(_ at: Timestamp, to out: inout ByteSink) {
        if at.seconds != lastAt {
            lastAt = at.seconds
            lastWritten = RFC3339.written(at.seconds, in: zone)
        }
        RFC3339.append(
            local: lastWritten.local, offset: lastWritten.offset, nanoseconds: at.nanoseconds, zulu: lastWritten.zulu,
            to: &out)
    }

    init(
        event: ParsedEvent, location: CompiledPlace?, region: CompiledPlace?, locationIndex: Int, regionIndex: Int,
        zone: Zone, calendar: SharedCalendar?, occurred: Int64, status: Int, previousStatus: Int, noChange: Bool
    ) {
        self.event = event
        self.location = location
        self.region = region
        self.locationIndex = locationIndex
        self.regionIndex = regionIndex
        self.zone = zone
        self.calendar = calendar
        self.occurred = occurred
        self.status = status
        self.previousStatus = previousStatus
        self.noChange = noChange
    }

    /// Calls `body` with the UTF-8 of the text a resolved path stands for,
    /// read in place; nil (without calling it) when it is not text.
    @inline(__always)
    func withStringUTF8<R>(_ ref: FieldRef, _ body: (UnsafeBufferPointer<UInt8>) -> R) -> R? {
        switch ref {
        case .slot(let s):
            return event.withStringUTF8(s, body)
        case .location(let i):
            guard let place = location, i >= 0, i < place.values.count, case .string(let text)? = place.values[i] else { return nil }
            return text.utf8.withContiguousStorageIfAvailable(body)
        case .region(let i):
            guard let place = region, i >= 0, i < place.values.count, case .string(let text)? = place.values[i] else { return nil }
            return text.utf8.withContiguousStorageIfAvailable(body)
        case .absent:
            return nil
        }
    }

    /// The value a resolved path stands for.
    @inline(__always)
    func value(_ ref: FieldRef) -> Value? {
        switch ref {
        case .slot(let s): return event[s]
        case .location(let i):
            guard let place = location, i < place.values.count else { return nil }
            return place.values[i]
        case .region(let i):
            guard let place = region, i < place.values.count else { return nil }
            return place.values[i]
        case .absent: return nil
        }
    }
}

/// When a channel's message goes out (an instant with its fraction of a
/// second; the offset is not used), or why it does not.
enum Timing {
    /// Send at this instant; `deferred` says from when and why when
    /// `work_hours: defer` moved it (SPEC §9 `message`).
    case at(Timestamp, late: Bool, deferred: String?)
    case skip(reason: String, message: String)
}

/// Whether a channel can deliver, and to which address.
enum Deliverability {
    case deliverable(String)
    case undeliverable(reason: String, message: String)
}

/// Address checks of SPEC §7.
enum AddressCheck {
    /// `+` followed by 8–15 digits.
    static func isValidPhone(_ s: String) -> Bool {
        var s = s
        return s.withUTF8 { b in
            guard b.count >= 9, b.count <= 16, b[0] == UInt8(ascii: "+") else { return false }
            for i in 1..<b.count where b[i] &- 0x30 > 9 { return false }
            return true
        }
    }

    /// One `@`, a non-empty local part, a domain with a dot, no spaces and
    /// no control or bidi-override characters (`SafeText.isUnsafe`).
    static func isValidEmail(_ s: String) -> Bool {
        var s = s
        let ascii: Bool? = s.withUTF8 { b in
            var at = -1
            var dotAfterAt = false
            var high = false
            for i in 0..<b.count {
                switch b[i] {
                case UInt8(ascii: "@"):
                    guard at < 0 else { return nil }
                    at = i
                case UInt8(ascii: "."):
                    if at >= 0 { dotAfterAt = true }
                case 0x00...0x20, 0x7F:
                    // Spaces and control characters (a CR or LF could
                    // start a new header line).
                    return nil
                case 0x80...:
                    high = true
                default:
                    break
                }
            }
            guard at > 0, at < b.count - 1, dotAfterAt else { return nil }
            return !high
        }
        guard let ascii else { return false }
        return ascii || !s.unicodeScalars.contains { $0.properties.isWhitespace || SafeText.isUnsafe($0) }
    }
}

extension Runtime {
    /// SPEC §8.1 steps 3–5 for a valid event.
    func evaluate(_ input: ParsedEvent, state: inout RuntimeState, explain: Bool, into out: inout [DecisionRecord]) {
        let c = compiled
        let event = input.layout === c.layout ? input : input.relaid(for: c.layout)
        let layout = c.layout

        var location: CompiledPlace?
        var locationIndex = -1
        if c.usesLocations {
            guard let name = event.location, let i = c.locationLookup[name] else {
                let message: String
                if let name = event.location {
                    message = "location '\(name)' is not declared\(Suggestion.hint(for: name, in: c.locations.map(\.place.id)))"
                } else {
                    message = "location: required, the rule set declares locations"
                }
                out.append(DecisionRecord(event: event.id, decision: .reject, reason: "unknown-location", message: message))
                return
            }
            locationIndex = i
            location = c.locations[i]
        }
        guard state.processed.insert(event.id).inserted else {
            out.append(
                DecisionRecord(
                    event: event.id, decision: .reject, reason: "duplicate-event",
                    message: "event '\(event.id)' was already processed"))
            return
        }
        let occurred = event.occurredAt.seconds
        if occurred > state.latestOccurredAt { state.latestOccurredAt = occurred }

        var region: CompiledPlace?
        var regionIndex = -1
        if !c.regions.isEmpty, let name = event.string(layout.clientRegion), let i = c.regionLookup[name] {
            regionIndex = i
            region = c.regions[i]
        }

        let trigger = event.trigger
        let entity = trigger.entity
        let info = c.triggers[CompiledRuleSet.code(trigger)]
        var status = -1
        var previousStatus = -1
        var noChange = false
        if info.statusSlot >= 0 {
            let current = event.string(info.statusSlot)
            let previous = event.string(info.previousStatusSlot)
            if let list = info.statuses {
                status = current.flatMap { list[$0] } ?? -1
                previousStatus = previous.flatMap { list[$0] } ?? -1
            }
            noChange = trigger.isStatusChange && current != nil && current == previous
        }

        let context = EventContext(
            event: event, location: location, region: region,
            locationIndex: locationIndex, regionIndex: regionIndex,
            zone: location?.zone ?? region?.zone ?? Zone.utc,
            calendar: location?.calendar ?? region?.calendar,
            occurred: occurred, status: status, previousStatus: previousStatus, noChange: noChange)

        let entityID = event.string(info.idSlot) ?? ""
        let reference = EntityReference(entity: entity, id: entityID)

        // Pending `cancel_if` sends of the entity (SPEC §5): those no longer
        // pending, or whose rule is gone or lost its `cancel_if`, are dropped;
        // the rules of the others are applied (first their cancel check).
        var pendingRules: [Int32] = []
        if !state.pendingSends.isEmpty, var sends = state.pendingSends[reference] {
            sends.removeAll { send in
                guard send.isPending(at: event.occurredAt), let i = c.ruleIndex[send.rule], c.rules[i].cancelIf != nil else {
                    return true
                }
                pendingRules.append(Int32(i))
                return false
            }
            state.pendingSends[reference] = sends.isEmpty ? nil : sends
            context.checksPendingSends = !sends.isEmpty
        }

        if explain {
            for i in c.rules.indices { apply(i, context, reference, state: &state, explain: true, into: &out) }
            return
        }
        // The list's memory is borrowed from the state and handed back.
        var candidates: [Int32] = []
        swap(&candidates, &state.candidateBuffer)
        candidates.removeAll(keepingCapacity: true)
        if !noChange {
            c.candidates(code: info.code, location: locationIndex, region: regionIndex, status: status, into: &candidates)
        }
        c.candidates(code: info.entityCode, location: locationIndex, region: regionIndex, status: -1, into: &candidates)
        if !state.reminders.isEmpty, let plans = state.reminders[reference] {
            var removed: [String] = []
            for ruleID in plans.keys {
                if let i = c.ruleIndex[ruleID] { candidates.append(Int32(i)) } else { removed.append(ruleID) }
            }
            for ruleID in removed.sorted() { dropRemovedRule(ruleID, reference, context, state: &state, into: &out) }
        }
        candidates.append(contentsOf: pendingRules)
        if candidates.count > 1 { candidates.sort() }
        var last: Int32 = -1
        for i in candidates where i != last {
            last = i
            apply(Int(i), context, reference, state: &state, explain: false, into: &out)
        }
        swap(&candidates, &state.candidateBuffer)
    }

    private func apply(
        _ index: Int, _ context: EventContext, _ reference: EntityReference, state: inout RuntimeState, explain: Bool,
        into out: inout [DecisionRecord]
    ) {
        let rule = compiled.rules[index]
        if context.checksPendingSends { cancelPendingSends(rule, context, reference, state: &state, into: &out) }
        switch rule.kind {
        case .event(let trigger):
            // Candidates from the index already passed active, trigger,
            // locations, regions and to (their bucket says so); --explain
            // looks at every rule and checks every filter.
            // A rule applied for its pending `cancel_if` sends may not be in
            // the event's buckets: it checks every filter too.
            let failed = explain || context.checksPendingSends
                ? eventFilterFailure(rule, trigger, context) : indexedEventFilterFailure(rule, context)
            if let failed {
                if explain { out.append(none(rule, context, failed)) }
                return
            }
            _ = deliver(rule, context, reference, subject: context.event.id, reminder: nil, state: &state, into: &out)
        case .reminder(let entity, let slot, let field, let before):
            applyReminder(rule, entity, slot, field, before, context, reference, state: &state, explain: explain, into: &out)
        }
    }

    /// Cancels the pending sends `rule` planned for the event's entity when
    /// its `cancel_if` holds on this event (SPEC §5): one `cancel` per send,
    /// reason `cancel-if`, in planning order, before the rule's other records.
    private func cancelPendingSends(
        _ rule: CompiledRule, _ context: EventContext, _ reference: EntityReference, state: inout RuntimeState,
        into out: inout [DecisionRecord]
    ) {
        guard let condition = rule.cancelIf, var sends = state.pendingSends[reference],
            sends.contains(where: { $0.rule == rule.id }), ExpressionEvaluator.isTrue(condition, context)
        else { return }
        for send in sends where send.rule == rule.id {
            out.append(
                DecisionRecord(
                    event: context.event.id, decision: .cancel, rule: rule.id, reason: "cancel-if", channel: send.channel,
                    key: send.key))
            state.planned[send.key] = nil
        }
        sends.removeAll { $0.rule == rule.id }
        state.pendingSends[reference] = sends.isEmpty ? nil : sends
    }

    /// The first failing filter of an event rule (SPEC §8.2), or nil.
    private func eventFilterFailure(_ rule: CompiledRule, _ trigger: Trigger, _ context: EventContext) -> String? {
        if !rule.rule.active { return "inactive" }
        if trigger != context.event.trigger { return "trigger" }
        if context.noChange { return "no-change" }
        return placeAndConditionFailure(rule, context, checkStatuses: true)
    }

    /// `from` and `where` of a rule found through the index.
    private func indexedEventFilterFailure(_ rule: CompiledRule, _ context: EventContext) -> String? {
        if let m = rule.fromMask, !(context.previousStatus >= 0 && context.previousStatus < m.count && m[context.previousStatus]) {
            return "from"
        }
        if let condition = rule.condition, !ExpressionEvaluator.isTrue(condition, context) { return "where" }
        return nil
    }

    /// `locations`, `regions`, `to`, `from`, `where`, in that order.
    private func placeAndConditionFailure(_ rule: CompiledRule, _ context: EventContext, checkStatuses: Bool) -> String? {
        if let m = rule.locationMask, !(context.locationIndex >= 0 && context.locationIndex < m.count && m[context.locationIndex]) {
            return "locations"
        }
        if let m = rule.regionMask, !(context.regionIndex >= 0 && context.regionIndex < m.count && m[context.regionIndex]) {
            return "regions"
        }
        if checkStatuses {
            if let m = rule.toMask, !(context.status >= 0 && context.status < m.count && m[context.status]) { return "to" }
            if let m = rule.fromMask, !(context.previousStatus >= 0 && context.previousStatus < m.count && m[context.previousStatus]) {
                return "from"
            }
        }
        if let condition = rule.condition, !ExpressionEvaluator.isTrue(condition, context) { return "where" }
        return nil
    }

    // MARK: Reminders (SPEC §5.3)

    /// A reminder plan whose rule is no longer in the rule set (a reload
    /// removed it, SPEC §12.6): its pending sends are cancelled with reason
    /// `rule-removed` and the plan is dropped. Its records come before those
    /// of the rules that still exist.
    private func dropRemovedRule(
        _ ruleID: String, _ reference: EntityReference, _ context: EventContext, state: inout RuntimeState,
        into out: inout [DecisionRecord]
    ) {
        guard let plan = state.reminders[reference]?[ruleID] else { return }
        for send in plan.sends where send.isPending(at: context.event.occurredAt) {
            out.append(
                DecisionRecord(
                    event: context.event.id, decision: .cancel, rule: ruleID, reason: "rule-removed",
                    channel: send.channel,
                    key: ruleID + "/" + reference.id + (send.channel == .email ? "/email" : "/sms")))
        }
        state.reminders[reference]?[ruleID] = nil
        if state.reminders[reference]?.isEmpty == true { state.reminders[reference] = nil }
    }

    private func applyReminder(
        _ rule: CompiledRule, _ entity: Entity, _ slot: Int, _ field: String, _ before: RuleDuration, _ context: EventContext,
        _ reference: EntityReference, state: inout RuntimeState, explain: Bool, into out: inout [DecisionRecord]
    ) {
        let event = context.event
        guard event.trigger.entity == entity else {
            if explain { out.append(none(rule, context, rule.rule.active ? "trigger" : "inactive")) }
            return
        }
        let existing = state.reminders[reference]?[rule.id]

        // The filters decide the cancel reason only when the event carries a
        // value and does not close the entity; --explain names a failing
        // filter whatever the event (SPEC §8.2).
        func filterFailure() -> String? {
            rule.rule.active ? placeAndConditionFailure(rule, context, checkStatuses: false) : "inactive"
        }
        var cancelReason: String?
        var value: Timestamp?
        var failed: String?
        let hasValue: Bool
        if case .datetime? = event[slot] { hasValue = true } else { hasValue = false }
        if event.trigger == .workOrderClosed && entity == .workOrder {
            cancelReason = "closed"
            if explain { failed = filterFailure() ?? (hasValue ? nil : "unscheduled") }
        } else if case .datetime(let t)? = event[slot] {
            value = t
            failed = filterFailure()
            if failed != nil { cancelReason = "no-longer-applies" }
        } else {
            cancelReason = "unscheduled"
            if explain { failed = filterFailure() ?? "unscheduled" }
        }
        if explain, let failed { out.append(none(rule, context, failed)) }

        if let cancelReason {
            guard var plan = existing else { return }
            let pending = plan.sends.filter { $0.isPending(at: event.occurredAt) }
            guard !pending.isEmpty else { return }
            let channels = pending.map(\.channel).sorted { rank($0, rule) < rank($1, rule) }
            for channel in channels { out.append(cancel(rule, context, reference.id, channel, cancelReason)) }
            // The cancelled sends and the planned value are forgotten; sends
            // already made stay planned, so their key is never sent twice.
            plan.sends.removeAll { $0.isPending(at: event.occurredAt) }
            if plan.sends.isEmpty {
                state.reminders[reference]?[rule.id] = nil
                if state.reminders[reference]?.isEmpty == true { state.reminders[reference] = nil }
            } else {
                plan.value = nil
                plan.valueNanoseconds = 0
                state.reminders[reference]?[rule.id] = plan
            }
            return
        }
        guard let value else { return }
        // Sends already made (not pending, never cancelled) stay planned:
        // a new plan on their channel is a `duplicate` (SPEC §8.2 check 4).
        // Pending ones are cancelled (`rescheduled`) by `deliver`, each right
        // before the new plan of its channel.
        var made: [PlannedReminder] = []
        var rescheduled: [Channel] = []
        if let existing {
            if existing.value == value.seconds && existing.valueNanoseconds == value.nanoseconds { return }
            for send in existing.sends {
                if send.isPending(at: event.occurredAt) {
                    rescheduled.append(send.channel)
                } else {
                    made.append(send)
                }
            }
        }
        let sends = deliver(
            rule, context, reference, subject: reference.id, reminder: (field, value, before), alreadySent: made,
            rescheduled: rescheduled, state: &state, into: &out)
        state.reminders[reference, default: [:]][rule.id] = ReminderPlan(
            value: value.seconds, valueNanoseconds: value.nanoseconds, sends: made + sends)
    }

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
    private func deliver(
        _ rule: CompiledRule, _ context: EventContext, _ reference: EntityReference, subject: String,
        reminder: (field: String, value: Timestamp, before: RuleDuration)?, alreadySent: [PlannedReminder] = [],
        rescheduled: [Channel] = [], state: inout RuntimeState, into out: inout [DecisionRecord]
    ) -> [PlannedReminder] {
        var toCancel = rescheduled.count > 1 ? rescheduled.sorted { rank($0, rule) < rank($1, rule) } : rescheduled
        func cancelPending(_ channel: Channel) {
            guard !toCancel.isEmpty, let i = toCancel.firstIndex(of: channel) else { return }
            toCancel.remove(at: i)
            out.append(cancel(rule, context, subject, channel, "rescheduled"))
        }
        func cancelRest() {
            for channel in toCancel { out.append(cancel(rule, context, subject, channel, "rescheduled")) }
            toCancel.removeAll()
        }
        if let location = context.location, !location.place.notifications {
            cancelRest()
            out.append(
                skip(rule, context, nil, "location-inactive", "location '\(location.place.id)' has notifications switched off"))
            return []
        }
        if let region = context.region, !region.place.notifications {
            cancelRest()
            out.append(skip(rule, context, nil, "region-inactive", "region '\(region.place.id)' has notifications switched off"))
            return []
        }
        if rule.rule.workHours != nil, context.calendar == nil {
            let place = context.location.map { "location '\($0.place.id)'" } ?? context.region.map { "region '\($0.place.id)'" }
            cancelRest()
            out.append(
                skip(
                    rule, context, nil, "no-calendar",
                    "work_hours needs a calendar, but \(place.map { "\($0) has none" } ?? "the event has no location or region with one")"))
            return []
        }
        var sends: [PlannedReminder] = []
        var timing: Timing?
        var anyDeliverable = false

        func handle(_ channel: Channel) {
            cancelPending(channel)
            let address: String
            let result: Deliverability
            switch channel {
            case .email:
                if context.email == nil { context.email = deliverability(.email, context.event) }
                result = context.email ?? deliverability(.email, context.event)
            case .sms:
                if context.sms == nil { context.sms = deliverability(.sms, context.event) }
                result = context.sms ?? deliverability(.sms, context.event)
            }
            switch result {
            case .undeliverable(let reason, let message):
                out.append(skip(rule, context, channel, reason, message))
                return
            case .deliverable(let a):
                address = a
            }
            anyDeliverable = true
            if timing == nil {
                if let reminder {
                    timing = reminderTiming(rule, reminder.field, reminder.value, reminder.before, context)
                } else {
                    timing = eventTiming(rule, context)
                }
                if case .at(let at, _, _)? = timing, !at.isFormattable(in: context.zone) {
                    timing = .skip(
                        reason: "send-at-out-of-range",
                        message: "the computed send_at \(at.formatted(in: context.zone)) lies outside the years 0000–9999")
                }
            }
            guard case .at(let at, let late, let deferred)? = timing else {
                if case .skip(let reason, let message)? = timing { out.append(skip(rule, context, channel, reason, message)) }
                return
            }
            // The key as a string only when a check or the state needs it;
            // the record writes it straight into its text buffer.
            func key() -> String { rule.keyPrefix + subject + (channel == .email ? "/email" : "/sms") }
            if reminder == nil, context.plannedSends > 0 || state.mustLookUpNewKeys,
                let planned = state.planned[key()], planned > context.occurred
            {
                out.append(skip(rule, context, channel, "duplicate", "a send with key '\(key())' is already planned"))
                return
            }
            if reminder != nil, alreadySent.contains(where: { $0.channel == channel }) {
                out.append(skip(rule, context, channel, "duplicate", "the reminder with key '\(key())' was already sent"))
                return
            }
            appendSend(
                rule, context, channel, address: address, at: at, late: late, deferred: deferred, subject: subject, to: &out)
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

        for channel in rule.rule.channels { handle(channel) }
        if !anyDeliverable, let fallback = rule.rule.fallback { handle(fallback) }
        cancelRest()
        return sends
    }

    /// A channel's place in a rule's channel order: listed channels, then the
    /// fallback, then any other (a channel the rule no longer lists).
    private func rank(_ channel: Channel, _ rule: CompiledRule) -> Int {
        if let i = rule.rule.channels.firstIndex(of: channel) { return i }
        return rule.rule.fallback == channel ? rule.rule.channels.count : rule.rule.channels.count + 1
    }

    /// SPEC §8.3.
    private func deliverability(_ channel: Channel, _ event: ParsedEvent) -> Deliverability {
        let layout = event.layout
        switch channel {
        case .email:
            guard let address = event.string(layout.clientEmail) else {
                return .undeliverable(reason: "no-address", message: "client has no email address")
            }
            guard AddressCheck.isValidEmail(address) else {
                return .undeliverable(reason: "invalid-address", message: "client.email '\(address)' is not a valid email address")
            }
            guard event.flag(layout.clientAcceptsEmail) else {
                return .undeliverable(reason: "no-consent", message: "client has not accepted email (client.accepts_email)")
            }
            return .deliverable(address)
        case .sms:
            guard let phone = event.string(layout.clientPhone) else {
                return .undeliverable(reason: "no-address", message: "client has no phone number")
            }
            guard AddressCheck.isValidPhone(phone) else {
                return .undeliverable(
                    reason: "invalid-address", message: "client.phone '\(phone)' is not a valid phone number (E.164: + and 8–15 digits)")
            }
            guard event.flag(layout.clientAcceptsSMS) else {
                return .undeliverable(reason: "no-consent", message: "client has not accepted SMS (client.accepts_sms)")
            }
            return .deliverable(phone)
        }
    }

    /// SPEC §8.4 for event rules. `send_at` keeps the fraction of a second
    /// of `occurred_at`; working hours look at its whole second (an instant
    /// is open when the start of its second is), and a deferred send goes
    /// out at the (whole-second) start of the next working period.
    private func eventTiming(_ rule: CompiledRule, _ context: EventContext) -> Timing {
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

    /// SPEC §5.3 timing of a reminder for a new field value. Past and late
    /// compare full instants; `field − before` keeps the field's fraction of
    /// a second (working hours: see `eventTiming`).
    private func reminderTiming(_ rule: CompiledRule, _ field: String, _ value: Timestamp, _ before: RuleDuration, _ context: EventContext) -> Timing {
        var occurredAt = context.event.occurredAt
        occurredAt.offset = 0
        if value <= occurredAt {
            return .skip(
                reason: "reminder-past",
                message: "\(field) (\(value.formatted(in: context.zone))) is not after the event")
        }
        let due = Timestamp(seconds: before.subtracted(from: value.seconds, in: context.zone), nanoseconds: value.nanoseconds)
        var at = due
        var late = false
        if due < occurredAt {
            at = occurredAt
            late = true
        }
        guard let policy = rule.rule.workHours, let calendar = context.calendar else { return .at(at, late: late, deferred: nil) }
        if calendar.isOpen(at: at.seconds) { return .at(at, late: late, deferred: nil) }
        switch policy {
        case .drop:
            return .skip(reason: "outside-work-hours", message: outsideMessage(at, calendar, context))
        case .defer:
            // The latest whole minute strictly before `at`: with a fraction,
            // the minute of `at`'s own second qualifies (it is earlier).
            let bound = at.nanoseconds > 0 ? at.seconds &+ 1 : at.seconds
            if !late, let earlier = calendar.latestOpenMinute(before: bound), Timestamp(seconds: earlier) >= occurredAt {
                return .at(Timestamp(seconds: earlier), late: false, deferred: deferralNote(at, calendar, context))
            }
            if calendar.isOpen(at: occurredAt.seconds) {
                return .at(occurredAt, late: true, deferred: deferralNote(at, calendar, context))
            }
            return .skip(
                reason: "outside-work-hours",
                message: "no working time of calendar '\(calendar.id)' between the event and \(at.formatted(in: context.zone))")
        }
    }

    /// `deferred from TIME: outside working hours` / `…: closed on DATE`
    /// (SPEC §9): the planned instant and why the calendar moved it.
    private func deferralNote(_ at: Timestamp, _ calendar: SharedCalendar, _ context: EventContext) -> String {
        let why = calendar.closedDate(at: at.seconds).map { "closed on " + RFC3339.dateText($0) } ?? "outside working hours"
        return "deferred from \(at.formatted(in: context.zone)): \(why)"
    }

    private func outsideMessage(_ at: Timestamp, _ calendar: SharedCalendar, _ context: EventContext) -> String {
        "\(at.formatted(in: context.zone)) is outside the working hours of calendar '\(calendar.id)'"
    }

    // MARK: Records

    private func none(_ rule: CompiledRule, _ context: EventContext, _ reason: String) -> DecisionRecord {
        DecisionRecord(
            event: context.event.id, decision: .none, rule: rule.id, reason: reason,
            message: noneMessage(rule, context, reason))
    }

    /// What did not hold, in plain words (SPEC §9 `none` message): the
    /// event's value and what the rule asks for; a status outside its
    /// entity's list is named as such.
    private func noneMessage(_ rule: CompiledRule, _ context: EventContext, _ reason: String) -> String {
        let event = context.event
        let entity = event.trigger.entity.rawValue
        let info = compiled.triggers[CompiledRuleSet.code(event.trigger)]
        func list(_ names: [String]?) -> String { (names ?? []).joined(separator: ", ") }
        switch reason {
        case "inactive":
            return "rule '\(rule.id)' is switched off (active: false)"
        case "trigger":
            switch rule.kind {
            case .event(let trigger):
                return "the event is \(event.trigger.rawValue); the rule is on \(trigger.rawValue)"
            case .reminder(let remindEntity, _, let field, _):
                return "the event is \(event.trigger.rawValue), not a \(remindEntity.rawValue) event; the rule reminds of \(field)"
            }
        case "no-change":
            let status = event.string(info.statusSlot) ?? ""
            return "\(entity).status '\(status)' is the same as its previous_status: the status did not change"
        case "locations":
            let name = context.location?.place.id ?? event.location ?? ""
            return "location '\(name)' is not one of the rule's locations (\(list(rule.rule.locations)))"
        case "regions":
            let wanted = "the rule is for regions (\(list(rule.rule.regions)))"
            guard let name = event.string(compiled.layout.clientRegion) else {
                return "the client has no region (client.region); \(wanted)"
            }
            if context.region == nil { return "client.region '\(name)' is not a declared region; \(wanted)" }
            return "client.region '\(name)' is not one of the rule's regions (\(list(rule.rule.regions)))"
        case "to":
            let status = event.string(info.statusSlot) ?? ""
            if context.status < 0 { return "status '\(status)' is not a \(entity) status" }
            return "status '\(status)' is not one of the rule's 'to' statuses (\(list(rule.rule.toStatuses)))"
        case "from":
            guard let previous = event.string(info.previousStatusSlot) else {
                return "the event has no \(entity).previous_status; the rule's 'from' is (\(list(rule.rule.fromStatuses)))"
            }
            if context.previousStatus < 0 { return "previous_status '\(previous)' is not a \(entity) status" }
            return "previous_status '\(previous)' is not one of the rule's 'from' statuses (\(list(rule.rule.fromStatuses)))"
        case "where":
            return "'where' does not hold: \(rule.rule.conditionSource ?? "the condition is false")"
        case "unscheduled":
            if case .reminder(_, _, let field, _) = rule.kind { return "the event has no \(field): nothing to remind of" }
            return "the event has no value to remind of"
        default:
            return reason
        }
    }

    private func skip(_ rule: CompiledRule, _ context: EventContext, _ channel: Channel?, _ reason: String, _ message: String)
        -> DecisionRecord
    {
        DecisionRecord(event: context.event.id, decision: .skip, rule: rule.id, reason: reason, message: message, channel: channel)
    }

    private func cancel(
        _ rule: CompiledRule, _ context: EventContext, _ entityID: String, _ channel: Channel, _ reason: String
    ) -> DecisionRecord {
        DecisionRecord(
            event: context.event.id, decision: .cancel, rule: rule.id, reason: reason, channel: channel,
            key: rule.keyPrefix + entityID + (channel == .email ? "/email" : "/sms"))
    }

    /// Appends a `send` record to `out` (built in place: no copy of the record).
    private func appendSend(
        _ rule: CompiledRule, _ context: EventContext, _ channel: Channel, address: String, at: Timestamp, late: Bool,
        deferred: String?, subject keySubject: String, to out: inout [DecisionRecord]
    ) {
        let c = compiled
        let parts = rule.template >= 0 && rule.template < c.templates.count
            ? c.templates[rule.template].parts(for: context.event.string(c.layout.clientLanguage)) : nil
        let email = channel == .email ? parts.flatMap { $0.hasEmail ? $0 : nil } : nil
        var segments = 0
        let texts = sendTexts(
            rule, context, channel, at: at, subject: keySubject, parts: parts, email: email, segments: &segments,
            into: &context.scratch)
        switch channel {
        case .sms:
            out.append(
                DecisionRecord(
                    event: context.event.id, decision: .send, rule: rule.id, message: deferred, channel: channel, to: address,
                    texts: texts, sendAtSeconds: at.seconds, segments: segments, late: late))
        case .email:
            var attachments: [DecisionRecord.Attachment]?
            if parts?.attachReport == true, let url = context.event.string(c.layout.workOrderReportURL) {
                let number = context.event.string(c.layout.workOrderNumber) ?? ""
                attachments = [DecisionRecord.Attachment(url: url, filename: SafeText.fileName("work-order-\(number).pdf"))]
            }
            out.append(
                DecisionRecord(
                    event: context.event.id, decision: .send, rule: rule.id, message: deferred, channel: channel, to: address,
                    texts: texts, sendAtSeconds: at.seconds, replyTo: context.location?.place.replyTo ?? context.region?.place.replyTo,
                    attachments: attachments, segments: nil, late: late))
        }
    }

    /// Writes a send record's texts (`send_at`, key, then the channel's
    /// rendered parts) into `sink` and copies them into a `RecordTexts` in
    /// one piece; `segments` gets the SMS body's segment count.
    private func sendTexts(
        _ rule: CompiledRule, _ context: EventContext, _ channel: Channel, at: Timestamp, subject keySubject: String,
        parts: CompiledTemplate.Parts?, email: CompiledTemplate.Parts?, segments: inout Int, into sink: inout ByteSink
    ) -> RecordTexts {
        sink.removeAll()
        var texts = RecordTexts()
        texts.begin(.sendAt, at: sink.count)
        context.appendRFC3339(at, to: &sink)
        texts.end(.sendAt, at: sink.count)
        texts.begin(.key, at: sink.count)
        sink.append(rule.keyPrefix)
        sink.append(keySubject)
        sink.append(channel == .email ? "/email" as StaticString : "/sms")
        texts.end(.key, at: sink.count)
        var counter = SegmentCounter()
        switch channel {
        case .sms:
            texts.begin(.body, at: sink.count)
            parts?.smsProgram?.render(context, escaping: .none, into: &sink, count: true, counter: &counter)
            texts.end(.body, at: sink.count)
            segments = counter.segments
        case .email:
            let subjectStart = sink.count
            texts.begin(.subject, at: subjectStart)
            email?.subjectProgram?.render(context, escaping: .subject, into: &sink, count: false, counter: &counter)
            Self.repairHeader(in: &sink, from: subjectStart)
            texts.end(.subject, at: sink.count)
            texts.begin(.body, at: sink.count)
            email?.bodyProgram?.render(context, escaping: .none, into: &sink, count: false, counter: &counter)
            texts.end(.body, at: sink.count)
            if let html = email?.htmlProgram {
                texts.begin(.html, at: sink.count)
                html.render(context, escaping: .html, into: &sink, count: false, counter: &counter)
                texts.end(.html, at: sink.count)
            }
        }
        texts.bytes = sink.withBytes { Array($0) }
        return texts
    }

    /// Makes the text written to `sink` from `start` on safe for a header
    /// (`SafeText.header`): line breaks and separators fold into one space,
    /// control and bidi-override characters go. Most subjects need nothing.
    private static func repairHeader(in sink: inout ByteSink, from start: Int) {
        let text: String? = sink.withBytes { all in
            let written = UnsafeBufferPointer(rebasing: all[start...])
            guard SafeText.mayNeedHeaderRepair(written) else { return nil }
            return String(decoding: written, as: UTF8.self)
        }
        guard let text else { return }
        let safe = SafeText.header(text)
        guard safe != text else { return }
        sink.truncate(to: start)
        sink.append(safe)
    }
}
