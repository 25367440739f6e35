import Foundation
import HeraldCompiler
import HeraldSyntax

/// Compiles in-memory files given as (path, text), in the order given.
func compile(_ files: [(String, String)]) -> CompilationResult {
    Compiler.compile(files: files.map { ($0.0, Data($0.1.utf8)) })
}

/// Compiles one in-memory file named `r.yaml`.
func compile(_ text: String) -> CompilationResult {
    compile([("r.yaml", text)])
}

/// One diagnostic as a golden line: `file:line:col: severity: message [code]`.
func goldenLine(_ d: Diagnostic) -> String {
    "\(d.range.file):\(d.range.start.line):\(d.range.start.column): \(d.severity.rawValue): \(d.message) [\(d.code)]"
}

/// The codes of a result's diagnostics, in reporting order.
func codes(_ result: CompilationResult) -> [String] {
    result.diagnostics.map(\.code.rawValue)
}

/// The codes of a result's errors (warnings left out), in reporting order.
func errorCodes(_ result: CompilationResult) -> [String] {
    result.diagnostics.filter { $0.severity == .error }.map(\.code.rawValue)
}

/// A readable dump of a result's diagnostics, for failure messages.
func dump(_ result: CompilationResult) -> String {
    result.diagnostics.map(goldenLine).joined(separator: "\n")
}

/// The header most test rule sets start from: statuses, a calendar, a location
/// and templates for both channels.
let basicSet = """
    herald: 1
    statuses:
      work_order: [open, in_repair, ready_for_pickup, delivered]
      lead: [new, won, lost]
    templates:
      both:
        sms: "OS {{work_order.number}}"
        email:
          subject: "OS {{work_order.number}}"
          body: "Hello {{client.name}}"
      sms-only:
        sms: "OS {{work_order.number}}"
      lead-mail:
        email:
          subject: "Hi {{lead.name}}"
          body: "Hi"

    """
