import Foundation
import HeraldCompiler
public import HeraldRuntime
import HeraldSyntax

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Runs `*.test.yaml` files (docs/testing.md): each test's events go through a
/// fresh runtime state on the rule set its file names, and the records
/// produced are compared with the test's `expect` list.
///
/// ```swift
/// let report = TestRunner(options: .init(namePattern: "reminder")).run(paths: ["Rules"])
/// print(TestReportFormatter().text(for: report), terminator: "")
/// exit(report.exitStatus)
/// ```
///
/// Records produced are the `send`, `skip`, `cancel` and `reject` records, in
/// the runtime's output order; explain-only `none` records are never produced.
public struct TestRunner: Sendable {
    /// What to run.
    public struct Options: Sendable, Hashable {
        /// A regular expression; only tests whose name contains a match run.
        /// Check it first with `TestRunner.problem(withPattern:)`.
        public var namePattern: String?
        /// Rule sets a test file may name although they lie outside its
        /// repository (see `ruleSetProblem`): these paths and everything
        /// below them. `run(paths:)` adds the paths it is given.
        public var allowedRuleSets: [String]

        /// Creates options.
        public init(namePattern: String? = nil, allowedRuleSets: [String] = []) {
            self.namePattern = namePattern
            self.allowedRuleSets = allowedRuleSets
        }
    }

    /// What to run.
    public var options: Options

    /// Creates a runner.
    public init(options: Options = Options()) {
        self.options = options
    }

    /// Why `pattern` is not a usable `--run` expression, or nil when it is.
    public static func problem(withPattern pattern: String) -> String? {
        do {
            _ = try Regex(pattern)
            return nil
        } catch {
            return "invalid regular expression '\(pattern)': \(error)"
        }
    }

