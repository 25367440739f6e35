import ArgumentParser
import HeraldCompiler

/// `herald lint [PATH…] [--format text|json|sarif|github] [--warnings-as-errors]`:
/// compiles each rule set and reports every diagnostic (README.md "Command line").
struct Lint: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "lint",
        abstract: "Check rule sets and report every problem.",
        discussion: """
            Each PATH is a rule set; the diagnostics of all of them are reported together, \
            sorted by file, line and column. Exit status: 0 clean, 1 any error (or any warning \
            with --warnings-as-errors), 2 usage error, 3 internal error. With a machine format \
            (json, sarif, github) stdout holds only that format; the summary goes to stderr.
            """
    )

    @OptionGroup var ruleSets: RuleSetPaths

    @Option(help: "Output format: text, json, sarif or github.")
    var format: OutputFormat = .text

    @Flag(help: "Exit 1 when there are warnings, even without errors.")
    var warningsAsErrors = false

    func run() async throws {
        try ruleSets.checkArguments()
        let results = ruleSets.normalized.map { Compiler.compile(path: $0) }
        let report = DiagnosticReport(results: results)
        let format = format.diagnosticFormat
        let options = DiagnosticFormatter.Options(
            colored: format == .text && StandardStreams.stdoutWantsColor)
        StandardStreams.write(DiagnosticFormatter(format: format, options: options).string(for: report))
        if format.isMachineReadable {
            StandardStreams.printError(report.summary)
        }
        if report.hasFailures(warningsAsErrors: warningsAsErrors) {
            throw ExitCode(ExitStatus.findings)
        }
    }
}

/// The values of `--format`.
enum OutputFormat: String, CaseIterable, ExpressibleByArgument {
    case text, json, sarif, github

    var diagnosticFormat: DiagnosticFormat {
        switch self {
        case .text: .text
        case .json: .json
        case .sarif: .sarif
        case .github: .github
        }
    }
}
