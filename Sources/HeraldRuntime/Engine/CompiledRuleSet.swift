public import HeraldModel
import Synchronization

/// A location or region with everything evaluation needs resolved once.
final class CompiledPlace: Sendable {
    let place: Place
    let index: Int
    /// Its zone (nil when it has none).
    let zone: Zone?
    /// Its working calendar (nil when it has none).
    let calendar: SharedCalendar?
    /// Values in the order of the rule set's `PlaceFields`.
    let values: [Value?]
    /// The UTF-8 of the values that are text, one after another, and where
    /// each is (`count` -1: not text): templates read `location.name` and
    /// `location.vars.*` from plain memory, with no `Value` copied.
    nonisolated(unsafe) private let text: UnsafeMutablePointer<UInt8>
    nonisolated(unsafe) private let textRanges: UnsafeMutablePointer<(start: Int32, count: Int32)>
    /// `values.count`, kept apart from the array.
    private let valueCount: Int

    init(place: Place, index: Int, zone: Zone?, calendar: SharedCalendar?, values: [Value?]) {
        self.place = place
        self.index = index
        self.zone = zone
        self.calendar = calendar
        self.values = values
        valueCount = values.count
        var bytes: [UInt8] = []
        textRanges = .allocate(capacity: max(1, values.count))
        for (i, value) in values.enumerated() {
            if case .string(let string)? = value {
                textRanges[i] = (Int32(truncatingIfNeeded: bytes.count), Int32(truncatingIfNeeded: string.utf8.count))
                bytes.append(contentsOf: string.utf8)
            } else {
                textRanges[i] = (0, -1)
            }
        }
        text = .allocate(capacity: max(1, bytes.count))
        text.initialize(from: bytes, count: bytes.count)
    }

    deinit {
        text.deallocate()
        textRanges.deallocate()
    }

    /// Calls `body` with the UTF-8 of value `i` when it is text; nil (without
    /// calling it) when it is not, or out of range.
    @inline(__always)
    func withText<R>(_ i: Int, _ body: (UnsafeBufferPointer<UInt8>) -> R) -> R? {
        guard i >= 0 && i < valueCount else { return nil }
        let range = textRanges[i]
        guard range.count >= 0 else { return nil }
        return body(UnsafeBufferPointer(start: text + Int(range.start), count: Int(range.count)))
    }
}

/// A working calendar shared by reference (copying the struct retains its tables).
final class SharedCalendar: Sendable {
    let calendar: WorkingCalendar

    init(_ calendar: WorkingCalendar) {
        self.calendar = calendar
    }

    var id: String { calendar.spec.id }
    func isOpen(at instant: Int64) -> Bool { calendar.isOpen(at: instant) }
    func nextOpening(atOrAfter instant: Int64) -> Int64? { calendar.nextOpening(atOrAfter: instant) }
    func latestOpenMinute(before instant: Int64) -> Int64? { calendar.latestOpenMinute(before: instant) }
    func closedDate(at instant: Int64) -> LocalDate? { calendar.closedDate(at: instant) }
}

/// A rule with its filters turned into look-up tables.
final class CompiledRule: Sendable {
    enum Kind: Sendable {
        case event(Trigger)
        case reminder(entity: Entity, fieldSlot: Int, field: String, before: RuleDuration)
    }

    let rule: Rule
    let kind: Kind
    /// Allowed location indices (nil: any).
    let locationMask: FilterMask?
    /// Allowed region indices (nil: any).
    let regionMask: FilterMask?
    /// Allowed status indices of `to` / `from` (nil: any).
    let toMask: FilterMask?
    let fromMask: FilterMask?
    let condition: CompiledExpression?
    /// `cancel_if`, evaluated on later events of the entity of a pending send.
    let cancelIf: CompiledExpression?
    /// Index into `CompiledRuleSet.templates` (-1: unknown template).
    let template: Int
    /// `RULE/`, the start of every key of this rule.
    let keyPrefix: String
    /// What its template's parts can do, learned at the first send
    /// (`mayRenderBlank(_:in:)`): 1 known, 2 an SMS can render blank, 4 an email can.
    let blankParts = Atomic<UInt8>(0)

