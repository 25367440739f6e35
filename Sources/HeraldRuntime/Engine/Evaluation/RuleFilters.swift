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
        if !rule.fromMask.admits(context.previousStatus) { return "from" }
        if let condition = rule.condition, !ExpressionEvaluator.isTrue(condition, context) { return "where" }
        return nil
    }

    /// `locations`, `regions`, `to`, `from`, `where`, in that order.
    func placeAndConditionFailure(_ rule: CompiledRule, _ context: EventContext, checkStatuses: Bool) -> String? {
        if !rule.locationMask.admits(context.locationIndex) { return "locations" }
        if !rule.regionMask.admits(context.regionIndex) { return "regions" }
        if checkStatuses {
            if !rule.toMask.admits(context.status) { return "to" }
            if !rule.fromMask.admits(context.previousStatus) { return "from" }
        }
        if let condition = rule.condition, !ExpressionEvaluator.isTrue(condition, context) { return "where" }
        return nil
    }
}
