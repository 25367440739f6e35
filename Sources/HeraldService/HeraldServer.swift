public import Foundation
import HeraldCompiler
public import HeraldRuntime
import HeraldSyntax
public import Hummingbird
public import Logging
import NIOCore
import ServiceLifecycle
import Synchronization
import UnixSignals

/// `herald serve` as a library (docs/service.md): the HTTP API over a store, the
/// rule set in force (reloadable), the group-commit intake and the
/// scheduler with its transports. `run()` serves until SIGINT/SIGTERM.
///
/// ```swift
/// let server = try HeraldServer.make(configuration: config, rulesPath: "Rules", token: token)
/// try await server.run()
/// ```
public final class HeraldServer: Sendable {
    /// The settings.
    public let configuration: ServiceConfiguration
    /// The store.
    public let store: any HeraldStore
    /// The metrics.
    public let metrics: ServiceMetrics
    /// The rule-set path reloads read.
    public let rulesPath: String
    let token: String
    let current: Mutex<IntakeEvaluator>
    let queue: CommitQueue
    let reloads = ReloadGate()
    /// The requests in progress, which a shutdown lets finish.
    let requests = RequestTracker()
    let logger: Logger
    /// The hash another instance published, when this one's files differ (shared stores).
    let rulesMismatch = Mutex<String?>(nil)
    /// The largest request body accepted.
    public static let maximumBodyBytes = 16 * 1024 * 1024
    /// The longest declared body a 413 reads and drops first, so that a
    /// client sending it all before reading gets the answer (64 MiB).
    static let drainedBodyBytes = 64 * 1024 * 1024

    /// Creates a server over an open store and a loaded rule set.
    public init(
        configuration: ServiceConfiguration, rulesPath: String, rules: LoadedRules, token: String, store: any HeraldStore,
        metrics: ServiceMetrics = ServiceMetrics(), logger: Logger = Logger(label: "herald")
    ) {
        self.configuration = configuration
        self.rulesPath = rulesPath
        self.token = token
        self.store = store
        self.metrics = metrics
        self.logger = logger
        self.current = Mutex(IntakeEvaluator(runtime: rules.runtime, rulesHash: rules.hash))
        self.queue = CommitQueue(store: store, now: { Date().timeIntervalSince1970 })
    }

    /// Opens the configured store.
    public static func openStore(_ configuration: ServiceConfiguration, relativeTo directory: String? = nil) throws
        -> any HeraldStore
    {
        let url = configuration.store
        if url.hasPrefix("sqlite:") {
            var path = String(url.dropFirst("sqlite:".count))
            if let directory, !path.hasPrefix("/") { path = directory + "/" + path }
            return try SQLiteStore(path: path, lease: configuration.lease)
        }
        if url.hasPrefix("postgres://") || url.hasPrefix("postgresql://") {
            let password = ProcessInfo.processInfo.environment[configuration.storePasswordEnv]
            return try PostgresStore(url: url, password: password, lease: configuration.lease)
        }
        throw StoreOpenError(description: "store '\(ServiceConfiguration.redactingPassword(in: url))' is neither sqlite:PATH nor postgres://…")
    }

    /// Why a store could not be opened.
    public struct StoreOpenError: Error, CustomStringConvertible {
        /// What went wrong.
        public var description: String
    }

    /// Why the configured transports cannot be made.
    public struct TransportSetupError: Error, CustomStringConvertible {
        /// What is wrong.
        public var description: String
    }

    /// The rule set's hash in force.
    public var rulesHash: String { current.withLock { $0.rulesHash } }

    var evaluator: IntakeEvaluator { current.withLock { $0 } }

    // MARK: Intake

    /// Evaluates and commits a request body (docs/service.md "POST /v1/events") and returns the
    /// NDJSON reply; throws when the store could not commit (nothing kept).
    public func intake(body: [UInt8], ndjson: Bool) async throws -> [UInt8] {
        let evaluator = self.evaluator
        let lines = await store.speculate(try evaluator.prepare(body: body, ndjson: ndjson), evaluator: evaluator)
        let results = try await queue.submit(lines, evaluator: evaluator)
        var out: [UInt8] = []
        out.reserveCapacity(results.count * 256)
        for r in results {
            r.appendNDJSON(to: &out)
            if r.outcome != .blank { metrics.event(r.outcome.rawValue) }
            for record in r.records { metrics.decision(record.decision.rawValue) }
            for record in r.records where record.decision == .send {
                if let c = record.channel { metrics.delivery(c, .scheduled) }
            }
            for c in r.cancelled { metrics.delivery(c.channel, .cancelled, by: c.count) }
        }
        return out
    }

    // MARK: Reload