    var id: String { rule.id }

    /// The key of this rule's send on `channel` for `subject` (the event id,
    /// or the entity id of a reminder): `RULE/SUBJECT/CHANNEL`, written in
    /// one piece (one allocation at most; joining with `+` made an
    /// intermediate string).
    func key(_ subject: String, _ channel: Channel) -> String {
        let suffix: StaticString = channel == .email ? "/email" : "/sms"
        let joined = keyPrefix.utf8.withContiguousStorageIfAvailable { prefix in
            subject.utf8.withContiguousStorageIfAvailable { subject in
                String(unsafeUninitializedCapacity: prefix.count + subject.count + suffix.utf8CodeUnitCount) { buffer in
                    guard let base = buffer.baseAddress else { return 0 }
                    var n = 0
                    if let p = prefix.baseAddress { base.update(from: p, count: prefix.count) }
                    n += prefix.count
                    if let s = subject.baseAddress { (base + n).update(from: s, count: subject.count) }
                    n += subject.count
                    (base + n).update(from: suffix.utf8Start, count: suffix.utf8CodeUnitCount)
                    return n + suffix.utf8CodeUnitCount
                }
            }
        }
        // Strings without contiguous UTF-8 (bridged ones) are joined as before.
        return (joined ?? nil) ?? keyPrefix + subject + (channel == .email ? "/email" : "/sms")
    }

    /// Whether a message of this rule on `channel` may render blank, so
    /// that the `empty-message` check must render it: false for most rules
    /// (literal text in every part), after one look at the template.
    @inline(__always)
    func mayRenderBlank(_ channel: Channel, in set: CompiledRuleSet) -> Bool {
        var bits = blankParts.load(ordering: .relaxed)
        if bits == 0 {
            bits = 1
            if template >= 0 && template < set.templateRefs.count {
                set.templateRefs[template]._withUnsafeGuaranteedRef { t in
                    if t.mayRenderBlank(.sms) { bits |= 2 }
                    if t.mayRenderBlank(.email) { bits |= 4 }
                }
            } else {
                bits |= 6
            }
            blankParts.store(bits, ordering: .relaxed)
        }
        return bits & (channel == .sms ? 2 : 4) != 0
    }

    init(
        kind: Kind, locationMask: FilterMask?, regionMask: FilterMask?, toMask: FilterMask?, fromMask: FilterMask?,
        condition: CompiledExpression?, cancelIf: CompiledExpression? = nil, template: Int, keyPrefix: String, rule: Rule
    ) {
        self.rule = rule
        self.kind = kind
        self.locationMask = locationMask
        self.regionMask = regionMask
        self.toMask = toMask
        self.fromMask = fromMask
        self.condition = condition
        self.cancelIf = cancelIf
        self.template = template
        self.keyPrefix = keyPrefix
    }
}

/// A template's parts resolved per locale (a variant's missing part is the
/// base's), compiled for rendering the first time a send uses the template:
/// loading a rule set of 10,000 templates compiles none of them, and a
/// template no event uses is never compiled. Thread-safe: two tasks that
/// race to compile it both get the one that was stored first.
final class CompiledTemplate: Sendable {
    /// The parts of one variant.
    final class Parts: Sendable {
        let sms: TemplateText?
        /// Whether there is an email part (subject and body).
        let hasEmail: Bool
        let subject: TemplateText?
        let body: TemplateText?
        let html: TemplateText?
        let attachReport: Bool
        /// The texts compiled for rendering.
        let smsProgram: TemplateProgram?
        let subjectProgram: TemplateProgram?
        let bodyProgram: TemplateProgram?
        let htmlProgram: TemplateProgram?
        /// Whether the SMS body, or the email's subject or body, can render
        /// empty or only whitespace (`empty-message`): the part is missing,
        /// or has no literal text outside `{{#if}}`.
        let smsMayBeBlank: Bool
        let emailMayBeBlank: Bool

