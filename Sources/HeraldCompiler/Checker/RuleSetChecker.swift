import HeraldSyntax

/// Checks the parsed files of one rule set against docs/rule-language.md §1–§7 and §12 and
/// builds the checked `RuleSet`. Diagnostics are collected, never thrown: each
/// check reports and carries on with the next key, entry or rule.
///
/// Work happens in phases, because later sections refer to earlier ones
/// whatever file they are in: files are first split into sections, then
/// statuses and fields (the schema), calendars, locations and regions,
/// templates, rules, and finally the checks across rules and templates.
struct RuleSetChecker {
    /// The top-level keys of a rule-set document (docs/rule-language.md §1).
    static let sectionKeys = ["herald", "statuses", "fields", "calendars", "locations", "regions", "templates", "rules"]

    /// Findings so far, unsorted.
    private(set) var diagnostics: [Diagnostic] = []
    /// First definitions of every named thing.
    var definitions = Definitions()

    // Section values in declaration order, collected from every document.
    var statusSections: [Node] = []
    var fieldSections: [Node] = []
    var calendarSections: [Node] = []
    var locationSections: [Node] = []
    var regionSections: [Node] = []
    var templateSections: [Node] = []
    /// Reads one file's `rules` again, handing each part to `handle` in
    /// source order (`YAMLParser.parse(_:path:limits:streaming:to:)`).
    typealias RuleReader = (_ handle: (StreamedPart) -> Void) -> Void
    /// A reader for each file with `rules`, in declaration order.
    var ruleReaders: [RuleReader] = []
    /// How many rules the files hold (the checked rules' array is allocated
    /// once, at this size).
    var ruleCount = 0

    // Results of the phases.
    var schema = Schema()
    var calendars: [String: CheckedCalendar] = [:]
    var locations: [String: CheckedPlace] = [:]
    /// Location ids in declaration order.
    var locationOrder: [String] = []
    /// Region ids in declaration order.
    var regionOrder: [String] = []
    var regions: [String: CheckedPlace] = [:]
    var templates: [String: CheckedTemplate] = [:]
    /// The models of the templates without errors, by id.
    var templateModels: [String: Template] = [:]
    var rules: [CheckedRule] = []
    /// Mappings of names, for reading duplicate keys as duplicate names.
    var namedMappings: [NamedMapping] = []
    /// Lookups that are expensive and repeat across rules.
    var caches = CheckerCaches()
    /// Templates and calendars a misspelt reference most likely meant (the
    /// name its `unknown-…` error suggests): not reported unused as well.
    var meantTemplates: Set<String> = []
    var meantCalendars: Set<String> = []

    /// Adds a finding.
    mutating func report(_ diagnostic: Diagnostic) {
        diagnostics.append(diagnostic)
    }

    /// Adds the documents of one file, in declaration order. A file whose
    /// `herald` version is not 1 is reported and skipped as a whole.
    ///
    /// The file's `rules` are not read from its documents: `rules` reads them
    /// when they are checked, one rule at a time (rules are most of a rule
    /// set's nodes, and they can only be checked once every file's statuses,
    /// fields, places and templates are known, so a large rule set never
    /// has them all in memory). `ruleCount` is how many rules it holds.
    mutating func add(_ file: ParsedFile, ruleCount: Int, rules: @escaping RuleReader) {
        guard checkVersion(of: file) else { return }
        var hasRules = false
        defer {
            if hasRules {
                ruleReaders.append(rules)
                self.ruleCount += ruleCount
            }
        }
        for document in file.documents {
            let root = document.root
            if root.isNull { continue }
            guard let pairs = root.pairs else {
                report(.wrongType("a rule file document must be a mapping of sections, not \(describe(root))", at: root.range))
                continue
            }
            for pair in pairs {
                guard let key = pair.key.scalar, !key.isNull else {
                    report(.wrongType("section names must be text, not \(describe(pair.key))", at: pair.key.range))
                    continue
                }
                switch key.text {
                case "herald": break
                case "statuses": statusSections.append(pair.value)
                case "fields": fieldSections.append(pair.value)
                case "calendars": calendarSections.append(pair.value)
                case "locations": locationSections.append(pair.value)
                case "regions": regionSections.append(pair.value)
                case "templates": templateSections.append(pair.value)
                case "rules": hasRules = true
                default:
                    report(.unknownKey(key.text, in: "the top level", known: Self.sectionKeys, at: pair.key.range))
                }
            }
        }
    }

    /// Whether every `herald:` key of the file says version 1; reports
    /// `unsupported-version` otherwise.
    private mutating func checkVersion(of file: ParsedFile) -> Bool {
        var supported = true
        for document in file.documents {
            for pair in document.root.pairs ?? [] where pair.key.text == "herald" {
                let value = pair.value
                if let s = value.scalar, !s.isNull, s.text == "1" { continue }
                report(.error(
                    .unsupportedVersion,
                    "unsupported herald version \(describe(value)): this herald reads version 1; file skipped",
                    at: value.isNull ? pair.key.range : value.range))
                supported = false
            }
        }
        return supported
    }

    /// Runs every phase and returns the checked rule set (meaningful only
    /// when no error was reported).
    mutating func check() -> RuleSet {
        checkStatuses()
        checkFields()
        checkCalendars()
        checkPlaces()
        checkTemplates()
        checkRules()
        checkUsage()
        return ruleSet()
    }

    /// The model for the runtime, from what the phases accepted.
    private func ruleSet() -> RuleSet {
        RuleSet(
            schema: schema,
            calendars: calendars.compactMapValues(\.spec),
            locations: locations.mapValues(\.place),
            regions: regions.mapValues(\.place),
            templates: templateModels,
            rules: models())
    }
}

extension RuleSetChecker {
    /// The model rules, numbered in declaration order.
    fileprivate func models() -> [Rule] {
        var models: [Rule] = []
        models.reserveCapacity(rules.count)
        for (index, rule) in rules.enumerated() {
            if let model = rule.model(index: index) { models.append(model) }
        }
        return models
    }
}

/// Memoized results shared by all rules of a check.
struct CheckerCaches {
    /// Time-zone identifier → whether it is valid.
    var timeZones: [String: Bool] = [:]
    /// Template part checks done, by (part, scope).
    var templateChecks: Set<TemplateCheckKey> = []
    /// A number for each distinct rule scope seen by the template checks.
    var scopeNumbers: [ScopeKey: Int] = [:]
    /// Places of template issues already reported (each once).
    var reportedTemplateIssues: Set<TemplateIssueKey> = []
    /// `location.vars` available to rules without a `locations` filter.
    var allLocationVars: Set<String>?
    /// The field paths of the templates, each kept once (ASCII only).
    var paths: Set<FieldPath> = []
    /// The filter lists of the templates, each kept once (ASCII only).
    var filterLists: Set<[TemplateFilter]> = []
}