    /// What a reload did.
    public enum ReloadOutcome: Sendable {
        /// The new rule set is in force.
        case reloaded(hash: String)
        /// The rule set has errors; the old one stays.
        case refused(RulesLoadFailure)
    }

    /// Reads the rule set again and swaps it in only if it compiles with no
    /// errors (docs/service.md "Reloading rules"). Events are evaluated by one rule set or the
    /// other, never a mix: each request reads the rules in force once.
    public func reload() async -> ReloadOutcome { await reload(publish: true) }

    /// Reloads; `publish` writes the new hash to the store, where the other
    /// instances sharing it see it and reload their own files.
    func reload(publish: Bool) async -> ReloadOutcome {
        await reloads.run {
            switch RulesLoader.load(path: self.rulesPath) {
            case .success(let loaded):
                self.current.withLock { $0 = IntakeEvaluator(runtime: loaded.runtime, rulesHash: loaded.hash) }
                if publish {
                    try? await self.store.setMetadata("rules_hash", loaded.hash)
                    self.rulesMismatch.withLock { $0 = nil }
                }
                self.metrics.reload(true)
                self.logger.info("rules reloaded", metadata: ["hash": .string(loaded.hash)])
                return .reloaded(hash: loaded.hash)
            case .failure(let failure):
                self.metrics.reload(false)
                self.logger.error("reload refused: \(failure.message)")
                // A reload by SIGHUP has no reply to carry the diagnostics: the
                // log says where each error is (the first 50).
                for d in failure.diagnostics.filter({ $0.severity == .error }).prefix(50) {
                    self.logger.error(
                        "\(d.range.file):\(d.range.start.line):\(d.range.start.column): error: \(d.message) [\(d.code)]")
                }
                return .refused(failure)
            }
        }
    }

    // MARK: Running

    /// The transports the configuration names.
    /// A secret missing from the environment does not stop the service: its
    /// channel's attempts fail as transient, saying which variable to set.
    public func makeTransports(relativeTo directory: String? = nil) throws -> Scheduler<ContinuousClock>.Transports {
        try Self.makeTransports(configuration, relativeTo: directory, strictSecrets: false, logger: logger)
    }

    /// The transports a configuration names; secrets are read from the
    /// environment variables it names. Throws when a setting cannot work
    /// (no `from` address, no gateway URL), and, with `strictSecrets`, when
    /// any secret is missing; without it, that channel gets a transport whose
    /// attempts fail as transient with the reason (the service, and
    /// `herald send-test`, which then refuses only for the tested channel).
    public static func makeTransports(
        _ configuration: ServiceConfiguration, relativeTo directory: String? = nil,
        environment: [String: String] = ProcessInfo.processInfo.environment, strictSecrets: Bool = true,
        logger: Logger = Logger(label: "herald")
    ) throws -> Scheduler<ContinuousClock>.Transports {
        func resolve(_ p: String) -> String {
            if let directory, !p.hasPrefix("/") { return directory + "/" + p }
            return p
        }
        guard let from = MailAddress.parse(configuration.email.from) else {
            throw TransportSetupError(description: "email.from '\(configuration.email.from)' is not an address")
        }
        let assembler = EmailAssembler(from: from, reportURLPrefixes: configuration.email.reportURLPrefixes)
        let email: any Transport
        switch configuration.email.transport {
        case .directory, .http: email = DirectoryTransport(directory: resolve(configuration.email.directory), assembler: assembler)
        case .smtp:
            let smtp = configuration.email.smtp
            var password: String?
            if smtp.username != nil {
                password = environment[smtp.passwordEnv].flatMap { $0.isEmpty ? nil : $0 }
            }
            if smtp.username != nil && password == nil {
                if strictSecrets {
                    throw TransportSetupError(
                        description: "email.smtp.username is set but \(smtp.passwordEnv) (password_env) is not")
                }
                // Start anyway (SMS and the API keep working) and keep the
                // emails: each attempt fails as transient with this reason
                // until the variable is set and the service restarted.
                let reason = "email.smtp.username is set but the environment variable \(smtp.passwordEnv) (password_env) is not"
                logger.error("\(reason): emails are retried until it is set")
                email = MisconfiguredTransport(reason: reason)
            } else {
                let settings = SMTPTransport.Settings(
                    host: smtp.host, port: smtp.port, security: SMTPTransport.Security(rawValue: smtp.security) ?? .starttls,
                    username: smtp.username, password: password, caFile: smtp.caFile.map(resolve), timeout: smtp.timeout,
                    envelopeSender: from.address)
                email = SMTPTransport(settings: settings, assembler: assembler, connections: smtp.connections)
            }
        }
        let sms: any Transport
        switch configuration.sms.transport {
        case .directory, .smtp: sms = DirectoryTransport(directory: resolve(configuration.sms.directory), assembler: nil)
        case .http:
            let http = configuration.sms.http
            guard !http.url.isEmpty else { throw TransportSetupError(description: "sms.transport is http but sms.http.url is not set") }
            if let token = environment[http.tokenEnv], !token.isEmpty {
                sms = HTTPGatewayTransport(url: http.url, token: token, timeout: http.timeout, body: http.body)
            } else if strictSecrets {
                throw TransportSetupError(description: "sms.transport is http but \(http.tokenEnv) (token_env) is not set")
            } else {
                let reason = "sms.transport is http but the environment variable \(http.tokenEnv) (token_env) is not set"
                logger.error("\(reason): SMS are retried until it is set")
                sms = MisconfiguredTransport(reason: reason)
            }
        }
        return .init(email: email, sms: sms)
    }

