import HeraldCompiler
import HeraldSyntax
import Testing

@Suite("where expressions (SPEC §6)")
struct LanguagesExpressionTests {
    static func path(_ dotted: String) -> RuleExpression { .path(FieldPath(dotted: dotted)) }
    static func string(_ s: String) -> RuleExpression { .literal(.string(s)) }

    @Test(
        "valid conditions compile to the expected tree",
        arguments: [
            ("lead.status == \"won\"", RuleExpression.compare(.equal, path("lead.status"), string("won"))),
            ("client.vip", path("client.vip")),
            ("true", .literal(.bool(true))),
            ("not client.head_office", .not(path("client.head_office"))),
            ("!client.head_office", .not(path("client.head_office"))),
            (
                "client.accepts_sms and client.vip or client.head_office",
                .or(.and(path("client.accepts_sms"), path("client.vip")), path("client.head_office"))
            ),
            (
                "client.accepts_sms && (client.vip || client.head_office)",
                .and(path("client.accepts_sms"), .or(path("client.vip"), path("client.head_office")))
            ),
            ("lead.status in [\"won\", 'lost']", .compare(.isIn, path("lead.status"), .list([string("won"), string("lost")]))),
            ("lead.status not in [\"won\"]", .compare(.notIn, path("lead.status"), .list([string("won")]))),
            ("lead.previous_status == null", .compare(.equal, path("lead.previous_status"), .literal(.null))),
            ("lead.previous_status != lead.status", .compare(.notEqual, path("lead.previous_status"), path("lead.status"))),
            ("has(client.email)", .call(.has, [path("client.email")])),
            ("startsWith(client.phone, \"+55\")", .call(.startsWith, [path("client.phone"), string("+55")])),
            ("endsWith(client.email, '.br')", .call(.endsWith, [path("client.email"), string(".br")])),
            ("contains(client.name, \"Souza\")", .call(.contains, [path("client.name"), string("Souza")])),
            (
                "contains([\"pt\", \"es\"], client.language)",
                .call(.contains, [.list([string("pt"), string("es")]), path("client.language")])
            ),
            ("lower(client.name) == \"maria\"", .compare(.equal, .call(.lower, [path("client.name")]), string("maria"))),
            ("client.name == \"it\\'s \\\"x\\\" \\\\ \\n\"", .compare(.equal, path("client.name"), string("it's \"x\" \\ \n"))),
            ("client.name < \"M\"", .compare(.less, path("client.name"), string("M"))),
            ("event.occurred_at >= event.occurred_at", .compare(.greaterOrEqual, path("event.occurred_at"), path("event.occurred_at"))),
            ("\n  client.vip\n  and not client.head_office\n", .and(path("client.vip"), .not(path("client.head_office")))),
            ("lead.name == client.email", .compare(.equal, path("lead.name"), path("client.email"))),
            ("(((client.vip)))", path("client.vip")),
            ("not not client.vip", .not(.not(path("client.vip")))),
            ("client.vip == true", .compare(.equal, path("client.vip"), .literal(.bool(true)))),
            ("lead.status in []", .compare(.isIn, path("lead.status"), .list([]))),
        ])
    func valid(text: String, expected: RuleExpression) {
        let (expression, issues) = ExpressionSyntax.check(text, scope: LanguageFixtures.lead)
        #expect(issues.isEmpty, "\(issues)")
        #expect(expression == expected)
    }

    @Test(
        "work-order conditions: numbers, enums, datetimes, location vars",
        arguments: [
            "work_order.priority == \"urgent\" and not client.head_office",
            "work_order.total >= 2.5 and work_order.total < 1000",
            "work_order.total == -3",
            "work_order.priority in [\"low\", \"normal\"]",
            "work_order.scheduled_for > event.occurred_at",
            "work_order.status == \"ready_for_pickup\" and work_order.previous_status == \"in_repair\"",
            "location.vars.phone == \"+55 11 4000-0000\"",
            "location.id == \"sp-centro\" or location.name != \"x\"",
            "work_order.device != \"\" and lower(work_order.device) == \"iphone\"",
            "has(work_order.scheduled_for) and has(work_order.priority)",
            "work_order.status == work_order.previous_status",
            "startsWith(work_order.status, \"in_\")",
        ])
    func validWorkOrder(text: String) {
        let (expression, issues) = ExpressionSyntax.check(text, scope: LanguageFixtures.workOrder)
        #expect(issues.isEmpty, "\(issues)")
        #expect(expression != nil)
    }

