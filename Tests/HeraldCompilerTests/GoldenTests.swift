import Foundation
import HeraldCompiler
import HeraldSyntax
import Testing

/// Golden tests: each folder under `Fixtures/` is a rule set with an
/// `expected.txt` listing every diagnostic as `file:line:col: severity: message [code]`
/// (paths relative to the folder), compared exactly.
@Suite("golden fixtures")
struct GoldenTests {
    static let root: URL? = Bundle.module.url(forResource: "Fixtures", withExtension: nil)

    static var fixtures: [String] {
        guard let root else { return [] }
        let names = (try? FileManager.default.contentsOfDirectory(atPath: root.path)) ?? []
        return names.filter { !$0.hasPrefix(".") }.sorted()
    }

    /// The fixture's diagnostics as golden lines, paths relative to the fixture.
    static func lines(_ name: String) -> (CompilationResult, [String]) {
        let dir = root?.appendingPathComponent(name).path ?? name
        let result = Compiler.compile(path: dir)
        let lines = result.diagnostics.map { goldenLine($0).replacingOccurrences(of: dir + "/", with: "") }
        return (result, lines)
    }

    @Test("the fixtures folder is bundled and not empty")
    func fixturesExist() {
        #expect(Self.fixtures.count >= 8)
    }

    @Test("fixture diagnostics match expected.txt", arguments: fixtures)
    func fixture(_ name: String) throws {
        let expectedURL = try #require(Self.root?.appendingPathComponent("\(name)/expected.txt"))
        let expected = try String(contentsOf: expectedURL, encoding: .utf8)
            .split(separator: "\n", omittingEmptySubsequences: true).map(String.init)
        let (result, got) = Self.lines(name)
        #expect(got == expected, "got:\n\(got.joined(separator: "\n"))")
        #expect((result.ruleSet != nil) == !result.hasErrors)
        if name.hasPrefix("clean-") {
            #expect(got.isEmpty)
            #expect(result.ruleSet != nil)
        }
    }

    /// Every code the checker can produce appears in some fixture.
    @Test("fixtures cover every diagnostic code of the document checker")
    func coverage() {
        var seen: Set<DiagnosticCode> = []
        for name in Self.fixtures {
            for d in Self.lines(name).0.diagnostics { seen.insert(d.code) }
        }
        let all: [DiagnosticCode] = [
            .unknownKey, .missingKey, .wrongType, .duplicateName, .unknownTrigger, .unknownStatus, .unknownField,
            .unknownTemplate, .unknownLocation, .unknownRegion, .unknownCalendar, .unknownChannel, .unknownFilter,
            .missingTemplateChannel, .filterNotApplicable, .typeMismatch, .expressionSyntax, .templateSyntax,
            .invalidDuration, .invalidTimeZone, .invalidHours, .invalidEmail, .missingCalendar, .unsupportedVersion,
            .optionalTag, .smsTooLong, .unusedTemplate, .unusedCalendar, .duplicateNotification, .unreachableRule,
            .yamlSyntax,
        ]
        #expect(Set(all).subtracting(seen).sorted() == [])
    }
}
