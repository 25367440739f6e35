import Foundation
import HeraldCompiler
import HeraldRuntime
import HeraldSyntax
import Testing

/// Shared helpers of the engine tests: a base rule set written in YAML and
/// compiled by the real compiler, and events written as JSON.
enum EngineSupport {
    /// Statuses, fields, a calendar, locations and regions the rule tests share.
    static let base = """
        herald: 1
        statuses:
          work_order: [open, in_repair, ready, delivered]
          lead: [new, won]
        fields:
          work_order:
            priority: {type: enum, values: [low, normal, urgent]}
            pickup_at: datetime
            total: decimal
            items: int
          client:
            vip: bool
        calendars:
          shop:
            timezone: America/Sao_Paulo
            hours:
              mon-fri: "08:00-18:00"
              sat: "09:00-13:00"
            closed: [2026-04-21]
        locations:
          centro:
            name: Centro
            calendar: shop
            reply_to: centro@acme.example
            vars: {portal: "https://acme.example/centro"}
          norte:
            name: Norte
            timezone: America/Sao_Paulo
            calendar: shop
            vars: {portal: "https://acme.example/norte"}
          lisboa:
            name: Lisboa
            timezone: Europe/Lisbon
            calendar: shop
            vars: {portal: "https://acme.example/lisboa"}
          fechado:
            name: Fechado
            calendar: shop
            notifications: false
            vars: {portal: "https://acme.example/fechado"}
        regions:
          north: {name: North, reply_to: north@acme.example, timezone: America/New_York}
          off: {name: Off, notifications: false}
        templates:
          t:
            sms: "OS {{work_order.number}}"
            email:
              subject: "OS {{work_order.number}}"
              body: "Olá {{client.name}}"
          lead:
            sms: "Lead {{lead.name}}"
            email:
              subject: "Lead"
              body: "Lead {{lead.name}}"

        """

    /// Compiles YAML text; records an issue (with the diagnostics) when it fails.
    static func ruleSet(_ yaml: String, sourceLocation: SourceLocation = #_sourceLocation) -> RuleSet {
        let result = Compiler.compile(files: [(path: "rules.yaml", contents: Data(yaml.utf8))])
        guard let ruleSet = result.ruleSet, !result.hasErrors else {
            let text = result.diagnostics.map { "\($0.range.start.line):\($0.range.start.column) \($0.code): \($0.message)" }
            Issue.record("rule set does not compile: \(text)", sourceLocation: sourceLocation)
            return RuleSet()
        }
        return ruleSet
    }

    /// A runtime for the base rule set plus `rules` (YAML list items under `rules:`).
    static func runtime(rules: String, sourceLocation: SourceLocation = #_sourceLocation) -> Runtime {
        Runtime(ruleSet: ruleSet(base + "rules:\n" + rules, sourceLocation: sourceLocation))
    }

    /// Runs lines through a runtime with fresh (or given) state.
    static func run(_ runtime: Runtime, _ lines: [String], explain: Bool = false) -> [DecisionRecord] {
        var state = RuntimeState()
        return run(runtime, lines, state: &state, explain: explain)
    }

    /// Runs lines through a runtime, carrying `state`.
    static func run(_ runtime: Runtime, _ lines: [String], state: inout RuntimeState, explain: Bool = false) -> [DecisionRecord] {
        var out: [DecisionRecord] = []
        for (i, line) in lines.enumerated() {
            out += runtime.process(line: line, lineNumber: i + 1, state: &state, explain: explain)
        }
        return out
    }

    /// A JSON event. `workOrder`, `client` and `extra` are merged over the
    /// defaults; `NSNull()` writes null, `Remove()` removes the default.
    static func event(
        _ id: String, _ type: String = "work_order.status_changed", at: String = "2026-04-07T10:00:00-03:00",
        location: String? = "centro", workOrder: [String: Any] = [:], client: [String: Any] = [:],
        extra: [String: Any] = [:]
    ) -> String {
        var wo: [String: Any] = ["id": "WO-1", "number": "1001", "status": "ready", "previous_status": "in_repair"]
        var cl: [String: Any] = [
            "id": "C-1", "name": "Maria", "email": "maria@example.com", "phone": "+5511999990000",
            "accepts_email": true, "accepts_sms": true,
        ]
        for (k, v) in workOrder { wo[k] = v is Remove ? nil : v }
        for (k, v) in client { cl[k] = v is Remove ? nil : v }
        var object: [String: Any] = ["id": id, "type": type, "occurred_at": at, "client": cl]
        if let location { object["location"] = location }
        if type.hasPrefix("work_order.") {
            object["work_order"] = wo
        } else if type.hasPrefix("lead.") {
            object["lead"] = ["id": "L-1", "name": "Ana", "status": "new"]
        } else {
            object["csr"] = ["id": "CSR-1", "number": "R-1"]
        }
        for (k, v) in extra { object[k] = v is Remove ? nil : v }
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data()
        return String(decoding: data, as: UTF8.self)
    }

    /// Marks a default field for removal in `event(…)`.
    struct Remove {}

    /// Records without `none`, as (rule, decision, channel, reason) for compact comparison.
    static func summary(_ records: [DecisionRecord]) -> [String] {
        records.filter { $0.decision != .none }.map { r in
            [r.event ?? "null", r.rule ?? "-", r.decision.rawValue, r.channel?.rawValue ?? "-", r.reason ?? "-"]
                .joined(separator: " ")
        }
    }
}
