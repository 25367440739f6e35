import Foundation
import HeraldCompiler
import HeraldService
import HeraldTestSupport
import Testing

/// The SMTP transport against a real aiosmtpd on 127.0.0.1 (Tests/smtp/smtp_server.py),
/// driven through a store and the scheduler. Set HERALD_SMTP_TEST_PYTHON to a
/// Python with aiosmtpd, or run Tests/smtp/run-smtp-tests.sh.
@Suite(
    "SMTP transport",
    .enabled(
        if: SMTPTestServer.available,
        "no Python with aiosmtpd: set HERALD_SMTP_TEST_PYTHON or run Tests/smtp/run-smtp-tests.sh"))
struct SMTPTransportTests {
    static let from = MailAddress.parse("Acme Assistência <no-reply@acme.example>")!

    func transport(_ settings: SMTPTransport.Settings, connections: Int = 2) -> SMTPTransport {
        SMTPTransport(settings: settings, assembler: EmailAssembler(from: Self.from), connections: connections)
    }

    /// One delivery through the scheduler; returns it after `ticks` ticks, a second apart in scheduler time.
    func deliver(
        to address: String, settings: SMTPTransport.Settings, reportURL: String? = nil, ticks: Int
    ) async throws -> Delivery {
        let harness = try DeliveryHarness(
            email: transport(settings), sms: DirectoryTransport(directory: "/nonexistent", assembler: nil))
        defer { harness.remove() }
        let id = try await harness.closeWorkOrder(email: address, reportURL: reportURL)
        for i in 0..<ticks { try await harness.tick(after: Double(i) * 5) }
        return try await harness.delivery(id)
    }

    func messages(_ server: SMTPTestServer, for d: Delivery) -> [SMTPTestServer.Received] {
        server.received.filter { $0.messageID.hasPrefix("<\(d.id)@") }
    }

    @Test("STARTTLS with AUTH sends the exact bytes the directory transport writes, once, with the queue id")
    func starttlsDelivers() async throws {
        let server = try SMTPTestServer()
        defer { server.stop() }
        try await withGatewayDouble { base, _ in
            let smtp = transport(server.settings())
            let outboxDirectory = try TemporaryDirectory("outbox")
            defer { outboxDirectory.remove() }
            let outbox = outboxDirectory.path
            let harness = try DeliveryHarness(email: smtp, sms: DirectoryTransport(directory: outbox, assembler: nil))
            defer { harness.remove() }
            let id = try await harness.closeWorkOrder(email: "maria@client.example", reportURL: base + "/report.pdf")
            try await harness.tick()
            let d = try await harness.delivery(id)
            #expect(d.status == .sent)
            #expect(d.attemptCount == 1)
            let got = messages(server, for: d)
            try #require(got.count == 1)
            #expect(d.providerID == got[0].queueID)
            #expect(got[0].mailFrom == "no-reply@acme.example")
            #expect(got[0].recipients == ["maria@client.example"])
            #expect(got[0].tls)
            #expect(got[0].authUser == "herald")

            // The same delivery written by the directory transport: the same bytes but for the Date header.
            let directory = DirectoryTransport(directory: outbox, assembler: EmailAssembler(from: Self.from))
            #expect(await directory.send(d) == .sent(providerID: nil))
            let written = try String(contentsOfFile: outbox + "/\(id).eml", encoding: .utf8)
            let received = try String(contentsOfFile: got[0].path, encoding: .utf8)
            func withoutDate(_ s: String) -> String {
                s.components(separatedBy: "\r\n").filter { !$0.hasPrefix("Date: ") }.joined(separator: "\r\n")
            }
            #expect(withoutDate(received) == withoutDate(written))

            let parsed = try server.inspect(got[0].path)
            #expect(parsed["subject"] as? String == "Ordem 4711 concluída – relatório em anexo")
            #expect((parsed["raw_subject"] as? String)?.lowercased().hasPrefix("=?utf-8?") == true)
            let headers = parsed["headers"] as? [String: String] ?? [:]
            #expect(headers["Message-ID"]?.hasPrefix("<\(id)@") == true)
            #expect(headers["To"] == "maria@client.example")
            #expect(headers["MIME-Version"] == "1.0")
            let tree = parsed["tree"] as? [String: Any]
            #expect(tree?["type"] as? String == "multipart/mixed")
            let parts = tree?["parts"] as? [[String: Any]] ?? []
            #expect(parts.map { $0["type"] as? String } == ["multipart/alternative", "application/pdf"])
            let alternative = (parts.first?["parts"] as? [[String: Any]] ?? []).map { $0["type"] as? String }
            #expect(alternative == ["text/plain", "text/html"])
            let text = (parsed["text"] as? String)?.replacingOccurrences(of: "\r\n", with: "\n")
            #expect(text?.contains("\n.\nEsta linha vem depois") == true, "\(text ?? "-")")
            #expect((parsed["html"] as? String)?.contains("Olá Zoë Ñúñez") == true)
            let attachments = parsed["attachments"] as? [[String: Any]] ?? []
            try #require(attachments.count == 1)
            #expect(attachments[0]["filename"] as? String == "work-order-4711.pdf")
            #expect(attachments[0]["size"] as? Int == reportPDF.count)
            #expect(attachments[0]["sha256"] as? String == sha256Hex(reportPDF))
            #expect((parsed["defects"] as? [Any])?.isEmpty == true)
        }
    }