    @Test(
        "each problem is reported with its code at the offending token",
        arguments: [
            // unknown-status at the literal, with "did you mean"
            ("lead.status == \"wonn\"", ExpectedLocalIssue("unknown-status", 15, 21, "unknown status 'wonn' of lead; did you mean 'won'?")),
            ("\"wonn\" == lead.status", ExpectedLocalIssue("unknown-status", 0, 6, "did you mean 'won'?")),
            ("lead.status in [\"won\", \"lots\"]", ExpectedLocalIssue("unknown-status", 23, 29, "unknown status 'lots' of lead; did you mean 'lost'?")),
            ("lead.status not in ['x']", ExpectedLocalIssue("unknown-status", 20, 23, "unknown status 'x' of lead")),
            ("contains([\"wonn\"], lead.status)", ExpectedLocalIssue("unknown-status", 10, 16, "'wonn'")),
            ("lead.status != \"wonn\"", ExpectedLocalIssue("unknown-status", 15, 21, "'wonn'")),
            // unknown-field at the path, with the scope's message
            ("client.vipp", ExpectedLocalIssue("unknown-field", 0, 11, "did you mean 'client.vip'?")),
            ("work_order.number == \"1\"", ExpectedLocalIssue("unknown-field", 0, 17, "work_order.number")),
            ("location.id == \"x\"", ExpectedLocalIssue("unknown-field", 0, 11, "declares no locations")),
            ("vip", ExpectedLocalIssue("unknown-field", 0, 3, "'vip'")),
            // type-mismatch
            ("lead.name == 3", ExpectedLocalIssue("type-mismatch", 0, 14, "cannot compare lead.name (string) with 3 (number)")),
            ("lead.status == client.name", ExpectedLocalIssue("type-mismatch", 0, 26, "status of lead")),
            ("client.vip == \"yes\"", ExpectedLocalIssue("type-mismatch", 0, 19, "bool")),
            ("event.occurred_at == \"2026-01-01\"", ExpectedLocalIssue("type-mismatch", 0, 33, "datetime")),
            ("event.occurred_at < 3", ExpectedLocalIssue("type-mismatch", 0, 21, "using '<'")),
            ("client.vip > false", ExpectedLocalIssue("type-mismatch", 0, 18, "numbers, datetimes or text")),
            ("client.name", ExpectedLocalIssue("type-mismatch", 0, 11, "a `where` condition must be bool, but this is string")),
            ("\"yes\"", ExpectedLocalIssue("type-mismatch", 0, 5, "must be bool")),
            ("lower(client.name)", ExpectedLocalIssue("type-mismatch", 0, 18, "must be bool")),
            ("not client.name", ExpectedLocalIssue("type-mismatch", 4, 15, "'not' needs a bool")),
            ("client.vip and client.name", ExpectedLocalIssue("type-mismatch", 15, 26, "'and' needs bool operands")),
            ("client.name or client.vip", ExpectedLocalIssue("type-mismatch", 0, 11, "'or' needs bool operands")),
            ("null or client.vip", ExpectedLocalIssue("type-mismatch", 0, 4, "null")),
            ("client.name in \"abc\"", ExpectedLocalIssue("type-mismatch", 0, 20, "must be a list")),
            ("client.name in [\"a\", 3]", ExpectedLocalIssue("type-mismatch", 21, 22, "in a list")),
            ("has(\"x\")", ExpectedLocalIssue("type-mismatch", 4, 7, "field path")),
            ("has(client.email, client.phone)", ExpectedLocalIssue("type-mismatch", 0, 31, "takes 1 argument")),
            ("startsWith(client.name)", ExpectedLocalIssue("type-mismatch", 0, 23, "takes 2 arguments")),
            ("startsWith(client.vip, \"x\")", ExpectedLocalIssue("type-mismatch", 11, 21, "not text")),
            ("contains(client.vip, \"x\")", ExpectedLocalIssue("type-mismatch", 9, 19, "text or a list")),
            ("lower(event.occurred_at) == \"x\"", ExpectedLocalIssue("type-mismatch", 6, 23, "not text")),
            ("[client.vip]", ExpectedLocalIssue("type-mismatch", 0, 12, "list")),
            ("(lead.name) == (1)", ExpectedLocalIssue("type-mismatch", 0, 18, "cannot compare")),
            // expression-syntax at the offending token
            ("", ExpectedLocalIssue("expression-syntax", 0, 0, "empty")),
            ("   ", ExpectedLocalIssue("expression-syntax", 0, 3, "empty")),
            ("lead.status ==", ExpectedLocalIssue("expression-syntax", 12, 14, "ends too early")),
            ("client.vip and", ExpectedLocalIssue("expression-syntax", 11, 14, "after 'and'")),
            ("client.name == \"abc", ExpectedLocalIssue("expression-syntax", 15, 19, "unterminated string")),
            ("client.name == 'abc", ExpectedLocalIssue("expression-syntax", 15, 19, "closing '")),
            ("client.name == \"a\\qb\"", ExpectedLocalIssue("expression-syntax", 17, 19, "unknown escape '\\q'")),
            ("(client.vip", ExpectedLocalIssue("expression-syntax", 0, 1, "'(' is never closed")),
            ("(client.vip client.vip)", ExpectedLocalIssue("expression-syntax", 12, 22, "expected ')'")),
            ("lead.status in [\"won\"", ExpectedLocalIssue("expression-syntax", 15, 16, "'[' is never closed")),
            ("lead.status in [\"won\" \"lost\"]", ExpectedLocalIssue("expression-syntax", 22, 28, "expected ',' or ']'")),
            ("has(client.email", ExpectedLocalIssue("expression-syntax", 3, 4, "never closed")),
            ("client.vip client.vip", ExpectedLocalIssue("expression-syntax", 11, 21, "after the end of the condition")),
            ("client.vip AND client.vip", ExpectedLocalIssue("expression-syntax", 11, 14, "did you mean 'and'?")),
            ("client.vip)", ExpectedLocalIssue("expression-syntax", 10, 11, "no '(' to close")),
            ("== 3", ExpectedLocalIssue("expression-syntax", 0, 2, "expected a value")),
            ("client.name = \"x\"", ExpectedLocalIssue("expression-syntax", 12, 13, "'=='")),
            ("client.vip & client.vip", ExpectedLocalIssue("expression-syntax", 11, 12, "'&&'")),
            ("client.vip | client.vip", ExpectedLocalIssue("expression-syntax", 11, 12, "'||'")),
            ("client.name == 3x", ExpectedLocalIssue("expression-syntax", 15, 17, "invalid number")),
            ("client.name == 3.", ExpectedLocalIssue("expression-syntax", 15, 17, "invalid number")),
            ("client. == 3", ExpectedLocalIssue("expression-syntax", 0, 7, "incomplete field path")),
            ("client.vip # comment", ExpectedLocalIssue("expression-syntax", 11, 12, "unexpected character '#'")),
            ("a == b == c", ExpectedLocalIssue("expression-syntax", 7, 9, "cannot be chained")),
            ("HAS(client.email)", ExpectedLocalIssue("expression-syntax", 0, 3, "did you mean 'has'?")),
            ("lead.previous_status == \"won\" and csr.id == \"x\"", ExpectedLocalIssue("unknown-field", 34, 40, "csr.id")),
            ("hass(client.email)", ExpectedLocalIssue("expression-syntax", 0, 4, "unknown function 'hass' (functions are has, startsWith, endsWith, contains, lower); did you mean 'has'?")),
            ("client.vip and []", ExpectedLocalIssue("type-mismatch", 15, 17, "list")),
        ])
    func problems(text: String, expected: ExpectedLocalIssue) {
        let (expression, issues) = ExpressionSyntax.check(text, scope: LanguageFixtures.lead)
        #expect(expression == nil)
        #expect(issues.count == 1, "\(issues)")
        #expect(issues.first.map(expected.matches) == true, "\(issues)")
    }

