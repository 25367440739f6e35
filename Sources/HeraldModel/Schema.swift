/// The entities events talk about (docs/rule-language.md §2.1).
public enum Entity: String, Sendable, Hashable, Codable, CaseIterable {
    /// The event envelope (`event.id`, `event.type`, …).
    case event
    /// The client the message is for.
    case client
    /// A work order.
    case workOrder = "work_order"
    /// A sales lead.
    case lead
    /// A customer service request.
    case csr
    /// The event's location, from the rule set.
    case location
    /// The client's region, from the rule set.
    case region

    /// Hashes the case, not its raw value: `RawRepresentable`'s default
    /// hashes the raw `String`, a second string hash for every look-up of
    /// an entity-keyed table (`RuntimeState.reminders` once per event).
    public func hash(into hasher: inout Hasher) {
        hasher.combine(ordinal)
    }

    /// Compares cases (as the default does), without building raw values.
    public static func == (a: Entity, b: Entity) -> Bool {
        a.ordinal == b.ordinal
    }

    /// The case's position in declaration order (0 for `event`): a small
    /// number for hashes and tables keyed by entity.
    public var ordinal: UInt8 {
        switch self {
        case .event: return 0
        case .client: return 1
        case .workOrder: return 2
        case .lead: return 3
        case .csr: return 4
        case .location: return 5
        case .region: return 6
        }
    }
}

/// The type of a field or expression value.
public enum FieldType: Sendable, Hashable, Codable {
    /// Text.
    case string
    /// Whole number.
    case int
    /// Decimal number.
    case decimal
    /// `true` / `false`.
    case bool
    /// RFC 3339 timestamp with offset.
    case datetime
    /// An email address (text).
    case email
    /// A phone number (text).
    case phone
    /// A status of the given entity (text, checked against its list).
    case status(Entity)
    /// A custom enum with its values.
    case enumeration([String])

    /// Whether values of this type are text at run time.
    public var isText: Bool {
        switch self {
        case .string, .email, .phone, .status, .enumeration: return true
        case .int, .decimal, .bool, .datetime: return false
        }
    }

    /// Whether values of this type are numbers.
    public var isNumber: Bool { self == .int || self == .decimal }

    /// How the type is written in messages and rule files.
    public var name: String {
        switch self {
        case .string: return "string"
        case .int: return "int"
        case .decimal: return "decimal"
        case .bool: return "bool"
        case .datetime: return "datetime"
        case .email: return "email"
        case .phone: return "phone"
        case .status(let e): return "status of \(e.rawValue)"
        case .enumeration: return "enum"
        }
    }
}

/// A field of an entity: built-in or custom.
public struct FieldSpec: Sendable, Hashable, Codable {
    /// Field name (no entity prefix).
    public var name: String
    /// Its type.
    public var type: FieldType
    /// Whether it may be absent or null.
    public var optional: Bool
    /// Whether it was declared under `fields:` (custom) rather than built in.
    public var custom: Bool

    /// Creates a field spec.
    public init(name: String, type: FieldType, optional: Bool, custom: Bool = false) {
        self.name = name
        self.type = type
        self.optional = optional
        self.custom = custom
    }
}

/// Statuses and custom fields declared by a rule set (docs/rule-language.md §2.2, §2.3).
public struct Schema: Sendable, Hashable, Codable {
    /// Status lists per entity (`work_order`, `lead`), in declaration order.
    public var statuses: [Entity: [String]]
    /// Custom fields per entity, by name.
    public var customFields: [Entity: [String: FieldSpec]]

    /// Creates a schema.
    public init(statuses: [Entity: [String]] = [:], customFields: [Entity: [String: FieldSpec]] = [:]) {
        self.statuses = statuses
        self.customFields = customFields
    }

    /// Built-in fields per entity (docs/rule-language.md §2.1). `location` and `region` also
    /// have `vars.NAME` (string), which is not listed here.
    public static let builtIn: [Entity: [FieldSpec]] = [
        .event: [
            FieldSpec(name: "id", type: .string, optional: false),
            FieldSpec(name: "type", type: .string, optional: false),
            FieldSpec(name: "occurred_at", type: .datetime, optional: false),
            FieldSpec(name: "location", type: .string, optional: true),
        ],
        .client: [
            FieldSpec(name: "id", type: .string, optional: false),
            FieldSpec(name: "name", type: .string, optional: false),
            FieldSpec(name: "first_name", type: .string, optional: true),
            FieldSpec(name: "region", type: .string, optional: true),
            FieldSpec(name: "language", type: .string, optional: true),
            FieldSpec(name: "email", type: .email, optional: true),
            FieldSpec(name: "phone", type: .phone, optional: true),
            // Absent means false, so for typing these are never optional.
            FieldSpec(name: "accepts_email", type: .bool, optional: false),
            FieldSpec(name: "accepts_sms", type: .bool, optional: false),
            FieldSpec(name: "head_office", type: .bool, optional: false),
        ],
        .workOrder: [
            FieldSpec(name: "id", type: .string, optional: false),
            FieldSpec(name: "number", type: .string, optional: false),
            FieldSpec(name: "status", type: .status(.workOrder), optional: false),
            FieldSpec(name: "previous_status", type: .status(.workOrder), optional: true),
            FieldSpec(name: "scheduled_for", type: .datetime, optional: true),
            FieldSpec(name: "previous_scheduled_for", type: .datetime, optional: true),
            FieldSpec(name: "closed_at", type: .datetime, optional: true),
            FieldSpec(name: "summary", type: .string, optional: true),
            FieldSpec(name: "report_url", type: .string, optional: true),
        ],
        .lead: [
            FieldSpec(name: "id", type: .string, optional: false),
            FieldSpec(name: "name", type: .string, optional: false),
            FieldSpec(name: "status", type: .status(.lead), optional: false),
            FieldSpec(name: "previous_status", type: .status(.lead), optional: true),
        ],
        .csr: [
            FieldSpec(name: "id", type: .string, optional: false),
            FieldSpec(name: "number", type: .string, optional: false),
            FieldSpec(name: "title", type: .string, optional: true),
            FieldSpec(name: "rejection_reason", type: .string, optional: true),
        ],
        .location: [
            FieldSpec(name: "id", type: .string, optional: false),
            FieldSpec(name: "name", type: .string, optional: false),
        ],
        .region: [
            FieldSpec(name: "id", type: .string, optional: false),
            FieldSpec(name: "name", type: .string, optional: false),
        ],
    ]

    /// The spec of `entity.name` (built-in first, then custom), if it exists.
    /// `vars.X` of location/region is resolved by the checker, not here.
    public func field(_ entity: Entity, _ name: String) -> FieldSpec? {
        if let f = Schema.builtIn[entity]?.first(where: { $0.name == name }) { return f }
        return customFields[entity]?[name]
    }
}
