import Foundation
import HeraldCompiler
import HeraldRuntime
import HeraldSyntax
import HeraldTestSupport
import Testing

/// The runtime renders with `TemplateProgram` (compiled, straight into
/// bytes); `TemplateRenderer` is the plain reference the rendering tests
/// check. This suite proves the two agree: random templates (literal text,
/// values, every filter, nested `{{#if}}`/`{{else}}`) are compiled into a
/// rule set, evaluated through the public runtime API, and each rendered
/// part (SMS body, subject, text and HTML body) is compared with the
/// reference's rendering of the same template for the same values.
@Suite("TemplateProgram and TemplateRenderer render the same")
struct RendererAgreementTests {
    /// The event's values, as the reference looks them up.
    static let values: [String: Value] = [
        "client.name": .string("Maria Souza"),
        "client.first_name": .string(""),
        "client.email": .string("m@example.com"),
        "client.phone": .string("+5511999990000"),
        "work_order.number": .string("2001"),
        "work_order.status": .string("open"),
        "work_order.device": .string("Straße <Ä> & \"o'clock\" — ünïcødé 😀"),
        "work_order.scheduled_for": .datetime(Timestamp(seconds: 1_775_583_000, offset: -10_800)),
        "location.name": .string("Loja & Co"),
        "location.vars.portal": .string("https://x.example/a?b=1&c=<2>"),
        // Absent from the event: a client flag reads `false` (not nil, so
        // `default` keeps it); `client.language` reads nil.
        "client.head_office": .bool(false),
        "work_order.items": .number(3),
    ]

    static let event = """
        {"id": "e1", "type": "work_order.created", "occurred_at": "2026-04-06T10:00:00-03:00", "location": "shop", \
        "work_order": {"id": "W1", "number": "2001", "status": "open", "device": "Straße <Ä> & \\"o'clock\\" — ünïcødé 😀", \
        "scheduled_for": "2026-04-07T14:30:00-03:00", "items": 3}, \
        "client": {"id": "C1", "name": "Maria Souza", "first_name": "", "email": "m@example.com", \
        "phone": "+5511999990000", "accepts_email": true, "accepts_sms": true}}
        """

    static let paths = [
        "client.name", "client.first_name", "client.email", "client.phone", "work_order.number",
        "work_order.status", "work_order.device", "location.name", "location.vars.portal",
        "client.head_office", "client.language", "work_order.items",
    ]
    static let literals = ["Olá ", " – ", "OS ", "\n", ": ", "pronta.", "<b>", "&amp;", "'", "\"", "ç", " "]

    /// A random template text of the language (docs/rule-language.md §4).
    static func template(_ random: inout SeededGenerator, depth: Int = 0) -> String {
        var out = ""
        for _ in 0..<Int.random(in: 1...5, using: &random) {
            switch Int.random(in: 0..<10, using: &random) {
            case 0...2:
                out += literals.randomElement(using: &random)!
            case 3...6:
                let path = paths.randomElement(using: &random)!
                var filters: [String] = []
                for _ in 0..<Int.random(in: 0...2, using: &random) {
                    // Text filters do not apply to a flag or a number (a compile error).
                    let flag = path == "client.head_office" || path == "work_order.items"
                    switch Int.random(in: flag ? 3..<5 : 0..<5, using: &random) {
                    case 0: filters.append("upper")
                    case 1: filters.append("lower")
                    case 2: filters.append("truncate: \(Int.random(in: 1...12, using: &random))")
                    case 3: filters.append("default: \"—\"")
                    default: filters.append("default: client.name")
                    }
                }
                out += "{{" + ([path] + filters).joined(separator: " | ") + "}}"
            case 7:
                let pattern = ["dd/MM/yyyy HH:mm", "EEE, d MMM", "h:mm a", "yyyy-MM-dd'T'HH:mm:ssXXX", "EEEE 'às' HH'h'"]
                    .randomElement(using: &random)!
                out += "{{work_order.scheduled_for | date: \"\(pattern)\"}}"
            default:
                guard depth < 3 else { continue }
                let path = (paths + ["work_order.scheduled_for"]).randomElement(using: &random)!
                out += "{{#if \(path)}}" + template(&random, depth: depth + 1)
                if Bool.random(using: &random) { out += "{{else}}" + template(&random, depth: depth + 1) }
                out += "{{/if}}"
            }
        }
        return out
    }

