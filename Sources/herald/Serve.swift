import ArgumentParser
import Foundation
import HeraldCompiler
import HeraldRuntime
import HeraldService
import HeraldSyntax
import Logging

/// `herald serve [--rules PATH] [--config FILE]` (docs/service.md).
struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Run Herald as a service: take events over HTTP, store them, send due messages.",
        discussion: """
            Reads herald.yaml (or --config FILE; all defaults when neither exists), loads the rule set \
            (--rules wins over the file's 'rules'), opens the store and serves the HTTP API until SIGINT \
            or SIGTERM; SIGHUP reloads the rules. The API token comes from the environment variable the \
            configuration names (HERALD_TOKEN by default); without it a random token is made and printed \
            once on stderr. Exit status: 0 after a clean stop, 1 when the rules or the configuration have \
            errors, 2 usage error. See docs/service.md.
            """
    )

    @Option(help: ArgumentHelp("Rule set: a directory, a YAML file, or a compiled bundle.", valueName: "path"))
    var rules: String?

    @Option(help: ArgumentHelp("Configuration file (default: herald.yaml when it exists).", valueName: "file"))
    var config: String?

    /// Checks the arguments once parsing is done, so ArgumentParser reports
    /// an unknown option before any of these (a usage error either way).
    func checkArguments() throws {
        if let config, !FileManager.default.fileExists(atPath: config) {
            throw ValidationError("no such configuration file: '\(config)'")
        }
        if let rules, !FileManager.default.fileExists(atPath: rules) {
            throw ValidationError("no such rule set: '\(rules)'")
        }
    }

    func run() async throws {
        try checkArguments()
        var configuration = ServiceConfiguration()
        let path = config ?? (FileManager.default.fileExists(atPath: "herald.yaml") ? "herald.yaml" : nil)
        if let path {
            let result = ServiceConfiguration.read(path: path)
            if !result.diagnostics.isEmpty { Self.printDiagnostics(result.diagnostics, fileCount: 1) }
            guard let c = result.configuration else { throw ExitCode(ExitStatus.findings) }
            configuration = c
        }
        let rulesPath = rules ?? configuration.rules
        let loaded: LoadedRules
        switch RulesLoader.load(path: rulesPath) {
        case .success(let l): loaded = l
        case .failure(let f):
            // As `herald lint` prints them (SPEC §10.6 "printed as in §10.1"):
            // warnings too, and the files read.
            if !f.diagnostics.isEmpty { Self.printDiagnostics(f.diagnostics, fileCount: f.fileCount) }
            StandardStreams.printError("herald: error: \(rulesPath): \(f.message)")
            throw ExitCode(ExitStatus.findings)
        }
        var token = ProcessInfo.processInfo.environment[configuration.tokenEnv] ?? ""
        if token.isEmpty {
            guard configuration.listen.isLoopback else {
                StandardStreams.printError(
                    "herald: error: listen \(configuration.listen) is not a loopback address: set \(configuration.tokenEnv)")
                throw ExitCode(ExitStatus.findings)
            }
            var rng = SystemRandomNumberGenerator()
            token = (0..<24).map { _ in String(UInt8.random(in: 0...255, using: &rng), radix: 16) }
                .map { $0.count == 1 ? "0" + $0 : $0 }.joined()
            StandardStreams.printError("herald: \(configuration.tokenEnv) is not set; the API token of this run is \(token)")
        }
        let store: any HeraldStore
        let transports: Scheduler<ContinuousClock>.Transports
        let logger = Logger(label: "herald")
        let server: HeraldServer
        do {
            store = try HeraldServer.openStore(configuration)
            server = HeraldServer(
                configuration: configuration, rulesPath: rulesPath, rules: loaded, token: token, store: store, logger: logger)
            transports = try server.makeTransports()
        } catch {
            StandardStreams.printError("herald: error: \(error)")
            throw ExitCode(ExitStatus.findings)
        }
        let listen = configuration.listen
        let storeURL = configuration.storeForDisplay
        let started = StartFlag()
        do {
            try await server.run(transports: transports) { port in
                started.set()
                StandardStreams.printError(
                    "herald: serving on http://\(listen.host.contains(":") ? "[\(listen.host)]" : listen.host):\(port) (rules \(loaded.hash.prefix(12)), store \(storeURL))")
            }
        } catch where !started.isSet {
            // Before it listens: the address is taken, not on this host or
            // not allowed, or the store cannot be reached or upgraded — a
            // problem of the configuration or the machine (exit 1), not an
            // internal error.
            let text = "\(error)"
            if text.hasPrefix("bind(") {
                // NIO's text: `bind(descriptor:ptr:bytes:): Address already in use) (errno: 98)`.
                var reason = text.range(of: "): ").map { String(text[$0.upperBound...]) } ?? text
                if let end = reason.firstIndex(of: ")") { reason = String(reason[..<end]) }
                StandardStreams.printError("herald: error: cannot listen on \(listen): \(reason)")
            } else {
                StandardStreams.printError("herald: error: cannot start: \(text)")
            }
            throw ExitCode(ExitStatus.findings)
        }
    }

    /// Diagnostics as `herald lint` prints them (text, with source lines),
    /// and the summary line for `fileCount` files.
    static func printDiagnostics(_ diagnostics: [Diagnostic], fileCount: Int) {
        var lines: [String: [Substring]] = [:]
        for d in diagnostics where lines[d.range.file] == nil {
            if let text = try? String(contentsOfFile: d.range.file, encoding: .utf8) {
                lines[d.range.file] = text.split(separator: "\n", omittingEmptySubsequences: false)
            }
        }
        let report = DiagnosticReport(diagnostics: diagnostics, sourceLines: lines, fileCount: max(1, fileCount))
        StandardStreams.printError(DiagnosticFormatter(format: .text).string(for: report).trimmingCharacters(in: .newlines))
    }
}

