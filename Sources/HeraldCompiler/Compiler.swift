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
/// Every problem is reported in one run: a check that fails reports and the
/// others carry on (SPEC §11). The codes produced are those of SPEC §11, plus
/// `unreadable-file` for a path that does not exist or a file that cannot be read.
public enum Compiler {
    /// Compiles the rule set at `path`: a directory (every `*.yaml`/`*.yml`
    /// below it, recursively, except `*.test.yaml`, in byte order of the path
    /// relative to the root) or a single file. Reported paths are `path`
    /// joined with the file's path below it.
    public static func compile(path: String) -> CompilationResult {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            return CompilationResult(
                ruleSet: nil, diagnostics: [unreadable(path, reason: "no such file or directory")], sources: [:],
                fileCount: 0)
        }
        let paths = isDirectory.boolValue ? RuleSetFiles.list(directory: path).map { RuleSetFiles.join(path, $0) } : [path]
        var files: [(path: String, contents: Data)] = []
        var problems: [Diagnostic] = []
        for file in paths {
            do {
                files.append((file, try Data(contentsOf: URL(fileURLWithPath: file))))
            } catch {
                problems.append(unreadable(file, reason: (error as NSError).localizedDescription))
            }
        }
        var result = compile(files: files)
        if !problems.isEmpty {
            result.diagnostics = (result.diagnostics + problems).sorted(by: Diagnostic.reportingOrder)
            result.ruleSet = nil
            result.fileCount += problems.count
        }
        return result
    }

    /// Compiles in-memory files (reported path, contents) given in
    /// declaration order.
    public static func compile(files: [(path: String, contents: Data)]) -> CompilationResult {
        var checker = RuleSetChecker()
        var sources: [String: ParsedFile] = [:]
        var diagnostics: [Diagnostic] = []
        var duplicateKeys: [DuplicateKey] = []
        for file in files {
            let parsed = YAMLParser.parse(file.contents, path: file.path)
            sources[file.path] = parsed
            diagnostics += parsed.diagnostics
            duplicateKeys += parsed.duplicateKeys
            checker.add(parsed)
        }
        let ruleSet = checker.check()
        diagnostics += checker.diagnostics(for: duplicateKeys) + checker.diagnostics
        diagnostics.sort(by: Diagnostic.reportingOrder)
        let hasErrors = diagnostics.contains { $0.severity == .error }
        return CompilationResult(
            ruleSet: hasErrors ? nil : ruleSet, diagnostics: diagnostics, sources: sources, fileCount: files.count)
    }

    /// `unreadable-file` at the start of `path`.
    private static func unreadable(_ path: String, reason: String) -> Diagnostic {
        let start = SourcePosition(line: 1, column: 1, offset: 0)
        return .error("unreadable-file", "cannot read '\(path)': \(reason)", at: SourceRange(file: path, at: start))
    }
}
