import Foundation
import HeraldSyntax

/// What a template part check depends on: the part and the rule's scope
/// (numbered by `CheckerCaches.scopeNumbers`, so that the scope's sets are
/// hashed once per rule instead of once per part).
struct TemplateCheckKey: Hashable {
    var part: String
    var scope: Int
}

/// The parts of a `FieldScope` that decide what a template check finds.
struct ScopeKey: Hashable {
    var entities: Set<Entity>
    var locationVars: Set<String>?
    var regionVars: Set<String>?
    var presentFields: Set<FieldPath>
    var context: String

    init(_ scope: FieldScope) {
        self.entities = scope.entities
        self.locationVars = scope.locationVars
        self.regionVars = scope.regionVars
        self.presentFields = scope.presentFields
        self.context = scope.context
    }
}

/// Where a template issue stands: one diagnostic per code and place.
struct TemplateIssueKey: Hashable {
    var code: DiagnosticCode
    var range: SourceRange
}

/// What makes two rules send the same notification: trigger, filters,
/// channel and timing (docs/rule-language.md §12 `duplicate-notification`).
struct RuleSignature: Hashable {
    var kind: RuleKind
    var to: [String]?
    var from: [String]?
    var condition: RuleExpression?
    var whereText: String?
    var locations: [String]?
    var regions: [String]?
    /// One channel the rule sends on (its fallback aside: a fallback only
    /// stands in when no listed channel can deliver).
    var channel: Channel
    var delay: RuleDuration
    var workHours: WorkHoursPolicy?
}

/// The first rule of each signature, kept as the signature's hash and the
/// rule's number: a signature is a dozen arrays and strings, and a 10,000-rule
/// set has one per rule and channel. Equal hashes are confirmed by computing
/// the earlier rule's signature again; different signatures with one hash
/// are kept whole.
struct SignatureIndex {
    private var byHash: [Int: (rule: Int, channel: Channel)] = [:]
    private var collided: [RuleSignature: Int] = [:]

    /// Room for `count` signatures.
    mutating func reserveCapacity(_ count: Int) {
        byHash.reserveCapacity(count)
    }

    /// The number of the first rule with `signature`; nil (and `index`
    /// recorded as that first rule) when there is none. `signatureOf` gives
    /// a recorded rule's signature on a channel.
    mutating func first(
        with signature: RuleSignature, else index: Int, signatureOf: (Int, Channel) -> RuleSignature?
    ) -> Int? {
        let hash = signature.hashValue
        guard let candidate = byHash[hash] else {
            byHash[hash] = (index, signature.channel)
            return nil
        }
        if signatureOf(candidate.rule, candidate.channel) == signature { return candidate.rule }
        if let first = collided[signature] { return first }
        collided[signature] = index
        return nil
    }
}

/// Checks across rules and templates: template channels and paths, unused
/// templates and calendars, duplicate and unreachable rules, missing calendars.
extension RuleSetChecker {
    mutating func checkUsage() {
        var usedTemplates: Set<String> = []
        var signatures = SignatureIndex()
        signatures.reserveCapacity(rules.count * 2)
        for index in rules.indices {
            let rule = rules[index]
            if let id = rule.template, let template = templates[id] {
                usedTemplates.insert(id)
                checkTemplateChannels(rule, template: template, id: id)
                if let scope = rule.scope { checkTemplateParts(rule, template: template, scope: scope) }
            }
            checkReachable(rule)
            checkCalendarNeeded(rule)
            checkDuplicate(index, signatures: &signatures)
        }
        for (id, template) in templates where !usedTemplates.contains(id) && !meantTemplates.contains(id) {
            report(.warning(.unusedTemplate, "template '\(id)' is not used by any rule", at: template.keyRange))
        }
        var usedCalendars: Set<String> = []
        for place in locations.values { if let c = place.place.calendar { usedCalendars.insert(c) } }
        for place in regions.values { if let c = place.place.calendar { usedCalendars.insert(c) } }
        for (id, calendar) in calendars where !usedCalendars.contains(id) && !meantCalendars.contains(id) {
            report(.warning(
                .unusedCalendar, "calendar '\(id)' is not used by any location or region", at: calendar.key.range))
        }
    }

    /// The template must have a part for every channel of the rule and its fallback.
    private mutating func checkTemplateChannels(_ rule: CheckedRule, template: CheckedTemplate, id: String) {
        // A template with no part at all is reported once, at the template.
        guard template.hasSMS || template.hasEmail else { return }
        var uses = zip(rule.channels, rule.channelRanges).map { ($0, $1, "channel") }
        if let fallback = rule.fallback, let range = rule.fallbackRange { uses.append((fallback, range, "fallback channel")) }
        for (channel, range, word) in uses {
            let has = channel == .sms ? template.hasSMS : template.hasEmail
            if !has {
                report(.error(
                    .missingTemplateChannel,
                    "template '\(id)' has no \(channel.rawValue) part, needed by the \(word) \(channel.rawValue) of \(rule.context)",
                    at: range))
            }
        }
    }

