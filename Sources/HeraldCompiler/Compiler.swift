public import Foundation
public import HeraldSyntax

/// The outcome of compiling one rule set: the checked model (only when there
/// is no error) and every diagnostic, sorted by file, line and column.
public struct CompilationResult: Sendable {
    /// The checked rule set; nil when any error was found.
    public var ruleSet: RuleSet?
    /// All findings, in reporting order.
    public var diagnostics: [Diagnostic]
    /// The parsed files by reported path (for source excerpts in reports).
    public var sources: [String: ParsedFile]
    /// How many rule files were read.
    public var fileCount: Int

    /// Creates a result.
    public init(ruleSet: RuleSet?, diagnostics: [Diagnostic], sources: [String: ParsedFile], fileCount: Int) {
        self.ruleSet = ruleSet
        self.diagnostics = diagnostics
        self.sources = sources
        self.fileCount = fileCount
    }

    /// Whether any diagnostic is an error.
    public var hasErrors: Bool { diagnostics.contains { $0.severity == .error } }
}

/// Compiles rule sets: YAML files → checked `RuleSet` plus diagnostics.
///
/// TODO(compiler helper): implement.
public enum Compiler {
    /// Compiles the rule set at `path`: a directory (every `*.yaml`/`*.yml`
    /// below it, recursively, except `*.test.yaml`, in byte order of the path
    /// relative to the root) or a single file. Reported paths are `path`
    /// joined with the file's path below it.
    public static func compile(path: String) -> CompilationResult {
        CompilationResult(ruleSet: nil, diagnostics: [], sources: [:], fileCount: 0)
    }

    /// Compiles in-memory files (reported path, contents) given in
    /// declaration order.
    public static func compile(files: [(path: String, contents: Data)]) -> CompilationResult {
        CompilationResult(ruleSet: nil, diagnostics: [], sources: [:], fileCount: files.count)
    }
}
