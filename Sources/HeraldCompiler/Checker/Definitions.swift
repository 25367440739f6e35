import HeraldSyntax

/// The kinds of named things a rule set defines (docs/rule-language.md §1). Names are per kind:
/// a calendar and a location may share a name.
enum NameKind: Hashable {
    case statusList
    case field(Entity)
    case calendar
    case location
    case region
    case template
    case rule
    case status(Entity)
    case enumValue(Entity, String)

    /// How a thing of this kind is named in messages.
    func describe(_ name: String) -> String {
        switch self {
        case .statusList: return "statuses of \(name) are"
        case .field(let entity): return "field '\(name)' of \(entity.rawValue) is"
        case .calendar: return "calendar '\(name)' is"
        case .location: return "location '\(name)' is"
        case .region: return "region '\(name)' is"
        case .template: return "template '\(name)' is"
        case .rule: return "rule '\(name)' is"
        case .status(let entity): return "status '\(name)' of \(entity.rawValue) is"
        case .enumValue(let entity, let field): return "value '\(name)' of field \(entity.rawValue).\(field) is"
        }
    }
}

/// Where each named thing was first defined, to report later definitions.
struct Definitions {
    private var first: [NameKind: [String: SourceRange]] = [:]

    /// Records a definition; returns the first definition's range when `name`
    /// was already defined (the caller reports the duplicate).
    mutating func define(_ name: String, kind: NameKind, at range: SourceRange) -> SourceRange? {
        if let earlier = first[kind]?[name] { return earlier }
        first[kind, default: [:]][name] = range
        return nil
    }

    /// The names defined of a kind.
    func names(_ kind: NameKind) -> Dictionary<String, SourceRange>.Keys {
        first[kind, default: [:]].keys
    }

    /// Whether a name is defined.
    func contains(_ name: String, kind: NameKind) -> Bool {
        first[kind]?[name] != nil
    }
}

/// `file:line` of a range, as messages cite it.
func citation(_ range: SourceRange) -> String {
    "\(range.file):\(range.start.line)"
}

extension Diagnostic {
    /// `duplicate-name` at the later definition, citing the first.
    static func duplicateName(_ name: String, kind: NameKind, first: SourceRange, at range: SourceRange) -> Diagnostic {
        .error(.duplicateName, "\(kind.describe(name)) already defined at \(citation(first))", at: range)
    }
}

extension RuleSetChecker {
    /// Defines `name`; reports `duplicate-name` and returns false when it is a
    /// later definition.
    mutating func define(_ name: String, kind: NameKind, at range: SourceRange) -> Bool {
        if let earlier = definitions.define(name, kind: kind, at: range) {
            report(.duplicateName(name, kind: kind, first: earlier, at: range))
            return false
        }
        return true
    }
}

/// A mapping whose keys are names of one kind (a `templates:` section, the
/// fields of an entity, …), remembered so that a key written twice there is
/// a `duplicate-name` rather than a YAML error.
struct NamedMapping {
    /// The mapping's range (not the mapping: that would keep its tree).
    var range: SourceRange
    var kind: NameKind
}

extension RuleSetChecker {
    /// What the duplicate keys the parser found mean: in a mapping of names,
    /// a `duplicate-name` at the later key citing the first (docs/rule-language.md §1: each
    /// named thing is defined once); anywhere else a `yaml-syntax` error.
    func diagnostics(for duplicates: [DuplicateKey]) -> [Diagnostic] {
        duplicates.map { duplicate in
            guard let first = duplicate.first,
                  let mapping = namedMappings.first(where: { duplicate.isKey(ofMappingAt: $0.range) })
            else { return duplicate.diagnostic }
            return .duplicateName(duplicate.key, kind: mapping.kind, first: first, at: duplicate.range)
        }
    }
}
