import ArgumentParser

/// `herald lint` (TODO: implement).
struct Lint: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "lint", abstract: "Not implemented yet.")

    func run() async throws {
        throw ExitCode(3)
    }
}
