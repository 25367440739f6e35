public import Foundation
import HeraldCompiler
public import HeraldSyntax

/// The settings of `herald serve` (docs/service.md "Configuration"), read from `herald.yaml`.
/// Every key is optional; secrets are never in the file, only the names of
/// the environment variables that hold them (`*_env`).
public struct ServiceConfiguration: Sendable, Hashable {
    /// Where the HTTP API listens.
    public var listen = ListenAddress(host: "127.0.0.1", port: 8080)
    /// The rule-set directory, file or compiled bundle.
    public var rules = "Rules"
    /// `sqlite:PATH` or `postgres://USER@HOST:PORT/DB`.
    public var store = "sqlite:herald.sqlite"
    /// The environment variable holding the store's password.
    public var storePasswordEnv = "HERALD_DB_PASSWORD"
    /// `store` as messages and logs show it: the password of a
    /// `postgres://USER:PASSWORD@HOST/DB` URL is written `***` (it belongs
    /// in `store_password_env`'s variable; one written in the URL is used,
    /// never shown).
    public var storeForDisplay: String { Self.redactingPassword(in: store) }

    /// `url` with the password of its user information, if any, replaced by `***`.
    static func redactingPassword(in url: String) -> String {
        guard let scheme = url.range(of: "://") else { return url }
        let authorityEnd = url[scheme.upperBound...].firstIndex(of: "/") ?? url.endIndex
        let authority = url[scheme.upperBound..<authorityEnd]
        guard let at = authority.lastIndex(of: "@"), let colon = authority[..<at].firstIndex(of: ":") else { return url }
        return String(url[..<url.index(after: colon)]) + "***" + String(url[at...])
    }
    /// The environment variable holding the API's bearer token.
    public var tokenEnv = "HERALD_TOKEN"
    /// Email settings.
    public var email = Email()
    /// SMS settings.
    public var sms = SMS()
    /// Retry policy for transient failures.
    public var retry = Retry()
    /// How many deliveries are handed to transports at once.
    public var concurrency = 16
    /// How long events, deliveries and rejects are kept (nil: for ever).
    public var retention: Swift.Duration?
    /// How long a claimed `sending` delivery belongs to its instance (PostgreSQL).
    public var lease: Swift.Duration = .seconds(60)

    /// Creates the default configuration.
    public init() {}

    /// `host:port` of the HTTP listener.
    public struct ListenAddress: Sendable, Hashable, CustomStringConvertible {
        /// Host name or IP address.
        public var host: String
        /// TCP port (0: any free port).
        public var port: Int

        /// Creates an address.
        public init(host: String, port: Int) {
            self.host = host
            self.port = port
        }

        /// Whether only this machine can connect.
        public var isLoopback: Bool {
            host == "localhost" || host == "::1" || host == "[::1]" || host.hasPrefix("127.")
        }

        /// `host:port`.
        public var description: String { "\(host):\(port)" }
    }

    /// How email leaves Herald.
    public struct Email: Sendable, Hashable {
        /// The `From` header and envelope sender.
        public var from = "Herald <herald@localhost.localdomain>"
        /// `directory` or `smtp`.
        public var transport = TransportKind.directory
        /// The outbox folder of the directory transport.
        public var directory = "outbox"
        /// SMTP settings.
        public var smtp = SMTP()
        /// Report URLs must start with one of these (empty: any URL).
        public var reportURLPrefixes: [String] = []

        /// Creates the default email settings.
        public init() {}
    }

    /// SMTP server settings (docs/transports.md).
    public struct SMTP: Sendable, Hashable {
        /// Server host.
        public var host = "localhost"
        /// Server port.
        public var port = 587
        /// `starttls`, `tls` or `none`.
        public var security = "starttls"
        /// User name for AUTH (nil: no AUTH).
        public var username: String?
        /// The environment variable holding the password.
        public var passwordEnv = "SMTP_PASSWORD"
        /// A PEM file of extra trusted certificate authorities.
        public var caFile: String?
        /// Connect and reply timeout.
        public var timeout: Swift.Duration = .seconds(30)
        /// How many connections are kept open at most (one sending thread each).
        public var connections = 4

        /// Creates the default SMTP settings.
        public init() {}
    }

    /// How SMS leave Herald.
    public struct SMS: Sendable, Hashable {
        /// `directory` or `http`.
        public var transport = TransportKind.directory
        /// The outbox folder of the directory transport.
        public var directory = "outbox"
        /// HTTP gateway settings.
        public var http = HTTPGateway()

