import ArgumentParser
import Foundation
import HeraldModel
import HeraldSyntax
import HeraldTesting

/// `herald test [PATH…] [--run REGEX] [--junit FILE]`: runs `*.test.yaml`
/// files (docs/testing.md) and prints failures with a diff of expected and
/// produced records, then `N passed, N failed`.
struct TestCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "test",
        abstract: "Run the tests of rule sets (*.test.yaml files).",
        discussion: """
            Each PATH is a test file or a directory searched recursively for *.test.yaml files \
            (default: Rules). Every test feeds its events to a fresh runtime on the rule set its \
            file names ('rules:', relative to the file; default: the file's directory) and compares \
            the records produced with its 'expect' list. A 'rules:' path outside the test file's \
            repository (the nearest folder above it holding .git, else its own folder or, when it lies \
            in it, the folder herald test runs in) is refused \
            unless it is below a PATH or an --allow-rules path. See docs/testing.md. Exit status: 0 all \
            passed, 1 a test failed, a rule set has errors or a test file is malformed, 2 a usage \
            error, 3 internal error.
            """
    )

    @Argument(help: ArgumentHelp("Test files, or directories to search for *.test.yaml files.", valueName: "path"))
    var paths: [String] = ["Rules"]

    @Option(name: .customLong("run"), help: ArgumentHelp("Run only the tests whose name matches this regular expression.", valueName: "regex"))
    var namePattern: String?

    @Option(help: ArgumentHelp("Also write the results as JUnit XML to this file.", valueName: "file"))
    var junit: String?

    @Option(
        name: .customLong("allow-rules"),
        help: ArgumentHelp(
            "Let test files use this rule set (and what is below it) although it lies outside their repository.",
            valueName: "path"))
    var allowedRuleSets: [String] = []

    /// Checks the arguments once parsing is done, so ArgumentParser reports
    /// an unknown option before any of these (a usage error either way).
    func checkArguments() throws {
        for path in paths {
            if path.isEmpty { throw ValidationError("empty path") }
            if !FileManager.default.fileExists(atPath: path) { throw ValidationError("no such file or directory: '\(path)'") }
            try CommandLinePath.requireFileOrDirectory(path)
        }
        if let namePattern, let problem = TestRunner.problem(withPattern: namePattern) {
            throw ValidationError(problem)
        }
        if let junit, junit.isEmpty { throw ValidationError("empty --junit path") }
        if let junit { _ = try CommandLinePath.outputFile(junit) }
        for path in allowedRuleSets {
            if !FileManager.default.fileExists(atPath: path) { throw ValidationError("no such file or directory: '\(path)'") }
            try CommandLinePath.requireFileOrDirectory(path)
        }
    }

    @Flag(name: .shortAndLong, help: "List every test with its outcome, not only the failures.")
    var verbose = false

    func run() async throws {
        try checkArguments()
        let runner = TestRunner(options: .init(namePattern: namePattern, allowedRuleSets: allowedRuleSets))
        let report = runner.run(paths: paths)
        if let namePattern, report.results.isEmpty, report.exitStatus == 0, !report.files.isEmpty {
            StandardStreams.printError("herald: warning: no test name matches --run '\(namePattern)'")
        }
        var formatter = TestReportFormatter(colored: StandardStreams.stdoutWantsColor)
        formatter.verbose = verbose
        StandardStreams.write(formatter.text(for: report))
        if let junit {
            do {
                try Data(JUnitReport().xml(for: report).utf8).write(
                    to: URL(fileURLWithPath: try CommandLinePath.outputFile(junit)), options: .atomic)
            } catch {
                StandardStreams.printError("herald: error: cannot write '\(junit)': \(ErrorText.describe(error))")
                throw ExitCode(ExitStatus.usage)
            }
        }
        if report.exitStatus != 0 { throw ExitCode(report.exitStatus) }
    }
}
