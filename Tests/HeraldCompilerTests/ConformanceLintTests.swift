import Foundation
import HeraldCompiler
import HeraldSyntax
import Testing

/// The lint conformance cases (copied into `LintCases/` from the conformance
/// suite), checked through the library the way the runner checks
/// `herald lint --format json` (codes, files, lines, column ranges,
/// `only_these`, `message_contains`).
@Suite("conformance lint cases")
struct ConformanceLintTests {
    struct Expected: Decodable {
        struct Item: Decodable {
            var code: String
            var file: String
            var line: Int?
            var line_in: [Int]?
            var column: Int?
            var column_in: [Int]?
            var severity: String?
        }
        var exit: Int
        var only_these: Bool?
        var diagnostics: [Item]
        var message_contains: [String]?
    }

    static let root: URL? = Bundle.module.url(forResource: "LintCases", withExtension: nil)

    static var lintCases: [String] {
        guard let root else { return [] }
        let names = (try? FileManager.default.contentsOfDirectory(atPath: root.path)) ?? []
        return names.filter { $0.hasPrefix("lint-") }.sorted()
    }

    @Test("the lint cases are bundled and not empty")
    func casesExist() {
        #expect(Self.lintCases.count >= 4)
    }

    /// Compiles `case/rules`, reporting paths as `rules/…` like the runner's cwd.
    static func lint(_ name: String) -> CompilationResult {
        let caseDir = Self.root?.appendingPathComponent(name).path ?? name
        var result = Compiler.compile(path: caseDir + "/rules")
        for i in result.diagnostics.indices {
            let file = result.diagnostics[i].range.file
            if file.hasPrefix(caseDir + "/") { result.diagnostics[i].range.file = String(file.dropFirst(caseDir.count + 1)) }
        }
        return result
    }

    @Test("lint case reports what expected-lint.json lists", arguments: lintCases)
    func lintCase(_ name: String) throws {
        let data = try Data(contentsOf: try #require(Self.root).appendingPathComponent("\(name)/expected-lint.json"))
        let expected = try JSONDecoder().decode(Expected.self, from: data)
        let result = Self.lint(name)
        let got = result.diagnostics
        #expect((result.hasErrors ? 1 : 0) == expected.exit, "\(dump(result))")
        for want in expected.diagnostics {
            let lines = want.line_in ?? [want.line ?? 0, want.line ?? 0]
            let found = got.contains { g in
                guard g.code.rawValue == want.code, g.range.file == want.file,
                      (lines[0]...lines[1]).contains(g.range.start.line),
                      g.severity.rawValue == (want.severity ?? "error")
                else { return false }
                let columns = want.column_in ?? want.column.map { [$0, $0] } ?? [g.range.start.column, g.range.start.column]
                return (columns[0]...columns[1]).contains(g.range.start.column)
            }
            #expect(found, "missing [\(want.code)] at \(want.file):\(lines) in\n\(dump(result))")
        }
        if expected.only_these == true {
            for g in got where g.severity == .error {
                let listed = expected.diagnostics.contains { w in
                    let lines = w.line_in ?? [w.line ?? 0, w.line ?? 0]
                    return w.code == g.code.rawValue && (lines[0]...lines[1]).contains(g.range.start.line)
                }
                #expect(listed, "unexpected error \(goldenLine(g))")
            }
        }
        for needle in expected.message_contains ?? [] {
            #expect(got.contains { $0.message.contains(needle) }, "no message contains \(needle)")
        }
    }
}