        /// Creates the default SMS settings.
        public init() {}
    }

    /// An SMS gateway reached over HTTP (docs/transports.md).
    public struct HTTPGateway: Sendable, Hashable {
        /// The URL messages are posted to.
        public var url = ""
        /// The environment variable holding the gateway's bearer token.
        public var tokenEnv = "SMS_TOKEN"
        /// Request timeout.
        public var timeout: Swift.Duration = .seconds(10)
        /// The JSON object posted, field by field (nil: `{"id", "to", "body", "segments"}`).
        public var body: [GatewayField]?

        /// Creates the default gateway settings.
        public init() {}
    }

    /// One member of the JSON object posted to an SMS gateway (`sms.http.body`).
    public struct GatewayField: Sendable, Hashable {
        /// The member's name in the gateway's API.
        public var key: String
        /// What it holds.
        public var value: GatewayValue

        /// Creates a member.
        public init(key: String, value: GatewayValue) {
            self.key = key
            self.value = value
        }
    }

    /// What a member of a gateway's JSON body holds.
    public indirect enum GatewayValue: Sendable, Hashable {
        /// The delivery id.
        case id
        /// The phone number.
        case to
        /// The text.
        case body
        /// The number of SMS segments (a JSON number).
        case segments
        /// Fixed text (a sender id, a service name).
        case literal(String)
        /// A JSON array of values (`[to]` for gateways taking a list of numbers).
        case list([GatewayValue])
    }

    /// The retry policy of transient failures (docs/service.md "Deliveries and their statuses").
    public struct Retry: Sendable, Hashable {
        /// The first wait.
        public var first: Swift.Duration = .seconds(30)
        /// The longest wait between two attempts.
        public var maxInterval: Swift.Duration = .seconds(3600)
        /// After this long past `send_at` a transient failure becomes `failed`.
        public var giveUpAfter: Swift.Duration = .seconds(86_400)

        /// Creates the default policy.
        public init() {}
    }

    /// A transport kind.
    public enum TransportKind: String, Sendable, Hashable {
        /// One file per message in a folder.
        case directory
        /// SMTP (email only).
        case smtp
        /// An HTTP gateway (SMS only).
        case http
    }
}

// MARK: - Reading

extension ServiceConfiguration {
    /// What reading a configuration file gave: the configuration when it has
    /// no errors, and the diagnostics either way.
    public struct ReadResult: Sendable {
        /// The configuration, nil when there are errors.
        public var configuration: ServiceConfiguration?
        /// Problems found, like lint's (file:line:col, code).
        public var diagnostics: [Diagnostic]
    }

    /// Reads `herald.yaml` at `path`; `reportedPath` is the name used in diagnostics.
    public static func read(path: String) -> ReadResult {
        guard let data = FileManager.default.contents(atPath: path) else {
            let start = SourcePosition(line: 1, column: 1, offset: 0)
            return ReadResult(
                configuration: nil,
                diagnostics: [
                    .error(
                        .unreadableFile, "cannot read configuration file '\(path)'",
                        at: SourceRange(file: path, start: start, end: start))
                ])
        }
        return parse(data, path: path)
    }

    /// Parses configuration text.
    public static func parse(_ data: Data, path: String) -> ReadResult {
        let parsed = YAMLParser.parse(data, path: path)
        var reader = ConfigurationReader()
        reader.diagnostics = parsed.diagnostics + parsed.duplicateKeys.map(\.diagnostic)
        var configuration = ServiceConfiguration()
        if parsed.documents.count > 1, let extra = parsed.documents.dropFirst().first {
            reader.diagnostics.append(
                .error(.wrongType, "the configuration is one YAML document, not several", at: extra.root.range))
        }
        if let root = parsed.documents.first?.root, !root.isNull {
            reader.readRoot(root, into: &configuration)
        }
        let errors = reader.diagnostics.contains { $0.severity == .error }
        return ReadResult(
            configuration: errors ? nil : configuration,
            diagnostics: reader.diagnostics.sorted(by: Diagnostic.reportingOrder))
    }
}

/// Reads the node tree of `herald.yaml` against its schema, collecting
/// every problem (one error does not hide the next).
struct ConfigurationReader {
    var diagnostics: [Diagnostic] = []