    @Test("an enum literal not among the values is unknown-status naming the field and its values")
    func enumValue() {
        let (_, issues) = ExpressionSyntax.check("work_order.priority == \"urgen\"", scope: LanguageFixtures.workOrder)
        #expect(issues.count == 1)
        #expect(ExpectedLocalIssue("unknown-status", 23, 30, "unknown value 'urgen' of work_order.priority (values: low, normal, urgent); did you mean 'urgent'?").matches(issues[0]), "\(issues)")
    }

    @Test("independent problems are all reported (conformance lint-embedded, line 16)")
    func independentProblems() {
        let (expression, issues) = ExpressionSyntax.check(
            "lead.status == \"wonn\" or client.vip", scope: LanguageFixtures.leadWithoutVip)
        #expect(expression == nil)
        #expect(issues.count == 2, "\(issues)")
        guard issues.count == 2 else { return }
        // `where: ` starts at column 12, so these are columns 27 and 37.
        #expect(ExpectedLocalIssue("unknown-status", 15, 21, "did you mean 'won'?").matches(issues[0]), "\(issues[0])")
        #expect(ExpectedLocalIssue("unknown-field", 25, 35, "client.vip").matches(issues[1]), "\(issues[1])")
    }

    @Test("a comparison of unrelated types spans both operands (conformance lint-many-errors, line 31)")
    func mismatchSpan() {
        let (_, issues) = ExpressionSyntax.check("work_order.number == 3", scope: LanguageFixtures.workOrder)
        #expect(issues.count == 1)
        #expect(ExpectedLocalIssue("type-mismatch", 0, 22, "work_order.number (string)").matches(issues[0]), "\(issues)")
    }

