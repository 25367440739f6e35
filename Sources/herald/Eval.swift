import ArgumentParser

/// `herald eval` (TODO: implement).
struct Eval: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "eval", abstract: "Not implemented yet.")

    func run() async throws {
        throw ExitCode(3)
    }
}
