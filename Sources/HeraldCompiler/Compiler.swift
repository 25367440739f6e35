public import Foundation
public import HeraldSyntax

/// The outcome of compiling one rule set: the checked model (only when there
/// is no error) and every diagnostic, sorted by file, line and column.
public struct CompilationResult: Sendable {
    /// The checked rule set; nil when any error was found.
    public var ruleSet: RuleSet?
    /// All findings, in reporting order.
    public var diagnostics: [Diagnostic]
    /// The parsed files by reported path, for source excerpts in reports:
    /// their lines and parse findings. Their `documents` are empty: the trees
    /// are released as the rule set is checked, so that a large rule set
    /// never holds them all at once.
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
        if !isDirectory.boolValue, let diagnostic = notARuleFile(path) {
            return CompilationResult(ruleSet: nil, diagnostics: [diagnostic], sources: [:], fileCount: 1)
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
        for parsed in refused { problems += parsed.diagnostics }
        var result = compile(files: &files, unreadProblems: problems)
        for parsed in refused { result.sources[parsed.path] = parsed }
        result.fileCount += refused.count + unreadFiles
        return result
    }

    /// Compiles in-memory files (reported path, contents) given in
    /// declaration order.
    public static func compile(files: [(path: String, contents: Data)]) -> CompilationResult {
        var files = files
        return compile(files: &files, unreadProblems: [])
    }

    /// Compiles in-memory files, with the diagnostics of files of the rule
    /// set that could not be read at all (`unreadProblems`).
    ///
    /// When a file does not parse (or is not read), everything it defines
    /// is unknown to the other files: their references to it would be
    /// reported as unknown and its templates and calendars as unused. Those
    /// follow-up diagnostics (`followUpCodes`) are left out, and the first
    /// parse or read error says once that they may be missing, so the user
    /// fixes the one real mistake first instead of reading a cascade.
    ///
    /// Each file's bytes are released once parsed (`files` is left with empty
    /// contents): what is checked later is read again from the parse's own
    /// copy of the text.
    private static func compile(files: inout [(path: String, contents: Data)], unreadProblems: [Diagnostic])
        -> CompilationResult
    {
        var checker = RuleSetChecker()
        var sources: [String: ParsedFile] = [:]
        var diagnostics: [Diagnostic] = []
        var duplicateKeys: [DuplicateKey] = []
        for index in files.indices {
            let path = files[index].path
            // Rules are read twice, one at a time, and not kept: first
            // counted, then checked once every definition is known.
            var ruleCount = 0
            let parsed = YAMLParser.parse(files[index].contents, path: path, streaming: "rules") { part in
                if case .item = part { ruleCount += 1 }
            }
            files[index].contents = Data()
            diagnostics += parsed.diagnostics
            duplicateKeys += parsed.duplicateKeys
            // Reports need the lines and the parse findings, not the trees.
            var kept = parsed
            kept.documents = []
            sources[path] = kept
            // A parse that stopped at an error keeps only the documents before
            // it, and the second reading of such a file must give those rules
            // only: a file with any parse error is read again whole (its
            // trees in memory while its rules are checked; output is all
            // that matters for a broken file).
            let stopped = parsed.diagnostics.contains { $0.severity == .error }
            checker.add(parsed, ruleCount: ruleCount) { handle in
                if stopped {
                    for document in kept.parsedAgain().documents { document.parts(under: "rules").forEach(handle) }
                } else {
                    kept.parsedAgain(streaming: "rules", keepingOthers: false, to: handle)
                }
            }
        }
        let ruleSet = checker.check()
        diagnostics += unreadProblems
        var checks = checker.diagnostics(for: duplicateKeys) + checker.diagnostics
        let incomplete = diagnostics.contains { $0.severity == .error }
        var omitted = 0
        if incomplete {
            let kept = checks.filter { !followUpCodes.contains($0.code) }
            omitted = checks.count - kept.count
            checks = kept
        }
        diagnostics += checks
        diagnostics.sort(by: Diagnostic.reportingOrder)
        if omitted > 0, let first = diagnostics.firstIndex(where: { $0.code == .yamlSyntax && $0.severity == .error })
            ?? diagnostics.firstIndex(where: { $0.severity == .error })
        {
            diagnostics[first].notes.append(omittedNote(count: omitted))
        }
        let hasErrors = diagnostics.contains { $0.severity == .error }
        return CompilationResult(
            ruleSet: hasErrors ? nil : ruleSet, diagnostics: diagnostics, sources: sources, fileCount: files.count)
    }

