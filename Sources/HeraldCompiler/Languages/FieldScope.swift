/// What a rule's expressions and templates may refer to: the schema of its
/// trigger (or reminder entity), plus `location.*` / `region.*` where docs/rule-language.md §3.4
/// makes them available. Built by the document checker per rule (and per
/// trigger when a template is shared), used by the expression and template
/// checkers.
public struct FieldScope: Sendable {
    /// Declared statuses and custom fields.
    public var schema: Schema
    /// The entities available: `event`, `client`, the trigger's entity, and
    /// `location` / `region` where allowed.
    public var entities: Set<Entity>
    /// `vars` declared on *every* location the rule can fire for (nil when
    /// `location` is not available).
    public var locationVars: Set<String>?
    /// `vars` declared on every region the rule can fire for (nil when
    /// `region` is not available).
    public var regionVars: Set<String>?
    /// A short description of the context for messages, e.g. "trigger lead.status_changed".
    public var context: String
    /// Optional fields known to be present in this scope (a reminder's own
    /// field, e.g. `work_order.scheduled_for`): printing them needs no guard.
    public var presentFields: Set<FieldPath> = []

    /// Creates a scope.
    public init(
        schema: Schema, entities: Set<Entity>, locationVars: Set<String>? = nil,
        regionVars: Set<String>? = nil, context: String
    ) {
        self.schema = schema
        self.entities = entities
        self.locationVars = locationVars
        self.regionVars = regionVars
        self.context = context
    }

    /// The result of looking up a path.
    public enum Resolution: Sendable, Hashable {
        /// A known field with its type and optionality.
        case field(FieldSpec)
        /// Not available here; `message` says why (with "did you mean" where a
        /// close name exists). Code `unknown-field`.
        case unknown(message: String)
    }

    /// Looks up a dotted path such as `work_order.status` or `location.vars.phone`.
    public func resolve(_ path: FieldPath) -> Resolution {
        let c = path.components
        // Spelled out only for messages: most paths resolve.
        var dotted: String { path.description }
        guard let first = c.first, let entity = Entity(rawValue: first) else {
            // A bare field name (`vip`): suggest the entity that has it.
            if c.count == 1, let owner = Entity.allCases.first(where: {
                entities.contains($0) && schema.field($0, dotted) != nil
            }) {
                return .unknown(message: "unknown field '\(dotted)': fields are written with their entity; did you mean '\(owner.rawValue).\(dotted)'?")
            }
            if c.count == 1 {
                // `== ready_for_pickup`: a status written without quotes.
                if let owner = entities.sorted(by: { $0.rawValue < $1.rawValue }).first(where: {
                    schema.statuses[$0]?.contains(dotted) == true
                }) {
                    return .unknown(
                        message: "'\(dotted)' is a \(owner.rawValue) status, and statuses are text: quote it ('\(dotted)')")
                }
                // `== tru`: a misspelt literal.
                if let literal = Suggestion.closest(to: dotted.lowercased(), in: ["true", "false", "null"]) {
                    return .unknown(message: "unknown field '\(dotted)'; did you mean the literal \(literal)?")
                }
            }
            let roots = entities.map(\.rawValue).sorted()
            let hint = Suggestion.closest(to: c.first ?? "", in: roots).map { "; did you mean '\($0)'?" } ?? ""
            return .unknown(message: "unknown field '\(dotted)'\(hint)")
        }
        guard entities.contains(entity) else {
            let why: String
            switch entity {
            case .location: why = "the rule set declares no locations"
            case .region: why = "only rules with a 'regions' filter can use region.*"
            default: why = "not available for \(context)"
            }
            return .unknown(message: "unknown field '\(dotted)': \(why)")
        }
        if (entity == .location || entity == .region), c.count >= 2, c[1] == "vars" {
            guard c.count == 3 else {
                return .unknown(message: "unknown field '\(dotted)': write \(entity.rawValue).vars.NAME")
            }
            let vars = (entity == .location ? locationVars : regionVars) ?? []
            if vars.contains(c[2]) {
                return .field(FieldSpec(name: "vars.\(c[2])", type: .string, optional: false))
            }
            let hint = Suggestion.closest(to: c[2], in: vars.sorted()).map { "; did you mean '\(entity.rawValue).vars.\($0)'?" } ?? ""
            return .unknown(
                message: "unknown field '\(dotted)': not declared in vars of every \(entity.rawValue) this rule can fire for\(hint)")
        }
        if c.count == 2, let spec = schema.field(entity, c[1]) {
            return .field(spec)
        }
        if c.count == 1 {
            let example = Schema.builtIn[entity]?.first.map { "\(entity.rawValue).\($0.name)" } ?? "\(entity.rawValue).id"
            return .unknown(message: "unknown field '\(dotted)': \(dotted) is an entity; name one of its fields, e.g. \(example)")
        }
        let names = (Schema.builtIn[entity] ?? []).map(\.name) + (schema.customFields[entity].map { Array($0.keys) } ?? [])
        let hint = Suggestion.closest(to: c.dropFirst().joined(separator: "."), in: names)
            .map { "; did you mean '\(entity.rawValue).\($0)'?" } ?? ""
        return .unknown(message: "unknown field '\(dotted)'\(hint)")
    }
}
