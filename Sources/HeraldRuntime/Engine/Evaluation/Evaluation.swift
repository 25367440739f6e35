import HeraldModel

extension Runtime {
    /// SPEC §8.1 steps 3–5 for a valid event. Its `reject` (unknown
    /// location, duplicate event), always the event's only record, carries
    /// `line` = `lineNumber` when one is given (the event came from NDJSON).
    func evaluate<Out: RecordOutput & ~Copyable>(
        _ event: ParsedEvent, state: inout RuntimeState, explain: Bool, lineNumber: Int? = nil, into out: inout Out
    ) {
        let c = compiled
        // An event parsed for another rule set's layout is re-laid first;
        // the usual one is used as given (a copy would retain its fields).
        guard event.layout === c.layout else {
            evaluate(event.relaid(for: c.layout), state: &state, explain: explain, lineNumber: lineNumber, into: &out)
            return
        }
        let layout = c.layout

        var location: CompiledPlace?
        var locationIndex = -1
        if c.usesLocations {
            // Looked up by the text's bytes: no `String` unless it is unknown.
            guard let i = event.withStringUTF8(layout.location, { c.locationLookup.index(utf8: $0) }).flatMap({ $0 }) else {
                let message: String
                if let name = event.location {
                    message = "location '\(name)' is not declared\(Suggestion.hint(for: name, in: c.locations.map(\.place.id)))"
                } else {
                    message = "location: required, the rule set declares locations"
                }
                out.append(
                    DecisionRecord(event: event.id, decision: .reject, reason: "unknown-location", message: message, line: lineNumber))
                return
            }
            locationIndex = i
            location = c.locations[i]
        }
        guard state.processed.insert(event.id) else {
            out.append(
                DecisionRecord(
                    event: event.id, decision: .reject, reason: "duplicate-event",
                    message: "event '\(event.id)' was already processed", line: lineNumber))
            return
        }
        let occurred = event.occurredAt.seconds
        if occurred > state.latestOccurredAt { state.latestOccurredAt = occurred }

        var region: CompiledPlace?
        var regionIndex = -1
        if !c.regions.isEmpty,
            let i = event.withStringUTF8(layout.clientRegion, { c.regionLookup.index(utf8: $0) }).flatMap({ $0 })
        {
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
            if let list = info.statuses {
                status = event.withStringUTF8(info.statusSlot) { list.index(utf8: $0) }.flatMap { $0 } ?? -1
                previousStatus = event.withStringUTF8(info.previousStatusSlot) { list.index(utf8: $0) }.flatMap { $0 } ?? -1
            }
            noChange = trigger.isStatusChange && event.sameText(info.statusSlot, info.previousStatusSlot)
        }

        // The state's buffers, when it alone holds them (see `EvaluationBuffers`).
        let buffers: EvaluationBuffers
        if isKnownUniquelyReferenced(&state.buffers), let kept = state.buffers {
            buffers = kept
        } else {
            buffers = EvaluationBuffers()
            state.buffers = buffers
        }
        let context = EventContext(
            event: event, location: location, region: region,
            locationIndex: locationIndex, regionIndex: regionIndex,
            zone: location?.zone ?? region?.zone ?? Zone.utc,
            calendar: location?.calendar ?? region?.calendar,
            occurred: occurred, status: status, previousStatus: previousStatus, noChange: noChange,
            buffers: buffers)

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

        // The entity's reminder plans, looked up once and moved into the
        // context for the event (see `EventContext.reminderPlans`); nothing
        // else changes `state.reminders` until they are moved back, so the
        // index stays valid.
        let plansIndex = state.reminders.isEmpty ? nil : state.reminders.index(forKey: reference)
        if let plansIndex { swap(&context.reminderPlans, &state.reminders.values[plansIndex]) }
        defer {
            if let plansIndex {
                if context.reminderPlans.isEmpty {
                    state.reminders.remove(at: plansIndex)
                } else {
                    swap(&context.reminderPlans, &state.reminders.values[plansIndex])
                }
            } else if !context.reminderPlans.isEmpty {
                state.reminders[reference] = context.reminderPlans
            }
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
        if plansIndex != nil {
            var removed: [String] = []
            for ruleID in context.reminderPlans.keys {
                if let i = c.ruleIndex[ruleID] { candidates.append(Int32(i)) } else { removed.append(ruleID) }
            }
            // Sorting even an empty list costs a call and a buffer.
            if !removed.isEmpty {
                for ruleID in removed.sorted() { dropRemovedRule(ruleID, reference, context, state: &state, into: &out) }
            }
        }
        if !pendingRules.isEmpty { candidates.append(contentsOf: pendingRules) }
        Self.sortFew(&candidates)
        var last: Int32 = -1
        for i in candidates where i != last {
            last = i
            apply(Int(i), context, reference, state: &state, explain: false, into: &out)
        }
        swap(&candidates, &state.candidateBuffer)
    }

    /// Sorts an event's candidate rule numbers: a few (the usual case: a
    /// bucket or two of the index, each already sorted) by insertion in
    /// place, more by `sort()`.
    @inline(__always)
    static func sortFew(_ numbers: inout [Int32]) {
        let n = numbers.count
        guard n > 1 else { return }
        guard n <= 16 else {
            numbers.sort()
            return
        }
        numbers.withUnsafeMutableBufferPointer { b in
            for i in 1..<n {
                let x = b[i]
                var j = i
                while j > 0 && b[j &- 1] > x {
                    b[j] = b[j &- 1]
                    j &-= 1
                }
                b[j] = x
            }
        }
    }

    /// Applies rule number `index` (declaration order) to the event.
    func apply<Out: RecordOutput & ~Copyable>(
        _ index: Int, _ context: EventContext, _ reference: EntityReference, state: inout RuntimeState, explain: Bool,
        into out: inout Out
    ) {
        compiled.ruleRefs[index]._withUnsafeGuaranteedRef { rule in
            apply(rule, context, reference, state: &state, explain: explain, into: &out)
        }
    }

    func apply<Out: RecordOutput & ~Copyable>(
        _ rule: CompiledRule, _ context: EventContext, _ reference: EntityReference, state: inout RuntimeState, explain: Bool,
        into out: inout Out
    ) {
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
    func cancelPendingSends<Out: RecordOutput & ~Copyable>(
        _ rule: CompiledRule, _ context: EventContext, _ reference: EntityReference, state: inout RuntimeState,
        into out: inout Out
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

}