    /// The codes of diagnostics that may only follow from a file that did not
    /// parse: references to names it would define, and definitions that
    /// nothing seems to use.
    static let followUpCodes: Set<DiagnosticCode> = [
        .unknownTemplate, .unknownStatus, .unknownLocation, .unknownRegion, .unknownCalendar, .unknownField,
        .unusedTemplate, .unusedCalendar,
    ]

    /// The note on the first parse error when follow-ups were left out.
    static func omittedNote(count: Int) -> String {
        "\(count) more diagnostic\(count == 1 ? "" : "s") about unknown or unused names (templates, statuses, places, calendars, fields) may only follow from this and \(count == 1 ? "is" : "are") not shown; fix this and run lint again"
    }

    /// The first bytes of a compiled rule set (`RuleBundle.magic` in
    /// HeraldRuntime starts with them; a runtime test keeps the two in step).
    public static let compiledRuleSetMagic: [UInt8] = Array("HERALD-BUNDLE".utf8)

    /// The `unreadable-file` error (at 1:1) for a single file given as a
    /// rule set that is another kind of Herald file (`otherKindOfFile`);
    /// nil for a file read as rules.
    public static func notARuleFile(_ path: String) -> Diagnostic? {
        guard let other = otherKindOfFile(path) else { return nil }
        let start = SourcePosition(line: 1, column: 1, offset: 0)
        return Diagnostic.error(.unreadableFile, "'\(path)' \(other)", at: SourceRange(file: path, at: start))
    }

    /// What `path` is when it is a Herald file that is not a rule file, said
    /// with the command that takes it: a compiled rule set, a test file, or
    /// a file of events. Nil for anything else (read as a rule file).
    static func otherKindOfFile(_ path: String) -> String? {
        let name = path.split(separator: "/").last.map(String.init) ?? path
        if name.hasSuffix(".test.yaml") || name.hasSuffix(".test.yml") {
            return "is a test file, not a rule file: run it with `herald test \(path)`; "
                + "lint the rule set it names under 'rules:'"
        }
        let head = FileHandle(forReadingAtPath: path).flatMap { handle in
            defer { try? handle.close() }
            return try? handle.read(upToCount: 64)
        } ?? Data()
        if head.starts(with: compiledRuleSetMagic) {
            return "is a compiled rule set (written by `herald compile`), not a rule file: "
                + "`herald eval --rules \(path)` and `herald serve` take it; lint the rule files it was compiled from"
        }
        let first = head.first { ![0x20, 0x09, 0x0A, 0x0D, 0xEF, 0xBB, 0xBF].contains($0) }
        if name.hasSuffix(".ndjson") || name.hasSuffix(".jsonl") || (name.hasSuffix(".json") && first == 0x7B) {
            return "is a file of events (JSON), not a rule file: "
                + "`herald eval --rules RULES \(path)` evaluates it against a rule set"
        }
        return nil
    }

    /// `unreadable-file` at the start of `path`.
    private static func unreadable(_ path: String, reason: String) -> Diagnostic {
        let start = SourcePosition(line: 1, column: 1, offset: 0)
        return .error(.unreadableFile, "cannot read '\(path)': \(reason)", at: SourceRange(file: path, at: start))
    }
}