    /// Checks every part of the template (SPEC §4: "every path is checked
    /// against the schema of every trigger of every rule that uses the
    /// template"), also those of channels the rule does not send, against
    /// the rule's scope; each (part, scope) once. A problem at one place of
    /// a template is reported once, for the
    /// first rule whose scope shows it (a template shared by a `lead.*` and a
    /// `work_order.*` rule gets one diagnostic per wrong path, not one per
    /// trigger); errors name that rule, since the template does not.
    private mutating func checkTemplateParts(_ rule: CheckedRule, template: CheckedTemplate, scope: FieldScope) {
        let scopeKey = ScopeKey(scope)
        let scopeNumber: Int
        if let known = caches.scopeNumbers[scopeKey] {
            scopeNumber = known
        } else {
            scopeNumber = caches.scopeNumbers.count
            caches.scopeNumbers[scopeKey] = scopeNumber
        }
        for channel in [Channel.sms, .email] {
            for part in template.parts[channel] ?? [] where part.checkable {
                let key = TemplateCheckKey(part: part.id, scope: scopeNumber)
                guard caches.templateChecks.insert(key).inserted else { continue }
                if let compiled = part.compiled, TemplateSyntax.passes(compiled, scope: scope) { continue }
                let issues = TemplateSyntax.check(part.node.text ?? "", scope: scope)
                for var diagnostic in LocalIssue.diagnostics(issues, in: part.node) {
                    let place = TemplateIssueKey(code: diagnostic.code, range: diagnostic.range)
                    guard caches.reportedTemplateIssues.insert(place).inserted else { continue }
                    if diagnostic.severity == .error, let id = rule.template {
                        diagnostic.message = naming(diagnostic.message, "in template '\(id)', used by \(rule.context)")
                    }
                    report(diagnostic)
                }
            }
        }
    }

    /// `unreachable-rule`: filters that can never all hold.
    private mutating func checkReachable(_ rule: CheckedRule) {
        var reported = false
        func unreachable(_ why: String, at mark: ValueMark) {
            reported = true
            report(.warning(.unreachableRule, "\(rule.context) can never fire: \(why)", at: mark.range))
        }
        for (key, mark) in [("to", rule.toMark), ("from", rule.fromMark), ("locations", rule.locationsMark), ("regions", rule.regionsMark)] {
            if let mark, mark.isEmptyList { unreachable("its '\(key)' list is empty", at: mark) }
        }
        if let to = rule.to, let from = rule.from, to.count == 1, to == from, let mark = rule.toMark {
            unreachable("'to' and 'from' are both '\(to[0])', and an event that keeps its status is no change", at: mark)
        }
        if rule.condition == .literal(.bool(false)), let mark = rule.whereMark {
            unreachable("its 'where' is always false", at: mark)
        } else if !reported, let why = Self.contradiction(rule), let mark = rule.whereMark {
            unreachable(why, at: mark)
        }
    }

    /// Why the `where` of a rule, read with its `to` and `from`, can never
    /// hold: a field that the top-level `and`s of `where` (`==`, `!=`, `in`,
    /// `not in` against literals) and the status lists leave no value for.
    /// Only these plain forms are read; anything else is taken as possible.
    static func contradiction(_ rule: CheckedRule) -> String? {
        guard let condition = rule.condition else { return nil }
        /// Per path: the values still allowed (nil: any), the values excluded, and what said so.
        var allowed: [FieldPath: Set<Literal>] = [:]
        var excluded: [FieldPath: Set<Literal>] = [:]
        var order: [FieldPath] = []
        var sources: [FieldPath: [String]] = [:]
        func note(_ path: FieldPath, _ source: String) {
            if sources[path] == nil { order.append(path) }
            sources[path, default: []].append(source)
        }
        func allow(_ path: FieldPath, _ values: Set<Literal>, _ source: String) {
            allowed[path] = allowed[path].map { $0.intersection(values) } ?? values
            note(path, source)
        }
        func exclude(_ path: FieldPath, _ values: Set<Literal>, _ source: String) {
            excluded[path, default: []].formUnion(values)
            note(path, source)
        }
        if case .event(let trigger)? = rule.kind, trigger.isStatusChange {
            let entity = trigger.entity.rawValue
            if let to = rule.to {
                allow(FieldPath([entity, "status"]), Set(to.map { .string($0) }), "'to' (\(to.joined(separator: ", ")))")
            }
            if let from = rule.from {
                allow(FieldPath([entity, "previous_status"]), Set(from.map { .string($0) }), "'from' (\(from.joined(separator: ", ")))")
            }
        }
        /// The literals of a list literal, nil when an item is not one.
        func literals(_ e: RuleExpression) -> Set<Literal>? {
            guard case .list(let items) = e else { return nil }
            var out: Set<Literal> = []
            for item in items {
                guard case .literal(let l) = item else { return nil }
                out.insert(l)
            }
            return out
        }
        func read(_ e: RuleExpression) {
            switch e {
            case .and(let a, let b):
                read(a)
                read(b)
            case .compare(let op, let left, let right):
                var path: FieldPath?
                var other = right
                if case .path(let p) = left { path = p } else if case .path(let p) = right, op == .equal || op == .notEqual {
                    path = p
                    other = left
                }
                guard let path else { return }
                switch (op, other) {
                case (.equal, .literal(let l)): allow(path, [l], "'where'")
                case (.notEqual, .literal(let l)): exclude(path, [l], "'where'")
                case (.isIn, _): if let set = literals(other) { allow(path, set, "'where'") }
                case (.notIn, _): if let set = literals(other) { exclude(path, set, "'where'") }
                default: return
                }
            default:
                return
            }
        }
        read(condition)
        for path in order {
            guard let values = allowed[path], values.subtracting(excluded[path] ?? []).isEmpty else { continue }
            var said: [String] = []
            for source in sources[path] ?? [] where !said.contains(source) { said.append(source) }
            if said.count == 1 { return "its \(said[0]) leaves no value for \(path)" }
            return "\(said.joined(separator: " and ")) together leave no value for \(path)"
        }
        return nil
    }

