import Foundation
import HeraldCompiler
import HeraldSyntax
import Testing

@Suite("Reporting documentation")
struct ReportingDocsTests {
    /// docs/rule-language.md, found from this file's location in the package.
    static func reference() throws -> String {
        let root = URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        return try String(contentsOf: root.appendingPathComponent("docs/rule-language.md"), encoding: .utf8)
    }

    @Test("the language reference has a table row with the right severity for every diagnostic code")
    func everyCodeDocumented() throws {
        let rows = try Self.reference().split(separator: "\n").filter { $0.hasPrefix("| `") }
        for entry in DiagnosticCatalog.entries {
            let prefix = "| `\(entry.code)` | \(entry.severity.rawValue) |"
            #expect(rows.contains { $0.hasPrefix(prefix) }, "no row starting with \(prefix)")
        }
    }
}
