import HeraldSyntax

/// A rule as checked: what was understood, and the ranges later checks report at.
struct CheckedRule {
    /// The rule mapping's range.
    var range: SourceRange
    /// The range of the rule's first key, if it has one.
    var firstKeyRange: SourceRange?
    /// How messages name the rule.
    var context: String
    var id: String?
    /// Where the id stands (for a rule written as an alias: the alias).
    var idRange: SourceRange?
    var kind: RuleKind?
    /// The entity of the trigger or of the reminder's field.
    var entity: Entity?
    /// The scope for `where` and the template; nil when the trigger is unknown.
    var scope: FieldScope?
    var to: [String]?
    var toMark: ValueMark?
    var from: [String]?
    var fromMark: ValueMark?
    var condition: RuleExpression?
    var conditionSource: String?
    var whereMark: ValueMark?
    /// The `where` text when it did not parse (for the duplicate check).
    var whereText: String?
    var cancelIf: RuleExpression?
    var locations: [String]?
    var locationsMark: ValueMark?
    var regions: [String]?
    var regionsMark: ValueMark?
    var channels: [Channel] = []
    /// Where each of `channels` is written.
    var channelRanges: [SourceRange] = []
    var fallback: Channel?
    var fallbackRange: SourceRange?
    var delay = RuleDuration.zero
    var workHours: WorkHoursPolicy?
    var workHoursRange: SourceRange?
    var template: String?
    var active = true
    /// Whether every key needed by the model was understood.
    var complete = true

    /// A rule about to be checked. It keeps what later findings point at
    /// (ranges, whether a list was empty), never the nodes themselves, so a
    /// file's tree is freed once its rules are checked.
    init(node: Node, context: String) {
        range = node.range
        firstKeyRange = node.pairs?.first?.key.range
        self.context = context
    }

    /// The range a finding about the whole rule is reported at: its id, else its first key.
    var anchor: SourceRange {
        idRange ?? firstKeyRange ?? range
    }

    /// The model rule, when the rule was understood.
    func model(index: Int) -> Rule? {
        guard complete, let id, let kind, !channels.isEmpty, let template else { return nil }
        return Rule(
            id: id, index: index, kind: kind, toStatuses: to, fromStatuses: from, condition: condition,
            locations: locations, regions: regions, channels: channels, fallback: fallback, delay: delay,
            workHours: workHours, template: template, active: active, cancelIf: cancelIf,
            conditionSource: conditionSource)
    }
}

/// Rules (docs/rule-language.md §5).
extension RuleSetChecker {
    static let ruleKeys = [
        "id", "on", "remind", "before", "to", "from", "where", "locations", "regions", "channel", "fallback",
        "delay", "work_hours", "template", "active", "cancel_if",
    ]
    static let triggerNames = Trigger.allCases.map(\.rawValue)
    static let channelNames = Channel.allCases.map(\.rawValue)

    /// `unknown channel 'whatsapp'; the channels are email and sms`, or a did-you-mean.
    static func unknownChannel(_ text: String) -> String {
        let hint = Suggestion.hint(for: text, in: channelNames)
        return "unknown channel '\(text)'" + (hint.isEmpty ? "; the channels are \(channelNames.joined(separator: " and "))" : hint)
    }

    /// Checks every rule, in declaration order, as each file's reader hands
    /// it over: one rule's nodes at a time (a file with a parse error, or an
    /// anchored list, is read whole).
    mutating func checkRules() {
        rules.reserveCapacity(rules.count + ruleCount)
        let readers = ruleReaders
        ruleReaders = []
        for read in readers {
            read { part in checkRulePart(part) }
        }
    }

    /// One rule, or a `rules` value that is not a list.
    private mutating func checkRulePart(_ part: StreamedPart) {
        switch part {
        case .value(let section):
            if section.isNull { return }
            report(.wrongType("'rules' must be a list of rules, not \(describe(section))", at: section.range))
        case .item(let item):
            guard item.pairs != nil else {
                report(.wrongType("a rule must be a mapping, not \(describe(item))", at: item.range))
                return
            }
            rules.append(rule(item))
        }
    }

