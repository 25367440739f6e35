import Foundation
import HeraldCompiler
import HeraldSyntax
import Testing

/// SPEC §4: every path of a template is checked against the schema of every
/// trigger of every rule that uses it, whichever channels the rule sends.
@Suite("Template paths against the rules that use the template")
struct TemplateScopeTests {
    static let rules = """
        herald: 1
        statuses:
          work_order: [open, ready]
        templates:
          t:
            sms: "OS {{work_order.number}}"
            email:
              subject: "{{work_order.numbr}}"
              body: "{{lead.name}}"
            locales:
              pt:
                email:
                  subject: "{{work_order.stauts}}"
                  body: "ok"
        rules:
          - {id: r, on: work_order.created, channel: sms, template: t}

        """

    @Test("a rule that only sends SMS still has the email parts of its template checked, base and locales")
    func unsentParts() {
        let result = compile(Self.rules)
        let found = result.diagnostics.filter { $0.code == .unknownField }.map { "\($0.range.start.line): \($0.message)" }
        #expect(found.count == 3, "\(dump(result))")
        #expect(found.contains { $0.hasPrefix("8: unknown field 'work_order.numbr'") })
        #expect(found.contains { $0.hasPrefix("9: ") && $0.contains("lead.name") })
        #expect(found.contains { $0.hasPrefix("13: unknown field 'work_order.stauts'") })
        #expect(found.allSatisfy { $0.contains("used by rule 'r'") })
    }

    @Test("a template no rule uses is only checked for syntax (and is unused-template)")
    func unusedTemplate() {
        let result = compile(Self.rules.replacingOccurrences(of: "template: t}", with: "template: u}\n  - {id: q, on: work_order.created, channel: email, template: u}").replacingOccurrences(of: "templates:\n", with: "templates:\n  u:\n    sms: \"x\"\n    email: {subject: s, body: b}\n"))
        #expect(!result.diagnostics.contains { $0.code == .unknownField }, "\(dump(result))")
        #expect(result.diagnostics.contains { $0.code == .unusedTemplate })
    }
}

/// SPEC §11 `unreachable-rule` (its filters can never all hold): `where`
/// read with `to` and `from`, for the plain forms `==`, `!=`, `in` and
/// `not in` joined by `and`.
@Suite("unreachable-rule: where against to and from")
struct UnreachableWhereTests {
    static func warnings(_ rule: String) -> [String] {
        let yaml = basicSet + "rules:\n  - {id: r, channel: sms, template: both, \(rule)}\n"
        return compile(yaml).diagnostics.filter { $0.code == .unreachableRule }.map(\.message)
    }

    @Test(
        "filters that leave a field no value are unreachable-rule",
        arguments: [
            ("on: work_order.status_changed, to: ready_for_pickup, where: 'work_order.status == \"open\"'",
             "rule 'r' can never fire: 'to' (ready_for_pickup) and 'where' together leave no value for work_order.status"),
            ("on: work_order.status_changed, where: 'work_order.status == \"open\" and work_order.status == \"delivered\"'",
             "rule 'r' can never fire: its 'where' leaves no value for work_order.status"),
            ("on: work_order.status_changed, from: [open, in_repair], where: 'work_order.previous_status not in [\"open\", \"in_repair\"]'",
             "rule 'r' can never fire: 'from' (open, in_repair) and 'where' together leave no value for work_order.previous_status"),
            ("on: work_order.created, where: 'client.name == \"a\" and client.name != \"a\"'",
             "rule 'r' can never fire: its 'where' leaves no value for client.name"),
            ("on: work_order.created, where: 'work_order.number in [\"1\", \"2\"] and work_order.number == \"3\"'",
             "rule 'r' can never fire: its 'where' leaves no value for work_order.number"),
        ])
    func contradictions(rule: String, message: String) {
        #expect(Self.warnings(rule) == [message])
    }

    @Test(
        "filters that can hold, or forms it does not read, are not reported",
        arguments: [
            "on: work_order.status_changed, to: ready_for_pickup, where: 'work_order.status == \"ready_for_pickup\"'",
            "on: work_order.status_changed, to: [open, delivered], where: 'work_order.status != \"open\"'",
            "on: work_order.status_changed, where: 'work_order.status == \"open\" or work_order.status == \"delivered\"'",
            "on: work_order.created, where: 'client.name == \"a\" and client.email == \"b\"'",
            "on: work_order.created, where: 'lower(client.name) == \"a\" and client.name == \"B\"'",
        ])
    func possible(rule: String) {
        #expect(Self.warnings(rule) == [])
    }
}

/// SPEC §4: a template has an `sms` text and/or an `email` part; `null` is neither.
@Suite("Template parts written as null")
struct NullTemplatePartTests {
    @Test(
        "sms: null, an empty sms: and email: null are wrong-type at the part, in the base and in a locale",
        arguments: [
            ("  e: {sms: null}\n", "4:12: error: 'sms' must be text, not null [wrong-type]"),
            ("  e:\n    sms:\n", "5:5: error: 'sms' must be text, not null [wrong-type]"),
            ("  e: {email: ~}\n", "4:14: error: 'email' must be a mapping of subject and body, not null [wrong-type]"),
            ("  e:\n    sms: ok\n    locales:\n      pt: {sms: null}\n", "7:17: error: 'sms' must be text, not null [wrong-type]"),
        ])
    func nullParts(template: String, expected: String) {
        let yaml = "herald: 1\nstatuses: {work_order: [open]}\ntemplates:\n" + template
            + "rules:\n  - {id: r, on: work_order.created, channel: sms, template: e}\n"
        let result = compile(yaml)
        #expect(result.hasErrors)
        #expect(result.diagnostics.map(goldenLine).contains("r.yaml:" + expected), "\(dump(result))")
    }

    @Test("beside a real part a null one is just absent: email: null next to sms, a locale's sms: null next to its email")
    func nullBesideAPart() {
        for template in [
            "  e: {sms: ok, email: null}\n",
            "  e:\n    sms: ok\n    locales:\n      pt: {sms: null, email: {subject: s, body: b}}\n",
        ] {
            let yaml = "herald: 1\nstatuses: {work_order: [open]}\ntemplates:\n" + template
                + "rules:\n  - {id: r, on: work_order.created, channel: sms, template: e}\n"
            let result = compile(yaml)
            #expect(!result.hasErrors, "\(dump(result))")
        }
    }
}

/// SPEC §10.1 (every problem in one run), §11 `zone-mismatch`: a calendar
/// whose hours have errors still has its zone compared.
@Suite("zone-mismatch beside a calendar's hours errors")
struct ZoneMismatchTests {
    @Test(
        "invalid-hours of any kind and zone-mismatch are both reported",
        arguments: [
            "{mon-fri: \"08:00-18:00\", tue: \"09:00-10:00\"}",  // a day named twice
            "{mon: \"08:00-12:00, 11:00-13:00\"}",  // overlapping ranges
            "{mon: \"10:00-09:00\"}",  // reversed
        ])
    func both(hours: String) {
        let yaml = """
            herald: 1
            calendars:
              cal: {timezone: Europe/Lisbon, hours: \(hours)}
            locations:
              lis: {timezone: Europe/Paris, calendar: cal}

            """
        let found = Set(compile(yaml).diagnostics.map(\.code.rawValue))
        #expect(found.isSuperset(of: ["invalid-hours", "zone-mismatch"]), "\(found)")
    }
}
