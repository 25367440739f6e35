import Foundation
import HeraldCompiler
import HeraldRuntime
import Testing

private typealias S = EngineSupport

/// SPEC §5.3: reminders are planned, re-planned and cancelled per entity.
@Suite("Reminders")
struct EngineReminderTests {
    static func schedule(_ id: String, at: String, _ scheduled: String?, wo: String = "WO-1", type: String = "work_order.schedule_changed",
        priority: String? = nil) -> String
    {
        var changes: [String: Any] = ["id": wo, "scheduled_for": scheduled ?? NSNull()]
        if let priority { changes["priority"] = priority }
        return S.event(id, type, at: at, workOrder: changes)
    }

    static func lines(_ records: [DecisionRecord]) -> [String] {
        records.map { r in
            var parts = [r.event ?? "null", r.decision.rawValue]
            if let reason = r.reason { parts.append(reason) }
            if let sendAt = r.sendAt { parts.append(sendAt) }
            if r.late { parts.append("late") }
            if let key = r.key { parts.append(key) }
            return parts.joined(separator: " ")
        }
    }

    static let dayBefore = """
          - id: visit
            remind: work_order.scheduled_for
            before: 1d
            channel: sms
            template: t

        """

    @Test("plan, repeat, reschedule, unschedule, late, past, closed")
    func lifecycle() {
        let runtime = S.runtime(rules: Self.dayBefore)
        let records = S.run(
            runtime,
            [
                Self.schedule("a1", at: "2026-04-06T10:00:00-03:00", "2026-04-08T14:00:00-03:00"),
                Self.schedule("a2", at: "2026-04-06T11:00:00-03:00", "2026-04-08T14:00:00-03:00"),
                Self.schedule("a3", at: "2026-04-06T12:00:00-03:00", "2026-04-09T10:00:00-03:00"),
                Self.schedule("a4", at: "2026-04-06T13:00:00-03:00", nil),
                Self.schedule("a5", at: "2026-04-06T14:00:00-03:00", nil),
                Self.schedule("a6", at: "2026-04-06T15:00:00-03:00", "2026-04-07T09:00:00-03:00"),
                Self.schedule("a7", at: "2026-04-07T10:00:00-03:00", "2026-04-07T09:00:00-03:00"),
                Self.schedule("a8", at: "2026-04-07T11:00:00-03:00", "2026-04-07T10:30:00-03:00"),
                Self.schedule("a9", at: "2026-04-07T12:00:00-03:00", "2026-04-07T10:30:00-03:00", type: "work_order.closed"),
                Self.schedule("b1", at: "2026-04-06T10:00:00-03:00", "2026-04-10T10:00:00-03:00", wo: "WO-2"),
                Self.schedule("b2", at: "2026-04-06T11:00:00-03:00", "2026-04-10T10:00:00-03:00", wo: "WO-2", type: "work_order.closed"),
                Self.schedule("b3", at: "2026-04-06T12:00:00-03:00", "2026-04-10T10:00:00-03:00", wo: "WO-2", type: "work_order.closed"),
            ])
        #expect(
            Self.lines(records) == [
                "a1 send 2026-04-07T14:00:00-03:00 visit/WO-1/sms",
                "a3 cancel rescheduled visit/WO-1/sms",
                "a3 send 2026-04-08T10:00:00-03:00 visit/WO-1/sms",
                "a4 cancel unscheduled visit/WO-1/sms",
                "a6 send 2026-04-06T15:00:00-03:00 late visit/WO-1/sms",
                "a8 skip reminder-past",
                "b1 send 2026-04-09T10:00:00-03:00 visit/WO-2/sms",
                "b2 cancel closed visit/WO-2/sms",
            ])
        #expect(records.allSatisfy { $0.decision != .cancel || ($0.channel == .sms && $0.rule == "visit") })
    }

    /// An entity's plans are looked up key by key while there are few
    /// (`Runtime.planIndex`) and hashed beyond eight: twelve reminder rules
    /// plan, re-plan and cancel for one work order as one rule does, also
    /// with plans read back from the encoded state (keys that are not the
    /// rules' own strings).
    @Test("twelve reminder plans of one work order: planned, re-planned, kept across encoding, cancelled")
    func manyPlansOfOneEntity() throws {
        let hours = 1...12
        let rules = hours.map { h in
            """
              - id: remind-\(h)
                remind: work_order.scheduled_for
                before: \(h)h
                channel: sms
                template: t

            """
        }.joined()
        let runtime = S.runtime(rules: rules)
        var state = RuntimeState()
        let planned = S.run(
            runtime,
            [
                Self.schedule("a1", at: "2026-04-06T10:00:00-03:00", "2026-04-08T14:00:00-03:00"),
                Self.schedule("a2", at: "2026-04-06T11:00:00-03:00", "2026-04-09T20:00:00-03:00"),
            ], state: &state)
        func at(_ day: Int, _ hour: Int) -> String { "2026-04-0\(day)T\(hour < 10 ? "0" : "")\(hour):00:00-03:00" }
        let expectedPlanned =
            hours.map { "a1 send \(at(8, 14 - $0)) remind-\($0)/WO-1/sms" }
            + hours.flatMap {
                ["a2 cancel rescheduled remind-\($0)/WO-1/sms", "a2 send \(at(9, 20 - $0)) remind-\($0)/WO-1/sms"]
            }
        #expect(Self.lines(planned) == expectedPlanned)
        #expect(state.reminders.count == 1)
        #expect(state.reminders.values.first?.count == 12)

        // Read back, then reloaded with the first three rules: the other
        // nine plans are cancelled as removed; the three left (looked up key
        // by key, keys decoded) are cancelled when the work order closes.
        var restored = try JSONDecoder().decode(RuntimeState.self, from: JSONEncoder().encode(state))
        let reloaded = S.runtime(rules: rules.components(separatedBy: "  - id: ").prefix(4).joined(separator: "  - id: "))
        let later = S.run(
            reloaded,
            [
                Self.schedule("a3", at: "2026-04-06T12:00:00-03:00", "2026-04-09T20:00:00-03:00"),
                Self.schedule("a4", at: "2026-04-06T13:00:00-03:00", "2026-04-09T20:00:00-03:00", type: "work_order.closed"),
            ], state: &restored)
        #expect(
            Self.lines(later)
                == (4...12).map { "remind-\($0)" }.sorted().map { "a3 cancel rule-removed \($0)/WO-1/sms" }
                + (1...3).map { "a4 cancel closed remind-\($0)/WO-1/sms" })
        #expect(restored.reminders.isEmpty)
    }

    /// The entity's plans are moved out of the state for an event and back
    /// after it (`Runtime.evaluate`): an entity's first plan adds it, its last
    /// cancel removes it, and entities the event is not about keep theirs.
    @Test("plans kept per entity across events and a reload: the removed rule's plan cancelled, the last cancel forgets the entity")
    func plansAcrossReload() {
        let both = Self.dayBefore + """
              - id: visit-email
                remind: work_order.scheduled_for
                before: 2h
                channel: email
                template: t

            """
        var state = RuntimeState()
        let first = S.run(
            S.runtime(rules: both),
            [
                Self.schedule("r1", at: "2026-04-06T10:00:00-03:00", "2026-04-08T14:00:00-03:00"),
                Self.schedule("r2", at: "2026-04-06T10:05:00-03:00", "2026-04-09T14:00:00-03:00", wo: "WO-2"),
            ], state: &state)
        #expect(
            Self.lines(first) == [
                "r1 send 2026-04-07T14:00:00-03:00 visit/WO-1/sms",
                "r1 send 2026-04-08T12:00:00-03:00 visit-email/WO-1/email",
                "r2 send 2026-04-08T14:00:00-03:00 visit/WO-2/sms",
                "r2 send 2026-04-09T12:00:00-03:00 visit-email/WO-2/email",
            ])
        #expect(state.reminders.count == 2)
        #expect(state.reminders.values.allSatisfy { $0.count == 2 })

        // The rule set loses `visit-email`: the next event of WO-1 cancels
        // its plan (same value: `visit` has nothing to do); WO-2's stay.
        let reloaded = S.runtime(rules: Self.dayBefore)
        let second = S.run(
            reloaded,
            [
                Self.schedule("r3", at: "2026-04-06T11:00:00-03:00", "2026-04-08T14:00:00-03:00"),
                Self.schedule("r4", at: "2026-04-06T12:00:00-03:00", nil),
            ], state: &state)
        #expect(
            Self.lines(second) == [
                "r3 cancel rule-removed visit-email/WO-1/email",
                "r4 cancel unscheduled visit/WO-1/sms",
            ])
        #expect(state.reminders.count == 1)
        #expect(state.reminders.values.first?.count == 2)

        // WO-1 is planned again from nothing; WO-2's removed plan goes on its next event.
        let third = S.run(
            reloaded,
            [
                Self.schedule("r5", at: "2026-04-06T13:00:00-03:00", "2026-04-10T10:00:00-03:00"),
                Self.schedule("r6", at: "2026-04-06T13:05:00-03:00", "2026-04-09T14:00:00-03:00", wo: "WO-2"),
            ], state: &state)
        #expect(
            Self.lines(third) == [
                "r5 send 2026-04-09T10:00:00-03:00 visit/WO-1/sms",
                "r6 cancel rule-removed visit-email/WO-2/email",
            ])
        #expect(state.reminders.count == 2)
        #expect(state.reminders.values.allSatisfy { $0.count == 1 })
    }

    @Test("a failing filter cancels a pending reminder and forgets its value; it is planned again when the filter holds")
    func noLongerApplies() {
        let runtime = S.runtime(
            rules: """
                  - id: urgent-visit
                    remind: work_order.scheduled_for
                    before: 1d
                    where: work_order.priority == "urgent"
                    channel: sms
                    template: t

                """)
        let records = S.run(
            runtime,
            [
                Self.schedule("c1", at: "2026-04-06T10:00:00-03:00", "2026-04-10T10:00:00-03:00", priority: "urgent"),
                Self.schedule("c2", at: "2026-04-06T11:00:00-03:00", "2026-04-10T10:00:00-03:00", priority: "low"),
                Self.schedule("c3", at: "2026-04-06T12:00:00-03:00", "2026-04-10T10:00:00-03:00", priority: "low"),
                Self.schedule("c4", at: "2026-04-06T13:00:00-03:00", "2026-04-10T10:00:00-03:00", priority: "urgent"),
            ])
        #expect(
            Self.lines(records) == [
                "c1 send 2026-04-09T10:00:00-03:00 urgent-visit/WO-1/sms",
                "c2 cancel no-longer-applies urgent-visit/WO-1/sms",
                "c4 send 2026-04-09T10:00:00-03:00 urgent-visit/WO-1/sms",
            ])
    }

    @Test("a sent (no longer pending) reminder is not cancelled and not repeated")
    func notPending() {
        let runtime = S.runtime(rules: Self.dayBefore)
        let records = S.run(
            runtime,
            [
                Self.schedule("d1", at: "2026-04-06T10:00:00-03:00", "2026-04-08T14:00:00-03:00"),
                Self.schedule("d2", at: "2026-04-07T15:00:00-03:00", nil),
                Self.schedule("d3", at: "2026-04-07T16:00:00-03:00", "2026-04-08T14:00:00-03:00"),
                Self.schedule("d4", at: "2026-04-07T17:00:00-03:00", "2026-04-08T14:00:00-03:00", type: "work_order.closed"),
            ])
        #expect(Self.lines(records) == ["d1 send 2026-04-07T14:00:00-03:00 visit/WO-1/sms"])
    }

    /// A cancel that leaves a plan's sends already made (SPEC §5.3): only
    /// the pending one is cancelled, the plan keeps the made one and
    /// forgets its value, so the next value plans again (the made channel
    /// a `duplicate`, the cancelled one sent anew).
    @Test("a cancel keeps the sends already made in the plan and forgets its value")
    func cancelKeepsMadeSends() {
        let runtime = S.runtime(
            rules: """
                  - id: visit
                    remind: work_order.scheduled_for
                    before: 1d
                    channel: [sms, email]
                    template: t

                """)
        func event(_ id: String, at: String, _ scheduled: String, email: Bool, type: String = "work_order.schedule_changed")
            -> String
        {
            S.event(id, type, at: at, workOrder: ["scheduled_for": scheduled], client: ["accepts_email": email])
        }
        var state = RuntimeState()
        let records = S.run(
            runtime,
            [
                event("h1", at: "2026-04-06T10:00:00-03:00", "2026-04-08T14:00:00-03:00", email: false),
                // The SMS went out at 2026-04-07T14:00; the visit moves and email is allowed.
                event("h2", at: "2026-04-07T15:00:00-03:00", "2026-04-09T14:00:00-03:00", email: true),
                event("h3", at: "2026-04-07T16:00:00-03:00", "2026-04-09T14:00:00-03:00", email: true, type: "work_order.closed"),
                event("h4", at: "2026-04-07T17:00:00-03:00", "2026-04-09T14:00:00-03:00", email: true),
            ], state: &state)
        #expect(
            Self.lines(records) == [
                "h1 send 2026-04-07T14:00:00-03:00 visit/WO-1/sms",
                "h1 skip no-consent",
                "h2 skip duplicate",
                "h2 send 2026-04-08T14:00:00-03:00 visit/WO-1/email",
                "h3 cancel closed visit/WO-1/email",
                "h4 skip duplicate",
                "h4 send 2026-04-08T14:00:00-03:00 visit/WO-1/email",
            ])
        let plan = state.reminders.values.first?["visit"]
        #expect(plan?.sends.map(\.channel) == [.sms, .email])
        #expect(plan?.value == RFC3339.parse("2026-04-09T14:00:00-03:00")?.seconds)
    }

    @Test("a reminder already sent keeps its key planned: a new value is a duplicate, once")
    func sentThenRescheduled() {
        let runtime = S.runtime(rules: Self.dayBefore)
        let records = S.run(
            runtime,
            [
                Self.schedule("g1", at: "2026-04-06T10:00:00-03:00", "2026-04-08T14:00:00-03:00"),
                // The reminder went out at 2026-04-07T14:00; the visit moves.
                Self.schedule("g2", at: "2026-04-07T15:00:00-03:00", "2026-04-09T10:00:00-03:00"),
                Self.schedule("g3", at: "2026-04-07T16:00:00-03:00", "2026-04-09T10:00:00-03:00"),
                // Another work order is unaffected.
                Self.schedule("g4", at: "2026-04-07T17:00:00-03:00", "2026-04-09T10:00:00-03:00", wo: "WO-2"),
            ])
        #expect(
            Self.lines(records) == [
                "g1 send 2026-04-07T14:00:00-03:00 visit/WO-1/sms",
                "g2 skip duplicate",
                "g4 send 2026-04-08T10:00:00-03:00 visit/WO-2/sms",
            ])
    }

    /// Entity ids compare byte for byte (`EntityReference`), as event ids
    /// and the service's stores do: precomposed and decomposed `é` are two
    /// work orders, each with its own plan.
    @Test("work orders whose ids differ only in Unicode normalization have separate reminder plans")
    func entityIdsByBytes() {
        let runtime = S.runtime(rules: Self.dayBefore)
        let records = S.run(
            runtime,
            [
                Self.schedule("n1", at: "2026-04-06T10:00:00-03:00", "2026-04-08T14:00:00-03:00", wo: "caf\u{e9}"),
                Self.schedule("n2", at: "2026-04-06T11:00:00-03:00", "2026-04-08T15:00:00-03:00", wo: "cafe\u{301}"),
                Self.schedule("n3", at: "2026-04-06T12:00:00-03:00", "2026-04-08T14:00:00-03:00", wo: "caf\u{e9}"),
                Self.schedule("n4", at: "2026-04-06T13:00:00-03:00", nil, wo: "cafe\u{301}"),
            ])
        #expect(
            Self.lines(records) == [
                "n1 send 2026-04-07T14:00:00-03:00 visit/caf\u{e9}/sms",
                "n2 send 2026-04-07T15:00:00-03:00 visit/cafe\u{301}/sms",
                "n4 cancel unscheduled visit/cafe\u{301}/sms",
            ])
    }

    @Test("reminders re-plan on every event of their entity, not on other entities' events")
    func otherEntities() {
        let runtime = S.runtime(rules: Self.dayBefore)
        let records = S.run(
            runtime,
            [
                Self.schedule("e1", at: "2026-04-06T10:00:00-03:00", "2026-04-08T14:00:00-03:00", type: "work_order.created"),
                S.event("e2", "lead.created", at: "2026-04-06T11:00:00-03:00"),
                Self.schedule("e3", at: "2026-04-06T12:00:00-03:00", "2026-04-08T15:00:00-03:00", type: "work_order.status_changed"),
            ], explain: true)
        #expect(
            Self.lines(records) == [
                "e1 send 2026-04-07T14:00:00-03:00 visit/WO-1/sms",
                "e2 none trigger",
                "e3 cancel rescheduled visit/WO-1/sms",
                "e3 send 2026-04-07T15:00:00-03:00 visit/WO-1/sms",
            ])
    }

    @Test(
        "work_hours: defer moves a reminder earlier, else sends late inside hours, else skips",
        arguments: [
            ("2026-04-06T10:00:00-03:00", "2026-04-08T09:00:00-03:00", "send 2026-04-07T17:59:00-03:00"),
            ("2026-04-08T06:00:00-03:00", "2026-04-08T09:00:00-03:00", "skip outside-work-hours"),
            ("2026-04-08T08:30:00-03:00", "2026-04-08T09:00:00-03:00", "send 2026-04-08T08:30:00-03:00 late"),
            ("2026-04-08T10:00:00-03:00", "2026-04-08T13:00:00-03:00", "send 2026-04-08T11:00:00-03:00"),
            ("2026-04-08T10:00:00-03:00", "2026-04-08T10:00:00-03:00", "skip reminder-past"),
            ("2026-04-08T19:00:00-03:00", "2026-04-08T20:00:00-03:00", "skip outside-work-hours"),
        ])
    func deferEarlier(at: String, scheduled: String, expected: String) {
        let runtime = S.runtime(
            rules: """
                  - id: visit
                    remind: work_order.scheduled_for
                    before: 2h
                    work_hours: defer
                    channel: sms
                    template: t

                """)
        let records = S.run(runtime, [Self.schedule("f1", at: at, scheduled)])
        #expect(Self.lines(records).map { $0.replacingOccurrences(of: " visit/WO-1/sms", with: "") } == ["f1 " + expected])
    }

    @Test("a skipped reminder remembers its value: the same value is not re-planned")
    func skippedValueRemembered() {
        let runtime = S.runtime(rules: Self.dayBefore)
        let records = S.run(
            runtime,
            [
                S.event("g1", "work_order.schedule_changed", at: "2026-04-06T10:00:00-03:00",
                    workOrder: ["scheduled_for": "2026-04-10T10:00:00-03:00"], client: ["accepts_sms": false]),
                S.event("g2", "work_order.schedule_changed", at: "2026-04-06T11:00:00-03:00",
                    workOrder: ["scheduled_for": "2026-04-10T10:00:00-03:00"]),
                S.event("g3", "work_order.schedule_changed", at: "2026-04-06T12:00:00-03:00",
                    workOrder: ["scheduled_for": "2026-04-10T11:00:00-03:00"]),
            ])
        #expect(
            Self.lines(records) == [
                "g1 skip no-consent",
                "g3 send 2026-04-09T11:00:00-03:00 visit/WO-1/sms",
            ])
    }

    @Test("reminder state survives a JSON round trip of RuntimeState")
    func stateRoundTrip() throws {
        let runtime = S.runtime(rules: Self.dayBefore)
        let events = [
            Self.schedule("h1", at: "2026-04-06T10:00:00-03:00", "2026-04-08T14:00:00-03:00"),
            Self.schedule("h2", at: "2026-04-06T11:00:00-03:00", "2026-04-09T14:00:00-03:00", wo: "WO-2"),
            Self.schedule("h3", at: "2026-04-06T12:00:00-03:00", "2026-04-08T16:00:00-03:00"),
            Self.schedule("h2", at: "2026-04-06T12:00:00-03:00", "2026-04-08T16:00:00-03:00"),
            Self.schedule("h4", at: "2026-04-06T13:00:00-03:00", "2026-04-09T14:00:00-03:00", wo: "WO-2"),
            Self.schedule("h5", at: "2026-04-06T14:00:00-03:00", nil, wo: "WO-2"),
        ]
        let uninterrupted = S.run(runtime, events)
        var state = RuntimeState()
        var resumed = S.run(runtime, Array(events.prefix(3)), state: &state)
        let data = try JSONEncoder().encode(state)
        var restored = try JSONDecoder().decode(RuntimeState.self, from: data)
        #expect(restored == state)
        resumed += S.run(runtime, Array(events.dropFirst(3)), state: &restored)
        // The second batch numbers its lines from 1 again; only `line` may differ.
        func withoutLine(_ records: [DecisionRecord]) -> [DecisionRecord] {
            records.map { r in
                var r = r
                r.line = nil
                return r
            }
        }
        #expect(withoutLine(resumed) == withoutLine(uninterrupted))
        #expect(Self.lines(uninterrupted).contains("h5 cancel unscheduled visit/WO-2/sms"))
        #expect(Self.lines(uninterrupted).contains("h2 reject duplicate-event"))
    }
}