/// Options shared by the commands that talk to a running service.
struct ServerOptions: ParsableArguments {
    @Option(help: ArgumentHelp("The service's URL.", valueName: "url"))
    var server = "http://127.0.0.1:8080"

    func client() -> ServiceClient {
        ServiceClient(server: server, token: ProcessInfo.processInfo.environment["HERALD_TOKEN"] ?? "")
    }

    /// A usage error unless `--server` is an http(s) URL with a host.
    func check() throws {
        guard let url = URLComponents(string: server), ["http", "https"].contains(url.scheme?.lowercased() ?? ""),
            !(url.host ?? "").isEmpty
        else {
            throw ValidationError("--server must be an http:// or https:// URL such as http://127.0.0.1:8080, not '\(server)'")
        }
    }
}

/// `herald deliveries` (docs/service.md "Command line"): the delivery log of a running service.
struct Deliveries: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "deliveries",
        abstract: "List deliveries of a running service, newest first.",
        discussion: "The token comes from HERALD_TOKEN. Exit status: 0, 1 when the service refuses or cannot be reached, 2 usage error."
    )

    @OptionGroup var options: ServerOptions
    @Option(help: "Only this status (scheduled, sending, sent, retrying, failed, cancelled).") var status: String?
    @Option(name: .customLong("work-order"), help: "Only this work order.") var workOrder: String?
    @Option(help: "Only this lead.") var lead: String?
    @Option(help: "Only this client.") var client: String?
    @Option(help: "Only this rule.") var rule: String?
    @Option(help: "Only deliveries created at or after this RFC 3339 time.") var since: String?
    @Option(help: "At most this many (1 to 1000).") var limit = 50
    @Option(help: "text (a table) or json.") var format = "text"

    /// Checks the arguments once parsing is done, so ArgumentParser reports
    /// an unknown option before any of these (a usage error either way).
    func checkArguments() throws {
        guard ["text", "json"].contains(format) else { throw ValidationError("--format must be text or json") }
        guard (1...1000).contains(limit) else { throw ValidationError("--limit must be from 1 to 1000") }
        try options.check()
        if let since, RFC3339.parse(since) == nil {
            throw ValidationError("--since must be an RFC 3339 time such as 2026-06-01T00:00:00Z, not '\(since)'")
        }
        if let status, Delivery.Status(rawValue: status) == nil {
            let names = Delivery.Status.allCases.map(\.rawValue)
            throw ValidationError(
                "--status must be one of \(names.joined(separator: ", ")), not '\(status)'" + Suggestion.hint(for: status, in: names))
        }
    }

    func run() async throws {
        try checkArguments()
        var filters: [(String, String)] = [("limit", String(limit))]
        for (k, v) in [("status", status), ("work_order", workOrder), ("lead", lead), ("client", client), ("rule", rule), ("since", since)] {
            if let v { filters.append((k, v)) }
        }
        let reply: ServiceClient.Reply
        do {
            reply = try await options.client().deliveries(filters: filters)
        } catch {
            StandardStreams.printError("herald: error: \(error)")
            throw ExitCode(ExitStatus.findings)
        }
        guard reply.status == 200, let object = reply.json as? [String: Any], let items = object["items"] as? [[String: Any]] else {
            StandardStreams.printError("herald: error: the service answered \(reply.status): \(reply.errorMessage)")
            throw ExitCode(ExitStatus.findings)
        }
        if format == "json" {
            StandardStreams.write(String(decoding: reply.body, as: UTF8.self))
            return
        }
        let header = ["ID", "STATUS", "CHANNEL", "TO", "SEND AT", "RULE", "ENTITY"]
        let rows = items.map { i in
            // The work order, lead or CSR the delivery is filed under (a
            // JSON null is NSNull here, not nil: each is tried as text).
            let entity =
                (i["work_order"] as? String) ?? (i["lead"] as? String).map { "lead " + $0 }
                ?? (i["csr"] as? String).map { "csr " + $0 }
            return [i["id"], i["status"], i["channel"], i["to"], i["send_at"], i["rule"], entity]
                .map { ($0 as? String) ?? "-" }
        }
        StandardStreams.write(DeliveryTable.render(header: header, rows: rows))
        if rows.isEmpty { StandardStreams.printError("no deliveries") }
    }
}

