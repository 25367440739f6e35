import Foundation
import HTTPTypes
import HeraldCompiler
import HeraldService
import HeraldTestSupport
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing

/// The package root, for the scripts under `Tests/smtp`.
let packageRoot = Repository.root.path

// MARK: - A store, a rule set and a scheduler

/// The rule set the transport tests use: a closing email with the report
/// attached (non-ASCII subject, an html part, a line with a lone dot), and
/// an SMS on every status change.
let transportRules = """
    herald: 1
    templates:
      closed:
        email:
          subject: "Ordem {{work_order.number}} concluída – relatório em anexo"
          body: |
            Olá {{client.name}},

            a ordem de serviço {{work_order.number}} foi concluída. O relatório está em anexo.
            .
            Esta linha vem depois de uma linha com um ponto só.
          html: "<p>Olá {{client.name}}, a ordem {{work_order.number}} foi concluída.</p>"
          attach_report: true
      status:
        sms: "Ordem {{work_order.number}}: agora {{work_order.status}}."
    rules:
      - id: closed-email
        on: work_order.closed
        channel: email
        template: closed
      - id: status-sms
        on: work_order.status_changed
        channel: sms
        template: status
    """

/// A SQLite store in a temporary folder, a server evaluating `transportRules`
/// and a scheduler over the given transports, driven by `tick`.
struct DeliveryHarness {
    let scratch: TemporaryDirectory
    var directory: String { scratch.path }
    let store: SQLiteStore
    let server: HeraldServer
    let scheduler: Scheduler<ContinuousClock>

    init(email: any Transport, sms: any Transport, retry: ServiceConfiguration.Retry = .fast) throws {
        let scratch = try TemporaryDirectory("deliveries")
        self.scratch = scratch
        let directory = scratch.path
        let rulesPath = directory + "/rules.yaml"
        try transportRules.write(toFile: rulesPath, atomically: true, encoding: .utf8)
        guard case .success(let rules) = RulesLoader.load(path: rulesPath) else {
            throw HarnessError("the transport test rules do not load")
        }
        store = try SQLiteStore(path: directory + "/herald.sqlite")
        var configuration = ServiceConfiguration()
        configuration.retry = retry
        server = HeraldServer(
            configuration: configuration, rulesPath: rulesPath, rules: rules, token: "t", store: store)
        scheduler = Scheduler(
            store: store, transports: .init(email: email, sms: sms), retry: retry, concurrency: 4,
            metrics: server.metrics, clock: ContinuousClock())
    }

    /// Posts a `work_order.closed` event for a client with this email address; returns the delivery id.
    func closeWorkOrder(email: String, reportURL: String?, number: String = "4711") async throws -> String {
        var workOrder: [String: Any] = ["id": "WO-\(number)", "number": number, "status": "completed"]
        if let reportURL { workOrder["report_url"] = reportURL }
        return try await post(
            type: "work_order.closed", workOrder: workOrder,
            client: ["id": "C-1", "name": "Zoë Ñúñez", "email": email, "accepts_email": true])
    }

    /// Posts a `work_order.status_changed` event for a client with this phone; returns the delivery id.
    func changeStatus(phone: String, number: String = "4711") async throws -> String {
        try await post(
            type: "work_order.status_changed",
            workOrder: ["id": "WO-\(number)", "number": number, "status": "in_repair", "previous_status": "open"],
            client: ["id": "C-1", "name": "Zoë Ñúñez", "phone": phone, "accepts_sms": true])
    }

    func post(type: String, workOrder: [String: Any], client: [String: Any]) async throws -> String {
        let event: [String: Any] = [
            "id": "e-\(UUID().uuidString)", "type": type,
            "occurred_at": ISO8601DateFormatter().string(from: Date()), "work_order": workOrder, "client": client,
        ]
        let body = try JSONSerialization.data(withJSONObject: event)
        let reply = try await server.intake(body: Array(body), ndjson: false)
        for line in String(decoding: reply, as: UTF8.self).split(separator: "\n") {
            if let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
                let id = object["delivery"] as? String
            {
                return id
            }
        }
        throw HarnessError("no delivery: \(String(decoding: reply, as: UTF8.self))")
    }

    /// Sends what is due `after` seconds from now.
    @discardableResult
    func tick(after seconds: Double = 0) async throws -> Int {
        try await scheduler.tick(now: Date().timeIntervalSince1970 + seconds)
    }

    /// The delivery with its attempts.
    func delivery(_ id: String) async throws -> Delivery {
        guard let d = try await store.delivery(id: id) else { throw HarnessError("no delivery \(id)") }
        return d
    }

    func remove() { scratch.remove() }
}

extension ServiceConfiguration.Retry {
    /// Retries one second later, gives up after an hour.
    static var fast: Self {
        var r = Self()
        r.first = .seconds(1)
        r.maxInterval = .seconds(1)
        r.giveUpAfter = .seconds(3600)
        return r
    }
}