    private mutating func rule(_ node: Node) -> CheckedRule {
        let idText = node["id"]?.scalar.flatMap { $0.isNull ? nil : $0.text }
        var rule = CheckedRule(node: node, context: idText.map { "rule '\($0)'" } ?? "a rule")
        guard let m = keyed(node, known: Self.ruleKeys, context: rule.context) else {
            rule.complete = false
            return rule
        }
        checkID(m, &rule)
        checkKind(m, &rule)
        checkPlaceFilters(m, &rule)
        rule.scope = scope(for: rule)
        checkStatusFilters(m, &rule)
        checkWhere(m, &rule)
        checkChannels(m, &rule)
        checkTiming(m, &rule)
        checkCancelIf(m, &rule)
        if let t = required("template", in: m, context: rule.context, owner: nil), let name = string(t, for: "template") {
            if definitions.contains(name, kind: .template) {
                rule.template = name
            } else {
                report(.unknownName(name, kind: "template", known: definitions.names(.template), at: t.range))
                if let meant = Suggestion.closest(to: name, in: definitions.names(.template).sorted()) { meantTemplates.insert(meant) }
                rule.complete = false
            }
        } else {
            rule.complete = false
        }
        if let a = m["active"] {
            if let on = bool(a, for: "active") { rule.active = on } else { rule.complete = false }
        }
        return rule
    }

    private mutating func checkID(_ m: KeyedMapping, _ rule: inout CheckedRule) {
        guard let node = required("id", in: m, context: rule.context, owner: nil), let id = string(node, for: "id") else {
            rule.complete = false
            return
        }
        // A rule written as an alias (`- *base`) keeps its anchor's inner
        // ranges; report its id at the alias itself.
        rule.idRange = located(node.range, in: rule.range)
        guard isRuleID(id) else {
            report(.wrongType("rule id '\(id)' must match [a-z0-9][a-z0-9._-]*", at: node.range))
            rule.complete = false
            return
        }
        rule.id = id
        if let idRange = rule.idRange, !define(id, kind: .rule, at: idRange) { rule.complete = false }
    }

    /// `on` (a trigger) or `remind` (a datetime field) with `before`.
    private mutating func checkKind(_ m: KeyedMapping, _ rule: inout CheckedRule) {
        let on = m["on"], remind = m["remind"]
        switch (on, remind) {
        case (nil, nil):
            rule.complete = false
            // `onn: …` is reported as an unknown key suggesting `on`.
            if m.misspelled.contains("on") || m.misspelled.contains("remind") { return }
            report(.missingKey(
                "\(rule.context) needs 'on' (a trigger) or 'remind' (a reminder field)", at: m.anchor(orElse: nil)))
            rule.complete = false
        case (.some, .some):
            report(.missingKey("\(rule.context) has both 'on' and 'remind': use exactly one", at: m.anchor(orElse: nil)))
            rule.complete = false
        case (let on?, nil):
            if let key = m.keyNode("before") {
                report(.error(
                    .unknownKey, "key 'before' in \(rule.context) applies only to reminders (rules with 'remind')",
                    at: key.range))
            }
            guard let text = string(on, for: "on") else {
                rule.complete = false
                return
            }
            guard let trigger = Trigger(rawValue: text) else {
                report(.error(
                    .unknownTrigger, "unknown trigger '\(text)'" + Suggestion.hint(for: text, in: Self.triggerNames),
                    at: on.range))
                rule.complete = false
                return
            }
            rule.kind = .event(trigger)
            rule.entity = trigger.entity
        case (nil, let remind?):
            if let key = m.keyNode("delay") {
                report(.error(
                    .unknownKey, "key 'delay' in \(rule.context) does not apply to reminders; use 'before'",
                    at: key.range))
            }
            let field = reminderField(remind)
            var before: RuleDuration?
            if let b = required("before", in: m, context: rule.context, owner: nil) {
                before = duration(b, key: "before", positive: true)
            }
            if before == nil { rule.complete = false }
            guard let (path, entity) = field else {
                rule.complete = false
                return
            }
            // Without a valid `before` the rule is incomplete, but its scope
            // is known: `where` and the template are still checked.
            rule.kind = .reminder(field: path, entity: entity, before: before ?? .zero)
            rule.entity = entity
        }
    }

