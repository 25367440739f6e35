import HeraldModel

// The `moving` workload of herald-bench: about 20 rules per location (the
// last location may have fewer), 15 % of them reminders, each rule with its
// own template; work orders that go through their life (created, diagnosing,
// scheduled, in repair, awaiting parts at another location, ready, delivered,
// closed), so reminders are planned, re-planned at the new location and
// cancelled; about 5 records per event. `Benchmarks/zen-compare.py` generates
// the same shape in Python.

/// Generator of the `moving` workload.
enum MovingWorkload {
    static let rulesPerLocation = 20
    static let statuses = ["open", "diagnosing", "in_repair", "awaiting_parts", "ready_for_pickup", "delivered", "cancelled"]

    /// What the rule in slot `s` (0..<20) of a location does: its trigger
    /// (`remind` for a reminder), `to` status, channels and extras.
    struct Slot {
        var on: String
        var to: String? = nil
        var channel: String
        var extra: String = ""
    }

    /// 3 of 20 slots are reminders (15 %).
    static let slots: [Slot] = [
        Slot(on: "work_order.created", channel: "[sms, email]"),
        Slot(on: "work_order.status_changed", to: "diagnosing", channel: "[email, sms]"),
        Slot(on: "work_order.status_changed", to: "in_repair", channel: "[sms, email]"),
        Slot(on: "remind", channel: "sms", extra: "    before: 1d\n    work_hours: defer\n"),
        Slot(
            on: "work_order.status_changed", to: "awaiting_parts", channel: "[sms, email]",
            extra: "    where: work_order.priority == \"urgent\" or client.vip\n"),
        Slot(
            on: "work_order.status_changed", to: "ready_for_pickup", channel: "sms",
            extra: "    from: [in_repair, awaiting_parts]\n    fallback: email\n    work_hours: defer\n"),
        Slot(on: "work_order.schedule_changed", channel: "email"),
        Slot(on: "work_order.closed", channel: "sms", extra: "    delay: 1d\n    work_hours: defer\n"),
        Slot(on: "work_order.status_changed", to: "delivered", channel: "[email, sms]"),
        Slot(on: "work_order.status_changed", to: "diagnosing", channel: "sms"),
        Slot(on: "remind", channel: "email", extra: "    before: 2h\n"),
        Slot(on: "work_order.created", channel: "email", extra: "    delay: 30m\n"),
        Slot(on: "work_order.status_changed", to: "in_repair", channel: "email", extra: "    where: client.vip\n"),
        Slot(on: "work_order.status_changed", to: "awaiting_parts", channel: "[sms, email]"),
        Slot(on: "work_order.status_changed", to: "ready_for_pickup", channel: "[email, sms]"),
        Slot(on: "work_order.schedule_changed", channel: "sms"),
        Slot(on: "work_order.closed", channel: "[email, sms]"),
        Slot(on: "remind", channel: "sms", extra: "    before: 30m\n"),
        Slot(
            on: "work_order.status_changed", channel: "email",
            extra: "    where: work_order.status not in [\"cancelled\", \"open\"]\n"),
        Slot(on: "work_order.status_changed", to: "delivered", channel: "sms", extra: "    delay: 2h\n"),
    ]

    static func locationCount(rules: Int) -> Int { max(1, (rules + rulesPerLocation - 1) / rulesPerLocation) }

    /// A rule set of `count` rules: rule i is slot i % 20 of location i / 20.
    static func yaml(rules count: Int) -> String {
        var y = "herald: 1\nstatuses:\n  work_order: [" + statuses.joined(separator: ", ") + "]\n"
        y += """
            fields:
              work_order:
                priority: {type: enum, values: [low, normal, urgent]}
                device: string
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

            """
        for l in 0..<locationCount(rules: count) {
            y += "  loc\(l): {name: \"Loja \(l)\", calendar: shop, reply_to: loc\(l)@acme.example, vars: {portal: \"https://acme.example/loc\(l)\"}}\n"
        }
        y += "templates:\n"
        for i in 0..<count {
            let slot = slots[i % rulesPerLocation]
            if slot.on == "remind" {
                y += """
                      t\(i):
                        sms: "Lembrete: OS {{work_order.number}} em {{work_order.scheduled_for | date: \\"dd/MM HH:mm\\"}} na {{location.name}} (\(i))."
                        email:
                          subject: "Lembrete da visita, OS {{work_order.number}}"
                          body: "Olá {{client.first_name | default: client.name}}, sua visita é {{work_order.scheduled_for | date: \\"dd/MM/yyyy HH:mm\\"}}. {{location.vars.portal}} (\(i))"

                    """
            } else {
                y += """
                      t\(i):
                        sms: "Olá {{client.first_name | default: client.name}}, a OS {{work_order.number}} está {{work_order.status}} (\(i))."
                        email:
                          subject: "OS {{work_order.number}}: {{work_order.status}}"
                          body: "Olá {{client.name}}, sua OS {{work_order.number}} ({{work_order.device | default: \\"aparelho\\"}}) mudou. Acompanhe em {{location.vars.portal}} (\(i))."

                    """
            }
        }
        y += "rules:\n"
        for i in 0..<count {
            let slot = slots[i % rulesPerLocation]
            let location = i / rulesPerLocation
            if slot.on == "remind" {
                y += "  - id: r\(i)\n    remind: work_order.scheduled_for\n"
            } else {
                y += "  - id: r\(i)\n    on: \(slot.on)\n"
                if let to = slot.to { y += "    to: \(to)\n" }
            }
            y += "    locations: [loc\(location)]\n    channel: \(slot.channel)\n    template: t\(i)\n" + slot.extra
        }
        return y
    }

