import HeraldCompiler

/// How the rules page words a rule: its trigger, filters, channels and timing.
enum RulesPage {
    /// One row of a place's table.
    static func row(_ r: Rule, _ sources: RuleSources) -> [String: Any] {
        var filters: [String] = []
        if let to = r.toStatuses { filters.append("to: " + to.joined(separator: ", ")) }
        if let from = r.fromStatuses { filters.append("from: " + from.joined(separator: ", ")) }
        if let locations = r.locations { filters.append("locations: " + locations.joined(separator: ", ")) }
        if let regions = r.regions { filters.append("regions: " + regions.joined(separator: ", ")) }
        if r.condition != nil { filters.append("where: " + (sources.entries[r.id]?.condition ?? "(a condition)")) }
        if let cancelIf = sources.entries[r.id]?.cancelIf { filters.append("cancel if: " + cancelIf) }
        var c: [String: Any] = [
            "id": r.id, "when": when(r), "channels": r.channels.map(\.rawValue).joined(separator: ", "),
            "delay": r.delay.isZero ? "—" : text(r.delay), "template": r.template, "active": r.active,
            "workHours": r.workHours.map { $0 == .defer ? "defer to working hours" : "drop outside working hours" } ?? "any hour",
        ]
        if !filters.isEmpty { c["filters"] = filters }
        if let f = r.fallback { c["fallback"] = f.rawValue }
        if let s = sources.entries[r.id]?.location { c["source"] = s }
        return c
    }

    /// The trigger, or the reminder's field and lead time.
    static func when(_ r: Rule) -> String {
        switch r.kind {
        case .event(let trigger): return trigger.rawValue
        case .reminder(let field, _, let before): return "reminder \(text(before)) before \(field)"
        }
    }

    /// A duration as the rule language writes it (`1d`, `1h30m`).
    static func text(_ d: RuleDuration) -> String {
        var out = ""
        if d.days > 0 { out += d.days % 7 == 0 ? "\(d.days / 7)w" : "\(d.days)d" }
        var s = d.seconds
        if s >= 3600 {
            out += "\(s / 3600)h"
            s %= 3600
        }
        if s >= 60 {
            out += "\(s / 60)m"
            s %= 60
        }
        if s > 0 || out.isEmpty { out += "\(s)s" }
        return out
    }
}