    mutating func readRoot(_ root: Node, into c: inout ServiceConfiguration) {
        // A rule-set head file (`Rules/herald.yaml`, as `herald init` writes
        // it) read as the configuration: one error that says so, not an
        // unknown key for each of its sections.
        if let version = root.pairs?.first(where: { $0.key.text == "herald" }) {
            diagnostics.append(
                .error(
                    .unknownKey,
                    "this is a rule file ('herald: \(version.value.text ?? "…")'), not the service configuration: "
                        + "give the rule set with --rules (or 'rules:' in the configuration) and the configuration with --config",
                    at: version.key.range))
            return
        }
        guard let keys = mapping(
            root, "the configuration",
            known: [
                "listen", "rules", "store", "store_password_env", "token_env", "email", "sms", "retry",
                "concurrency", "retention", "lease",
            ])
        else { return }
        for (key, pair) in keys {
            let v = pair.value
            switch key {
            case "listen": if let a = address(v) { c.listen = a }
            case "rules": if let s = string(v, key) { c.rules = s }
            case "store": if let s = store(v) { c.store = s }
            case "store_password_env": if let s = envName(v, key) { c.storePasswordEnv = s }
            case "token_env": if let s = envName(v, key) { c.tokenEnv = s }
            case "email": readEmail(v, into: &c.email)
            case "sms": readSMS(v, into: &c.sms)
            case "retry": readRetry(v, into: &c.retry)
            case "concurrency": if let n = integer(v, key, in: 1...1024) { c.concurrency = n }
            case "retention":
                if let d = positiveDuration(v, key, "processed event ids would be forgotten at once, and a re-sent event processed again") {
                    c.retention = d
                }
            case "lease":
                if let d = positiveDuration(v, key, "a claimed delivery would be free for another instance at once") { c.lease = d }
            default: break
            }
        }
    }

    mutating func readEmail(_ node: Node, into e: inout ServiceConfiguration.Email) {
        guard let keys = mapping(node, "email", known: ["from", "transport", "directory", "smtp", "report_url_prefixes"])
        else { return }
        for (key, pair) in keys {
            let v = pair.value
            switch key {
            case "from":
                if let s = string(v, key) {
                    if MailAddress.parse(s) == nil {
                        diagnostics.append(
                            .error(
                                .invalidEmail, "'\(s)' is not an email address (write 'Name <user@domain>' or 'user@domain')",
                                at: v.range))
                    } else {
                        e.from = s
                    }
                }
            case "transport": if let t = transport(v, allowed: [.directory, .smtp]) { e.transport = t }
            case "directory": if let s = string(v, key) { e.directory = s }
            case "smtp": readSMTP(v, into: &e.smtp)
            case "report_url_prefixes":
                if let items = v.items {
                    e.reportURLPrefixes = items.compactMap { string($0, key) }
                } else {
                    wrongType(v, key, "a list of URL prefixes")
                }
            default: break
            }
        }
    }

    mutating func readSMTP(_ node: Node, into s: inout ServiceConfiguration.SMTP) {
        guard let keys = mapping(
            node, "smtp",
            known: ["host", "port", "security", "username", "password_env", "timeout", "ca_file", "connections"])
        else { return }
        for (key, pair) in keys {
            let v = pair.value
            switch key {
            case "host": if let x = string(v, key) { s.host = x }
            case "port": if let n = integer(v, key, in: 1...65535) { s.port = n }
            case "security":
                if let x = string(v, key) {
                    if ["starttls", "tls", "none"].contains(x) {
                        s.security = x
                    } else {
                        diagnostics.append(
                            .error(
                                .wrongType,
                                "security must be starttls, tls or none, not '\(x)'"
                                    + Suggestion.hint(for: x, in: ["starttls", "tls", "none"]), at: v.range))
                    }
                }
            case "username": if let x = string(v, key) { s.username = x }
            case "password_env": if let x = envName(v, key) { s.passwordEnv = x }
            case "timeout": if let d = positiveDuration(v, key, "no reply could ever arrive in time") { s.timeout = d }
            case "ca_file": if let x = string(v, key) { s.caFile = x }
            case "connections": if let n = integer(v, key, in: 1...64) { s.connections = n }
            default: break
            }
        }
    }