    /// `missing-calendar`: `work_hours` where a location or region the rule can
    /// fire for has no calendar (docs/rule-language.md §5.3).
    private mutating func checkCalendarNeeded(_ rule: CheckedRule) {
        guard rule.workHours != nil, let range = rule.workHoursRange else { return }
        func lacking(_ ids: [String], in places: [String: CheckedPlace]) -> [String] {
            ids.filter { places[$0].map { !$0.hasCalendar } ?? false }
        }
        let regionIDs = rule.regions ?? []
        let missing: [String]
        let word: String
        if !locations.isEmpty {
            let ids = rule.locations ?? locationOrder
            let withoutCalendar = lacking(ids, in: locations)
            // The region's calendar stands in when every region the rule is filtered to has one.
            let regionsCover = rule.regions != nil && !regionIDs.isEmpty && lacking(regionIDs, in: regions).isEmpty
            missing = regionsCover ? [] : withoutCalendar
            word = "location"
        } else {
            // Region-based: without a `regions` filter the rule fires for
            // the clients of every region.
            missing = lacking(rule.regions ?? regionOrder, in: regions)
            word = "region"
        }
        guard !missing.isEmpty else { return }
        let shown = missing.prefix(3).map { "'\($0)'" }.joined(separator: ", ")
        let more = missing.count > 3 ? " and \(missing.count - 3) more" : ""
        let names = missing.count == 1 ? "\(word) \(shown) has" : "\(word)s \(shown)\(more) have"
        report(.error(
            .missingCalendar,
            "\(rule.context) uses 'work_hours', but \(names) no calendar", at: range))
    }

    /// `duplicate-notification`: an earlier rule sends on one of this rule's
    /// channels with the same trigger, filters and timing, so a client would
    /// get that message twice. Reported once per rule, for the first such channel.
    private mutating func checkDuplicate(_ index: Int, signatures: inout SignatureIndex) {
        let rule = rules[index]
        var reported = false
        for channel in rule.channels {
            guard let signature = signature(of: rule, channel: channel) else { return }
            let earlierRule = signatures.first(with: signature, else: index) { self.signature(of: rules[$0], channel: $1) }
            guard let first = earlierRule else { continue }
            guard !reported else { continue }
            reported = true
            let earlier = rules[first]
            let same = Set(earlier.channels) == Set(rule.channels)
            let what = same ? "the same notification" : "the same \(channel.rawValue) notification"
            report(.warning(
                .duplicateNotification,
                "\(rule.context) sends \(what) as \(earlier.context) (\(citation(earlier.anchor))): "
                    + "same trigger, filters, \(same ? "channels" : "channel") and timing",
                at: rule.anchor))
        }
    }

    /// The signature of an active rule on one of its channels, nil for
    /// inactive rules and rules with errors.
    private func signature(of rule: CheckedRule, channel: Channel) -> RuleSignature? {
        guard rule.complete, rule.active, let kind = rule.kind else { return nil }
        let whereText = rule.condition == nil
            ? rule.whereText?.split(whereSeparator: \.isWhitespace).joined(separator: " ") : nil
        return RuleSignature(
            kind: kind, to: rule.to?.sorted(), from: rule.from?.sorted(), condition: rule.condition,
            whereText: whereText, locations: rule.locations?.sorted(), regions: rule.regions?.sorted(),
            channel: channel, delay: rule.delay, workHours: rule.workHours)
    }
}

/// `message` with `(context)` added before its `; did you mean 'X'?` ending,
/// which stays last (docs/rule-language.md §12), or at its end.
func naming(_ message: String, _ context: String) -> String {
    guard let hint = message.range(of: "; did you mean '", options: .backwards) else { return message + " (\(context))" }
    return message[..<hint.lowerBound] + " (\(context))" + message[hint.lowerBound...]
}
