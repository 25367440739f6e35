import ArgumentParser
import Foundation
import HeraldCompiler
import HeraldService

/// `herald send-test --to ADDRESS [--config FILE] [--channel email|sms]`:
/// checks a transport setup by sending one test message through it.
struct SendTest: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "send-test",
        abstract: "Send one test message through the configured email or SMS transport.",
        discussion: """
            Reads herald.yaml (or --config FILE), makes the transport its email or sms section names \
            (secrets from the environment variables it names) and sends one test message to --to. \
            Prints the outcome: sent (with the provider's id), transient or permanent failure with the \
            server's reason. Exit status: 0 sent, 1 not sent or the configuration has errors, 2 usage error. \
            See docs/transports.md.
            """
    )

    @Option(help: ArgumentHelp("The address (email) or phone number (sms) to send to.", valueName: "address"))
    var to: String

    @Option(help: ArgumentHelp("Configuration file (default: herald.yaml when it exists).", valueName: "file"))
    var config: String?

    @Option(help: "email or sms.")
    var channel = "email"

    /// Checks the arguments once parsing is done, so ArgumentParser reports
    /// an unknown option before any of these (a usage error either way).
    func checkArguments() throws {
        guard Channel(rawValue: channel) != nil else { throw ValidationError("--channel must be email or sms") }
        if to.isEmpty { throw ValidationError("--to must not be empty") }
        if let config, !FileManager.default.fileExists(atPath: config) {
            throw ValidationError("no such configuration file: '\(config)'")
        }
    }

    func run() async throws {
        try checkArguments()
        var configuration = ServiceConfiguration()
        let path = config ?? (FileManager.default.fileExists(atPath: "herald.yaml") ? "herald.yaml" : nil)
        if let path {
            let result = ServiceConfiguration.read(path: path)
            if !result.diagnostics.isEmpty { Serve.printDiagnostics(result.diagnostics, fileCount: 1) }
            guard let c = result.configuration else { throw ExitCode(ExitStatus.findings) }
            configuration = c
        }
        let channel = Channel(rawValue: self.channel) ?? .email
        let transport = channel == .email ? configuration.email.transport : configuration.sms.transport
        StandardStreams.printError(
            "sending a test \(channel.rawValue) to \(to) through the \(transport.rawValue) transport")
        let sent: (delivery: Delivery, outcome: TransportOutcome)
        do {
            sent = try await TestMessage.send(channel: channel, to: to, configuration: configuration)
        } catch {
            StandardStreams.printError("herald: error: \(error)")
            throw ExitCode(ExitStatus.findings)
        }
        switch sent.outcome {
        case .sent(let provider):
            StandardStreams.write("sent \(sent.delivery.id)" + (provider.map { " (provider id \($0))" } ?? "") + "\n")
        case .transient(let reason, let retryAfter):
            StandardStreams.write(
                "transient failure: \(reason)" + (retryAfter.map { " (retry after \($0.components.seconds)s)" } ?? "")
                    + "\n")
            throw ExitCode(ExitStatus.findings)
        case .permanent(let reason):
            StandardStreams.write("permanent failure: \(reason)\n")
            throw ExitCode(ExitStatus.findings)
        }
    }
}