        init(sms: TemplateText?, email: EmailTemplate?, resolve: (FieldPath) -> FieldRef) {
            self.sms = sms
            hasEmail = email != nil
            subject = email?.subject
            body = email?.body
            html = email?.html
            attachReport = email?.attachReport ?? false
            smsProgram = sms.map { TemplateProgram($0, resolve: resolve) }
            subjectProgram = subject.map { TemplateProgram($0, resolve: resolve) }
            bodyProgram = body.map { TemplateProgram($0, resolve: resolve) }
            htmlProgram = html.map { TemplateProgram($0, resolve: resolve) }
            smsMayBeBlank = smsProgram.map { !$0.alwaysHasText } ?? true
            emailMayBeBlank =
                !hasEmail || subjectProgram.map { !$0.alwaysHasText } ?? true || bodyProgram.map { !$0.alwaysHasText } ?? true
        }

        /// Every text of these parts.
        var texts: [TemplateText] {
            [sms, subject, body, html].compactMap { $0 }
        }
    }

    /// The compiled parts of every variant.
    final class Variants: Sendable {
        let base: Parts
        let locales: [String: Parts]
        /// Whether some variant's SMS body, or email subject or body, can
        /// render blank (`Parts.smsMayBeBlank`, `emailMayBeBlank`): when not,
        /// evaluation skips the `empty-message` check without choosing a variant.
        let smsMayBeBlank: Bool
        let emailMayBeBlank: Bool

        init(_ template: Template, resolve: (FieldPath) -> FieldRef) {
            base = Parts(sms: template.base.sms, email: template.base.email, resolve: resolve)
            var locales: [String: Parts] = [:]
            for (key, variant) in template.locales {
                locales[key] = Parts(
                    sms: variant.sms ?? template.base.sms, email: variant.email ?? template.base.email, resolve: resolve)
            }
            self.locales = locales
            smsMayBeBlank = base.smsMayBeBlank || locales.values.contains { $0.smsMayBeBlank }
            emailMayBeBlank = base.emailMayBeBlank || locales.values.contains { $0.emailMayBeBlank }
        }
    }

    /// Where the template is: its place in the catalog, not a copy of it.
    private let catalog: TemplateCatalog
    private let position: [String: Template].Index
    /// The address of the `Variants`, retained, once compiled (0 before).
    private let compiled = Atomic<UInt>(0)

    init(_ position: [String: Template].Index, in catalog: TemplateCatalog) {
        self.catalog = catalog
        self.position = position
    }

    deinit {
        let stored = compiled.load(ordering: .acquiring)
        if let pointer = UnsafeRawPointer(bitPattern: stored) { Unmanaged<Variants>.fromOpaque(pointer).release() }
    }

    /// The compiled variants (compiled now when this is the first use),
    /// unretained: this template keeps them as long as it lives.
    private var storedVariants: Unmanaged<Variants> {
        if let pointer = UnsafeRawPointer(bitPattern: compiled.load(ordering: .acquiring)) {
            return Unmanaged<Variants>.fromOpaque(pointer)
        }
        let made = Variants(catalog.templates[position].value, resolve: catalog.resolver.resolve)
        let mine = UInt(bitPattern: Unmanaged.passRetained(made).toOpaque())
        let (stored, first) = compiled.compareExchange(expected: 0, desired: mine, ordering: .acquiringAndReleasing)
        if stored { return Unmanaged<Variants>.fromOpaque(UnsafeRawPointer(bitPattern: mine)!) }
        // Another task stored its own first: use that one.
        Unmanaged<Variants>.fromOpaque(UnsafeRawPointer(bitPattern: mine)!).release()
        return Unmanaged<Variants>.fromOpaque(UnsafeRawPointer(bitPattern: first)!)
    }

    /// Whether a message of this template on `channel` can render blank
    /// in some variant (`Variants.smsMayBeBlank`).
    @inline(__always)
    func mayRenderBlank(_ channel: Channel) -> Bool {
        storedVariants._withUnsafeGuaranteedRef { channel == .sms ? $0.smsMayBeBlank : $0.emailMayBeBlank }
    }

