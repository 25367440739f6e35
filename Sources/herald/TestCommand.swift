import ArgumentParser

/// `herald test` (TODO: implement).
struct TestCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "test", abstract: "Not implemented yet.")

    func run() async throws {
        throw ExitCode(3)
    }
}
