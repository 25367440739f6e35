import Foundation
import HeraldCompiler
import HeraldRuntime
import HeraldTestSupport
import Testing

/// The typed reason of a decision record: the same text in the JSON, every
/// reason of the language reference declared once.
@Suite("Decision reasons")
struct DecisionReasonTests {
    @Test("a host switches on the typed reason; the JSON keeps the text")
    func typedReason() {
        var record = DecisionRecord(event: "e1", decision: .skip, rule: "r", reason: "no-consent", message: "m", channel: .sms)
        #expect(record.decisionReason == .noConsent)
        record.decisionReason = .noAddress
        #expect(record.reason == "no-address")
        #expect(record.jsonLine == #"{"event":"e1","decision":"skip","rule":"r","reason":"no-address","message":"m","channel":"sms"}"#)
        #expect(DecisionRecord(event: "e1", decision: .send).decisionReason == nil)
        #expect(DecisionReason.where.rawValue == "where")
        #expect(DecisionReason.malformedJSON.rawValue == "malformed-json")
    }

    @Test("the reasons are the ones docs/rule-language.md lists under 'Reasons:'")
    func documented() throws {
        let text = try String(
            contentsOf: Repository.root.appendingPathComponent("docs/rule-language.md"), encoding: .utf8)
        let start = try #require(text.range(of: "\nReasons:\n"))
        let table = text[start.upperBound...].split(separator: "\n", omittingEmptySubsequences: false)
            .drop { !$0.hasPrefix("|") }.prefix { $0.hasPrefix("|") }.dropFirst(2)
        var documented = Set<String>()
        for row in table {
            let cells = row.split(separator: "|", omittingEmptySubsequences: false)
            guard cells.count > 2 else { continue }
            // The reasons are the cell's code spans outside parentheses.
            var depth = 0, inCode = false, code = ""
            for c in cells[2] {
                switch c {
                case "(" where !inCode: depth += 1
                case ")" where !inCode: depth -= 1
                case "`":
                    if inCode, depth == 0 { documented.insert(code) }
                    inCode.toggle()
                    code = ""
                default: if inCode { code.append(c) }
                }
            }
        }
        #expect(documented == Set(DecisionReason.allCases.map(\.rawValue)))
    }
}
