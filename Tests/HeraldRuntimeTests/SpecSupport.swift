import Foundation
import HeraldCompiler
import HeraldRuntime
import Testing

/// Helpers of the SPEC conformance tests (`Spec*Tests`): small rule sets with
/// zones that have daylight-saving time, and compact views of records.
enum SpecSupport {
    /// Locations in two zones with DST (New York: gap 2026-03-08 02:00→03:00,
    /// overlap 2026-11-01 02:00→01:00; Lisbon: gap 2026-03-29 01:00→02:00,
    /// overlap 2026-10-25 02:00→01:00), a calendar with a lunch break, a
    /// Saturday morning and closed days, and a calendar in another zone than
    /// its location.
    static let zones = """
        herald: 1
        statuses:
          work_order: [open, in_repair, ready, delivered]
        fields:
          work_order:
            priority: {type: enum, values: [low, normal, urgent]}
        calendars:
          ny-hours:
            timezone: America/New_York
            hours:
              mon-fri: "08:00-12:00, 13:00-18:00"
              sat: "09:00-13:00"
            closed: [2026-03-10, 2026-12-25]
          sp-hours:
            timezone: America/Sao_Paulo
            hours:
              mon-fri: "08:00-18:00"
        locations:
          ny: {timezone: America/New_York, calendar: ny-hours, reply_to: ny@acme.example}
          lx: {timezone: Europe/Lisbon, calendar: sp-hours}
        templates:
          t:
            sms: "OS {{work_order.number}}"
            email:
              subject: "OS {{work_order.number}}"
              body: "Olá {{client.name}}"

        """

    /// A runtime for `zones` plus `rules` (YAML list items under `rules:`).
    static func zonesRuntime(rules: String, sourceLocation: SourceLocation = #_sourceLocation) -> Runtime {
        Runtime(ruleSet: EngineSupport.ruleSet(zones + "rules:\n" + rules, sourceLocation: sourceLocation))
    }

    /// One rule as YAML list item: `id: r`, then the given lines (each
    /// `key: value`), indented under the item.
    static func rule(_ lines: String...) -> String {
        "  - id: r\n" + lines.map { "    \($0)\n" }.joined()
    }

    /// `event decision [rule] [channel] [reason] [send_at] [late] [key]` per
    /// record, without `none` records unless `explained`.
    static func lines(_ records: [DecisionRecord], explained: Bool = false) -> [String] {
        records.filter { explained || $0.decision != .none }.map { r in
            var parts = [r.event ?? "null", r.decision.rawValue]
            if let rule = r.rule { parts.append(rule) }
            if let channel = r.channel { parts.append(channel.rawValue) }
            if let reason = r.reason { parts.append(reason) }
            if let sendAt = r.sendAt { parts.append(sendAt) }
            if r.late { parts.append("late") }
            if let key = r.key { parts.append(key) }
            return parts.joined(separator: " ")
        }
    }

    /// A `work_order.*` event at a location with `scheduled_for` set (or null).
    static func scheduled(
        _ id: String, at: String, _ scheduledFor: String?, location: String = "centro", wo: String = "WO-1",
        type: String = "work_order.schedule_changed", workOrder: [String: Any] = [:], client: [String: Any] = [:]
    ) -> String {
        var changes: [String: Any] = ["id": wo, "scheduled_for": scheduledFor ?? NSNull()]
        for (k, v) in workOrder { changes[k] = v }
        return EngineSupport.event(id, type, at: at, location: location, workOrder: changes, client: client)
    }
}
