import Foundation
import HeraldCompiler
import HeraldSyntax
import HeraldTestSupport
import Testing
@testable import HeraldService

@Suite("Transport configuration")
struct TransportConfigurationTests {
    func read(_ yaml: String) -> ServiceConfiguration.ReadResult {
        ServiceConfiguration.parse(Data(yaml.utf8), path: "herald.yaml")
    }

    @Test("smtp and http settings are read, sms.http.body included")
    func reads() throws {
        let result = read(
            """
            email:
              transport: smtp
              smtp: {host: mail.example.com, port: 465, security: tls, username: herald, password_env: MAIL_PW,
                     timeout: 20s, ca_file: /etc/ca.pem, connections: 8}
            sms:
              transport: http
              http:
                url: https://sms.api.sinch.com/xms/v1/PLAN/batches
                token_env: SINCH_TOKEN
                timeout: 5s
                body: {from: Acme, to: [to], body: body, client_reference: id, parts: segments}
            """)
        #expect(result.diagnostics.isEmpty, "\(result.diagnostics)")
        let c = try #require(result.configuration)
        #expect(c.email.smtp.security == "tls")
        #expect(c.email.smtp.connections == 8)
        #expect(c.email.smtp.caFile == "/etc/ca.pem")
        #expect(c.sms.http.tokenEnv == "SINCH_TOKEN")
        #expect(
            c.sms.http.body == [
                .init(key: "from", value: .literal("Acme")), .init(key: "to", value: .list([.to])),
                .init(key: "body", value: .body), .init(key: "client_reference", value: .id),
                .init(key: "parts", value: .segments),
            ])
    }

    @Test("bad transport settings are errors at their place")
    func errors() {
        let result = read(
            """
            email:
              smtp: {security: startls, connections: 0}
            sms:
              http: {body: [to], url: ftp://x}
            """)
        #expect(result.configuration == nil)
        let messages = result.diagnostics.map { "\($0.range.start.line):\($0.message)" }
        #expect(
            messages.contains {
                $0.hasPrefix("2:") && $0.contains("security must be starttls, tls or none") && $0.contains("starttls")
            })
        #expect(
            messages.contains { $0.hasPrefix("2:") && $0.contains("connections must be a whole number from 1 to 64") })
        #expect(messages.contains { $0.hasPrefix("4:") && $0.contains("body must be a mapping") })
        #expect(messages.contains { $0.hasPrefix("4:") && $0.contains("url must start with http:// or https://") })
    }

    @Test("sms.transport http without sms.http.url is missing-key at the transport, with its line and column")
    func httpWithoutURL() {
        for yaml in ["sms:\n  transport: http\n", "sms:\n  transport: http\n  http: {token_env: T}\n"] {
            let result = read(yaml)
            #expect(result.configuration == nil)
            #expect(result.diagnostics.count == 1, "\(result.diagnostics)")
            let d = result.diagnostics.first
            #expect(d?.code.rawValue == "missing-key")
            #expect(d?.range.start.line == 2 && d?.range.start.column == 14, "\(String(describing: d))")
            #expect(d?.message.contains("sms.http.url") == true)
        }
        // A url that is given but wrong is reported once, as wrong.
        #expect(read("sms:\n  transport: http\n  http: {url: ftp://x}\n").diagnostics.map(\.code.rawValue) == ["wrong-type"])
    }

    @Test("the default configuration makes its transports (the default sender is an address)")
    func defaults() throws {
        #expect(MailAddress.parse(ServiceConfiguration().email.from) != nil)
        #expect(throws: Never.self) { try HeraldServer.makeTransports(ServiceConfiguration(), environment: [:]) }
    }

    @Test("strict (send-test): an smtp transport without its password, or an http one without its token, is refused")
    func missingSecrets() throws {
        let c = try #require(
            read(
                """
                email: {from: no-reply@acme.example, transport: smtp, smtp: {username: herald, password_env: NOPE_PW}}
                sms: {transport: http, http: {url: "http://127.0.0.1:9/", token_env: NOPE_TOKEN}}
                """
            ).configuration)
        #expect(throws: HeraldServer.TransportSetupError.self) {
            try HeraldServer.makeTransports(c, environment: ["NOPE_TOKEN": "x"])
        }
        #expect(throws: HeraldServer.TransportSetupError.self) {
            try HeraldServer.makeTransports(c, environment: ["NOPE_PW": "x"])
        }
        #expect(throws: Never.self) {
            try HeraldServer.makeTransports(c, environment: ["NOPE_PW": "x", "NOPE_TOKEN": "x"])
        }
    }

    @Test("send-test needs only the tested channel's secret: a missing SMTP password does not stop a test SMS")
    func sendTestChecksItsChannelOnly() async throws {
        let dir = try TemporaryDirectory(files: [:])
        defer { dir.remove() }
        let c = try #require(
            read(
                """
                email: {from: no-reply@acme.example, transport: smtp, smtp: {username: herald, password_env: NOPE_PW}}
                sms: {transport: directory, directory: \(dir.path("outbox"))}
                """
            ).configuration)
        let sms = try await TestMessage.send(channel: .sms, to: "+5511999990000", configuration: c, environment: [:])
        guard case .sent = sms.outcome else {
            Issue.record("not sent: \(sms.outcome)")
            return
        }
        await #expect(throws: HeraldServer.TransportSetupError.self) {
            try await TestMessage.send(channel: .email, to: "a@b.example", configuration: c, environment: [:])
        }
    }

    @Test("the service starts without a secret; that channel's attempts are transient and name the variable")
    func missingSecretsInTheService() async throws {
        let c = try #require(
            read(
                """
                email: {from: no-reply@acme.example, transport: smtp, smtp: {username: herald, password_env: NOPE_PW}}
                sms: {transport: http, http: {url: "http://127.0.0.1:9/", token_env: NOPE_TOKEN}}
                """
            ).configuration)
        let t = try HeraldServer.makeTransports(c, environment: [:], strictSecrets: false)
        let d = Delivery(
            id: "d1", key: "k", rule: "r", event: "e", channel: .email, to: "a@b.example", sendAt: "", dueAt: 0,
            scheduledFor: 0, status: .sending, attemptCount: 1, createdAt: "", updatedAt: "", late: false)
        guard case .transient(let reason, _) = await t.email.send(d) else {
            Issue.record("not transient")
            return
        }
        #expect(reason.contains("NOPE_PW"))
        var sms = d
        sms.channel = .sms
        guard case .transient(let smsReason, _) = await t.sms.send(sms) else {
            Issue.record("not transient")
            return
        }
        #expect(smsReason.contains("NOPE_TOKEN"))
    }
}
