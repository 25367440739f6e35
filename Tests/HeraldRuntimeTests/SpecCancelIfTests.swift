import Foundation
import HeraldCompiler
import HeraldRuntime
import Testing

private typealias S = EngineSupport
private typealias Z = SpecSupport

/// SPEC §5 `cancel_if`: pending delayed sends cancelled by later events of
/// the same entity.
@Suite("SPEC §5 cancel_if")
struct SpecCancelIfTests {
    /// A follow-up 1 day after `ready`, cancelled once the work order is no
    /// longer ready; and an earlier rule that fires on `delivered`.
    static let rules = """
          - id: a-delivered
            on: work_order.status_changed
            to: delivered
            channel: sms
            template: t
          - id: follow
            on: work_order.status_changed
            to: ready
            delay: 1d
            cancel_if: work_order.status != "ready"
            channel: [sms, email]
            template: t
          - id: z-delivered
            on: work_order.status_changed
            to: delivered
            channel: email
            template: t

        """

    static func status(_ id: String, at: String, _ status: String, from previous: String, wo: String = "WO-1") -> String {
        S.event(id, at: at, workOrder: ["id": wo, "status": status, "previous_status": previous])
    }

    @Test("a later event of the entity for which cancel_if holds cancels each pending send, at the rule's position")
    func cancelsAtRulePosition() {
        let runtime = S.runtime(rules: Self.rules)
        let records = S.run(
            runtime,
            [
                Self.status("e1", at: "2026-04-07T10:00:00-03:00", "ready", from: "in_repair"),
                Self.status("e2", at: "2026-04-07T15:00:00-03:00", "delivered", from: "ready"),
            ])
        #expect(
            Z.lines(records) == [
                "e1 send follow sms 2026-04-08T10:00:00-03:00 follow/e1/sms",
                "e1 send follow email 2026-04-08T10:00:00-03:00 follow/e1/email",
                "e2 send a-delivered sms 2026-04-07T15:00:00-03:00 a-delivered/e2/sms",
                "e2 cancel follow sms cancel-if follow/e1/sms",
                "e2 cancel follow email cancel-if follow/e1/email",
                "e2 send z-delivered email 2026-04-07T15:00:00-03:00 z-delivered/e2/email",
            ])
    }

    @Test("a later event for which cancel_if does not hold keeps the send; a later one can still cancel it")
    func keepsWhileFalse() {
        let runtime = S.runtime(rules: Self.rules)
        let records = S.run(
            runtime,
            [
                Self.status("e1", at: "2026-04-07T10:00:00-03:00", "ready", from: "in_repair"),
                // Same status again (no-change): cancel_if is still evaluated, and is false.
                Self.status("e2", at: "2026-04-07T11:00:00-03:00", "ready", from: "ready"),
                S.event("e3", "work_order.schedule_changed", at: "2026-04-07T12:00:00-03:00", workOrder: ["status": "open"]),
                S.event("e4", "work_order.closed", at: "2026-04-07T13:00:00-03:00", workOrder: ["status": "open"]),
            ])
        #expect(
            Z.lines(records) == [
                "e1 send follow sms 2026-04-08T10:00:00-03:00 follow/e1/sms",
                "e1 send follow email 2026-04-08T10:00:00-03:00 follow/e1/email",
                "e3 cancel follow sms cancel-if follow/e1/sms",
                "e3 cancel follow email cancel-if follow/e1/email",
            ])
    }

    @Test("no cancel once the send is due, for another entity, or from the planning event itself")
    func onlyWhilePendingAndSameEntity() {
        let runtime = S.runtime(rules: Self.rules)
        let records = S.run(
            runtime,
            [
                Self.status("e1", at: "2026-04-07T10:00:00-03:00", "ready", from: "in_repair"),
                Self.status("e2", at: "2026-04-07T11:00:00-03:00", "open", from: "ready", wo: "WO-2"),
                // send_at 2026-04-08T10:00 is not later than this occurred_at: no longer pending.
                Self.status("e3", at: "2026-04-08T10:00:00-03:00", "open", from: "ready"),
                Self.status("e4", at: "2026-04-09T10:00:00-03:00", "open", from: "ready"),
            ])
        #expect(
            Z.lines(records) == [
                "e1 send follow sms 2026-04-08T10:00:00-03:00 follow/e1/sms",
                "e1 send follow email 2026-04-08T10:00:00-03:00 follow/e1/email",
            ])
    }

    @Test("the cancelling event can plan the rule again: the cancel comes before the new send")
    func cancelBeforeNewPlan() {
        let runtime = S.runtime(
            rules: """
                  - id: f
                    on: work_order.status_changed
                    delay: 2h
                    cancel_if: 'true'
                    channel: sms
                    template: t

                """)
        let records = S.run(
            runtime,
            [
                Self.status("e1", at: "2026-04-07T10:00:00-03:00", "ready", from: "in_repair"),
                Self.status("e2", at: "2026-04-07T11:00:00-03:00", "delivered", from: "ready"),
            ])
        #expect(
            Z.lines(records) == [
                "e1 send f sms 2026-04-07T12:00:00-03:00 f/e1/sms",
                "e2 cancel f sms cancel-if f/e1/sms",
                "e2 send f sms 2026-04-07T13:00:00-03:00 f/e2/sms",
            ])
    }

    @Test("--explain: the cancel comes before the rule's none record; other records unchanged")
    func explain() {
        let runtime = S.runtime(rules: Self.rules)
        let records = S.run(
            runtime,
            [
                Self.status("e1", at: "2026-04-07T10:00:00-03:00", "ready", from: "in_repair"),
                Self.status("e2", at: "2026-04-07T15:00:00-03:00", "delivered", from: "ready"),
            ], explain: true)
        let e2 = Z.lines(records.filter { $0.event == "e2" }, explained: true)
        #expect(
            e2 == [
                "e2 send a-delivered sms 2026-04-07T15:00:00-03:00 a-delivered/e2/sms",
                "e2 cancel follow sms cancel-if follow/e1/sms",
                "e2 cancel follow email cancel-if follow/e1/email",
                "e2 none follow to",
                "e2 send z-delivered email 2026-04-07T15:00:00-03:00 z-delivered/e2/email",
            ])
    }

    @Test("the pending sends live per entity in RuntimeState.pendingSends and survive encoding")
    func stateRoundTrip() throws {
        let runtime = S.runtime(rules: Self.rules)
        var state = RuntimeState()
        _ = S.run(runtime, [Self.status("e1", at: "2026-04-07T10:00:00-03:00", "ready", from: "in_repair")], state: &state)
        let reference = EntityReference(entity: .workOrder, id: "WO-1")
        #expect(state.pendingSends[reference]?.map(\.key) == ["follow/e1/sms", "follow/e1/email"])
        let data = try JSONEncoder().encode(state)
        var restored = try JSONDecoder().decode(RuntimeState.self, from: data)
        #expect(restored == state)

        // A host keeping state per entity hands over only this entity's slice.
        var slice = RuntimeState()
        slice.pendingSends[reference] = restored.pendingSends[reference]
        let records = S.run(runtime, [Self.status("e2", at: "2026-04-07T15:00:00-03:00", "open", from: "ready")], state: &slice)
        #expect(Z.lines(records) == ["e2 cancel follow sms cancel-if follow/e1/sms", "e2 cancel follow email cancel-if follow/e1/email"])
        #expect(slice.pendingSends.isEmpty)
        _ = S.run(runtime, [Self.status("e2", at: "2026-04-07T15:00:00-03:00", "open", from: "ready")], state: &restored)
        #expect(restored.pendingSends.isEmpty)
    }

    @Test("a state written before cancel_if (no pending_sends key) still decodes")
    func oldStateDecodes() throws {
        let old = #"{"latest_occurred_at":5,"planned_sends":{},"processed_events":["e1"],"reminders":[]}"#
        let state = try JSONDecoder().decode(RuntimeState.self, from: Data(old.utf8))
        #expect(state.processedEventIDs == ["e1"])
        #expect(state.pendingSends.isEmpty)
        let again = String(decoding: try JSONEncoder().encode(state), as: UTF8.self)
        #expect(!again.contains("pending_sends"))
    }

    @Test("a rule set with cancel_if survives a bundle round trip and evaluates the same")
    func bundle() throws {
        let ruleSet = S.ruleSet(S.base + "rules:\n" + Self.rules)
        let follow = ruleSet.rules.first { $0.id == "follow" }
        #expect(follow?.cancelIf != nil)
        let decoded = try RuleBundle.decode(RuleBundle.encode(ruleSet)).get()
        #expect(decoded == ruleSet)
        let lines = [
            Self.status("e1", at: "2026-04-07T10:00:00-03:00", "ready", from: "in_repair"),
            Self.status("e2", at: "2026-04-07T15:00:00-03:00", "delivered", from: "ready"),
        ]
        #expect(Z.lines(S.run(Runtime(ruleSet: decoded), lines)) == Z.lines(S.run(Runtime(ruleSet: ruleSet), lines)))
        #expect(Z.lines(S.run(Runtime(ruleSet: decoded), lines)).contains("e2 cancel follow sms cancel-if follow/e1/sms"))
    }
}