    /// The datetime field a reminder is planned from.
    private mutating func reminderField(_ node: Node) -> (FieldPath, Entity)? {
        guard let text = string(node, for: "remind") else { return nil }
        let path = FieldPath(dotted: text)
        let lookup = FieldScope(schema: schema, entities: [.workOrder, .lead, .csr], context: "reminders")
        if let entity = path.entity, !lookup.entities.contains(entity) {
            report(.error(
                .unknownField,
                "unknown field '\(text)' for 'remind': a reminder is planned from a datetime field of work_order, "
                    + "lead or csr, e.g. work_order.scheduled_for", at: node.range))
            return nil
        }
        switch lookup.resolve(path) {
        case .unknown(let message):
            report(.error(.unknownField, message, at: node.range))
            return nil
        case .field(let spec):
            guard spec.type == .datetime, let entity = path.entity else {
                report(.error(
                    .typeMismatch, "reminder field '\(text)' is \(spec.type.name), not datetime", at: node.range))
                return nil
            }
            return (path, entity)
        }
    }

    /// `locations` and `regions` filters.
    private mutating func checkPlaceFilters(_ m: KeyedMapping, _ rule: inout CheckedRule) {
        if let node = m["locations"] {
            rule.locationsMark = ValueMark(node)
            if let items = oneOrList(node, for: "locations") {
                rule.locations = names(items, kind: .location, word: "location")
            } else {
                rule.complete = false
            }
        }
        if let node = m["regions"] {
            rule.regionsMark = ValueMark(node)
            if let items = oneOrList(node, for: "regions") {
                rule.regions = names(items, kind: .region, word: "region")
            } else {
                rule.complete = false
            }
        }
    }

    /// The names among `items` that are defined; reports the others.
    private mutating func names(_ items: [(text: String, node: Node)], kind: NameKind, word: String) -> [String] {
        var result: [String] = []
        for (text, node) in items {
            if definitions.contains(text, kind: kind) {
                if !result.contains(text) { result.append(text) }
            } else {
                report(.unknownName(text, kind: word, known: definitions.names(kind), at: node.range))
            }
        }
        return result
    }

    /// The scope `where` and templates are checked in (docs/rule-language.md §3.4).
    private mutating func scope(for rule: CheckedRule) -> FieldScope? {
        guard let entity = rule.entity, let kind = rule.kind else { return nil }
        var entities: Set<Entity> = [.event, .client, entity]
        var locationVars: Set<String>?
        if !definitions.names(.location).isEmpty {
            entities.insert(.location)
            if let filter = rule.locations {
                locationVars = commonVars(filter.compactMap { locations[$0]?.place })
            } else {
                if caches.allLocationVars == nil { caches.allLocationVars = commonVars(locations.values.map(\.place)) }
                locationVars = caches.allLocationVars
            }
        }
        var regionVars: Set<String>?
        if let filter = rule.regions {
            entities.insert(.region)
            regionVars = commonVars(filter.compactMap { regions[$0]?.place })
        }
        var scope: FieldScope
        switch kind {
        case .event(let trigger):
            scope = FieldScope(
                schema: schema, entities: entities, locationVars: locationVars, regionVars: regionVars,
                context: "trigger \(trigger.rawValue)")
        case .reminder(let field, _, _):
            scope = FieldScope(
                schema: schema, entities: entities, locationVars: locationVars, regionVars: regionVars,
                context: "reminder \(field)")
            scope.presentFields = [field]
        }
        return scope
    }

