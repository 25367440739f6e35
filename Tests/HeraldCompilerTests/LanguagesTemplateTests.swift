import HeraldCompiler
import HeraldSyntax
import Testing

@Suite("Templates (SPEC §4)")
struct LanguagesTemplateTests {
    static func path(_ dotted: String) -> FieldPath { FieldPath(dotted: dotted) }

    static let validCases: [(String, [TemplateSegment])] = [
        ("", []),
        ("plain text", [.text("plain text")]),
        ("Hello {{client.name}}!", [.text("Hello "), .value(path("client.name"), filters: []), .text("!")]),
        ("{{ client.name }}", [.value(path("client.name"), filters: [])]),
        (
            "{{client.first_name | default: client.name}}",
            [.value(path("client.first_name"), filters: [.default(.path(path("client.name")))])]
        ),
        (
            "{{client.first_name|default:\"there\"|upper}}",
            [.value(path("client.first_name"), filters: [.default(.string("there")), .upper])]
        ),
        (
            "{{ work_order.scheduled_for | date: \"dd/MM/yyyy HH:mm\" }}",
            [.value(path("work_order.scheduled_for"), filters: [.date(pattern: "dd/MM/yyyy HH:mm")])]
        ),
        ("{{client.name | truncate: 20 | lower}}", [.value(path("client.name"), filters: [.truncate(20), .lower])]),
        ("{{client.name | default: 'it\\'s'}}", [.value(path("client.name"), filters: [.default(.string("it's"))])]),
        (
            "{{#if work_order.scheduled_for}}A{{else}}B{{/if}}",
            [.conditional(path("work_order.scheduled_for"), then: [.text("A")], else: [.text("B")])]
        ),
        (
            "{{ #if client.email }}x{{ /if }}",
            [.conditional(path("client.email"), then: [.text("x")], else: [])]
        ),
        (
            "{{#if a.b}}{{#if c.d}}1{{else}}2{{/if}}{{else}}3{{/if}}",
            [
                .conditional(
                    path("a.b"), then: [.conditional(path("c.d"), then: [.text("1")], else: [.text("2")])],
                    else: [.text("3")])
            ]
        ),
        ("{{\"{{\"}}x{{\"}}\"}}", [.text("{{x}}")]),
        ("a {{\"b\"}} c", [.text("a b c")]),
        ("{ single } braces }}", [.text("{ single } braces }}")]),
        ("Olá {{client.name}}, ção", [.text("Olá "), .value(path("client.name"), filters: []), .text(", ção")]),
        ("{{location.vars.portal_url}}", [.value(path("location.vars.portal_url"), filters: [])]),
    ]

    @Test("valid templates compile to segments", arguments: validCases)
    func valid(text: String, segments: [TemplateSegment]) {
        let (template, issues) = TemplateSyntax.parse(text)
        #expect(issues.isEmpty, "\(issues)")
        #expect(template?.segments == segments)
        #expect(template?.source == text)
    }

