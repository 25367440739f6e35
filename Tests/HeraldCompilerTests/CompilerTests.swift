import Foundation
import HeraldCompiler
import HeraldSyntax
import HeraldTestSupport
import Testing

@Suite("rule-set discovery")
struct DiscoveryTests {
    @Test("a directory gives every yaml/yml file below it in byte order, without tests and hidden folders")
    func ordering() throws {
        let rule = { (id: String, delay: String) in
            "rules:\n  - {id: \(id), on: work_order.created, delay: \(delay), channel: sms, template: t}\n"
        }
        let dir = try TemporaryDirectory(files: [
            "b.yaml": rule("from-b", "1m"),
            "a/z.yml": rule("from-a-z", "2m"),
            "B.yaml": rule("from-upper-b", "3m"),
            "a.yaml": "templates:\n  t: {sms: hi}\n" + rule("from-a", "4m"),
            "a.test.yaml": "tests: []\n",
            ".git/x.yaml": "nonsense: true\n",
            "notes.txt": "nonsense: true\n",
        ])
        defer { dir.remove() }
        let root = dir.path
        let result = Compiler.compile(path: root)
        #expect(result.diagnostics.isEmpty, "\(dump(result))")
        #expect(result.fileCount == 4)
        // Byte order: "B.yaml" < "a.yaml" < "a/z.yml" < "b.yaml".
        #expect(result.ruleSet?.rules.map(\.id) == ["from-upper-b", "from-a", "from-a-z", "from-b"])
        #expect(result.ruleSet?.rules.map(\.index) == [0, 1, 2, 3])
        #expect(Set(result.sources.keys) == Set(["B.yaml", "a.yaml", "a/z.yml", "b.yaml"].map { root + "/" + $0 }))
    }

    @Test("reported paths join the argument as given with the relative path")
    func reportedPaths() throws {
        let dir = try TemporaryDirectory(files: ["sub/bad.yaml": "chanel: 1\n"])
        defer { dir.remove() }
        let root = dir.path
        for argument in [root, root + "/"] {
            let result = Compiler.compile(path: argument)
            #expect(result.diagnostics.map(\.range.file) == [root + "/sub/bad.yaml"])
        }
        let single = Compiler.compile(path: root + "/sub/bad.yaml")
        #expect(single.diagnostics.map(\.range.file) == [root + "/sub/bad.yaml"])
        #expect(single.fileCount == 1)
    }

    @Test("a missing path is a diagnostic, not a crash")
    func missingPath() {
        let result = Compiler.compile(path: "/nonexistent/herald/rules")
        #expect(codes(result) == ["unreadable-file"])
        #expect(result.ruleSet == nil)
    }

    @Test("an empty directory is an empty, valid rule set")
    func emptyDirectory() throws {
        let dir = try TemporaryDirectory(files: [:])
        defer { dir.remove() }
        let root = dir.path
        let result = Compiler.compile(path: root)
        #expect(result.diagnostics.isEmpty)
        #expect(result.ruleSet?.rules.isEmpty == true)
    }
}