    @Test("implicit TLS (smtps) delivers")
    func implicitTLS() async throws {
        let server = try SMTPTestServer(security: "tls")
        defer { server.stop() }
        let d = try await deliver(to: "ok@client.example", settings: server.settings(security: .tls), ticks: 1)
        #expect(d.status == .sent, "\(d.attempts?.first?.detail ?? "-")")
        #expect(messages(server, for: d).map(\.tls) == [true])
    }

    @Test("security none sends in the clear to a local relay")
    func plainRelay() async throws {
        let server = try SMTPTestServer(security: "none", user: nil, password: nil)
        defer { server.stop() }
        let d = try await deliver(
            to: "ok@client.example", settings: server.settings(security: .none, password: nil), ticks: 1)
        #expect(d.status == .sent)
        #expect(messages(server, for: d).map(\.tls) == [false])
    }

    @Test(
        "a transient failure is retried and the message is accepted exactly once",
        arguments: [
            ("t451", "451 4.3.0"),
            ("t421", "421 4.7.0"),
            ("drop", "SMTP: "),
        ])
    func transientThenSent(mode: String, reason: String) async throws {
        let server = try SMTPTestServer()
        defer { server.stop() }
        let harness = try DeliveryHarness(
            email: transport(server.settings()), sms: DirectoryTransport(directory: "/nonexistent", assembler: nil))
        defer { harness.remove() }
        let id = try await harness.closeWorkOrder(
            email: "\(mode)-\(UUID().uuidString.prefix(6))@client.example", reportURL: nil)
        try await harness.tick()
        var d = try await harness.delivery(id)
        #expect(d.status == .retrying)
        #expect(d.attemptCount == 1)
        #expect(d.attempts?.first?.outcome == .transient)
        #expect(d.attempts?.first?.detail?.contains(reason) == true, "\(d.attempts?.first?.detail ?? "-")")
        #expect(messages(server, for: d).isEmpty)
        try await harness.tick(after: 5)
        d = try await harness.delivery(id)
        #expect(d.status == .sent)
        #expect(d.attemptCount == 2)
        #expect(messages(server, for: d).count == 1)
        #expect(d.providerID == messages(server, for: d).first?.queueID)
    }

