import Foundation
import HeraldService
import HeraldSyntax
import Testing

@Suite("Configuration (SPEC §12.1)")
struct ConfigurationTests {
    func read(_ text: String) -> ServiceConfiguration.ReadResult {
        ServiceConfiguration.parse(Data(text.utf8), path: "herald.yaml")
    }

    @Test("an empty file gives the defaults")
    func defaults() throws {
        let c = try #require(read("").configuration)
        #expect(c.listen.description == "127.0.0.1:8080")
        #expect(c.store == "sqlite:herald.sqlite")
        #expect(c.tokenEnv == "HERALD_TOKEN")
        #expect(c.retry.first == .seconds(30))
        #expect(c.email.transport == .directory)
    }

    @Test(
        "a password written in the store URL is never shown: storeForDisplay writes it ***",
        arguments: [
            ("postgres://herald:s3cr:et@db.example:5432/herald", "postgres://herald:***@db.example:5432/herald"),
            ("postgresql://u:p%40ss@127.0.0.1/h?sslmode=disable", "postgresql://u:***@127.0.0.1/h?sslmode=disable"),
            ("postgres://herald@db.example/herald", "postgres://herald@db.example/herald"),
            ("postgres://db.example/x@y", "postgres://db.example/x@y"),
            ("sqlite:/var/lib/herald:1.sqlite", "sqlite:/var/lib/herald:1.sqlite"),
        ])
    func storePasswordHidden(store: String, shown: String) throws {
        let c = try #require(read("store: \"\(store)\"\n").configuration)
        #expect(c.store == store, "the URL is used as written")
        #expect(c.storeForDisplay == shown)
    }

    @Test("every key of the spec's example is read")
    func example() throws {
        let text = """
            listen: 127.0.0.1:9090
            rules: Rules
            store: sqlite:data/herald.sqlite
            store_password_env: DB_PASS
            token_env: MY_TOKEN
            email:
              from: "Acme <no-reply@acme.example>"
              transport: smtp
              directory: out
              smtp: {host: smtp.example.com, port: 587, security: starttls, username: herald,
                     password_env: SMTP_PASSWORD, timeout: 30s}
            sms:
              transport: http
              http: {url: "https://sms.example.com/send", token_env: SMS_TOKEN, timeout: 10s}
            retry: {first: 30s, max_interval: 1h, give_up_after: 1d}
            """
        let r = read(text)
        #expect(r.diagnostics.isEmpty, "\(r.diagnostics)")
        let c = try #require(r.configuration)
        #expect(c.listen.port == 9090)
        #expect(c.tokenEnv == "MY_TOKEN")
        #expect(c.email.smtp.host == "smtp.example.com")
        #expect(c.email.smtp.username == "herald")
        #expect(c.sms.transport == .http)
        #expect(c.sms.http.url == "https://sms.example.com/send")
        #expect(c.retry.maxInterval == .seconds(3600))
        #expect(c.retry.giveUpAfter == .seconds(86_400))
    }

    @Test("an unknown key is unknown-key at its line and column, with did-you-mean")
    func unknownKey() {
        let r = read("listen: 127.0.0.1:1\nrules: R\nstorre: sqlite:x.sqlite\nemail:\n  form: x@y.z\n")
        #expect(r.configuration == nil)
        #expect(r.diagnostics.map(\.code.rawValue) == ["unknown-key", "unknown-key"])
        #expect(r.diagnostics[0].range.start.line == 3)
        #expect(r.diagnostics[0].range.start.column == 1)
        #expect(r.diagnostics[0].message.hasSuffix("did you mean 'store'?"))
        #expect(r.diagnostics[1].range.start.line == 5)
        #expect(r.diagnostics[1].message.contains("did you mean 'from'?"))
    }

    @Test("wrong types and bad values are reported, all of them")
    func badValues() {
        let r = read("""
            listen: localhost
            store: mysql://x
            token_env: my-token
            retry: {first: soon}
            email: {transport: pigeon, from: "not an address"}
            concurrency: 0
            sms: [1, 2]
            """)
        #expect(r.configuration == nil)
        let codes = r.diagnostics.map(\.code.rawValue)
        #expect(codes.filter { $0 == "wrong-type" }.count == 6)
        #expect(codes.contains("invalid-duration"))
        #expect(codes.contains("invalid-email"))
        #expect(r.diagnostics.allSatisfy { $0.range.file == "herald.yaml" && $0.range.start.line >= 1 })
    }

    @Test(
        "retry.first must be longer than 0s, and max_interval not shorter than first",
        arguments: [
            ("retry: {first: 0s}", 3, 16, "retry.first must be longer than 0s: it is the pause before the first retry"),
            ("retry: {first: 1h, max_interval: 1s}", 3, 34, "retry.max_interval (1s) must not be shorter than retry.first (1h)"),
            ("retry: {first: 2h}", 3, 16, "retry.max_interval (1h) must not be shorter than retry.first (2h)"),
        ])
    func retryBounds(line: String, row: Int, column: Int, message: String) {
        let r = read("listen: 127.0.0.1:8080\nstore: sqlite:herald.sqlite\n" + line + "\n")
        #expect(r.configuration == nil)
        #expect(r.diagnostics.map(\.message) == [message])
        #expect(r.diagnostics.first?.code.rawValue == "invalid-duration")
        #expect(r.diagnostics.first?.range.start.line == row)
        #expect(r.diagnostics.first?.range.start.column == column)
        #expect(read("retry: {first: 1s, max_interval: 1s}\n").configuration != nil)
    }

    @Test(
        "zero timeouts, lease and retention are invalid-duration: each would break the service",
        arguments: [
            ("retention: 0s", 3, 12, "retention must be longer than 0s"),
            ("lease: 0s", 3, 8, "lease must be longer than 0s"),
            ("email: {transport: smtp, from: a@b.example, smtp: {host: localhost, timeout: 0s}}", 3, 78, "timeout must be longer than 0s"),
            ("sms: {transport: http, http: {url: \"http://127.0.0.1:9/s\", timeout: 0s}}", 3, 69, "timeout must be longer than 0s"),
        ])
    func zeroDurations(line: String, row: Int, column: Int, prefix: String) {
        let r = read("listen: 127.0.0.1:8080\nstore: sqlite:herald.sqlite\n" + line + "\n")
        #expect(r.configuration == nil)
        #expect(r.diagnostics.count == 1)
        #expect(r.diagnostics.first?.message.hasPrefix(prefix) == true, "\(r.diagnostics.map(\.message))")
        #expect(r.diagnostics.first?.code.rawValue == "invalid-duration")
        #expect(r.diagnostics.first?.range.start.line == row)
        #expect(r.diagnostics.first?.range.start.column == column)
        #expect(read(line.replacingOccurrences(of: "0s", with: "1s") + "\n").configuration != nil)
    }

    @Test("a rule-set head file read as the configuration is one error that says so")
    func ruleFileAsConfiguration() {
        let r = read("herald: 1\nstatuses:\n  work_order: [open]\ntemplates: {}\n")
        #expect(r.configuration == nil)
        #expect(r.diagnostics.count == 1, "\(r.diagnostics.map(\.message))")
        #expect(r.diagnostics.first?.message.hasPrefix("this is a rule file ('herald: 1'), not the service configuration") == true)
        #expect(r.diagnostics.first?.range.start.line == 1)
    }

    @Test("YAML syntax errors are yaml-syntax diagnostics")
    func syntax() {
        let r = read("listen: [\n")
        #expect(r.configuration == nil)
        #expect(r.diagnostics.first?.code == .yamlSyntax)
    }
}
