import HeraldModel

/// The filters of docs/rule-language.md §10.2, in their order: the first
/// one that fails is the `none` record's reason.
extension Runtime {
    /// The first failing filter of an event rule (SPEC §8.2), or nil.
    func eventFilterFailure(_ rule: CompiledRule, _ trigger: Trigger, _ context: EventContext) -> String? {
        if !rule.rule.active { return "inactive" }
        if trigger != context.event.trigger { return "trigger" }
        if context.noChange { return "no-change" }
        return placeAndConditionFailure(rule, context, checkStatuses: true)
    }

    /// `from` and `where` of a rule found through the index.
    func indexedEventFilterFailure(_ rule: CompiledRule, _ context: EventContext) -> String? {
        if let m = rule.fromMask, !(context.previousStatus >= 0 && context.previousStatus < m.count && m[context.previousStatus]) {
            return "from"
        }
        if let condition = rule.condition, !ExpressionEvaluator.isTrue(condition, context) { return "where" }
        return nil
    }

    /// `locations`, `regions`, `to`, `from`, `where`, in that order.
    func placeAndConditionFailure(_ rule: CompiledRule, _ context: EventContext, checkStatuses: Bool) -> String? {
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
}