/// A plain-text table with aligned columns.
enum DeliveryTable {
    static func render(header: [String], rows: [[String]]) -> String {
        var widths = header.map(\.count)
        for r in rows { for (i, c) in r.enumerated() { widths[i] = max(widths[i], c.count) } }
        func line(_ cells: [String]) -> String {
            cells.enumerated().map { i, c in i == cells.count - 1 ? c : c + String(repeating: " ", count: widths[i] - c.count) }
                .joined(separator: "  ") + "\n"
        }
        return line(header) + rows.map(line).joined()
    }
}

/// `herald resend ID` (docs/service.md "Command line").
struct Resend: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "resend",
        abstract: "Send a sent or failed delivery again, as a new delivery.",
        discussion: "The token comes from HERALD_TOKEN. Exit status: 0, 1 when the service refuses or cannot be reached, 2 usage error."
    )

    @OptionGroup var options: ServerOptions
    @Argument(help: "The delivery id.") var id: String

    func run() async throws {
        try options.check()
        let reply: ServiceClient.Reply
        do {
            reply = try await options.client().resend(id: id)
        } catch {
            StandardStreams.printError("herald: error: \(error)")
            throw ExitCode(ExitStatus.findings)
        }
        guard reply.status == 201, let object = reply.json as? [String: Any], let newID = object["id"] as? String else {
            StandardStreams.printError("herald: error: the service answered \(reply.status): \(reply.errorMessage)")
            throw ExitCode(ExitStatus.findings)
        }
        StandardStreams.write("\(newID)\n")
        StandardStreams.printError("re-sending \(id) as \(newID) (scheduled now)")
    }
}

/// Whether the server got as far as listening (set once, from its callback).
final class StartFlag: @unchecked Sendable {
    private let lock = NSLock()
    private var value = false
    func set() { lock.withLock { value = true } }
    var isSet: Bool { lock.withLock { value } }
}
