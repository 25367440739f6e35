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
