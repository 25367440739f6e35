import HeraldCompiler
import HeraldSyntax

/// Scopes and helpers shared by the sub-language tests.
enum LanguageFixtures {
    /// Statuses and custom fields used across the tests.
    static let schema = Schema(
        statuses: [
            .lead: ["new", "contacted", "won", "lost"],
            .workOrder: ["open", "in_repair", "awaiting_parts", "ready_for_pickup", "delivered", "cancelled"],
        ],
        customFields: [
            .workOrder: [
                "priority": FieldSpec(name: "priority", type: .enumeration(["low", "normal", "urgent"]), optional: true, custom: true),
                "total": FieldSpec(name: "total", type: .decimal, optional: true, custom: true),
                "device": FieldSpec(name: "device", type: .string, optional: false, custom: true),
            ],
            .client: [
                "vip": FieldSpec(name: "vip", type: .bool, optional: true, custom: true)
            ],
        ])

    /// A `lead.*` rule without locations.
    static let lead = FieldScope(
        schema: schema, entities: [.event, .client, .lead], context: "trigger lead.status_changed")

    /// A `lead.*` rule whose schema has no custom `client.vip` (as in the
    /// conformance case lint-embedded).
    static let leadWithoutVip = FieldScope(
        schema: Schema(statuses: [.lead: ["new", "contacted", "won", "lost"]]),
        entities: [.event, .client, .lead], context: "trigger lead.status_changed")

    /// A `work_order.*` rule in a rule set with locations declaring `phone`.
    static let workOrder = FieldScope(
        schema: schema, entities: [.event, .client, .workOrder, .location], locationVars: ["phone", "portal_url"],
        context: "trigger work_order.status_changed")

    /// A reminder on `work_order.scheduled_for` (the field is present).
    static var reminder: FieldScope {
        var scope = workOrder
        scope.presentFields = [FieldPath(dotted: "work_order.scheduled_for")]
        return scope
    }
}

/// An expected issue: code, scalar range and a fragment of the message.
struct ExpectedLocalIssue: Sendable, CustomStringConvertible {
    var code: String
    var from: Int
    var to: Int
    var fragment: String

    init(_ code: String, _ from: Int, _ to: Int, _ fragment: String = "") {
        self.code = code
        self.from = from
        self.to = to
        self.fragment = fragment
    }

    var description: String { "\(code)@\(from)..<\(to) \(fragment)" }

    func matches(_ issue: LocalIssue) -> Bool {
        issue.code.rawValue == code && issue.from == from && issue.to == to
            && (fragment.isEmpty || issue.message.contains(fragment))
    }
}