    /// Calls `body` with the parts for the client's language, borrowed (no
    /// reference counting on the hot path). SPEC §4: the variant equal to
    /// the language, else its language part, else the base; `language` is
    /// asked only when the template has variants.
    @inline(__always)
    func withParts<R>(for language: () -> String?, _ body: (Parts) -> R) -> R {
        storedVariants._withUnsafeGuaranteedRef { variants in
            guard !variants.locales.isEmpty, let language = language() else { return body(variants.base) }
            if let exact = variants.locales[language] { return body(exact) }
            if let cut = language.firstIndex(where: { $0 == "-" || $0 == "_" }),
                let general = variants.locales[String(language[..<cut])]
            {
                return body(general)
            }
            return body(variants.base)
        }
    }
}

/// The rule set's templates and how their paths resolve, shared by every
/// `CompiledTemplate`: each keeps its place in the dictionary, so loading
/// copies no template (a copy retains each of its texts).
final class TemplateCatalog: Sendable {
    let templates: [String: Template]
    let resolver: FieldResolver

    init(templates: [String: Template], resolver: FieldResolver) {
        self.templates = templates
        self.resolver = resolver
    }
}

/// What evaluation needs to know about an event's trigger, looked up once.
final class TriggerInfo: Sendable {
    let code: Int
    let entityCode: Int
    let idSlot: Int
    let statusSlot: Int
    let previousStatusSlot: Int
    /// Status index by name for the entity, if it has a status list.
    let statuses: StringIndex?

    init(code: Int, entityCode: Int, idSlot: Int, statusSlot: Int, previousStatusSlot: Int, statuses: [String: Int]?) {
        self.code = code
        self.entityCode = entityCode
        self.idSlot = idSlot
        self.statusSlot = statusSlot
        self.previousStatusSlot = previousStatusSlot
        self.statuses = statuses.map(StringIndex.init)
    }
}

/// A rule set compiled for evaluation: rules indexed by trigger, location,
/// region and new status so that an event only looks at rules that can apply;
/// places with their zones and calendars resolved; templates resolved per
/// locale. Immutable and `Sendable`: build it once, share it freely.
public final class CompiledRuleSet: Sendable {
    /// The checked rule set it was built from.
    public let ruleSet: RuleSet

    let layout: EventLayout
    let decoder: EventDecoder
    let rules: [CompiledRule]
    /// Rule number by id, read through a `NameTable` (evaluation looks up
    /// the rule of each reminder plan and pending send of the entity).
    let ruleIndex: StringIndex
    let locations: [CompiledPlace]
    let locationIndex: [String: Int]
    /// `locationIndex` for look-ups while evaluating.
    let locationLookup: StringIndex
    let regions: [CompiledPlace]
    let regionIndex: [String: Int]
    /// `regionIndex` for look-ups while evaluating.
    let regionLookup: StringIndex
    let templates: [CompiledTemplate]
    /// `rules` and `templates` as unretained references in flat buffers,
    /// for the hot path: read with `_withUnsafeGuaranteedRef`, without the
    /// reference counting an array element costs (the arrays keep them alive;
    /// freed in `deinit`).
    nonisolated(unsafe) let ruleRefs: UnsafeMutableBufferPointer<Unmanaged<CompiledRule>>
    nonisolated(unsafe) let templateRefs: UnsafeMutableBufferPointer<Unmanaged<CompiledTemplate>>
    /// Status index by entity and status name.
    let statusIndex: [Entity: [String: Int]]
    /// The rules by where they can apply (`candidates`).
    let index: RuleIndex
    /// Per trigger (by `code(_:)`): where its entity's id and statuses are.
    let triggers: [TriggerInfo]

    /// Whether events must name a declared location.
    public var usesLocations: Bool { !locations.isEmpty }

    /// The number of rules.
    public var ruleCount: Int { rules.count }

    /// Builds the graph. The rule set should come from the compiler (checked);
    /// names it cannot resolve are treated as never matching.
    public convenience init(_ ruleSet: RuleSet) {
        self.init(checked: ruleSet)
    }