    static let syntaxCases: [(String, ExpectedLocalIssue)] = [
        ("Hi {{client.name", ExpectedLocalIssue("template-syntax", 3, 5, "unclosed '{{'")),
        ("Hi {{client.name}, bye", ExpectedLocalIssue("template-syntax", 3, 5, "unclosed '{{'")),
        ("{{client.name} x }}", ExpectedLocalIssue("template-syntax", 13, 14, "not '}'")),
        ("Hi {{#if client.email}}x", ExpectedLocalIssue("template-syntax", 3, 23, "unclosed {{#if client.email}}")),
        ("{{/if}}", ExpectedLocalIssue("template-syntax", 0, 7, "without an open {{#if}}")),
        ("a {{else}} b", ExpectedLocalIssue("template-syntax", 2, 10, "outside an {{#if}}")),
        ("{{#if a.b}}{{else}}{{else}}{{/if}}", ExpectedLocalIssue("template-syntax", 19, 27, "second {{else}}")),
        ("{{client.name | uper}}", ExpectedLocalIssue("unknown-filter", 16, 20, "unknown filter 'uper' (filters are default, date, upper, lower, truncate); did you mean 'upper'?")),
        ("{{client.name | money}}", ExpectedLocalIssue("unknown-filter", 16, 21, "'money'")),
        ("{{client.name | UPPER}}", ExpectedLocalIssue("unknown-filter", 16, 21, "did you mean 'upper'?")),
        ("{{x.y | truncate}}", ExpectedLocalIssue("template-syntax", 8, 16, "needs a length")),
        ("{{x.y | truncate: abc}}", ExpectedLocalIssue("template-syntax", 18, 21, "invalid argument 'abc'")),
        ("{{x.y | truncate: 0}}", ExpectedLocalIssue("template-syntax", 18, 19, "at least 1")),
        ("{{x.y | truncate: 2.5}}", ExpectedLocalIssue("template-syntax", 18, 21, "invalid argument '2.5'")),
        ("{{x.y | date}}", ExpectedLocalIssue("template-syntax", 8, 12, "needs a pattern")),
        ("{{x.y | date: dd}}", ExpectedLocalIssue("template-syntax", 14, 16, "invalid argument 'dd'")),
        ("{{x.y | date: \"\"}}", ExpectedLocalIssue("template-syntax", 14, 16, "empty")),
        ("{{x.y | default}}", ExpectedLocalIssue("template-syntax", 8, 15, "needs an argument")),
        ("{{x.y | default: 3}}", ExpectedLocalIssue("template-syntax", 17, 18, "invalid argument '3'")),
        ("{{x.y | default: }}", ExpectedLocalIssue("template-syntax", 17, 18, "expected an argument")),
        ("{{x.y | upper: 3}}", ExpectedLocalIssue("template-syntax", 15, 16, "takes no argument")),
        ("{{}}", ExpectedLocalIssue("template-syntax", 0, 4, "empty tag")),
        ("{{   }}", ExpectedLocalIssue("template-syntax", 0, 7, "empty tag")),
        ("{{x.y |}}", ExpectedLocalIssue("template-syntax", 6, 7, "expected a filter name")),
        ("{{#each x}}", ExpectedLocalIssue("template-syntax", 2, 7, "unknown block '#each'")),
        ("{{#iff x}}", ExpectedLocalIssue("template-syntax", 2, 6, "did you mean '#if'?")),
        ("{{#if}}", ExpectedLocalIssue("template-syntax", 0, 7, "needs a field path")),
        ("{{#if a | upper}}{{/if}}", ExpectedLocalIssue("template-syntax", 8, 9, "no filters")),
        ("{{/each}}", ExpectedLocalIssue("template-syntax", 2, 7, "{{/if}}")),
        ("{{else if a}}", ExpectedLocalIssue("template-syntax", 7, 8, "nest an {{#if}}")),
        ("{{x.y | default: \"abc}}", ExpectedLocalIssue("template-syntax", 17, 18, "unterminated")),
        ("{{\"abc\" | upper}}", ExpectedLocalIssue("template-syntax", 8, 9, "takes no filters")),
        ("{{client.}}", ExpectedLocalIssue("template-syntax", 2, 9, "incomplete field path")),
        ("{{ 3 }}", ExpectedLocalIssue("template-syntax", 3, 4, "unexpected '3'")),
        ("{{a {{b}}", ExpectedLocalIssue("template-syntax", 0, 2, "unclosed '{{'")),
        ("{{a.b c}}", ExpectedLocalIssue("template-syntax", 6, 7, "expected '|' or '}}'")),
        ("{{\"a\\qb\"}}", ExpectedLocalIssue("template-syntax", 4, 6, "unknown escape")),
        // Unicode: positions count scalars (á is one, e + combining accent two, the emoji one).
        ("Olá {{client.name | uper}}", ExpectedLocalIssue("unknown-filter", 20, 24, "'uper'")),
        ("e\u{301}😀 {{x", ExpectedLocalIssue("template-syntax", 4, 6, "unclosed")),
    ]

    @Test("syntax problems are reported at the offending part", arguments: syntaxCases)
    func syntax(text: String, expected: ExpectedLocalIssue) {
        let (template, issues) = TemplateSyntax.parse(text)
        #expect(template == nil)
        #expect(issues.count == 1, "\(issues)")
        #expect(issues.first.map(expected.matches) == true, "\(issues)")
    }

    @Test("parsing recovers after a bad tag and reports every problem")
    func recovery() {
        let (_, issues) = TemplateSyntax.parse("{{a.b | uper}} {{c.d | lowr}} {{}} {{e.f")
        #expect(issues.map(\.code.rawValue) == ["unknown-filter", "unknown-filter", "template-syntax", "template-syntax"])
        #expect(issues.map(\.from) == [8, 23, 30, 35])
    }

    @Test("a type mismatch is at the filter name (conformance lint-embedded, line 11)")
    func filterMismatch() {
        let issues = TemplateSyntax.check("{{lead.name | date: \"dd/MM\"}}", scope: LanguageFixtures.lead)
        #expect(issues.count == 1)
        // The line is indented by 8, so the filter name is at column 23.
        #expect(ExpectedLocalIssue("type-mismatch", 14, 18, "filter 'date' does not apply to lead.name (string); it takes a datetime").matches(issues[0]), "\(issues)")
    }

