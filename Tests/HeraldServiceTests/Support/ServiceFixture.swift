import Foundation
import HeraldRuntime
import HeraldService
import HeraldTestSupport
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import PostgresNIO
import ServiceLifecycle

/// A service over a fresh SQLite store and a small rule set in a temporary
/// folder, for tests. Events are dated relative to `now`.
struct ServiceFixture {
    static let token = "test-token-1234"
    static let rules = """
        herald: 1
        statuses:
          work_order: [open, in_repair, ready_for_pickup, delivered]
        locations:
          centro:
            name: Centro
            timezone: America/Sao_Paulo
            reply_to: centro@acme.example
        templates:
          created:
            sms: "Olá {{client.first_name | default: client.name}}, OS {{work_order.number}} aberta."
            email:
              subject: "Ordem de serviço {{work_order.number}} aberta"
              body: "Olá {{client.name}}, sua OS {{work_order.number}} foi aberta."
              html: "<p>Olá {{client.name}}, OS <b>{{work_order.number}}</b>.</p>"
          followup:
            sms: "Como foi a OS {{work_order.number}}?"
          reminder:
            sms: "Lembrete: OS {{work_order.number}}."
        rules:
          - id: wo-created
            on: work_order.created
            channel: [email, sms]
            template: created
          - id: wo-followup
            on: work_order.closed
            delay: 3d
            channel: sms
            template: followup
          - id: visit-reminder
            remind: work_order.scheduled_for
            before: 1d
            channel: sms
            template: reminder

        """

    /// Where the fixture keeps its state.
    enum Backend: String, Sendable, CustomStringConvertible, CaseIterable {
        case sqlite, postgres

        var description: String { rawValue }

        /// SQLite always; PostgreSQL when `HERALD_TEST_POSTGRES` names a
        /// server (postgres://USER@HOST:PORT/DB), as `.ci/run` sets it.
        static var available: [Backend] { postgresURL == nil ? [.sqlite] : [.sqlite, .postgres] }

        static var postgresURL: String? {
            ProcessInfo.processInfo.environment["HERALD_TEST_POSTGRES"].flatMap { $0.isEmpty ? nil : $0 }
        }
    }

    let scratch: TemporaryDirectory
    var directory: String { scratch.path }
    let server: HeraldServer
    let store: any HeraldStore
    let background: Task<Void, any Error>?

    var rulesPath: String { directory + "/rules" }
    var outbox: String { directory + "/outbox" }

    /// A fixture on SQLite.
    init(rules: String = ServiceFixture.rules) throws {
        let scratch = try Self.makeDirectory(rules: rules)
        try self.init(scratch: scratch, store: SQLiteStore(path: scratch.path + "/herald.sqlite"), background: nil)
    }

    init(scratch: TemporaryDirectory, store: any HeraldStore, background: Task<Void, any Error>?) throws {
        self.scratch = scratch
        let directory = scratch.path
        self.store = store
        self.background = background
        guard case .success(let loaded) = RulesLoader.load(path: directory + "/rules") else {
            throw FixtureError(description: "fixture rules do not compile")
        }
        var configuration = ServiceConfiguration()
        configuration.email.from = "Acme <no-reply@acme.example>"
        configuration.retry.first = .seconds(1)
        configuration.retry.maxInterval = .seconds(4)
        configuration.retry.giveUpAfter = .seconds(60)
        server = HeraldServer(
            configuration: configuration, rulesPath: directory + "/rules", rules: loaded, token: Self.token, store: store)
    }

    /// A fixture on `backend`; PostgreSQL gets a database of its own.
    static func make(_ backend: Backend, rules: String = ServiceFixture.rules) async throws -> ServiceFixture {
        switch backend {
        case .sqlite:
            return try ServiceFixture(rules: rules)
        case .postgres:
            let scratch = try makeDirectory(rules: rules)
            let url = try await PostgresTestDatabase.create()
            let store = try PostgresStore(url: url, password: nil)
            let background = store.backgroundService.map { service in Task { try await service.run() } }
            try await store.migrate()
            return try ServiceFixture(scratch: scratch, store: store, background: background)
        }
    }

    static func makeDirectory(rules: String) throws -> TemporaryDirectory {
        try TemporaryDirectory("service-test", files: ["rules/shop.yaml": rules])
    }

    struct FixtureError: Error, CustomStringConvertible {
        var description: String
    }

    func remove() {
        background?.cancel()
        scratch.remove()
    }

    /// Runs `body` with a test client of the router.
    func withClient(_ body: @escaping @Sendable (any TestClientProtocol) async throws -> Void) async throws {
        let app = Application(router: server.buildRouter())
        try await app.test(.router) { client in try await body(client) }
    }