    /// Runs every test file found under `paths` (directories are searched
    /// recursively for `*.test.yaml` / `*.test.yml`; files are taken as given).
    public func run(paths: [String]) -> TestRunReport {
        var missing: [Diagnostic] = []
        var files: [String] = []
        for path in paths {
            let root = Self.trimmed(path)
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: root, isDirectory: &isDirectory) else {
                let start = SourcePosition(line: 1, column: 1, offset: 0)
                missing.append(.error(.unreadableFile, "no such file or directory: '\(path)'", at: SourceRange(file: path, at: start)))
                continue
            }
            files += isDirectory.boolValue ? Self.testFiles(in: root) : [root]
        }
        var seen = Set<String>()
        files = files.filter { seen.insert($0).inserted }
        var runner = self
        runner.options.allowedRuleSets += paths
        var report = runner.run(files: files)
        report.problems = missing
        return report
    }

    /// Runs the given test files, in the order given.
    public func run(files: [String]) -> TestRunReport {
        let filter: Regex<AnyRegexOutput>? = options.namePattern.flatMap { try? Regex($0) }
        var loader = RuleSetLoader()
        var reports: [TestFileReport] = []
        for path in files {
            reports.append(run(file: path, filter: filter, loader: &loader))
        }
        return TestRunReport(files: reports, ruleSets: loader.failures)
    }

    /// The test files below `directory`, as `directory/relative` paths in
    /// byte order, skipping hidden files and directories.
    public static func testFiles(in directory: String) -> [String] {
        RuleSetFiles.files(below: directory, where: isTestFileName).map { RuleSetFiles.join(directory, $0) }
    }

    /// Whether a file name is a test file's: `*.test.yaml` or `*.test.yml`.
    public static func isTestFileName(_ name: String) -> Bool {
        name.hasSuffix(".test.yaml") || name.hasSuffix(".test.yml")
    }

    /// `Rules/` → `Rules`, `a//b` → `a/b`.
    static func trimmed(_ path: String) -> String {
        var result = ""
        for c in path where !(c == "/" && result.hasSuffix("/")) { result.append(c) }
        while result.count > 1 && result.hasSuffix("/") { result.removeLast() }
        return result
    }

    private func run(file path: String, filter: Regex<AnyRegexOutput>?, loader: inout RuleSetLoader) -> TestFileReport {
        let reading = TestFileReader.read(path: path)
        var report = TestFileReport(path: path, diagnostics: reading.diagnostics, sourceLines: reading.lines)
        guard var file = reading.file else { return report }
        report.rulesPath = file.rulesPath
        func selectedTests() -> [TestCase] {
            file.tests.filter { test in filter.map { (try? $0.firstMatch(in: test.name)) != nil } ?? true }
        }
        let selected = selectedTests()

        if let problem = ruleSetProblem(file) {
            let at = file.rulesRange ?? SourceRange(file: path, at: SourcePosition(line: 1, column: 1, offset: 0))
            report.diagnostics.append(.error(.unreadableFile, problem, at: at))
            report.diagnostics.sort(by: Diagnostic.reportingOrder)
            return report
        }
        guard FileManager.default.fileExists(atPath: file.rulesPath) else {
            let at = file.rulesRange ?? SourceRange(file: path, at: SourcePosition(line: 1, column: 1, offset: 0))
            let how = file.rulesRange == nil ? "the test file's directory" : "'rules:', relative to the test file's directory,"
            report.diagnostics.append(
                .error(.unreadableFile, "no rule set at '\(file.rulesPath)' (\(how) names the rule set)", at: at))
            report.diagnostics.sort(by: Diagnostic.reportingOrder)
            return report
        }
        guard let loaded = loader.load(file.rulesPath) else {
            if !reading.hasErrors {
                report.results = selected.map {
                    TestResult(name: $0.name, range: $0.range, outcome: .ruleSetFailed(rulesPath: file.rulesPath), seconds: 0)
                }
            }
            return report
        }
        // Events are typed by the rule set's schema now that it is known
        // (SPEC §1): `number: 1001` under a text field is the text "1001".
        file.typeEvents(by: loaded.ruleSet.schema)
        // Checked even when the shape has errors, so one run reports them all.
        let problems = TestFileReader.check(file, ruleSet: loaded.ruleSet, runtime: loaded.runtime)
        report.diagnostics = (report.diagnostics + problems).sorted(by: Diagnostic.reportingOrder)
        guard !report.isMalformed else { return report }
        report.results = selectedTests().map { run($0, runtime: loaded.runtime) }
        return report
    }

    /// Why the rule set a test file names must not be read, or nil: it is
    /// not a regular file or directory (`rules: /dev/stdin`), or it lies
    /// outside the test file's repository — the nearest folder above the
    /// test file holding `.git`, else the test file's own folder or, for a
    /// test file inside it, the current folder — and was not allowed (`Options.allowedRuleSets`,
    /// the paths given to `run(paths:)`). Links are followed before comparing, so a link cannot
    /// lead a test out of its tree.
    func ruleSetProblem(_ file: TestFile) -> String? {
        let named = file.rulesRange == nil ? "its directory" : "'rules: \(file.rulesPath)'"
        if let problem = RuleSetFiles.kindProblem(atPath: file.rulesPath) {
            return "cannot use the rule set \(named): \(problem)"
        }
        guard let target = Self.realPath(file.rulesPath) else { return nil }
        let folder = (file.path as NSString).deletingLastPathComponent
        let directory = Self.realPath(folder.isEmpty ? "." : folder) ?? folder
        let repository = Self.repository(of: directory)
        let root = repository ?? directory
        if Self.isInside(target, root) { return nil }
        // Outside a repository the folder `herald test` runs in counts too:
        // SPEC §10.4's own `rules: ../` from a tests folder, run as
        // `herald test Rules/tests` in a folder that is not a git checkout.
        // (Only for a test file inside that folder: run from `/` or `$HOME`,
        // a test elsewhere does not get to read all of it.)
        if repository == nil, let here = Self.realPath("."), Self.isInside(directory, here), Self.isInside(target, here) {
            return nil
        }
        for allowed in options.allowedRuleSets {
            if let allowed = Self.realPath(allowed), Self.isInside(target, allowed) { return nil }
        }
        return "the rule set \(named) lies outside this test's tree ('\(root)'); "
            + "give it on the command line (herald test --allow-rules \(file.rulesPath)) to use it"
    }

    /// The nearest folder at or above `directory` that holds `.git`, if any.
    static func repository(of directory: String) -> String? {
        var current = directory
        while true {
            if FileManager.default.fileExists(atPath: current == "/" ? "/.git" : current + "/.git") { return current }
            let parent = (current as NSString).deletingLastPathComponent
            if parent.isEmpty || parent == current { return nil }
            current = parent
        }
    }

    /// Whether `path` is `root` or below it (both absolute and resolved).
    static func isInside(_ path: String, _ root: String) -> Bool {
        if root == "/" || path == root { return true }
        return path.hasPrefix(root.hasSuffix("/") ? root : root + "/")
    }

    /// The absolute path with links resolved, or nil when it does not exist.
    static func realPath(_ path: String) -> String? {
        guard let resolved = realpath(path, nil) else { return nil }
        defer { free(resolved) }
        return String(cString: resolved)
    }

    /// Runs one test on a fresh state with `runtime` (its rule set loaded
    /// by the caller) and compares the records with its `expect` list.
    public func run(_ test: TestCase, runtime: Runtime) -> TestResult {
        let clock = ContinuousClock()
        let start = clock.now
        var state = RuntimeState()
        var records: [DecisionRecord] = []
        for (index, event) in test.events.enumerated() {
            records += runtime.process(line: event.line, lineNumber: index + 1, state: &state)
        }
        var produced = records.filter { $0.decision != .none }
        // SPEC §10.4: "`expect: []` means nothing is sent, skipped or
        // cancelled". A reject (a duplicate the test feeds on purpose) does
        // not fail it; a list that names records is compared with every
        // record produced, rejects included ("none more").
        if test.expect.isEmpty { produced.removeAll { $0.decision == .reject } }
        let actual = produced.map { JSONValue.parse($0.jsonLine) ?? .string($0.jsonLine) }
        let steps = RecordComparison.align(expected: test.expect, actual: actual)
        let elapsed = start.duration(to: clock.now).components
        let seconds = Double(elapsed.seconds) + Double(elapsed.attoseconds) / 1e18
        let outcome: TestResult.Outcome =
            steps.allSatisfy(\.isMatch)
            ? .passed : .failed(RecordMismatch(expected: test.expect, actual: actual, steps: steps))
        return TestResult(name: test.name, range: test.range, outcome: outcome, seconds: seconds)
    }
}