    /// The steps of a work order's life: event type, new status, previous
    /// status. The work order moves to the next location at step 4.
    static let steps: [(type: String, status: String, previous: String?)] = [
        ("work_order.created", "open", nil),
        ("work_order.status_changed", "diagnosing", "open"),
        ("work_order.schedule_changed", "diagnosing", nil),
        ("work_order.status_changed", "in_repair", "diagnosing"),
        ("work_order.status_changed", "awaiting_parts", "in_repair"),
        ("work_order.status_changed", "ready_for_pickup", "awaiting_parts"),
        ("work_order.status_changed", "delivered", "ready_for_pickup"),
        ("work_order.closed", "delivered", nil),
    ]

    /// NDJSON lines (with newlines) of `total` events: work orders
    /// in batches of 50 go through `steps` together, one event every 20 s.
    static func events(rules count: Int, total: Int) -> [UInt8] {
        let locations = locationCount(rules: count)
        var out: [UInt8] = []
        out.reserveCapacity(total * 560)
        var seed: UInt64 = 0x2545_F491
        var k = 0
        var batch = 0
        // 2026-04-06T08:00:00-03:00 (a Monday) in seconds since 1970.
        let start = 1_775_473_200
        while k < total {
            var homes: [Int] = []
            for _ in 0..<50 {
                seed = seed &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
                homes.append(Int((seed >> 33) % UInt64(locations)))
            }
            for (s, step) in steps.enumerated() {
                for w in 0..<50 where k < total {
                    let order = batch * 50 + w
                    let at = start + k * 20
                    let location = s >= 4 ? (homes[w] + 1) % locations : homes[w]
                    let client = order % 5000
                    var fields = "\"id\": \"WO-\(order)\", \"number\": \"\(100000 + order)\", \"status\": \"\(step.status)\""
                    if let previous = step.previous { fields += ", \"previous_status\": \"\(previous)\"" }
                    if s >= 2 {
                        // Two days after the batch started, at 14:00 local time.
                        let day = (start + batch * 50 * steps.count * 20) / 86_400 * 86_400 + 2 * 86_400 + 17 * 3_600
                        fields += ", \"scheduled_for\": \"\(rfc3339(day))\""
                    }
                    fields += ", \"priority\": \"\(order % 2 == 0 ? "urgent" : "normal")\""
                    if order % 4 != 0 { fields += ", \"device\": \"iPhone 13\"" }
                    let line = """
                        {"id": "m-\(k)", "type": "\(step.type)", "occurred_at": "\(rfc3339(at))", "location": "loc\(location)", \
                        "work_order": {\(fields)}, \
                        "client": {"id": "C-\(client)", "name": "Cliente Número \(client)", "first_name": "Cliente", "email": "c\(client)@example.com", \
                        "phone": "+55119\(String(10_000_000 + client))", "accepts_email": true, "accepts_sms": \(client % 5 != 0), "vip": \(client % 3 == 0), "language": "pt-BR"}}

                        """
                    out.append(contentsOf: line.utf8)
                    k += 1
                }
            }
            batch += 1
        }
        return out
    }

    /// `seconds` since 1970 as RFC 3339 at offset -03:00.
    static func rfc3339(_ seconds: Int) -> String {
        let local = seconds - 3 * 3600
        let days = local >= 0 ? local / 86_400 : (local - 86_399) / 86_400
        let secondOfDay = local - days * 86_400
        let (y, m, d) = CivilDays.civil(fromDays: days)
        func two(_ n: Int) -> String { n < 10 ? "0\(n)" : "\(n)" }
        return "\(y)-\(two(m))-\(two(d))T\(two(secondOfDay / 3600)):\(two(secondOfDay / 60 % 60)):\(two(secondOfDay % 60))-03:00"
    }
}