    @Test(
        "statuses and enum values cannot be ordered: type-mismatch over the comparison, pointing to 'in'",
        arguments: [
            "work_order.status < \"ready_for_pickup\"", "\"open\" >= work_order.status",
            "work_order.priority > \"low\"", "work_order.status <= work_order.previous_status",
        ])
    func unorderedStatus(text: String) {
        let (expression, issues) = ExpressionSyntax.check(text, scope: LanguageFixtures.workOrder)
        #expect(expression == nil)
        #expect(issues.count == 1, "\(issues)")
        #expect(ExpectedLocalIssue("type-mismatch", 0, text.unicodeScalars.count, "have no order").matches(issues[0]), "\(issues)")
    }

    @Test("an unknown status in an ordering is reported too")
    func unorderedUnknownStatus() {
        let (_, issues) = ExpressionSyntax.check("work_order.status > \"redy\"", scope: LanguageFixtures.workOrder)
        #expect(issues.map(\.code.rawValue) == ["unknown-status", "type-mismatch"], "\(issues)")
    }

    @Test("text, numbers and datetimes can still be ordered", arguments: [
        "work_order.number < \"5\"", "lower(client.name) >= \"m\"", "work_order.scheduled_for > event.occurred_at",
    ])
    func orderedText(text: String) {
        let (expression, issues) = ExpressionSyntax.check(text, scope: LanguageFixtures.workOrder)
        #expect(issues.isEmpty, "\(issues)")
        #expect(expression != nil)
    }

    @Test(
        "an unknown field has an unknown type that raises nothing more",
        arguments: [
            "client.vipp == 3", "not client.vipp", "client.vipp and client.vip", "client.vipp", "lower(client.vipp) == 2",
            "client.vipp in [1, \"a\"]", "startsWith(client.vipp, \"a\")", "client.vipp < event.occurred_at",
            "lower(client.vipp) < event.occurred_at", "has(client.vipp) or client.vip",
        ])
    func noCascade(text: String) {
        let (_, issues) = ExpressionSyntax.check(text, scope: LanguageFixtures.lead)
        #expect(issues.map(\.code.rawValue) == ["unknown-field"], "\(issues)")
    }

    @Test("positions are Unicode-scalar indices")
    func unicodePositions() {
        // "ção" is 3 scalars; é written as e + combining accent is 2 scalars (1 character);
        // the emoji is 1 scalar (2 UTF-16 units).
        let (_, a) = ExpressionSyntax.check("client.name == \"ção\" and client.vipp", scope: LanguageFixtures.leadWithoutVip)
        #expect(a.map { [$0.from, $0.to] } == [[25, 36]])
        let (_, b) = ExpressionSyntax.check("\"e\u{301}😀\" == client.nam", scope: LanguageFixtures.lead)
        #expect(b.map { [$0.from, $0.to] } == [[9, 19]], "\(b)")
        let (_, c) = ExpressionSyntax.check("client.name == \"😀\" ==", scope: LanguageFixtures.lead)
        #expect(c.map { [$0.from, $0.to] } == [[19, 21]], "\(c)")
    }