@Suite("the checked model")
struct ModelTests {
    @Test("rules keep their filters, channels, timing and declaration order")
    func rules() throws {
        let result = compile([
            ("a.yaml", basicSet + """
                locations:
                  off: {timezone: Europe/Lisbon, vars: {phone: "1"}}
                  on: {calendar: hours}
                calendars:
                  hours:
                    timezone: America/Sao_Paulo
                    hours: {mon-fri: "08:00-12:00, 13:00-18:00", sat: "09:00-13:00"}
                    closed: [2026-12-25]
                """),
            ("b.yaml", """
                rules:
                  - id: status
                    on: work_order.status_changed
                    to: open
                    from: [in_repair, delivered]
                    where: client.accepts_sms
                    locations: [on]
                    channel: [sms, email]
                    delay: 1h30m
                    work_hours: drop
                    template: both
                  - id: remind
                    remind: work_order.scheduled_for
                    before: 1d
                    channel: sms
                    fallback: email
                    active: false
                    template: both
                  - id: lead
                    on: lead.created
                    channel: email
                    template: lead-mail
                    work_hours: defer
                    locations: on
                    regions: []
                """),
        ])
        #expect(codes(result) == ["unused-template", "unreachable-rule"], "\(dump(result))")
        let set = try #require(result.ruleSet)
        #expect(set.rules.map(\.id) == ["status", "remind", "lead"])
        let status = set.rules[0]
        #expect(status.kind == .event(.workOrderStatusChanged))
        #expect(status.toStatuses == ["open"])
        #expect(status.fromStatuses == ["in_repair", "delivered"])
        #expect(status.condition == .path(FieldPath(dotted: "client.accepts_sms")))
        #expect(status.locations == ["on"])
        #expect(status.channels == [.sms, .email])
        #expect(status.delay == RuleDuration(days: 0, seconds: 5400))
        #expect(status.workHours == .drop)
        let remind = set.rules[1]
        #expect(remind.kind == .reminder(field: FieldPath(dotted: "work_order.scheduled_for"), entity: .workOrder,
                                        before: RuleDuration(days: 1)))
        #expect(remind.fallback == .email)
        #expect(remind.active == false)
        #expect(set.rules[2].regions == [])
        #expect(set.locations["on"]?.timeZone == "America/Sao_Paulo")
        #expect(set.locations["on"]?.name == "on")
        #expect(set.locations["off"]?.vars == ["phone": "1"])
        let week = try #require(set.calendars["hours"]?.week)
        #expect(week[0] == [MinuteSpan(start: 480, end: 720), MinuteSpan(start: 780, end: 1080)])
        #expect(week[5] == [MinuteSpan(start: 540, end: 780)])
        #expect(week[6] == [])
        #expect(set.calendars["hours"]?.closed == [LocalDate(year: 2026, month: 12, day: 25)])
        #expect(set.schema.statuses[.workOrder] == ["open", "in_repair", "ready_for_pickup", "delivered"])
        #expect(set.templates["both"]?.base.email?.subject.source == "OS {{work_order.number}}")
    }

    @Test("custom fields are optional unless required, enums keep their values")
    func fields() throws {
        let result = compile(basicSet + """
            fields:
              work_order:
                priority: {type: enum, values: [low, high], required: true}
                device: string
              lead:
                stage: status
            """)
        #expect(errorCodes(result).isEmpty, "\(dump(result))")
        let fields = try #require(result.ruleSet?.schema.customFields)
        #expect(fields[.workOrder]?["priority"] == FieldSpec(name: "priority", type: .enumeration(["low", "high"]),
                                                             optional: false, custom: true))
        #expect(fields[.workOrder]?["device"]?.optional == true)
        #expect(fields[.lead]?["stage"]?.type == .status(.lead))
    }

    @Test("statuses, locations and ids that YAML 1.1 would read as bools stay text")
    func yamlTyping() throws {
        let result = compile("""
            statuses:
              work_order: [no, off, on, yes, true, null_ish]
            locations:
              off: {timezone: UTC, vars: {flag: yes}}
            templates:
              t: {sms: "{{work_order.status}}"}
            rules:
              - id: true
                on: work_order.status_changed
                to: no
                from: [off, yes]
                locations: off
                channel: sms
                template: t
            """)
        #expect(result.diagnostics.isEmpty, "\(dump(result))")
        let rule = try #require(result.ruleSet?.rules.first)
        #expect(rule.id == "true")
        #expect(rule.toStatuses == ["no"])
        #expect(rule.fromStatuses == ["off", "yes"])
        #expect(rule.locations == ["off"])
        #expect(result.ruleSet?.locations["off"]?.vars == ["flag": "yes"])
    }

    @Test("no rule set is returned when there is an error, one is with warnings only")
    func ruleSetOnlyWithoutErrors() {
        let warningsOnly = compile([("a.yaml", basicSet), ("b.yaml", "templates:\n  extra: {sms: hi}\n")])
        #expect(warningsOnly.ruleSet != nil)
        #expect(codes(warningsOnly) == ["unused-template", "unused-template", "unused-template", "unused-template"])
        let withError = compile(basicSet + "rules:\n  - id: x\n")
        #expect(withError.ruleSet == nil)
        #expect(withError.hasErrors)
    }
}