    /// YAML's double-quoted form of `text` (JSON's escapes are YAML's).
    static func quoted(_ text: String) -> String {
        var out = ""
        JSONStringLiteral.append(text, to: &out)
        return out
    }

    static func ruleSet(sms: String, subject: String, body: String, html: String) -> String {
        """
        herald: 1
        statuses:
          work_order: [open, ready]
        fields:
          work_order:
            device: string
            items: int
        locations:
          shop: {name: "Loja & Co", timezone: America/Sao_Paulo, vars: {portal: "https://x.example/a?b=1&c=<2>"}}
        templates:
          t:
            sms: \(quoted(sms))
            email:
              subject: \(quoted(subject))
              body: \(quoted(body))
              html: \(quoted(html))
        rules:
          - id: r
            on: work_order.created
            channel: [sms, email]
            template: t

        """
    }

    /// The reference rendering of `text` as it appears in the rule set.
    static func reference(_ text: TemplateText, _ escaping: TemplateRenderer.Escaping) -> String {
        TemplateRenderer.render(
            text, escaping: escaping, zone: Zone(identifier: "America/Sao_Paulo") ?? .utc,
            lookup: { values[$0.description] })
    }

    @Test("300 random templates: every part of every record is what the reference renders")
    func agreement() throws {
        var random = SeededGenerator(seed: 4_242)
        var compared = 0
        var blank = 0
        for round in 0..<300 {
            let parts = (0..<4).map { _ in Self.template(&random) }
            let result = Compiler.compile(files: [
                ("r.yaml", Data(Self.ruleSet(sms: parts[0], subject: parts[1], body: parts[2], html: parts[3]).utf8))
            ])
            guard let ruleSet = result.ruleSet else {
                Issue.record("round \(round): \(result.diagnostics.filter { $0.severity == .error }.map(\.message))")
                continue
            }
            let variant = try #require(ruleSet.templates["t"]?.base)
            let email = try #require(variant.email)
            var state = RuntimeState()
            let records = Runtime(ruleSet: ruleSet).process(line: Self.event, lineNumber: 1, state: &state)
            let sms = try #require(records.first { $0.channel == .sms }, "round \(round): \(records.map(\.jsonLine))")
            let mail = try #require(records.first { $0.channel == .email }, "round \(round): \(records.map(\.jsonLine))")
            // A part that renders blank is an `empty-message` skip (SPEC §8.2).
            let smsBody = Self.reference(try #require(variant.sms), .none)
            if SafeText.isBlank(smsBody) {
                #expect(sms.reason == "empty-message", "round \(round) sms: \(parts[0])")
                blank += 1
            } else {
                #expect(sms.body == smsBody, "round \(round) sms: \(parts[0])")
                compared += 1
            }
            let subject = Self.reference(email.subject, .subject)
            let body = Self.reference(email.body, .none)
            if SafeText.isBlank(subject) || SafeText.isBlank(body) {
                #expect(mail.reason == "empty-message", "round \(round) subject: \(parts[1]) body: \(parts[2])")
                blank += 1
                continue
            }
            #expect(mail.subject == subject, "round \(round) subject: \(parts[1])")
            #expect(mail.body == body, "round \(round) body: \(parts[2])")
            #expect(mail.html == Self.reference(try #require(email.html), .html), "round \(round) html: \(parts[3])")
            compared += 3
        }
        // Most parts render text; a few render blank and are skipped.
        #expect(compared > 1_000 && blank > 0 && compared + blank * 3 >= 1_200)
    }
}
