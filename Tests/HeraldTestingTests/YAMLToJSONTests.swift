import Foundation
import HeraldSyntax
import Testing
@testable import HeraldTesting

@Suite("events written in YAML become JSON with YAML 1.2 core typing")
struct YAMLToJSONTests {
    /// The JSON text of `value: TEXT` written in a YAML mapping.
    private func json(_ text: String) -> String? {
        let parsed = YAMLParser.parse(Data("value: \(text)\n".utf8), path: "t.yaml")
        guard let node = parsed.documents.first?.root["value"] else { return nil }
        var diagnostics: [Diagnostic] = []
        return YAMLToJSON.value(of: node, diagnostics: &diagnostics)?.jsonText
    }

    @Test(
        "scalars are typed like YAML 1.2 core, never YAML 1.1",
        arguments: [
            ("2026-04-07T13:00:00-03:00", #""2026-04-07T13:00:00-03:00""#),
            ("\"true\"", #""true""#),
            ("true", "true"),
            ("False", "false"),
            ("yes", #""yes""#),
            ("on", #""on""#),
            ("no", #""no""#),
            ("~", "null"),
            ("null", "null"),
            ("", "null"),
            ("42", "42"),
            ("+42", "42"),
            ("007", "7"),
            ("-0", "-0"),
            ("1200.50", "1200.50"),
            (".5", "0.5"),
            ("5.", "5"),
            ("1e3", "1e3"),
            ("0x1F", "31"),
            ("0o17", "15"),
            ("'42'", #""42""#),
            ("!!str 42", #""42""#),
            ("+5511999990000", "5511999990000"),
            ("\"+5511999990000\"", #""+5511999990000""#),
            ("1_000", #""1_000""#),
            ("12:30", #""12:30""#),
            ("[a, 1, {b: c}]", #"["a",1,{"b":"c"}]"#),
        ])
    func typing(yaml: String, expected: String) {
        #expect(json(yaml) == expected)
    }

    @Test("infinity has no JSON form and is a diagnostic with a position")
    func infinity() {
        let parsed = YAMLParser.parse(Data("value: .inf\n".utf8), path: "t.yaml")
        var diagnostics: [Diagnostic] = []
        let value = parsed.documents.first?.root["value"].flatMap { YAMLToJSON.value(of: $0, diagnostics: &diagnostics) }
        #expect(value == nil)
        #expect(diagnostics.map(\.code.rawValue) == ["wrong-type"])
        #expect(diagnostics.first?.range.start.line == 1 && diagnostics.first?.range.start.column == 8)
    }
}