@Suite("value typing")
struct ValueTypingTests {
    static func rule(active: String) -> String {
        basicSet + """
            rules:
              - id: r
                on: work_order.created
                channel: sms
                template: both
                active: \(active)
            """
    }

    @Test("bools are true/false in three spellings", arguments: ["true", "True", "TRUE", "false", "False", "FALSE", "\"true\""])
    func bools(_ text: String) {
        let result = compile(Self.rule(active: text))
        #expect(errorCodes(result).isEmpty, "\(dump(result))")
        #expect(result.ruleSet?.rules.first?.active == text.lowercased().contains("true"))
    }

    @Test("YAML 1.1 bool words and other text are wrong-type", arguments: ["yes", "no", "on", "off", "1", "maybe", "[true]", "{a: b}"])
    func notBools(_ text: String) {
        let result = compile(Self.rule(active: text))
        #expect(errorCodes(result) == ["wrong-type"], "\(dump(result))")
        #expect(result.diagnostics.first { $0.severity == .error }?.range.start.line == 22)
    }

    @Test("a list where text is expected is wrong-type")
    func listForText() {
        let result = compile(basicSet + """
            rules:
              - id: r
                on: [work_order.created]
                channel: sms
                template: both
            """)
        #expect(errorCodes(result) == ["wrong-type"], "\(dump(result))")
    }

    @Test("null means absent for optional keys and missing for required ones")
    func nulls() {
        let result = compile(basicSet + """
            rules:
              - id: r
                on: work_order.created
                channel: sms
                fallback: ~
                delay:
                template:
            """)
        #expect(errorCodes(result) == ["missing-key"], "\(dump(result))")
        #expect(result.diagnostics.last?.message == "'template' of rule 'r' has no value")
    }
}

@Suite("messages")
struct MessageTests {
    struct Case: Sendable, CustomTestStringConvertible {
        var yaml: String
        var code: DiagnosticCode
        var message: String
        var testDescription: String { code.rawValue }
    }

    static let cases: [Case] = [
        Case(yaml: "rules:\n  - {id: r, on: work_order.created, chanel: sms, channel: sms, template: both}\n",
             code: .unknownKey, message: "unknown key 'chanel' in rule 'r'; did you mean 'channel'?"),
        Case(yaml: "rules:\n  - {id: r, on: work_order.creatd, channel: sms, template: both}\n",
             code: .unknownTrigger, message: "unknown trigger 'work_order.creatd'; did you mean 'work_order.created'?"),
        Case(yaml: "rules:\n  - {id: r, on: work_order.status_changed, to: ready_for_pikcup, channel: sms, template: both}\n",
             code: .unknownStatus,
             message: "unknown status 'ready_for_pikcup' of work_order; did you mean 'ready_for_pickup'?"),
        Case(yaml: "rules:\n  - {id: r, on: work_order.created, channel: sms, template: bothh}\n",
             code: .unknownTemplate, message: "unknown template 'bothh'; did you mean 'both'?"),
        Case(yaml: "rules:\n  - {id: r, on: work_order.created, channel: smss, template: both}\n",
             code: .unknownChannel, message: "unknown channel 'smss'; did you mean 'sms'?"),
        Case(yaml: "rules:\n  - {id: r, on: work_order.created, locations: [x], channel: sms, template: both}\n",
             code: .unknownLocation, message: "unknown location 'x': the rule set declares no locations"),
        Case(yaml: "regions:\n  north: {name: N}\nrules:\n  - {id: r, on: work_order.created, regions: nort, channel: sms, template: both}\n",
             code: .unknownRegion, message: "unknown region 'nort'; did you mean 'north'?"),
        Case(yaml: "locations:\n  l: {timezone: America/Sao_Paolo}\n",
             code: .invalidTimeZone, message: "unknown time zone 'America/Sao_Paolo'; did you mean 'America/Sao_Paulo'?"),
        Case(yaml: "calendars:\n  c: {timezone: UTC, hours: {}}\nlocations:\n  l: {calendar: cc}\n",
             code: .unknownCalendar, message: "unknown calendar 'cc'; did you mean 'c'?"),
        Case(yaml: "rules:\n  - {id: r, remind: work_order.sheduled_for, before: 1h, channel: sms, template: both}\n",
             code: .unknownField, message: "unknown field 'work_order.sheduled_for'; did you mean 'work_order.scheduled_for'?"),
        Case(yaml: "rules:\n  - {id: r, remind: client.name, before: 1h, channel: sms, template: both}\n",
             code: .unknownField,
             message: "unknown field 'client.name' for 'remind': a reminder is planned from a datetime field of work_order, lead or csr, e.g. work_order.scheduled_for"),
        Case(yaml: "locations:\n  l: {timezone: utc}\n",
             code: .invalidTimeZone, message: "unknown time zone 'utc'; did you mean 'UTC'?"),
        Case(yaml: "locations:\n  l: {timezone: america/sao_paolo}\n",
             code: .invalidTimeZone, message: "unknown time zone 'america/sao_paolo'; did you mean 'America/Sao_Paulo'?"),
        Case(yaml: "rules:\n  - {id: r, on: Work_Order.Created, channel: sms, template: both}\n",
             code: .unknownTrigger, message: "unknown trigger 'Work_Order.Created'; did you mean 'work_order.created'?"),
    ]

