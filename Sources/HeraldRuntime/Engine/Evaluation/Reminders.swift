import HeraldModel

/// Reminders (docs/rule-language.md §7): plans per entity, their timing,
/// and the plans of rules a reload removed.
extension Runtime {
    // MARK: Reminders (SPEC §5.3)

    /// A reminder plan whose rule is no longer in the rule set (a reload
    /// removed it, SPEC §12.6): its pending sends are cancelled with reason
    /// `rule-removed` and the plan is dropped. Its records come before those
    /// of the rules that still exist.
    func dropRemovedRule<Out: RecordOutput & ~Copyable>(
        _ ruleID: String, _ reference: EntityReference, _ context: EventContext, state: inout RuntimeState,
        into out: inout Out
    ) {
        guard let plan = context.reminderPlans[ruleID] else { return }
        for send in plan.sends where send.isPending(at: context.event.occurredAt) {
            out.append(
                DecisionRecord(
                    event: context.event.id, decision: .cancel, rule: ruleID, reason: "rule-removed",
                    channel: send.channel,
                    key: ruleID + "/" + reference.id + (send.channel == .email ? "/email" : "/sms")))
        }
        context.reminderPlans[ruleID] = nil
    }

    func applyReminder<Out: RecordOutput & ~Copyable>(
        _ rule: CompiledRule, _ entity: Entity, _ slot: Int, _ field: String, _ before: RuleDuration, _ context: EventContext,
        _ reference: EntityReference, state: inout RuntimeState, explain: Bool, into out: inout Out
    ) {
        let event = context.event
        guard event.trigger.entity == entity else {
            if explain { out.append(none(rule, context, rule.rule.active ? "trigger" : "inactive")) }
            return
        }
        // Found without hashing the rule id (see `planIndex(_:in:)`); nothing
        // below changes the plans until they are written back through it.
        let planAt = Self.planIndex(rule.id, in: context.reminderPlans)
        let existing = planAt.map { context.reminderPlans.values[$0] }

        // The filters decide the cancel reason only when the event carries a
        // value and does not close the entity; --explain names a failing
        // filter whatever the event (SPEC §8.2).
        func filterFailure() -> String? {
            rule.rule.active ? placeAndConditionFailure(rule, context, checkStatuses: false) : "inactive"
        }
        var cancelReason: String?
        var value: Timestamp?
        var failed: String?
        let scheduled = event.datetime(slot)
        let hasValue = scheduled != nil
        if event.trigger == .workOrderClosed && entity == .workOrder {
            cancelReason = "closed"
            if explain { failed = filterFailure() ?? (hasValue ? nil : "unscheduled") }
        } else if let t = scheduled {
            value = t
            failed = filterFailure()
            if failed != nil { cancelReason = "no-longer-applies" }
        } else {
            cancelReason = "unscheduled"
            if explain { failed = filterFailure() ?? "unscheduled" }
        }
        if explain, let failed { out.append(none(rule, context, failed)) }

        if let cancelReason {
            guard var plan = existing, let planAt else { return }
            let pending = plan.sends.filter { $0.isPending(at: event.occurredAt) }
            guard !pending.isEmpty else { return }
            let channels = pending.map(\.channel).sorted { rank($0, rule) < rank($1, rule) }
            for channel in channels { out.append(cancel(rule, context, reference.id, channel, cancelReason)) }
            // The cancelled sends and the planned value are forgotten; sends
            // already made stay planned, so their key is never sent twice.
            plan.sends.removeAll { $0.isPending(at: event.occurredAt) }
            if plan.sends.isEmpty {
                context.reminderPlans.remove(at: planAt)
            } else {
                plan.value = nil
                plan.valueNanoseconds = 0
                context.reminderPlans.values[planAt] = plan
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
        // Most plans have made no send yet: the new sends as they are, not a joined copy.
        let plan = ReminderPlan(value: value.seconds, valueNanoseconds: value.nanoseconds, sends: made.isEmpty ? sends : made + sends)
        if let planAt {
            context.reminderPlans.values[planAt] = plan
        } else {
            context.reminderPlans[rule.id] = plan
        }
    }

    /// Where the plan of rule `ruleID` is in an entity's `plans`: compared
    /// key by key while there are few (an entity has one plan per reminder
    /// rule that planned for it), which costs less than hashing the id: a
    /// key the runtime stored shares the rule id's storage, so `==`
    /// answers from its raw bits; a key decoded from a saved state compares
    /// its bytes. A hashed look-up beyond eight.
    @inline(__always)
    static func planIndex(_ ruleID: String, in plans: [String: ReminderPlan]) -> [String: ReminderPlan].Index? {
        guard plans.count <= 8 else { return plans.index(forKey: ruleID) }
        var i = plans.startIndex
        while i != plans.endIndex {
            if plans.keys[i] == ruleID { return i }
            plans.formIndex(after: &i)
        }
        return nil
    }


    /// SPEC §5.3 timing of a reminder for a new field value. Past and late
    /// compare full instants; `field − before` keeps the field's fraction of
    /// a second (working hours: see `eventTiming`).
    func reminderTiming(_ rule: CompiledRule, _ field: String, _ value: Timestamp, _ before: RuleDuration, _ context: EventContext) -> Timing {
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
}
