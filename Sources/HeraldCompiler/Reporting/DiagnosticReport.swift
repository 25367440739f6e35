public import HeraldSyntax

/// Everything a lint run found, ready to be rendered: the diagnostics of one
/// or more rule sets in reporting order, the source lines they point into
/// (for excerpts) and how many files were read.
///
/// A host that embeds Herald builds one from its `CompilationResult`s and
/// renders it with a `DiagnosticFormatter`, exactly as `herald lint` does.
public struct DiagnosticReport: Sendable {
    /// All findings, sorted by file, line, column (`Diagnostic.reportingOrder`).
    public var diagnostics: [Diagnostic]
    /// Each file's lines (without terminators) by reported path.
    public var sourceLines: [String: [Substring]]
    /// How many rule files were read.
    public var fileCount: Int

    /// Creates a report from diagnostics and the lines of the files they
    /// point into. The diagnostics are sorted into reporting order.
    public init(diagnostics: [Diagnostic], sourceLines: [String: [Substring]] = [:], fileCount: Int) {
        self.diagnostics = diagnostics.sorted(by: Diagnostic.reportingOrder)
        self.sourceLines = sourceLines
        self.fileCount = max(0, fileCount)
    }

    /// Merges the results of compiling several rule sets into one report,
    /// with the lines of the files the diagnostics point into.
    public init(results: [CompilationResult]) {
        var lines: [String: [Substring]] = [:]
        for result in results {
            let cited = Set(result.diagnostics.map(\.range.file))
            for (path, file) in result.sources where cited.contains(path) {
                lines[path] = file.lines
            }
        }
        // A file named twice (a folder and a file in it) is one file, and a
        // diagnostic two rule sets found in it the same is reported once.
        // (Notes aside: a folder's compile adds one to its first parse error.)
        var seen = Set<Diagnostic>()
        let diagnostics = results.flatMap(\.diagnostics).filter { d in
            var bare = d
            bare.notes = []
            return seen.insert(bare).inserted
        }
        var readBefore = Set<String>()
        var repeats = 0
        for result in results {
            for path in result.sources.keys where !readBefore.insert(path).inserted { repeats += 1 }
        }
        self.init(
            diagnostics: diagnostics,
            sourceLines: lines,
            fileCount: results.reduce(0) { $0 + $1.fileCount } - repeats)
    }

    /// How many diagnostics are errors.
    public var errorCount: Int { diagnostics.count(where: { $0.severity == .error }) }

    /// How many diagnostics are warnings.
    public var warningCount: Int { diagnostics.count(where: { $0.severity == .warning }) }

    /// Whether the run failed: any error, or any warning when warnings count
    /// as errors (`--warnings-as-errors`).
    public func hasFailures(warningsAsErrors: Bool = false) -> Bool {
        errorCount > 0 || (warningsAsErrors && warningCount > 0)
    }

    /// The closing line of a text report: `2 errors, 1 warning in 5 files`,
    /// or `no problems in 5 files` when nothing was found.
    public var summary: String {
        let files = Self.counted(fileCount, "file")
        if diagnostics.isEmpty { return "no problems in \(files)" }
        return "\(Self.counted(errorCount, "error")), \(Self.counted(warningCount, "warning")) in \(files)"
    }

    /// The source line `line` (1-based) of `file`, if the report has it.
    func sourceLine(_ line: Int, of file: String) -> Substring? {
        guard let lines = sourceLines[file], line >= 1, line <= lines.count else { return nil }
        return lines[line - 1]
    }

    private static func counted(_ n: Int, _ noun: String) -> String {
        "\(n) \(noun)\(n == 1 ? "" : "s")"
    }
}

/// A diagnostic's range with every number made safe to print: lines and
/// columns at least 1, and the end never before the start.
struct ReportedRange: Equatable {
    var line: Int
    var column: Int
    var endLine: Int
    var endColumn: Int

    init(_ range: SourceRange) {
        line = max(1, range.start.line)
        column = max(1, range.start.column)
        endLine = max(line, range.end.line)
        endColumn = max(1, range.end.column)
        if endLine == line { endColumn = max(column, endColumn) }
    }
}
