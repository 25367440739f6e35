import Foundation
import HeraldCompiler
import HeraldSyntax
import Testing

/// SPEC §5 / §11: `cancel_if` is typed like `where` against the rule's
/// trigger and allowed only on event rules with a `delay`.
@Suite("cancel_if checks")
struct CancelIfCheckTests {
    static func rules(_ rule: String) -> String {
        basicSet + "rules:\n" + rule
    }

    @Test("a cancel_if on a delayed event rule compiles into the model")
    func compiles() throws {
        let result = compile(
            Self.rules(
                """
                  - id: follow
                    on: lead.status_changed
                    to: won
                    delay: 3d
                    cancel_if: lead.status != "won"
                    channel: email
                    template: lead-mail
                """))
        #expect(errorCodes(result).isEmpty, "\(dump(result))")
        let rule = try #require(result.ruleSet?.rules.first)
        #expect(rule.cancelIf != nil)
    }

    @Test("delay: 0s with work_hours: defer can be pending until the next opening, so cancel_if applies")
    func zeroDelayDeferred() {
        let result = compile(
            Self.rules(
                """
                  - id: r
                    on: work_order.status_changed
                    delay: 0s
                    work_hours: defer
                    cancel_if: work_order.status == "open"
                    channel: sms
                    template: sms-only
                """))
        #expect(!errorCodes(result).contains("filter-not-applicable"), "\(dump(result))")
    }

    @Test(
        "cancel_if on a reminder, without delay or with delay 0s is filter-not-applicable at the key",
        arguments: [
            (
                """
                  - id: r
                    remind: work_order.scheduled_for
                    before: 1d
                    cancel_if: work_order.status == "open"
                    channel: sms
                    template: sms-only
                """, "'cancel_if' applies only to event rules with a 'delay', not to reminders"
            ),
            (
                """
                  - id: r
                    on: work_order.status_changed
                    cancel_if: work_order.status == "open"
                    channel: sms
                    template: sms-only
                """, "'cancel_if' applies only to rules with a 'delay'"
            ),
            (
                """
                  - id: r
                    on: work_order.status_changed
                    delay: 0s
                    cancel_if: work_order.status == "open"
                    channel: sms
                    template: sms-only
                """, "'cancel_if' applies only to rules with a 'delay': rule 'r' has 'delay: 0s' and no 'work_hours: defer', sends at once"
            ),
        ])
    func notApplicable(rule: String, prefix: String) {
        let result = compile(Self.rules(rule))
        #expect(errorCodes(result) == ["filter-not-applicable"], "\(dump(result))")
        let error = result.diagnostics.first { $0.severity == .error }
        #expect(error?.message.hasPrefix(prefix) == true, "\(dump(result))")
        #expect(error?.range.start.column == 5)
        #expect(result.ruleSet == nil)
    }

    @Test("a delay that is not valid is reported once, as invalid-duration, not again by cancel_if")
    func invalidDelay() {
        let result = compile(Self.rules("""
              - id: r
                on: work_order.status_changed
                delay: -1h
                cancel_if: work_order.status == "open"
                channel: sms
                template: sms-only
            """))
        #expect(errorCodes(result) == ["invalid-duration"], "\(dump(result))")
    }

    @Test("cancel_if is typed against the trigger: unknown fields, unknown statuses, non-bool")
    func typed() {
        let result = compile(
            Self.rules(
                """
                  - id: a
                    on: work_order.closed
                    delay: 1d
                    cancel_if: lead.status == "won"
                    channel: sms
                    template: sms-only
                  - id: b
                    on: work_order.closed
                    delay: 1d
                    cancel_if: work_order.status == "reopened"
                    channel: sms
                    template: sms-only
                  - id: c
                    on: work_order.closed
                    delay: 1d
                    cancel_if: work_order.number
                    channel: sms
                    template: sms-only
                """))
        #expect(errorCodes(result) == ["unknown-field", "unknown-status", "type-mismatch"], "\(dump(result))")
        let errors = result.diagnostics.filter { $0.severity == .error }
        #expect(errors.last?.message.contains("`cancel_if` condition must be bool") == true)
        // Positions point inside the expression: `lead.status` after `cancel_if: `, `'reopened'` further on.
        #expect(errors.map(\.range.start.column) == [16, 37, 16])
    }
}