    static let checkCases: [(String, [ExpectedLocalIssue])] = [
        ("Hi {{client.name}}", []),
        ("{{work_order.number}}", [ExpectedLocalIssue("unknown-field", 2, 19, "work_order.number")]),
        ("{{client.nam}}", [ExpectedLocalIssue("unknown-field", 2, 12, "did you mean 'client.name'?")]),
        ("{{client.first_name}}", [ExpectedLocalIssue("optional-tag", 2, 19, "client.first_name")]),
        ("{{client.first_name | upper}}", [ExpectedLocalIssue("optional-tag", 2, 19, "default")]),
        ("{{client.first_name | default: client.name}}", []),
        ("{{client.first_name | default: \"there\" | upper}}", []),
        ("{{client.first_name | upper | default: \"x\"}}", []),
        ("{{client.first_name | default: client.nme}}", [ExpectedLocalIssue("unknown-field", 31, 41, "client.nme")]),
        ("{{#if client.first_name}}{{client.first_name}}{{/if}}", []),
        ("{{#if client.first_name}}{{#if lead.previous_status}}{{client.first_name}}{{/if}}{{/if}}", []),
        ("{{#if client.first_name}}{{else}}{{client.first_name}}{{/if}}", [ExpectedLocalIssue("optional-tag", 35, 52, "")]),
        ("{{#if client.email}}{{client.first_name}}{{/if}}", [ExpectedLocalIssue("optional-tag", 22, 39, "")]),
        ("{{#if client.emial}}x{{/if}}", [ExpectedLocalIssue("unknown-field", 6, 18, "did you mean 'client.email'?")]),
        ("{{client.email | lower}} {{client.phone | truncate: 3}}", [
            ExpectedLocalIssue("optional-tag", 2, 14, ""), ExpectedLocalIssue("optional-tag", 27, 39, ""),
        ]),
        ("{{lead.status | upper}} {{lead.name | truncate: 2}}", []),
        ("{{event.occurred_at | date: \"HH:mm\"}}", []),
        ("{{event.occurred_at | upper}}", [ExpectedLocalIssue("type-mismatch", 22, 27, "takes text")]),
        ("{{client.accepts_sms | lower}}", [ExpectedLocalIssue("type-mismatch", 23, 28, "bool")]),
        ("{{event.occurred_at | date: \"dd\" | upper}}", []),
        ("{{event.occurred_at | date: \"dd\" | date: \"dd\"}}", [ExpectedLocalIssue("type-mismatch", 35, 39, "string")]),
        ("{{lead.previous_status | default: \"x\" | date: \"dd\"}}", [ExpectedLocalIssue("type-mismatch", 40, 44, "status of lead")]),
        ("{{client.vipp | upper}}", [ExpectedLocalIssue("unknown-field", 2, 13, "")]),
        ("{{client.vip}}", [ExpectedLocalIssue("optional-tag", 2, 12, "")]),
        ("{{a.b | uper}} {{client.nam}}", [ExpectedLocalIssue("unknown-field", 2, 5, ""), ExpectedLocalIssue("unknown-field", 17, 27, "")]),
        ("{{client.first_name", []),
    ]

    @Test("check resolves paths, filter types and optional values against the scope", arguments: checkCases)
    func check(text: String, expected: [ExpectedLocalIssue]) {
        let issues = TemplateSyntax.check(text, scope: LanguageFixtures.lead)
        #expect(issues.count == expected.count, "\(issues)")
        for (issue, e) in zip(issues, expected) {
            #expect(e.matches(issue), "\(issue)")
        }
    }

    /// Texts that parse without error, with every kind of finding `check` has.
    static let passCases =
        checkCases.map(\.0) + [
            "{{work_order.scheduled_for | default: event.occurred_at | date: \"dd\"}}",
            "{{work_order.scheduled_for | default: \"soon\" | date: \"dd\"}}",
            "{{work_order.scheduled_for | date: \"HH:mm\"}}",
            "{{location.vars.phone}} {{location.vars.phon}} {{location.name}}",
            "{{location.vars.phone}} {{location.vars}}",
            "{{#if work_order.priority}}{{work_order.priority | upper}}{{else}}{{work_order.device | lower}}{{/if}}",
            "{{work_order.total | truncate: 3}} {{client.vip | default: client.name}}",
            "{{client.first_name | default: work_order.number}}",
            "{{#if client.vip}}{{#if client.first_name}}{{client.first_name}}{{/if}}{{client.vip}}{{/if}}",
            "{{vip}} {{ready_for_pickup}} {{tru}}",
            "{{\"{{\"}} plain {{lead.name}}",
        ]