    mutating func readSMS(_ node: Node, into s: inout ServiceConfiguration.SMS) {
        guard let keys = mapping(node, "sms", known: ["transport", "directory", "http"]) else { return }
        var transportNode: Node?
        var urlWritten = false
        defer {
            if s.transport == .http, !urlWritten, let transportNode {
                diagnostics.append(
                    .error(
                        .missingKey, "sms.transport is http but sms.http.url is not set (the gateway's URL)",
                        at: transportNode.range))
            }
        }
        for (key, pair) in keys {
            let v = pair.value
            switch key {
            case "transport":
                transportNode = v
                if let t = transport(v, allowed: [.directory, .http]) { s.transport = t }
            case "directory": if let x = string(v, key) { s.directory = x }
            case "http":
                guard let http = mapping(v, "http", known: ["url", "token_env", "timeout", "body"]) else { continue }
                for (k, p) in http {
                    switch k {
                    case "url":
                        urlWritten = true
                        if let x = string(p.value, k) {
                            if x.hasPrefix("http://") || x.hasPrefix("https://") {
                                s.http.url = x
                            } else {
                                diagnostics.append(.error(.wrongType, "url must start with http:// or https://", at: p.value.range))
                            }
                        }
                    case "token_env": if let x = envName(p.value, k) { s.http.tokenEnv = x }
                    case "timeout": if let d = positiveDuration(p.value, k, "no reply could ever arrive in time") { s.http.timeout = d }
                    case "body": s.http.body = gatewayBody(p.value)
                    default: break
                    }
                }
            default: break
            }
        }
    }

    /// `sms.http.body`: a mapping from the gateway's member names to `id`,
    /// `to`, `body`, `segments`, fixed text, or a list of those.
    mutating func gatewayBody(_ node: Node) -> [ServiceConfiguration.GatewayField]? {
        guard let pairs = node.pairs, !pairs.isEmpty else {
            wrongType(node, "body", "a mapping from the gateway's field names to id, to, body, segments or fixed text")
            return nil
        }
        var fields: [ServiceConfiguration.GatewayField] = []
        var seen = Set<String>()
        for pair in pairs {
            guard let key = pair.key.scalar, !key.isNull else {
                wrongType(pair.key, "keys in body", "names")
                continue
            }
            // A repeated key is reported by the YAML reader; the first one counts.
            guard seen.insert(key.text).inserted else { continue }
            if let value = gatewayValue(pair.value, inList: false) {
                fields.append(ServiceConfiguration.GatewayField(key: key.text, value: value))
            }
        }
        return fields
    }

    mutating func gatewayValue(_ node: Node, inList: Bool) -> ServiceConfiguration.GatewayValue? {
        if let items = node.items, !inList {
            let values = items.compactMap { gatewayValue($0, inList: true) }
            return values.count == items.count ? .list(values) : nil
        }
        guard let s = node.scalar, !s.isNull else {
            wrongType(node, "a body value", "id, to, body, segments or a text" + (inList ? "" : " (or a list of them)"))
            return nil
        }
        switch s.text {
        case "id": return .id
        case "to": return .to
        case "body": return .body
        case "segments": return .segments
        default: return .literal(s.text)
        }
    }

    mutating func readRetry(_ node: Node, into r: inout ServiceConfiguration.Retry) {
        guard let keys = mapping(node, "retry", known: ["first", "max_interval", "give_up_after"]) else { return }
        var given: [String: Node] = [:]
        for (key, pair) in keys {
            guard let d = duration(pair.value, key) else { continue }
            given[key] = pair.value
            switch key {
            case "first": r.first = d
            case "max_interval": r.maxInterval = d
            case "give_up_after": r.giveUpAfter = d
            default: break
            }
        }
        // A wait of nothing would retry at once, as fast as the provider
        // answers; a cap below the first wait is a typo of one of them.
        if let node = given["first"], r.first <= .zero {
            diagnostics.append(
                .error(.invalidDuration, "retry.first must be longer than 0s: it is the pause before the first retry", at: node.range))
        } else if r.maxInterval < r.first, let node = given["max_interval"] ?? given["first"] {
            diagnostics.append(
                .error(
                    .invalidDuration,
                    "retry.max_interval (\(Self.text(r.maxInterval))) must not be shorter than retry.first (\(Self.text(r.first)))",
                    at: node.range))
        }
    }

    /// A duration as the configuration writes it (`90s` → `1m30s`).
    static func text(_ d: Swift.Duration) -> String {
        var rest = d.components.seconds
        var out = ""
        for (unit, size) in [("d", Int64(86_400)), ("h", 3_600), ("m", 60)] where rest >= size {
            out += "\(rest / size)\(unit)"
            rest %= size
        }
        if rest > 0 || out.isEmpty { out += "\(rest)s" }
        return out
    }

    // MARK: Values