    @Test("each message quotes the value and suggests a close name", arguments: cases)
    func message(_ c: Case) {
        let result = compile(basicSet + c.yaml)
        let found = result.diagnostics.first { $0.code == c.code }
        #expect(found?.message == c.message, "\(dump(result))")
    }

    @Test("a rule copied by an alias is reported over the whole alias, not at an empty range")
    func aliasRange() throws {
        let result = compile(basicSet + "rules:\n  - &a {id: copied, on: work_order.created, channel: sms, template: both}\n  - *a\n")
        let found = try #require(result.diagnostics.first { $0.code == .duplicateName }, "\(dump(result))")
        #expect(found.range.end.column - found.range.start.column == 2)
        #expect(found.range.start.line == found.range.end.line)
    }

    @Test("an unsupported version skips its file but not the others")
    func versionSkipsFile() {
        let result = compile([
            ("a.yaml", "herald: 2\nrules:\n  - {id: r, on: nothing}\n"),
            ("b.yaml", "herald: 1\nchanel: x\n"),
        ])
        #expect(result.diagnostics.map(goldenLine) == [
            "a.yaml:1:9: error: unsupported herald version '2': this herald reads version 1; file skipped [unsupported-version]",
            "b.yaml:2:1: error: unknown key 'chanel' in the top level; expected one of: herald, statuses, fields, calendars, locations, regions, templates, rules [unknown-key]",
        ])
    }

    @Test("diagnostics come sorted by file, line and column")
    func sorted() {
        let result = compile([
            ("b.yaml", "zzz: 1\naaa: 2\n"),
            ("a.yaml", "rules:\n  - {id: r, on: x, channel: y, template: z}\n"),
        ])
        let positions = result.diagnostics.map { "\($0.range.file):\($0.range.start.line):\($0.range.start.column)" }
        #expect(positions == ["a.yaml:2:17", "a.yaml:2:29", "a.yaml:2:42", "b.yaml:1:1", "b.yaml:2:1"], "\(dump(result))")
    }
}

@Suite("Rule mistakes a new user makes")
struct RuleStumbleTests {
    func compile(_ yaml: String) -> CompilationResult {
        Compiler.compile(files: [("rules.yaml", Data(yaml.utf8))])
    }

    static let base = """
        statuses: {work_order: [open, ready_for_pickup]}
        templates: {t: {sms: "hi", email: {subject: "s", body: "b"}}}
        rules:
          - id: r
            on: work_order.created

        """

    @Test("where: !client.head_office is a tag to YAML: the message says to quote the expression")
    func tag() {
        let r = compile(Self.base + "    where: !client.head_office\n    channel: sms\n    template: t\n")
        let d = r.diagnostics.first { $0.code == .expressionSyntax }
        #expect(d?.message.contains("quote the whole expression") == true, "\(r.diagnostics)")
        #expect(d?.range.start.line == 6)
    }

    @Test("an unknown channel lists the channels")
    func channel() {
        let r = compile(Self.base + "    channel: whatsapp\n    template: t\n")
        #expect(r.diagnostics.contains { $0.message == "unknown channel 'whatsapp'; the channels are email and sms" }, "\(r.diagnostics)")
    }
}