    @Test("550 is a permanent failure with the server's text")
    func rejected() async throws {
        let server = try SMTPTestServer()
        defer { server.stop() }
        let d = try await deliver(to: "r550-x@client.example", settings: server.settings(), ticks: 2)
        #expect(d.status == .failed)
        #expect(d.attemptCount == 1)
        #expect(d.attempts?.first?.outcome == .permanent)
        #expect(
            d.reason
                == "SMTP 550 5.1.1 <r550-x@client.example>: Recipient address rejected: User unknown in local recipient table"
        )
        #expect(server.received.isEmpty)
    }

    @Test("a server that never answers times out as a transient failure")
    func silentServer() async throws {
        let server = try SMTPTestServer()
        defer { server.stop() }
        let start = ContinuousClock.now
        let d = try await deliver(
            to: "hang-x@client.example", settings: server.settings(timeout: .seconds(2)), ticks: 1)
        // Bounded, not timed: a 2 s timeout must end the attempt, not hang it (loaded CI machines are slow).
        #expect(ContinuousClock.now - start < .seconds(60))
        #expect(d.status == .retrying)
        #expect(d.attempts?.first?.outcome == .transient)
        #expect(d.attempts?.first?.detail?.lowercased().contains("time") == true, "\(d.attempts?.first?.detail ?? "-")")
        #expect(server.received.isEmpty)
    }

    @Test("a wrong password is a permanent failure")
    func wrongPassword() async throws {
        let server = try SMTPTestServer()
        defer { server.stop() }
        let d = try await deliver(to: "ok@client.example", settings: server.settings(password: "wrong"), ticks: 2)
        #expect(d.status == .failed, "\(d.attempts?.first?.detail ?? "-")")
        #expect(d.attemptCount == 1)
        #expect(d.reason == "SMTP 535 5.7.8 Authentication credentials invalid")
        #expect(server.received.isEmpty)
    }

    @Test("a certificate that is not trusted is refused: nothing sent, a permanent failure")
    func untrustedCertificate() async throws {
        let server = try SMTPTestServer()
        defer { server.stop() }
        let d = try await deliver(to: "ok@client.example", settings: server.settings(trust: false), ticks: 1)
        #expect(d.status == .failed)
        #expect(d.reason?.lowercased().contains("certificate") == true, "\(d.reason ?? "-")")
        #expect(server.received.isEmpty)
    }

    @Test("a refused connection is a transient failure")
    func connectionRefused() async throws {
        let server = try SMTPTestServer()
        let settings = server.settings()
        server.stop()
        let d = try await deliver(to: "ok@client.example", settings: settings, ticks: 1)
        #expect(d.status == .retrying)
        #expect(d.attempts?.first?.outcome == .transient)
    }

    @Test("messages go over a few reused connections")
    func pooledConnections() async throws {
        let server = try SMTPTestServer()
        defer { server.stop() }
        let smtp = transport(server.settings(), connections: 2)
        let count = 30
        let outcomes = await withTaskGroup(of: TransportOutcome.self) { group in
            for i in 0..<count {
                group.addTask {
                    await smtp.send(TestMessage.delivery(channel: .email, to: "pool-\(i)@client.example"))
                }
            }
            var all: [TransportOutcome] = []
            for await o in group { all.append(o) }
            return all
        }
        #expect(outcomes.allSatisfy { if case .sent(let id?) = $0 { id.hasPrefix("Q") } else { false } })
        #expect(server.received.count == count)
        #expect(Set(server.received.map(\.messageID)).count == count)
        #expect(server.connections <= 2, "\(server.connections) connections for \(count) messages")
    }

    @Test("send-test sends one message through the configured SMTP transport")
    func sendTest() async throws {
        let server = try SMTPTestServer()
        defer { server.stop() }
        let yaml = """
            email:
              from: "Acme <no-reply@acme.example>"
              transport: smtp
              smtp: {host: 127.0.0.1, port: \(server.port), security: starttls, username: herald,
                     password_env: HERALD_TEST_SMTP_PASSWORD, timeout: 5s, ca_file: \(server.certificate)}
            """
        let read = ServiceConfiguration.parse(Data(yaml.utf8), path: "herald.yaml")
        let configuration = try #require(read.configuration, "\(read.diagnostics)")
        let result = try await TestMessage.send(
            channel: .email, to: "ops@client.example", configuration: configuration,
            environment: ["HERALD_TEST_SMTP_PASSWORD": "s3cret"])
        guard case .sent(let queueID) = result.outcome else {
            Issue.record("not sent: \(result.outcome)")
            return
        }
        #expect(server.received.map(\.queueID) == [queueID])
        #expect(server.received.first?.recipients == ["ops@client.example"])

        await #expect(throws: HeraldServer.TransportSetupError.self) {
            _ = try await TestMessage.send(
                channel: .email, to: "ops@client.example", configuration: configuration, environment: [:])
        }
    }

    @Test(
        "throughput over pooled connections",
        .enabled(if: ProcessInfo.processInfo.environment["HERALD_SMTP_BENCHMARK"] != nil, "set HERALD_SMTP_BENCHMARK=N")
    )
    func throughput() async throws {
        let server = try SMTPTestServer()
        defer { server.stop() }
        let count = Int(ProcessInfo.processInfo.environment["HERALD_SMTP_BENCHMARK"] ?? "") ?? 500
        let connections = Int(ProcessInfo.processInfo.environment["HERALD_SMTP_CONNECTIONS"] ?? "") ?? 4
        let smtp = transport(server.settings(), connections: connections)
        let messages = (0..<count).map { TestMessage.delivery(channel: .email, to: "bench-\($0)@client.example") }
        let start = ContinuousClock.now
        let sent = await withTaskGroup(of: Bool.self) { group in
            var iterator = messages.makeIterator()
            for _ in 0..<(connections * 2) {
                if let d = iterator.next() {
                    group.addTask { if case .sent = await smtp.send(d) { true } else { false } }
                }
            }
            var n = 0
            for await ok in group {
                if ok { n += 1 }
                if let d = iterator.next() {
                    group.addTask { if case .sent = await smtp.send(d) { true } else { false } }
                }
            }
            return n
        }
        let elapsed = ContinuousClock.now - start
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        print(
            "SMTP throughput: \(sent) of \(count) messages in \(seconds) s = \(Double(sent) / seconds) messages/s over \(server.connections) connections"
        )
        #expect(sent == count)
    }
}

/// Hex SHA-256 through `openssl` (Foundation on Linux has no CryptoKit).
func sha256Hex(_ bytes: [UInt8]) -> String {
    guard let dir = try? TemporaryDirectory("sha") else { return "" }
    defer { dir.remove() }
    guard (try? dir.write("bytes", Data(bytes))) != nil,
        let run = try? Subprocess.run(command: "openssl", ["dgst", "-sha256", "-r", dir.path("bytes")])
    else { return "" }
    return run.stdout.split(separator: " ").first.map(String.init) ?? ""
}