    /// Sends the first due delivery, re-sends it as `newID` and sends the
    /// copy (both attempts succeed), at `now` and just after.
    func sendAndResend(newID: String, now: Double) async throws -> (original: Delivery, copy: Delivery) {
        guard let original = try await store.claimDue(now: now, limit: 1).first else {
            throw FixtureError(description: "nothing was due")
        }
        try await store.finish([
            AttemptResult(deliveryID: original.id, attempt: 1, status: .sent, outcome: .sent, detail: "ok", finishedAt: now)
        ])
        guard case .created(let copy) = try await store.resend(id: original.id, newID: newID, now: now + 1) else {
            throw FixtureError(description: "the sent delivery could not be re-sent")
        }
        guard try await store.claimDue(now: now + 2, limit: 10).contains(where: { $0.id == copy.id }) else {
            throw FixtureError(description: "the copy was not due")
        }
        try await store.finish([
            AttemptResult(deliveryID: copy.id, attempt: 1, status: .sent, outcome: .sent, detail: "ok", finishedAt: now + 2)
        ])
        return (original, copy)
    }

    static func iso(_ t: Double) -> String { ISO8601DateFormatter().string(from: Date(timeIntervalSince1970: t)) }

    /// A work-order event as JSON text.
    static func event(
        _ id: String, _ type: String = "work_order.created", workOrder: String = "WO-1", at: Double = Date().timeIntervalSince1970 - 60,
        extra: String = ""
    ) -> String {
        """
        {"id":"\(id)","type":"\(type)","occurred_at":"\(iso(at))","location":"centro",\
        "work_order":{"id":"\(workOrder)","number":"\(workOrder.split(separator: "-").last ?? "1")","status":"open"\(extra)},\
        "client":{"id":"C-1","name":"Maria Souza","first_name":"Maria","email":"maria@example.com",\
        "phone":"+5511999990000","accepts_email":true,"accepts_sms":true}}
        """
    }

    static var auth: HTTPFields { [.authorization: "Bearer \(token)"] }

    static func headers(_ contentType: String) -> HTTPFields {
        [.authorization: "Bearer \(token)", .contentType: contentType]
    }
}

extension ByteBuffer {
    var text: String { String(buffer: self) }

    /// The body as a JSON object.
    var object: [String: Any] { (try? JSONSerialization.jsonObject(with: Data(readableBytesView))) as? [String: Any] ?? [:] }

    /// NDJSON lines as objects.
    var records: [[String: Any]] {
        text.split(separator: "\n").compactMap {
            (try? JSONSerialization.jsonObject(with: Data($0.utf8))) as? [String: Any]
        }
    }
}

/// A transport that records what it is given and answers from a script.
final class ScriptedTransport: Transport, @unchecked Sendable {
    private let lock = NSLock()
    private var answers: [TransportOutcome]
    private(set) var sent: [String] = []
    var delivered: Set<String> = []

    init(answers: [TransportOutcome] = []) { self.answers = answers }

    func send(_ delivery: Delivery) async -> TransportOutcome {
        lock.withLock {
            sent.append(delivery.id)
            return answers.isEmpty ? .sent(providerID: "p-\(sent.count)") : answers.removeFirst()
        }
    }

    func wasDelivered(_ delivery: Delivery) async -> Bool? { lock.withLock { delivered.contains(delivery.id) } }

    var sentIDs: [String] { lock.withLock { sent } }
}

/// Fresh databases on the test server (`HERALD_TEST_POSTGRES`), one per test.
enum PostgresTestDatabase {
    static func create() async throws -> String {
        guard let base = ServiceFixture.Backend.postgresURL, var c = URLComponents(string: base) else {
            throw ServiceFixture.FixtureError(description: "HERALD_TEST_POSTGRES is not set")
        }
        let name = "herald_test_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased().prefix(16)
        var configuration = PostgresClient.Configuration(
            host: c.host ?? "127.0.0.1", port: c.port ?? 5432, username: c.user ?? "postgres", password: c.password,
            database: String(c.path.dropFirst()).isEmpty ? "postgres" : String(c.path.dropFirst()), tls: .disable)
        configuration.options.maximumConnections = 1
        let client = PostgresClient(configuration: configuration, backgroundLogger: Logger(label: "test"))
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await client.run() }
            try await client.query(PostgresQuery(unsafeSQL: "CREATE DATABASE \(name)"))
            group.cancelAll()
        }
        c.path = "/" + name
        return c.string ?? base
    }
}
