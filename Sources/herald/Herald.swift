import ArgumentParser

/// The `herald` command line: lint, compile, eval, test.
@main
struct Herald: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "herald",
        abstract: "Client-notification rules: lint, compile, evaluate and test rule sets.",
        subcommands: [Lint.self, Compile.self, Eval.self, TestCommand.self]
    )
}
