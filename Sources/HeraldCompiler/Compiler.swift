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
/// others carry on (docs/rule-language.md §12). The codes produced are those of docs/rule-language.md §12, plus
/// `unreadable-file` for a path that does not exist or a file that cannot be read.
public enum Compiler {
    /// Compiles the rule set at `path`: a directory (every `*.yaml`/`*.yml`
    /// below it, recursively, except `*.test.yaml`, in byte order of the path
    /// relative to the root) or a single file. Reported paths are `path`
    /// joined with the file's path below it.
    ///
    /// Only regular files are read (a FIFO or a device is `unreadable-file`
    /// without being opened), a file over the size limit is refused after
    /// its first line, and a directory walk stops past `RuleSetFiles.Limits`
    /// (`unreadable-file` at the root), so the work is bounded whatever the path.
    public static func compile(path: String, walkLimits: RuleSetFiles.Limits = RuleSetFiles.Limits()) -> CompilationResult {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            return CompilationResult(
                ruleSet: nil, diagnostics: [unreadable(path, reason: "no such file or directory")], sources: [:],
                fileCount: 0)
        }
        var problems: [Diagnostic] = []
        if let problem = RuleSetFiles.kindProblem(atPath: path) {
            return CompilationResult(ruleSet: nil, diagnostics: [unreadable(path, reason: problem)], sources: [:], fileCount: 0)
        }
        var paths = [path]
        if isDirectory.boolValue {
            let walk = RuleSetFiles.walk(below: path, limits: walkLimits, where: RuleSetFiles.isRuleFileName)
            paths = walk.files.map { RuleSetFiles.join(path, $0) }
            if let stopped = walk.stoppedBecause { problems.append(unreadable(path, reason: stopped)) }
        }
        var files: [(path: String, contents: Data)] = []
        var refused: [ParsedFile] = []
        var unreadFiles = 0
        let limits = YAMLParser.Limits()
        for file in paths {
            switch RuleSetFiles.read(file, maxBytes: limits.maxBytes) {
            case .bytes(let data):
                files.append((file, data))
            case .tooLarge(let size, let firstLine):
                refused.append(YAMLParser.tooLarge(path: file, size: size, firstLine: firstLine, limits: limits))
            case .unreadable(let reason):
                problems.append(unreadable(file, reason: reason))
                unreadFiles += 1
            }
        }
        var result = compile(files: files)
        for parsed in refused {
            result.sources[parsed.path] = parsed
            problems += parsed.diagnostics
        }
        if !problems.isEmpty {
            result.diagnostics = (result.diagnostics + problems).sorted(by: Diagnostic.reportingOrder)
            result.ruleSet = nil
            result.fileCount += refused.count + unreadFiles
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
        return .error(.unreadableFile, "cannot read '\(path)': \(reason)", at: SourceRange(file: path, at: start))
    }
}
