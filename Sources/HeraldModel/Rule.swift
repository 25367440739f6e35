/// A length of time as written in rules (docs/rule-language.md §6): a calendar part (days,
/// weeks as 7 days) applied in the event's zone, and an exact part in seconds.
public struct RuleDuration: Sendable, Hashable, Codable {
    /// Calendar days (`1w` = 7).
    public var days: Int
    /// Exact seconds (`h`, `m`, `s`).
    public var seconds: Int

    /// Creates a duration.
    public init(days: Int = 0, seconds: Int = 0) {
        self.days = days
        self.seconds = seconds
    }

    /// No time at all.
    public static let zero = RuleDuration()
    /// The longest duration the language accepts: 100 years of days
    /// (docs/rule-language.md §6); bundles refuse longer ones as damaged.
    public static let maximumDays = 36_500

    /// Whether both parts are zero.
    public var isZero: Bool { days == 0 && seconds == 0 }
}

/// What starts an event rule (docs/rule-language.md §5.1).
public enum Trigger: String, Sendable, Hashable, Codable, CaseIterable {
    /// A work order was created.
    case workOrderCreated = "work_order.created"
    /// A work order's status changed.
    case workOrderStatusChanged = "work_order.status_changed"
    /// A work order's scheduled time changed.
    case workOrderScheduleChanged = "work_order.schedule_changed"
    /// A work order was closed.
    case workOrderClosed = "work_order.closed"
    /// A lead was created.
    case leadCreated = "lead.created"
    /// A lead's status changed.
    case leadStatusChanged = "lead.status_changed"
    /// A service request was accepted.
    case csrAccepted = "csr.accepted"
    /// A service request was rejected.
    case csrRejected = "csr.rejected"

    /// The entity the event carries besides `client`.
    public var entity: Entity {
        switch self {
        case .workOrderCreated, .workOrderStatusChanged, .workOrderScheduleChanged, .workOrderClosed: return .workOrder
        case .leadCreated, .leadStatusChanged: return .lead
        case .csrAccepted, .csrRejected: return .csr
        }
    }

    /// Whether `to` / `from` filters are allowed.
    public var isStatusChange: Bool { self == .workOrderStatusChanged || self == .leadStatusChanged }
}

/// A delivery channel.
public enum Channel: String, Sendable, Hashable, Codable, CaseIterable {
    /// Email.
    case email
    /// SMS.
    case sms
}

/// What to do with a message whose time falls outside working hours.
public enum WorkHoursPolicy: String, Sendable, Hashable, Codable {
    /// Move it to the next working period (reminders: to the latest working minute before).
    case `defer`
    /// Do not send it (`outside-work-hours`).
    case drop
}

/// Whether a rule reacts to events or plans reminders.
public enum RuleKind: Sendable, Hashable, Codable {
    /// `on: trigger`
    case event(Trigger)
    /// `remind: entity.field` with `before`.
    case reminder(field: FieldPath, entity: Entity, before: RuleDuration)
}

/// A checked notification rule (docs/rule-language.md §5).
public struct Rule: Sendable, Hashable, Codable {
    /// Rule id.
    public var id: String
    /// Position in declaration order (0-based), which is also output order.
    public var index: Int
    /// Event rule or reminder.
    public var kind: RuleKind
    /// `to`: allowed new statuses (nil: any).
    public var toStatuses: [String]?
    /// `from`: allowed previous statuses (nil: any).
    public var fromStatuses: [String]?
    /// `where`, checked to be bool.
    public var condition: RuleExpression?
    /// `where` as written, for messages (`--explain` says which condition did not hold).
    public var conditionSource: String?
    /// `locations` filter (nil: any).
    public var locations: [String]?
    /// `regions` filter (nil: any; present: client must be in one of them).
    public var regions: [String]?
    /// Channels in order.
    public var channels: [Channel]
    /// Used only if no listed channel can deliver.
    public var fallback: Channel?
    /// Send this long after the event (event rules).
    public var delay: RuleDuration
    /// Working-hours policy, if any.
    public var workHours: WorkHoursPolicy?
    /// Template id (checked to exist).
    public var template: String
    /// `active` (default true).
    public var active: Bool
    /// `cancel_if` (docs/rule-language.md §5.4): while a delayed send of this rule is pending, a
    /// later event of the same entity for which it holds cancels the send.
    /// Only on event rules with a `delay`; checked to be bool against the
    /// rule's trigger, like `condition`.
    public var cancelIf: RuleExpression?

    /// Creates a rule.
    public init(
        id: String, index: Int, kind: RuleKind, toStatuses: [String]? = nil, fromStatuses: [String]? = nil,
        condition: RuleExpression? = nil, locations: [String]? = nil, regions: [String]? = nil,
        channels: [Channel], fallback: Channel? = nil, delay: RuleDuration = .zero,
        workHours: WorkHoursPolicy? = nil, template: String, active: Bool = true, cancelIf: RuleExpression? = nil,
        conditionSource: String? = nil
    ) {
        self.id = id
        self.index = index
        self.kind = kind
        self.toStatuses = toStatuses
        self.fromStatuses = fromStatuses
        self.condition = condition
        self.locations = locations
        self.regions = regions
        self.channels = channels
        self.fallback = fallback
        self.delay = delay
        self.workHours = workHours
        self.template = template
        self.active = active
        self.cancelIf = cancelIf
        self.conditionSource = conditionSource
    }
}

/// A checked rule set: everything the runtime needs, with names resolved.
/// Produced by the compiler only when there are no errors.
public struct RuleSet: Sendable, Hashable, Codable {
    /// Statuses and custom fields.
    public var schema: Schema
    /// Calendars by id.
    public var calendars: [String: CalendarSpec]
    /// Locations by id. Empty for a region-based rule set.
    public var locations: [String: Place]
    /// Regions by id.
    public var regions: [String: Place]
    /// Templates by id.
    public var templates: [String: Template]
    /// Rules in declaration order.
    public var rules: [Rule]

    /// Creates a rule set.
    public init(
        schema: Schema = Schema(), calendars: [String: CalendarSpec] = [:], locations: [String: Place] = [:],
        regions: [String: Place] = [:], templates: [String: Template] = [:], rules: [Rule] = []
    ) {
        self.schema = schema
        self.calendars = calendars
        self.locations = locations
        self.regions = regions
        self.templates = templates
        self.rules = rules
    }

    /// Whether events must name a declared location (docs/rule-language.md §3.4).
    public var usesLocations: Bool { !locations.isEmpty }
}
