import HeraldCompiler
import HeraldTestSupport
import Testing

/// Random texts built from the characters the languages care about: no
/// parser may crash, and every issue range must lie inside the text.
@Suite("Sub-languages never crash and stay in bounds")
struct LanguagesRobustnessTests {
    static let pieces = [
        "{{", "}}", "{", "}", "#if ", "/if", "else", "|", ":", " ", "\"", "'", "\\", "(", ")", "[", "]", ",", ".",
        "client", "client.name", "client.first_name", "lead.status", "work_order", "and", "or", "not", "in", "==", "!=",
        "<", ">=", "!", "&&", "||", "has", "lower", "contains", "default", "date", "upper", "truncate", "3", "2.5", "-",
        "0", "9", "h", "m", "s", "d", "w", "08:00", "24:00", "mon", "fri", "ç", "😀", "e\u{301}", "\n", "null", "true",
    ]

    static func randomText(_ g: inout SeededGenerator) -> String {
        let n = Int(g.next() % 12)
        var text = ""
        for _ in 0..<n { text += g.pick(pieces) }
        return text
    }

    static func inBounds(_ issue: LocalIssue, _ text: String) -> Bool {
        let n = text.unicodeScalars.count
        return issue.from >= 0 && issue.from <= issue.to && issue.to <= n && !issue.message.isEmpty
    }

    @Test("3,000 random texts per seed and language", arguments: [1 as UInt64, 2, 3])
    func random(seed: UInt64) {
        var g = SeededGenerator(seed: seed)
        for _ in 0..<3_000 {
            let text = Self.randomText(&g)
            let (expression, expressionIssues) = ExpressionSyntax.check(text, scope: LanguageFixtures.workOrder)
            #expect(expressionIssues.allSatisfy { Self.inBounds($0, text) }, "\(text.debugDescription): \(expressionIssues)")
            #expect((expression == nil) == !expressionIssues.isEmpty, "\(text.debugDescription)")
            let (template, templateIssues) = TemplateSyntax.parse(text)
            #expect(templateIssues.allSatisfy { Self.inBounds($0, text) }, "\(text.debugDescription): \(templateIssues)")
            #expect((template == nil) == !templateIssues.isEmpty, "\(text.debugDescription)")
            let checked = TemplateSyntax.check(text, scope: LanguageFixtures.lead)
            #expect(checked.allSatisfy { Self.inBounds($0, text) }, "\(text.debugDescription): \(checked)")
            for result in [DurationSyntax.parse(text).map { _ in 0 }, HoursSyntax.parseDays(text).map(\.count),
                HoursSyntax.parseSpans(text).map(\.count)]
            {
                if case .failure(let issue) = result {
                    #expect(Self.inBounds(issue, text), "\(text.debugDescription): \(issue)")
                }
            }
            _ = SMSSegments.count(text)
        }
    }
}