    @Test("passes, over the compiled text, agrees with check over the source in every scope")
    func passesAgreesWithCheck() {
        let scopes = [
            LanguageFixtures.lead, LanguageFixtures.leadWithoutVip, LanguageFixtures.workOrder, LanguageFixtures.reminder,
        ]
        var outcomes: Set<Bool> = []
        for text in Self.passCases {
            guard let compiled = TemplateSyntax.parse(text).0 else { continue }
            for scope in scopes {
                let passes = TemplateSyntax.passes(compiled, scope: scope)
                let issues = TemplateSyntax.check(text, scope: scope)
                #expect(passes == issues.isEmpty, "\(text) in \(scope.context): \(issues)")
                outcomes.insert(passes)
            }
        }
        // Both answers occur, so a `passes` that always said one of them fails.
        #expect(outcomes == [true, false])
    }

    @Test("optional-tag is a warning; other findings are errors")
    func severities() {
        let issues = TemplateSyntax.check("{{client.first_name}} {{lead.name | date: \"d\"}}", scope: LanguageFixtures.lead)
        #expect(issues.map(\.severity) == [.warning, .error])
    }

    @Test("a default with a datetime keeps date applicable; a text default does not")
    func defaultTypes() {
        let ok = TemplateSyntax.check(
            "{{work_order.scheduled_for | default: event.occurred_at | date: \"dd\"}}", scope: LanguageFixtures.workOrder)
        #expect(ok.isEmpty, "\(ok)")
        let bad = TemplateSyntax.check(
            "{{work_order.scheduled_for | default: \"soon\" | date: \"dd\"}}", scope: LanguageFixtures.workOrder)
        #expect(bad.map(\.code.rawValue) == ["type-mismatch"])
        #expect(bad.first?.message.contains("the default text (string)") == true, "\(bad)")
    }

    @Test("a reminder's own field is present: printing it needs no guard")
    func presentFields() {
        let text = "{{work_order.scheduled_for | date: \"HH:mm\"}}"
        #expect(TemplateSyntax.check(text, scope: LanguageFixtures.workOrder).map(\.code.rawValue) == ["optional-tag"])
        #expect(TemplateSyntax.check(text, scope: LanguageFixtures.reminder).isEmpty)
    }

    @Test("location vars resolve against the vars every location declares")
    func locationVars() {
        let issues = TemplateSyntax.check(
            "{{location.vars.phone}} {{location.vars.phon}} {{location.name}}", scope: LanguageFixtures.workOrder)
        #expect(issues.map(\.code.rawValue) == ["unknown-field"])
        #expect(issues.first.map { [$0.from, $0.to] } == [26, 44])
        #expect(issues.first?.message.contains("did you mean 'location.vars.phone'?") == true)
    }

    @Test("names and quoted parts are read back whole: short ASCII, past 64 scalars, and not ASCII")
    func textsOfEveryLength() {
        // Short ASCII texts are made through a stack buffer, longer or
        // non-ASCII ones through bytes on the heap: both give the same text.
        for length in [1, 63, 64, 65, 200] {
            let name = String(repeating: "a", count: length - 1) + "z"
            let (template, issues) = TemplateSyntax.parse("{{client.\(name)}}")
            #expect(issues.isEmpty, "\(issues)")
            #expect(template?.segments == [.value(Self.path("client.\(name)"), filters: [])])
        }
        for escape in ["\\é", "\\😀", "\\x"] {
            let (_, issues) = TemplateSyntax.parse("{{\"a\(escape)b\"}}")
            #expect(issues.first?.message.hasPrefix("unknown escape '\(escape)'") == true, "\(issues)")
        }
    }

    @Test("literal text takes the text segments and the longer branch of each block")
    func literalText() throws {
        let (template, _) = TemplateSyntax.parse(
            "Hi {{client.name}}, {{#if client.email}}long text{{else}}s{{/if}}! {{\"{{\"}}")
        let t = try #require(template)
        #expect(TemplateSyntax.literalText(of: t) == "Hi , long text! {{")
    }

    @Test("deeply nested blocks are an error, not a crash")
    func deepBlocks() {
        let text = String(repeating: "{{#if a.b}}", count: 1000) + String(repeating: "{{/if}}", count: 1000)
        let (template, issues) = TemplateSyntax.parse(text)
        #expect(template == nil)
        #expect(issues.first?.message.contains("nested too deeply") == true)
    }
}
