import ArgumentParser

/// `herald compile` (TODO: implement).
struct Compile: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "compile", abstract: "Not implemented yet.")

    func run() async throws {
        throw ExitCode(3)
    }
}