struct HarnessError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// A PDF small enough to read in a failure message, with bytes that a
/// careless encoder would break (CR, LF, NUL, a lone dot line, high bytes).
let reportPDF: [UInt8] =
    Array("%PDF-1.4\n%\u{E2}\u{E3}\u{CF}\u{D3}\n".utf8) + [0, 13, 10, 46, 13, 10, 255, 254]
    + Array("\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n".utf8)

// MARK: - The SMTP server

/// aiosmtpd started from `Tests/smtp/smtp_server.py` on 127.0.0.1 with
/// the Python named by `HERALD_SMTP_TEST_PYTHON` (default: the
/// `.venv-smtp` that `Tests/smtp/run-smtp-tests.sh` makes).
final class SMTPTestServer: @unchecked Sendable {
    let process = Process()
    let input = Pipe()
    let scratch: TemporaryDirectory
    var directory: String { scratch.path }
    let port: Int

    /// The Python with aiosmtpd, when there is one.
    static let python: String? = {
        let environment = ProcessInfo.processInfo.environment
        let candidates = [environment["HERALD_SMTP_TEST_PYTHON"], packageRoot + "/.venv-smtp/bin/python"].compactMap {
            $0
        }
        for python in candidates where FileManager.default.isExecutableFile(atPath: python) {
            let check = try? Subprocess.run(URL(fileURLWithPath: python), ["-c", "import aiosmtpd"])
            if check?.status == 0 { return python }
        }
        return nil
    }()

    /// Whether the SMTP tests can run.
    static var available: Bool { python != nil }

    static let script = packageRoot + "/Tests/smtp/smtp_server.py"

    init(security: String = "starttls", user: String? = "herald", password: String? = "s3cret") throws {
        guard let python = Self.python else { throw HarnessError("no python with aiosmtpd") }
        let scratch = try TemporaryDirectory("smtp")
        self.scratch = scratch
        let directory = scratch.path
        process.executableURL = URL(fileURLWithPath: python)
        var arguments = [Self.script, "serve", "--outdir", directory, "--security", security]
        if let user, let password { arguments += ["--user", user, "--password", password] }
        process.arguments = arguments
        let output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        try process.run()
        var line: [UInt8] = []
        while true {
            let chunk = output.fileHandleForReading.readData(ofLength: 1)
            if chunk.isEmpty { break }
            if chunk.first == UInt8(ascii: "\n") { break }
            line += chunk
        }
        let text = String(decoding: line, as: UTF8.self)
        guard text.hasPrefix("READY "), let port = Int(text.dropFirst(6)) else {
            process.terminate()
            throw HarnessError("the SMTP server did not start: '\(text)'")
        }
        self.port = port
    }

    deinit { stop() }

    /// Ends the server (closing its stdin) and removes its folder.
    func stop() {
        if process.isRunning {
            try? input.fileHandleForWriting.close()
            process.terminate()
            process.waitUntilExit()
        }
        scratch.remove()
    }

    /// The certificate to trust.
    var certificate: String { directory + "/cert.pem" }

    /// Settings for Herald's SMTP transport to this server.
    func settings(
        security: SMTPTransport.Security = .starttls, password: String? = "s3cret", trust: Bool = true,
        timeout: Swift.Duration = .seconds(5)
    ) -> SMTPTransport.Settings {
        SMTPTransport.Settings(
            host: "127.0.0.1", port: port, security: security, username: password == nil ? nil : "herald",
            password: password, caFile: trust ? certificate : nil, timeout: timeout,
            envelopeSender: "no-reply@acme.example")
    }

    /// The accepted messages: envelope and queue id, and the path of the bytes.
    struct Received: Sendable {
        var mailFrom: String
        var recipients: [String]
        var queueID: String
        var messageID: String
        var tls: Bool
        var authUser: String?
        var path: String
    }

    var received: [Received] {
        let folder = directory + "/messages"
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []).filter {
            $0.hasSuffix(".json")
        }
        return names.sorted { Int($0.dropLast(5)) ?? 0 < Int($1.dropLast(5)) ?? 0 }.compactMap { name in
            guard let data = FileManager.default.contents(atPath: folder + "/" + name),
                let o = try? JSONSerialization.jsonObject(with: data) as? [String: Any]
            else { return nil }
            return Received(
                mailFrom: o["mail_from"] as? String ?? "", recipients: o["rcpt_tos"] as? [String] ?? [],
                queueID: o["queue_id"] as? String ?? "", messageID: o["message_id"] as? String ?? "",
                tls: o["tls"] as? Bool ?? false, authUser: o["auth_user"] as? String,
                path: folder + "/" + name.dropLast(5) + ".eml")
        }
    }

    /// How many connections the server accepted.
    var connections: Int {
        Int((try? String(contentsOfFile: directory + "/connections", encoding: .utf8)) ?? "0") ?? 0
    }

    /// The message parsed by Python's `email` package (`smtp_server.py inspect`).
    func inspect(_ path: String) throws -> [String: Any] {
        let run = try Subprocess.run(URL(fileURLWithPath: Self.python ?? "/usr/bin/python3"), [Self.script, "inspect", path])
        guard let o = try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any] else {
            throw HarnessError("inspect gave no JSON")
        }
        return o
    }
}