    /// Serves until SIGINT or SIGTERM: the HTTP API, the scheduler, and
    /// reload on SIGHUP. Returns after the requests and sends in progress end.
    public func run(transports: Scheduler<ContinuousClock>.Transports, onListening: @escaping @Sendable (Int) async -> Void = { _ in }) async throws {
        try await withThrowingDiscardingTaskGroup { group in
            if let background = store.backgroundService { group.addTask { try await background.run() } }
            try await store.migrate()
            try await serve(transports: transports, onListening: onListening)
            group.cancelAll()
        }
    }

    private func serve(transports: Scheduler<ContinuousClock>.Transports, onListening: @escaping @Sendable (Int) async -> Void) async throws {
        try await store.setMetadata("rules_hash", rulesHash)
        let scheduler = Scheduler(
            store: store, transports: transports, retry: configuration.retry, concurrency: configuration.concurrency,
            metrics: metrics, clock: ContinuousClock(), retention: configuration.retention, logger: logger)
        let app = Application(
            router: buildRouter(),
            // A request NIO cannot parse gets a JSON error body too.
            server: .http1(configuration: .init(additionalChannelHandlers: [MalformedRequestReply()])),
            configuration: .init(
                address: .hostname(configuration.listen.host, port: configuration.listen.port), serverName: "herald",
                reuseAddress: true),
            onServerRunning: { channel in await onListening(channel.localAddress?.port ?? 0) },
            logger: logger)
        let group = ServiceGroup(
            configuration: .init(
                // A group stops its services last to first: the rule
                // watchers, then the scheduler (no new sends; those in
                // progress finish), then the drain (replies in progress
                // are written), then the HTTP server.
                services: [
                    .init(service: app), .init(service: RequestDrain(tracker: requests)), .init(service: scheduler),
                    .init(service: HangupReloader(server: self)),
                ] + (store.isShared ? [.init(service: RulesWatcher(server: self))] : []),
                gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        try await group.run()
    }
}

/// Stands in for a transport whose secret is missing from the environment:
/// every attempt is a transient failure that says so, so the messages are
/// kept and go out once the secret is set and the service restarted.
struct MisconfiguredTransport: Transport {
    let reason: String

    func send(_ delivery: Delivery) async -> TransportOutcome { .transient(reason: reason) }

    func wasDelivered(_ delivery: Delivery) async -> Bool? { false }
}

/// Reloads the rules on SIGHUP.
struct HangupReloader: Service {
    let server: HeraldServer

    func run() async throws {
        let signals = await UnixSignalsSequence(trapping: .sighup)
        try await cancelWhenGracefulShutdown {
            for await _ in signals { _ = await server.reload() }
        }
    }
}

/// Follows reloads made on other instances of a shared store: when the
/// rules hash in the store differs from this instance's, it reads its own
/// files again; if they still give another hash it keeps its rules and
/// reports the mismatch on `/healthz` (docs/service.md "Several instances on PostgreSQL").
struct RulesWatcher: Service {
    let server: HeraldServer

    func run() async throws {
        var lastTried: String?
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            try? await Task.sleep(for: .seconds(2))
            guard let stored = try? await server.store.metadata("rules_hash") else { continue }
            if stored == server.rulesHash {
                server.rulesMismatch.withLock { $0 = nil }
                continue
            }
            if stored == lastTried { continue }
            lastTried = stored
            switch await server.reload(publish: false) {
            case .reloaded(let hash) where hash == stored:
                server.rulesMismatch.withLock { $0 = nil }
            default:
                server.rulesMismatch.withLock { $0 = stored }
                server.logger.error("another instance runs rules \(stored); this instance's files give \(server.rulesHash)")
            }
        }
    }
}

/// One reload at a time.
actor ReloadGate {
    func run<T: Sendable>(_ body: @Sendable () async -> T) async -> T { await body() }
}
