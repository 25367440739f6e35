import ArgumentParser
import Foundation
import HeraldCompiler
import HeraldRuntime
import HeraldSyntax

/// `herald compile [PATH] -o FILE`: writes the compiled rule set (README.md "Command line").
struct Compile: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "compile",
        abstract: "Compile a rule set into a file that 'herald eval' and the runtime load faster.",
        usage: "herald compile [<path>] --output <file>",
        discussion: """
            The file holds the checked rule set with a header naming the bundle format and the \
            Herald version; another Herald version refuses it (recompile). Exit status: 0 written, \
            1 the rule set has errors (printed on stderr), 2 usage error.
            """
    )

    @Argument(help: ArgumentHelp("Rule set: a directory or a single YAML file.", valueName: "path"))
    var path: String = "Rules"

    // Optional to ArgumentParser so that an unknown option is reported as
    // such before a missing --output (checkArguments requires it).
    @Option(
        name: [.customShort("o"), .customLong("output")],
        help: ArgumentHelp("Where to write the compiled rule set (required).", valueName: "file"))
    var outputOption: String?

    /// The output path (`checkArguments` makes sure it was given).
    var output: String { outputOption ?? "" }

    /// Checks the arguments once parsing is done, so ArgumentParser reports
    /// an unknown option before any of these (a usage error either way).
    func checkArguments() throws {
        if path.isEmpty { throw ValidationError("empty rule-set path") }
        if !FileManager.default.fileExists(atPath: path) { throw ValidationError("no such file or directory: '\(path)'") }
        try CommandLinePath.requireFileOrDirectory(path)
        guard outputOption != nil else { throw ValidationError("missing --output <file>: where to write the compiled rule set") }
        if output.isEmpty { throw ValidationError("empty output path") }
        _ = try CommandLinePath.outputFile(output)
    }

    func run() async throws {
        try checkArguments()
        let result = Compiler.compile(path: RuleSetPaths.normalize(path))
        let errors = result.diagnostics.filter { $0.severity == .error }
        guard let ruleSet = result.ruleSet, errors.isEmpty else {
            RuleSetLoading.printDiagnostics(errors)
            StandardStreams.printError("\(errors.count) error\(errors.count == 1 ? "" : "s") in \(path)")
            throw ExitCode(ExitStatus.findings)
        }
        let data = try RuleBundle.encode(ruleSet)
        do {
            try data.write(to: URL(fileURLWithPath: try CommandLinePath.outputFile(output)), options: .atomic)
        } catch {
            StandardStreams.printError("herald: error: cannot write '\(output)': \(ErrorText.describe(error))")
            throw ExitCode(ExitStatus.usage)
        }
        StandardStreams.printError(
            "compiled \(ruleSet.rules.count) rule\(ruleSet.rules.count == 1 ? "" : "s") from \(result.fileCount) file\(result.fileCount == 1 ? "" : "s") to \(output)")
    }
}