// MARK: - The HTTP doubles (SMS gateway and report server)

/// What the gateway double saw.
actor GatewayLog {
    struct Request: Sendable {
        var path: String
        var authorization: String?
        var idempotencyKey: String?
        var contentType: String?
        var body: [String: JSONValueBox]
    }

    private(set) var requests: [Request] = []
    private var calls: [String: Int] = [:]
    /// Idempotency keys of the requests answered 2xx.
    private(set) var accepted: [String] = []

    func record(_ r: Request) -> Int {
        requests.append(r)
        let key = r.path + " " + (r.idempotencyKey ?? "")
        calls[key, default: 0] += 1
        return calls[key]!
    }

    func accept(_ key: String?) -> Int {
        accepted.append(key ?? "")
        return accepted.count
    }
}

/// A JSON value read back from a request, comparable in tests.
enum JSONValueBox: Sendable, Equatable {
    case string(String)
    case number(Double)
    case array([JSONValueBox])
    case other

    init(_ any: Any) {
        switch any {
        case let s as String: self = .string(s)
        case let n as NSNumber: self = .number(n.doubleValue)
        case let a as [Any]: self = .array(a.map(JSONValueBox.init))
        default: self = .other
        }
    }
}

/// An HTTP server on 127.0.0.1 standing in for an SMS gateway and for the
/// report server: `/sms/ok` (201 with an id), `/sms/bad` (400),
/// `/sms/busy` (429, Retry-After: 120, then 200), `/sms/busy-date` (429 with
/// an HTTP date), `/sms/error` (500, then 200), `/sms/hang` (no reply for
/// 30 s) and `GET /report.pdf`.
func withGatewayDouble(_ body: @Sendable (_ baseURL: String, _ log: GatewayLog) async throws -> Void) async throws {
    let log = GatewayLog()
    let router = Router()
    router.get("/report.pdf") { _, _ in
        Response(
            status: .ok, headers: [.contentType: "application/pdf"],
            body: .init(byteBuffer: ByteBuffer(bytes: reportPDF)))
    }
    router.post("/sms/:mode") { request, context -> Response in
        let mode = context.parameters.get("mode") ?? ""
        let bytes = try await request.body.collect(upTo: 1 << 20)
        let object = (try? JSONSerialization.jsonObject(with: Data(bytes.readableBytesView))) as? [String: Any] ?? [:]
        let key = request.headers[HTTPField.Name("Idempotency-Key")!]
        let call = await log.record(
            .init(
                path: mode, authorization: request.headers[.authorization], idempotencyKey: key,
                contentType: request.headers[.contentType], body: object.mapValues(JSONValueBox.init)))
        func reply(_ status: HTTPResponse.Status, _ text: String, _ headers: HTTPFields = [:]) -> Response {
            var h = headers
            h[.contentType] = "application/json"
            return Response(status: status, headers: h, body: .init(byteBuffer: ByteBuffer(string: text)))
        }
        func accepted() async -> Response {
            let n = await log.accept(key)
            return reply(.created, #"{"id": "gw-\#(n)", "status": "queued"}"#)
        }
        switch mode {
        case "ok": return await accepted()
        case "bad": return reply(.badRequest, #"{"error": "invalid 'to': not a mobile number"}"#)
        case "busy":
            if call == 1 { return reply(.tooManyRequests, #"{"error": "slow down"}"#, [.retryAfter: "120"]) }
            return await accepted()
        case "busy-date":
            let formatter = DateFormatter()
            formatter.locale = Locale(identifier: "en_US_POSIX")
            formatter.timeZone = TimeZone(identifier: "GMT")
            formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss 'GMT'"
            let date = formatter.string(from: Date().addingTimeInterval(300))
            return reply(.tooManyRequests, #"{"error": "slow down"}"#, [.retryAfter: date])
        case "error":
            if call == 1 { return reply(.internalServerError, "upstream carrier unavailable") }
            return await accepted()
        case "hang":
            try await Task.sleep(for: .seconds(30))
            return await accepted()
        default: return reply(.notFound, "no such mode")
        }
    }
    let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)))
    try await app.test(.live) { client in
        guard let port = client.port else { throw HarnessError("the gateway double has no port") }
        try await body("http://127.0.0.1:\(port)", log)
    }
}