/// Compiles each rule set once per run.
private struct RuleSetLoader {
    struct Loaded {
        var ruleSet: RuleSet
        var runtime: Runtime
    }

    private var cache: [String: Loaded?] = [:]
    /// Rule sets that did not compile, in the order first needed.
    var failures: [RuleSetFailure] = []

    mutating func load(_ path: String) -> Loaded? {
        if let cached = cache[path] { return cached }
        let loaded = compile(path)
        cache[path] = .some(loaded)
        return loaded
    }

    private mutating func compile(_ path: String) -> Loaded? {
        if RuleBundle.isBundle(atPath: path) {
            let start = SourcePosition(line: 1, column: 1, offset: 0)
            guard let data = FileManager.default.contents(atPath: path) else {
                failures.append(
                    RuleSetFailure(
                        path: path,
                        diagnostics: [.error(.unreadableFile, "cannot read '\(path)'", at: SourceRange(file: path, at: start))]))
                return nil
            }
            switch RuleBundle.decode(data) {
            case .success(let ruleSet): return Loaded(ruleSet: ruleSet, runtime: Runtime(ruleSet: ruleSet))
            case .failure(let error):
                failures.append(
                    RuleSetFailure(
                        path: path,
                        diagnostics: [.error(.unreadableFile, "\(error)", at: SourceRange(file: path, at: start))]))
                return nil
            }
        }
        let result = Compiler.compile(path: path)
        guard let ruleSet = result.ruleSet, !result.hasErrors else {
            var lines: [String: [Substring]] = [:]
            for (file, parsed) in result.sources { lines[file] = parsed.lines }
            failures.append(
                RuleSetFailure(
                    path: path, diagnostics: result.diagnostics.filter { $0.severity == .error }, sourceLines: lines,
                    fileCount: result.fileCount))
            return nil
        }
        return Loaded(ruleSet: ruleSet, runtime: Runtime(ruleSet: ruleSet))
    }
}