    /// `to` / `from`: only on status-change triggers, statuses of the entity.
    private mutating func checkStatusFilters(_ m: KeyedMapping, _ rule: inout CheckedRule) {
        for key in ["to", "from"] {
            guard let pair = m.pair(key), !pair.value.isNull else { continue }
            if key == "to" { rule.toMark = ValueMark(pair.value) } else { rule.fromMark = ValueMark(pair.value) }
            let isReminder = m["remind"] != nil && m["on"] == nil
            guard isReminder || rule.kind != nil else { continue }
            guard case .event(let trigger) = rule.kind, trigger.isStatusChange else {
                let subject: String
                if case .event(let trigger) = rule.kind { subject = trigger.rawValue } else { subject = "reminders" }
                report(.error(
                    .filterNotApplicable,
                    "'\(key)' applies only to work_order.status_changed and lead.status_changed, not to \(subject)",
                    at: pair.key.range))
                rule.complete = false
                continue
            }
            guard let items = oneOrList(pair.value, for: key) else {
                rule.complete = false
                continue
            }
            let entity = trigger.entity
            var statuses: [String] = []
            for (text, node) in items {
                if let known = schema.statuses[entity] {
                    if known.contains(text) {
                        if !statuses.contains(text) { statuses.append(text) }
                    } else {
                        report(.error(
                            .unknownStatus,
                            "unknown status '\(text)' of \(entity.rawValue)" + Suggestion.hint(for: text, in: known),
                            at: node.range))
                        rule.complete = false
                    }
                } else if !definitions.contains(entity.rawValue, kind: .statusList) {
                    report(.error(
                        .unknownStatus,
                        "unknown status '\(text)' of \(entity.rawValue): no statuses are declared for \(entity.rawValue)",
                        at: node.range))
                    rule.complete = false
                }
            }
            if key == "to" { rule.to = statuses } else { rule.from = statuses }
        }
    }

    private mutating func checkWhere(_ m: KeyedMapping, _ rule: inout CheckedRule) {
        guard let node = m["where"] else { return }
        rule.whereMark = ValueMark(node)
        rule.whereText = node.text
        if let tag = node.scalar?.tag, tag.hasPrefix("!"), tag.count > 1 {
            // `where: !client.head_office`: YAML took the `!…` for a tag.
            report(.error(
                .expressionSyntax,
                "YAML reads '\(tag)' at the start of a value as a tag, not as 'not': quote the whole expression (where: \"\(tag)\")",
                at: node.range))
            rule.complete = false
            return
        }
        guard let text = string(node, for: "where") else {
            rule.complete = false
            return
        }
        guard let scope = rule.scope else { return }
        let (expression, issues) = ExpressionSyntax.check(text, scope: scope)
        for diagnostic in LocalIssue.diagnostics(issues, in: node) { report(diagnostic) }
        if let expression {
            rule.condition = expression
            rule.conditionSource = text
        } else {
            rule.complete = false
        }
    }

    /// `cancel_if` (docs/rule-language.md §5.4): an expression typed like `where`, allowed only on
    /// event rules with a `delay` (else `filter-not-applicable`, docs/rule-language.md §12).
    private mutating func checkCancelIf(_ m: KeyedMapping, _ rule: inout CheckedRule) {
        guard let pair = m.pair("cancel_if"), !pair.value.isNull else { return }
        if m["remind"] != nil && m["on"] == nil {
            report(.error(
                .filterNotApplicable,
                "'cancel_if' applies only to event rules with a 'delay', not to reminders "
                    + "(a reminder is cancelled when its rule no longer applies)",
                at: pair.key.range))
            rule.complete = false
            return
        }
        if m["on"] != nil && m["remind"] == nil && m["delay"] == nil {
            report(.error(
                .filterNotApplicable,
                "'cancel_if' applies only to rules with a 'delay': \(rule.context) sends at once, so nothing is pending to cancel",
                at: pair.key.range))
            rule.complete = false
            return
        }
        // `delay: 0s` sends at once unless `work_hours: defer` moves the send
        // to the next opening, where it is pending until then (a delay that
        // did not parse is reported already).
        if m["on"] != nil, m["remind"] == nil, rule.delay.isZero, let text = m["delay"]?.text,
            case .success(let d) = DurationSyntax.parse(text), d.isZero, m["work_hours"]?.text != WorkHoursPolicy.defer.rawValue
        {
            report(.error(
                .filterNotApplicable,
                "'cancel_if' applies only to rules with a 'delay': \(rule.context) has 'delay: \(text)' and no "
                    + "'work_hours: defer', sends at once, so nothing is pending to cancel",
                at: pair.key.range))
            rule.complete = false
            return
        }
        guard let text = string(pair.value, for: "cancel_if") else {
            rule.complete = false
            return
        }
        guard let scope = rule.scope else { return }
        let (expression, issues) = ExpressionSyntax.check(text, scope: scope, key: "cancel_if")
        for diagnostic in LocalIssue.diagnostics(issues, in: pair.value) { report(diagnostic) }
        if let expression { rule.cancelIf = expression } else { rule.complete = false }
    }

