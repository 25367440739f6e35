// The small shop rule set and event that the `herald test` tests (library and
// command line) share.

/// A small rule set: one location open mon-fri 08:00-18:00 in São Paulo, and
/// a rule that sends an SMS when a work order is ready (deferred to opening hours).
public let shopRules = """
    herald: 1
    statuses:
      work_order: [open, in_repair, ready_for_pickup]
    calendars:
      shop:
        timezone: America/Sao_Paulo
        hours: {mon-fri: "08:00-18:00"}
    locations:
      centro: {calendar: shop}
    templates:
      ready:
        sms: "OS {{work_order.number}} pronta."
    rules:
      - id: wo-ready
        on: work_order.status_changed
        to: ready_for_pickup
        channel: sms
        work_hours: defer
        template: ready

    """

/// One `wo-ready` event as a YAML flow mapping, at `time` (Tuesday 7 April 2026 by default).
public func readyEvent(id: String = "e1", at time: String = "2026-04-07T10:00:00-03:00", phone: String = "\"+5511999990000\"") -> String {
    """
    {id: \(id), type: work_order.status_changed, occurred_at: \(time), location: centro,
             work_order: {id: WO-1, number: "1", status: ready_for_pickup, previous_status: in_repair},
             client: {id: C-1, name: Maria, phone: \(phone), accepts_sms: true}}
    """
}
