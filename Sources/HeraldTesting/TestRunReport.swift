public import HeraldSyntax

/// Everything a test run found: per file, its problems and its tests'
/// results; the rule sets that did not compile; paths that did not exist.
public struct TestRunReport: Sendable {
    /// The test files, in the order run.
    public var files: [TestFileReport]
    /// Rule sets named by test files that do not compile (their errors).
    public var ruleSets: [RuleSetFailure]
    /// Paths given to the run that do not exist.
    public var problems: [Diagnostic]

    /// Creates a report.
    public init(files: [TestFileReport], ruleSets: [RuleSetFailure] = [], problems: [Diagnostic] = []) {
        self.files = files
        self.ruleSets = ruleSets
        self.problems = problems
    }

    /// Every test result, file by file.
    public var results: [TestResult] { files.flatMap(\.results) }

    /// How many tests passed.
    public var passedCount: Int { results.count { $0.passed } }

    /// How many tests failed (including those whose rule set does not compile).
    public var failedCount: Int { results.count { !$0.passed } }

    /// Test files with errors: their tests did not run.
    public var malformedFiles: [TestFileReport] { files.filter(\.isMalformed) }

    /// The last line of the text output: `N passed, N failed`.
    public var summary: String { "\(passedCount) passed, \(failedCount) failed" }

    /// The exit status of `herald test` (SPEC §10: 2 is a usage error): 2
    /// when a path given does not exist, else 1 when a test file is
    /// malformed (a finding, like a rule file with errors), a test failed or
    /// its rule set does not compile, else 0.
    public var exitStatus: Int32 {
        if !problems.isEmpty { return 2 }
        return !malformedFiles.isEmpty || failedCount > 0 ? 1 : 0
    }
}

/// One test file's outcome.
public struct TestFileReport: Sendable {
    /// The file's reported path.
    public var path: String
    /// The rule set its tests ran against (nil when the file could not be read).
    public var rulesPath: String?
    /// Problems of the test file itself (any error makes it malformed).
    public var diagnostics: [Diagnostic]
    /// The file's lines, for source excerpts.
    public var sourceLines: [Substring]
    /// The tests run (after `--run`), in file order.
    public var results: [TestResult]

    /// Creates a file report.
    public init(
        path: String, rulesPath: String? = nil, diagnostics: [Diagnostic] = [], sourceLines: [Substring] = [],
        results: [TestResult] = []
    ) {
        self.path = path
        self.rulesPath = rulesPath
        self.diagnostics = diagnostics
        self.sourceLines = sourceLines
        self.results = results
    }

    /// Whether the file has errors, so that none of its tests ran.
    public var isMalformed: Bool { diagnostics.contains { $0.severity == .error } }
}

/// One test's outcome.
public struct TestResult: Sendable {
    /// How a test ended.
    public enum Outcome: Sendable {
        /// Every expected record was produced, in order, and nothing else.
        case passed
        /// The records differ.
        case failed(RecordMismatch)
        /// The rule set does not compile, so the test could not run.
        case ruleSetFailed(rulesPath: String)
    }

    /// The test's name.
    public var name: String
    /// Where its name is written.
    public var range: SourceRange
    /// How it ended.
    public var outcome: Outcome
    /// How long it took, in seconds.
    public var seconds: Double

    /// Creates a result.
    public init(name: String, range: SourceRange, outcome: Outcome, seconds: Double = 0) {
        self.name = name
        self.range = range
        self.outcome = outcome
        self.seconds = seconds
    }

    /// Whether the test passed.
    public var passed: Bool {
        if case .passed = outcome { return true }
        return false
    }
}

/// How the records a test produced differ from those it expects.
public struct RecordMismatch: Sendable {
    /// The expected records.
    public var expected: [ExpectedRecord]
    /// The records produced, as JSON objects.
    public var actual: [JSONValue]
    /// The two lined up; not all matches.
    public var steps: [AlignmentStep]

    /// Creates a mismatch.
    public init(expected: [ExpectedRecord], actual: [JSONValue], steps: [AlignmentStep]) {
        self.expected = expected
        self.actual = actual
        self.steps = steps
    }
}

/// A rule set named by test files that does not compile.
public struct RuleSetFailure: Sendable {
    /// The rule-set path.
    public var path: String
    /// Its errors.
    public var diagnostics: [Diagnostic]
    /// Lines of its files, for excerpts.
    public var sourceLines: [String: [Substring]]
    /// How many rule files were read.
    public var fileCount: Int

    /// Creates a failure.
    public init(path: String, diagnostics: [Diagnostic], sourceLines: [String: [Substring]] = [:], fileCount: Int = 0) {
        self.path = path
        self.diagnostics = diagnostics
        self.sourceLines = sourceLines
        self.fileCount = fileCount
    }
}