    @Test("deep nesting is an error, not a crash")
    func deepNesting() {
        let text = String(repeating: "(", count: 10_000) + "client.vip" + String(repeating: ")", count: 10_000)
        let (expression, issues) = ExpressionSyntax.check(text, scope: LanguageFixtures.lead)
        #expect(expression == nil)
        #expect(issues.map(\.code.rawValue) == ["expression-syntax"])
        #expect(issues.first?.message.contains("nested too deeply") == true)
        let nots = String(repeating: "not ", count: 10_000) + "client.vip"
        #expect(ExpressionSyntax.check(nots, scope: LanguageFixtures.lead).1.map(\.code.rawValue) == ["expression-syntax"])
    }

    @Test("a long chain of 'or' compiles to a shallow tree")
    func longChain() {
        let text = Array(repeating: "lead.status == \"won\"", count: 5000).joined(separator: " or ")
        let (expression, issues) = ExpressionSyntax.check(text, scope: LanguageFixtures.lead)
        #expect(issues.isEmpty)
        func depth(_ e: RuleExpression) -> Int {
            switch e {
            case .or(let a, let b), .and(let a, let b): return 1 + max(depth(a), depth(b))
            default: return 1
            }
        }
        #expect(expression.map(depth) ?? 0 < 40)
    }

    @Test("short chains are left-associative")
    func leftAssociative() {
        let (expression, _) = ExpressionSyntax.check("client.vip or client.head_office or client.accepts_sms", scope: LanguageFixtures.lead)
        #expect(expression == .or(.or(Self.path("client.vip"), Self.path("client.head_office")), Self.path("client.accepts_sms")))
    }
}

@Suite("Field scope lookups")
struct LanguagesFieldScopeTests {
    static let cases: [(String, String)] = [
        ("vip", "did you mean 'client.vip'?"),
        ("status", "did you mean 'lead.status'?"),
        ("client", "client is an entity; name one of its fields, e.g. client.id"),
        ("clint.name", "did you mean 'client'?"),
        ("lead.stauts", "did you mean 'lead.status'?"),
        ("work_order.number", "not available for trigger lead.status_changed"),
        ("location.name", "declares no locations"),
        ("region.name", "regions"),
    ]

    @Test("unknown paths get a message that helps to fix them", arguments: cases)
    func unknown(path: String, fragment: String) {
        guard case .unknown(let message) = LanguageFixtures.lead.resolve(FieldPath(dotted: path)) else {
            Issue.record("'\(path)' should be unknown")
            return
        }
        #expect(message.hasPrefix("unknown field '\(path)'"))
        #expect(message.contains(fragment), "\(message)")
    }

    @Test("known paths resolve to their spec")
    func known() {
        #expect(LanguageFixtures.lead.resolve(FieldPath(dotted: "client.vip")) == .field(FieldSpec(name: "vip", type: .bool, optional: true, custom: true)))
        #expect(LanguageFixtures.workOrder.resolve(FieldPath(dotted: "location.vars.phone")) == .field(FieldSpec(name: "vars.phone", type: .string, optional: false)))
    }
}

@Suite("RuleExpression diagnostics are capped per value")
struct ExpressionIssueCapTests {
    @Test("a where with 4,000 unknown fields reports 100 and says how many more")
    func capped() throws {
        let text = (0..<4000).map { "work_order.nope\($0) == 'x'" }.joined(separator: " and ")
        let (_, issues) = ExpressionSyntax.check(text, scope: LanguageFixtures.workOrder)
        #expect(issues.count == LocalIssue.maximumPerScalar)
        #expect(issues.last?.message.hasSuffix("(and 3900 more problems in this value, not listed)") == true)
    }
}

@Suite("RuleExpression mistakes a new user makes")
struct ExpressionStumbleTests {
    @Test("a misspelt literal suggests it: == tru")
    func literal() {
        let (_, issues) = ExpressionSyntax.check("client.head_office == tru", scope: LanguageFixtures.workOrder)
        #expect(issues.first?.message == "unknown field 'tru'; did you mean the literal true?")
    }

    @Test("an unquoted status says to quote it")
    func unquotedStatus() {
        let (_, issues) = ExpressionSyntax.check("work_order.status == ready_for_pickup", scope: LanguageFixtures.workOrder)
        #expect(issues.first?.message == "'ready_for_pickup' is a work_order status, and statuses are text: quote it ('ready_for_pickup')")
    }
}