    private mutating func checkChannels(_ m: KeyedMapping, _ rule: inout CheckedRule) {
        if let node = required("channel", in: m, context: rule.context, owner: nil), let items = oneOrList(node, for: "channel") {
            if items.isEmpty {
                report(.wrongType("'channel' must name at least one channel", at: node.range))
            }
            for (text, item) in items {
                guard let channel = Channel(rawValue: text) else {
                    report(.error(
                        .unknownChannel, Self.unknownChannel(text),
                        at: item.range))
                    rule.complete = false
                    continue
                }
                if rule.channels.contains(channel) {
                    report(.wrongType("channel '\(text)' is listed twice", at: item.range))
                    continue
                }
                rule.channels.append(channel)
                rule.channelRanges.append(item.range)
            }
        } else {
            rule.complete = false
        }
        if let node = m["fallback"], let text = string(node, for: "fallback") {
            rule.fallbackRange = node.range
            if let channel = Channel(rawValue: text) {
                if rule.channels.contains(channel) {
                    report(.wrongType("fallback '\(text)' is already one of the rule's channels", at: node.range))
                } else {
                    rule.fallback = channel
                }
            } else {
                report(.error(
                    .unknownChannel, Self.unknownChannel(text),
                    at: node.range))
                rule.complete = false
            }
        }
    }

    /// `delay` (event rules) and `work_hours`.
    private mutating func checkTiming(_ m: KeyedMapping, _ rule: inout CheckedRule) {
        if let node = m["delay"], m["remind"] == nil {
            if let d = duration(node, key: "delay", positive: false) { rule.delay = d } else { rule.complete = false }
        }
        if let node = m["work_hours"], let text = string(node, for: "work_hours") {
            rule.workHoursRange = node.range
            if let policy = WorkHoursPolicy(rawValue: text) {
                rule.workHours = policy
            } else {
                let hint = Suggestion.hint(for: text, in: ["defer", "drop"])
                report(.wrongType("'work_hours' must be defer or drop, not '\(text)'\(hint)", at: node.range))
                rule.complete = false
            }
        }
    }

    /// A duration (docs/rule-language.md §6); `before` must be positive, `delay` not negative.
    private mutating func duration(_ node: Node, key: String, positive: Bool) -> RuleDuration? {
        guard let text = string(node, for: key) else { return nil }
        switch DurationSyntax.parse(text) {
        case .failure(let issue):
            let message = issue.message.contains("'\(text)'") ? issue.message : "invalid duration '\(text)': \(issue.message)"
            report(.error(.invalidDuration, "'\(key)': \(message)", at: node.range))
            return nil
        case .success(let d):
            if d.days < 0 || d.seconds < 0 || (positive && d.isZero) {
                let rule = positive ? "greater than zero" : "zero or more"
                report(.error(.invalidDuration, "'\(key)' must be \(rule), not '\(text)'", at: node.range))
                return nil
            }
            return d
        }
    }
}

/// What findings after a rule's check need of one of its values: where it
/// stands and whether it is an empty list.
struct ValueMark {
    var range: SourceRange
    var isEmptyList: Bool

    init(_ node: Node) {
        range = node.range
        isEmptyList = node.items?.isEmpty == true
    }
}

/// The `vars` names every place of `places` declares (docs/rule-language.md §3.4).
func commonVars(_ places: [Place]) -> Set<String> {
    guard let first = places.first else { return [] }
    var common = Set(first.vars.keys)
    for place in places.dropFirst() {
        common.formIntersection(place.vars.keys)
        if common.isEmpty { break }
    }
    return common
}

/// Whether `text` is a rule id: `[a-z0-9][a-z0-9._-]*`.
func isRuleID(_ text: String) -> Bool {
    guard let first = text.utf8.first else { return false }
    func allowedFirst(_ c: UInt8) -> Bool { (97...122).contains(c) || (48...57).contains(c) }
    return allowedFirst(first) && text.utf8.allSatisfy { allowedFirst($0) || $0 == 46 || $0 == 95 || $0 == 45 }
}