    /// The pairs of a mapping by key, reporting unknown keys with a suggestion.
    mutating func mapping(_ node: Node, _ context: String, known: [String]) -> [(String, Node.Pair)]? {
        guard let pairs = node.pairs else {
            if !node.isNull { wrongType(node, context, "a mapping of settings") }
            return nil
        }
        let keys = MappingKeys(pairs, known: known, context: context) { key, range in
            .error(.unknownKey, "unknown key '\(key)' in \(context)" + Suggestion.hint(for: key, in: known), at: range)
        }
        diagnostics += keys.diagnostics
        return known.compactMap { k in keys.pairs[k].map { (k, $0) } }
    }

    mutating func wrongType(_ node: Node, _ key: String, _ expected: String) {
        diagnostics.append(.error(.wrongType, "\(key) must be \(expected), not \(node.kindDescription)", at: node.range))
    }

    mutating func string(_ node: Node, _ key: String) -> String? {
        guard let s = node.scalar, !s.isNull else {
            wrongType(node, key, "a text")
            return nil
        }
        return s.text
    }

    mutating func envName(_ node: Node, _ key: String) -> String? {
        guard let s = string(node, key) else { return nil }
        let ok = !s.isEmpty && s.unicodeScalars.allSatisfy { ($0 >= "A" && $0 <= "Z") || ($0 >= "0" && $0 <= "9") || $0 == "_" }
            && !(s.first?.isNumber ?? true)
        if !ok {
            diagnostics.append(
                .error(
                    .wrongType,
                    "\(key) names an environment variable (capitals, digits and '_'), not '\(s)'; secrets never go in this file",
                    at: node.range))
            return nil
        }
        return s
    }

    mutating func integer(_ node: Node, _ key: String, in range: ClosedRange<Int>) -> Int? {
        guard let s = string(node, key) else { return nil }
        guard let n = Int(s), range.contains(n) else {
            diagnostics.append(
                .error(.wrongType, "\(key) must be a whole number from \(range.lowerBound) to \(range.upperBound), not '\(s)'", at: node.range))
            return nil
        }
        return n
    }

    /// A duration that must be longer than zero: `why` says what zero would do.
    mutating func positiveDuration(_ node: Node, _ key: String, _ why: String) -> Swift.Duration? {
        guard let d = duration(node, key) else { return nil }
        guard d > .zero else {
            diagnostics.append(.error(.invalidDuration, "\(key) must be longer than 0s: \(why)", at: node.range))
            return nil
        }
        return d
    }

    mutating func duration(_ node: Node, _ key: String) -> Swift.Duration? {
        guard let s = string(node, key) else { return nil }
        switch DurationSyntax.parse(s) {
        case .success(let d):
            return .seconds(Int64(d.days) * 86_400 + Int64(d.seconds))
        case .failure(let issue):
            diagnostics.append(issue.diagnostic(in: node))
            return nil
        }
    }

    mutating func transport(_ node: Node, allowed: [ServiceConfiguration.TransportKind]) -> ServiceConfiguration.TransportKind? {
        guard let s = string(node, "transport") else { return nil }
        guard let t = ServiceConfiguration.TransportKind(rawValue: s), allowed.contains(t) else {
            let names = allowed.map(\.rawValue)
            diagnostics.append(
                .error(
                    .wrongType,
                    "transport must be \(names.joined(separator: " or ")), not '\(s)'" + Suggestion.hint(for: s, in: names),
                    at: node.range))
            return nil
        }
        return t
    }

    mutating func address(_ node: Node) -> ServiceConfiguration.ListenAddress? {
        guard let s = string(node, "listen") else { return nil }
        guard let colon = s.lastIndex(of: ":"), let port = Int(s[s.index(after: colon)...]), (0...65535).contains(port),
            colon != s.startIndex
        else {
            diagnostics.append(.error(.wrongType, "listen must be HOST:PORT (e.g. 127.0.0.1:8080), not '\(s)'", at: node.range))
            return nil
        }
        var host = String(s[..<colon])
        if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        return ServiceConfiguration.ListenAddress(host: host, port: port)
    }

    mutating func store(_ node: Node) -> String? {
        guard let s = string(node, "store") else { return nil }
        if s.hasPrefix("sqlite:") && s.count > "sqlite:".count { return s }
        if s.hasPrefix("postgres://") || s.hasPrefix("postgresql://") { return s }
        diagnostics.append(
            .error(.wrongType, "store must be sqlite:PATH or postgres://USER@HOST:PORT/DB, not '\(s)'", at: node.range))
        return nil
    }
}