    init(checked ruleSet: RuleSet) {
        self.ruleSet = ruleSet
        let layout = EventLayout(schema: ruleSet.schema)
        self.layout = layout
        self.decoder = EventDecoder(layout: layout)

        var calendars: [String: SharedCalendar] = [:]
        for (id, spec) in ruleSet.calendars {
            if let c = WorkingCalendar(spec: spec) { calendars[id] = SharedCalendar(c) }
        }
        let locationList = ruleSet.locations.values.sorted { $0.id < $1.id }
        let regionList = ruleSet.regions.values.sorted { $0.id < $1.id }
        let locationFields = PlaceFields(places: locationList)
        let regionFields = PlaceFields(places: regionList)
        var zones: [String: Zone] = [:]
        func compile(_ list: [Place], _ fields: PlaceFields) -> ([CompiledPlace], [String: Int]) {
            var places: [CompiledPlace] = []
            var index: [String: Int] = [:]
            for (i, p) in list.enumerated() {
                var zone: Zone?
                if let id = p.timeZone ?? p.calendar.flatMap({ ruleSet.calendars[$0]?.timeZone }) {
                    if let z = zones[id] {
                        zone = z
                    } else if let z = Zone(identifier: id) {
                        zones[id] = z
                        zone = z
                    }
                }
                places.append(
                    CompiledPlace(
                        place: p, index: i, zone: zone, calendar: p.calendar.flatMap { calendars[$0] },
                        values: fields.values(of: p)))
                index[p.id] = i
            }
            return (places, index)
        }
        (locations, locationIndex) = compile(locationList, locationFields)
        (regions, regionIndex) = compile(regionList, regionFields)
        locationLookup = StringIndex(locationIndex)
        regionLookup = StringIndex(regionIndex)
        let resolver = FieldResolver(layout: layout, locationFields: locationFields, regionFields: regionFields)
        let resolve = resolver.resolve

        var statusIndex: [Entity: [String: Int]] = [:]
        for (entity, list) in ruleSet.schema.statuses {
            var m: [String: Int] = [:]
            for (i, s) in list.enumerated() where m[s] == nil { m[s] = i }
            statusIndex[entity] = m
        }
        self.statusIndex = statusIndex

        // Templates are found by number only, from their rules: each named
        // template is numbered when a rule first names it (looked up by
        // name once per rule; a template no rule names is never needed).
        let catalog = TemplateCatalog(templates: ruleSet.templates, resolver: resolver)
        var templateNumbers: [[String: Template].Index: Int] = .init(minimumCapacity: ruleSet.templates.count)
        var templates: [CompiledTemplate] = []
        templates.reserveCapacity(ruleSet.templates.count)
        func templateNumber(_ name: String) -> Int {
            guard let position = ruleSet.templates.index(forKey: name) else { return -1 }
            if let number = templateNumbers[position] { return number }
            templateNumbers[position] = templates.count
            templates.append(CompiledTemplate(position, in: catalog))
            return templates.count - 1
        }

        var rules: [CompiledRule] = []
        rules.reserveCapacity(ruleSet.rules.count)
        var ruleIndex: [String: Int] = [:]
        ruleIndex.reserveCapacity(ruleSet.rules.count)
        // Declaration order; positions are sorted, not the rules (sorting
        // the rules themselves copies each one several times).
        let declared = ruleSet.rules
        var order = Array(declared.indices)
        // By position: zipping the rules would copy each one twice.
        if declared.indices.dropFirst().contains(where: { declared[$0 - 1].index > declared[$0].index }) {
            order.sort { (declared[$0].index, $0) < (declared[$1].index, $1) }
        }
        // Rules are compiled and indexed in one pass; each name list is
        // looked up once, for the rule's masks and for the index.
        var index = RuleIndex.Builder(codeCount: CompiledRuleSet.codeCount)
        let locationNames = locationIndex, regionNames = regionIndex
        var lastEntity: Entity?
        var statuses: [String: Int] = [:]
        var statusCount = 0
        for position in order {
            let rule = declared[position]
            let kind: CompiledRule.Kind
            var code: Int
            var statusEntity: Entity?
            var indexesStatus = false
            switch rule.kind {
            case .event(let t):
                kind = .event(t)
                statusEntity = t.entity
                code = CompiledRuleSet.code(t)
                indexesStatus = t.isStatusChange
            case .reminder(let field, let entity, let before):
                let slot = field.components.count == 2 ? layout.slot(entity, field.components[1]) ?? -1 : -1
                kind = .reminder(entity: entity, fieldSlot: slot, field: field.description, before: before)
                code = CompiledRuleSet.code(entity)
            }
            if statusEntity != lastEntity {
                lastEntity = statusEntity
                statuses = statusEntity.flatMap { statusIndex[$0] } ?? [:]
                statusCount = statusEntity.flatMap { ruleSet.schema.statuses[$0]?.count } ?? 0
            }
            let locationNumbers = rule.locations.map { index.indices($0, locationNames) }
            let regionNumbers = rule.regions.map { index.indices($0, regionNames) }
            let toNumbers = rule.toStatuses.map { index.indices($0, statuses) }
            let number = rules.count
            ruleIndex[rule.id] = number
            if rule.active {
                index.add(
                    rule: number, code: code, locations: locationNumbers, regions: regionNumbers,
                    statuses: indexesStatus ? toNumbers : nil)
            }
            // The rule's last use, so that it moves into its compiled rule.
            rules.append(
                CompiledRule(
                    kind: kind,
                    locationMask: FilterMask(indices: locationNumbers, count: locations.count),
                    regionMask: FilterMask(indices: regionNumbers, count: regions.count),
                    toMask: FilterMask(indices: toNumbers, count: statusCount),
                    fromMask: FilterMask(rule.fromStatuses, statuses, count: statusCount),
                    condition: rule.condition.map { CompiledExpression($0, resolve: resolve) },
                    cancelIf: rule.cancelIf.map { CompiledExpression($0, resolve: resolve) },
                    template: templateNumber(rule.template),
                    keyPrefix: rule.id + "/", rule: consume rule))
        }
        self.templates = templates
        self.rules = rules
        self.ruleIndex = StringIndex(ruleIndex)
        ruleRefs = .allocate(capacity: rules.count)
        _ = ruleRefs.initialize(from: rules.map { Unmanaged.passUnretained($0) })
        templateRefs = .allocate(capacity: templates.count)
        _ = templateRefs.initialize(from: templates.map { Unmanaged.passUnretained($0) })
        self.index = index.build()
        self.triggers = Trigger.allCases.map { t in
            TriggerInfo(
                code: CompiledRuleSet.code(t), entityCode: CompiledRuleSet.code(t.entity),
                idSlot: layout.entityID[t.entity] ?? -1, statusSlot: layout.entityStatus[t.entity] ?? -1,
                previousStatusSlot: layout.entityPreviousStatus[t.entity] ?? -1, statuses: statusIndex[t.entity])
        }
    }

    deinit {
        ruleRefs.deallocate()
        templateRefs.deallocate()
    }

    static let codeCount = Trigger.allCases.count + EventLayout.sectionEntities.count

    static func code(_ trigger: Trigger) -> Int {
        EventLayout.triggerCases.firstIndex(of: trigger) ?? 0
    }

    static func code(_ entity: Entity) -> Int {
        EventLayout.triggerCases.count + (EventLayout.section(of: entity) ?? 0)
    }

    /// Appends the rule indices of one code that can apply to an event at
    /// `location`, `region` and `status` (-1 when none): `RuleIndex.candidates`.
    @inline(__always)
    func candidates(code: Int, location: Int, region: Int, status: Int, into out: inout [Int32]) {
        index.candidates(code: code, location: location, region: region, status: status, into: &out)
    }

    static func collectPaths(_ segments: [TemplateSegment], _ body: (FieldPath) -> Void) {
        for s in segments {
            switch s {
            case .text: break
            case .value(let path, let filters):
                body(path)
                for f in filters {
                    if case .default(.path(let p)) = f { body(p) }
                }
            case .conditional(let path, let then, let otherwise):
                body(path)
                collectPaths(then, body)
                collectPaths(otherwise, body)
            }
        }
    }
}
