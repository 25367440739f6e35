import ArgumentParser
import HeraldRuntime


/// The `herald` command line: lint, compile, eval, test, init, serve, deliveries, resend, send-test.
///
/// Exit codes, for every subcommand (README.md "Command line"): 0 success, 1 findings or
/// failures, 2 usage error (unknown flag, missing path: one line on stderr),
/// 3 internal error.
@main
struct Herald: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "herald",
        abstract: "Client-notification rules: lint, compile, evaluate and test rule sets.",
        discussion: """
            Exit codes: 0 success, 1 findings or failures, 2 usage error, 3 internal error.
            """,
        version: RuleBundle.heraldVersion,
        subcommands: [
            Lint.self, Compile.self, Eval.self, TestCommand.self, Init.self, Serve.self, Deliveries.self, Resend.self,
            SendTest.self,
        ]
    )

    /// Parses the arguments, runs the subcommand and maps what it throws to
    /// the exit codes above (ArgumentParser alone would exit 64 on a usage
    /// error and 1 on any other error).
    static func main() async {
        do {
            var command = try parseAsRoot()
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch {
            exitWithCode(for: error)
        }
    }

    /// Exits as `error` requires; see the type's documentation.
    static func exitWithCode(for error: any Error) -> Never {
        if let code = error as? ExitCode {
            terminate(code.rawValue)
        }
        switch exitCode(for: error) {
        case .success:
            // --help, --version: ArgumentParser prints them to stdout.
            Self.exit(withError: error)
        case .validationFailure:
            let reason = message(for: error).split(whereSeparator: \.isNewline).first.map(String.init) ?? "invalid arguments"
            StandardStreams.printError("herald: error: \(reason) (see 'herald help')")
            terminate(ExitStatus.usage)
        default:
            StandardStreams.printError("herald: internal error: \(error)")
            terminate(ExitStatus.internalError)
        }
    }
}

/// The exit codes of README.md "Command line".
enum ExitStatus {
    /// Success, nothing to report.
    static let success: Int32 = 0
    /// Findings (lint errors) or failures (tests).
    static let findings: Int32 = 1
    /// The command line was wrong: unknown flag, missing path.
    static let usage: Int32 = 2
    /// Herald itself failed.
    static let internalError: Int32 = 3
}
