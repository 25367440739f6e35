import CCurl
import Foundation

/// Sends email through an SMTP server with libcurl (docs/transports.md): the exact
/// bytes `EmailAssembler` makes (the ones the directory transport writes),
/// STARTTLS or implicit TLS with certificate checks, AUTH, and a few
/// pooled connections, each kept open between messages.
///
/// Transfers block, so they run on `connections` threads of their own,
/// each with one libcurl handle; a send waits for a free one.
///
/// What the server says decides the outcome: a 2xx at the end is `sent`
/// (with the queue id of a reply like `250 2.0.0 Ok: queued as ABC`), a 4xx
/// reply, a refused or dropped connection and a timeout are transient, a
/// 5xx reply (a refused address, a wrong password) is permanent with the
/// server's text, and so is a certificate that cannot be verified.
public final class SMTPTransport: Transport {
    /// Where and how to connect.
    public struct Settings: Sendable, Hashable {
        /// Server host name or address.
        public var host: String
        /// Server port.
        public var port: Int
        /// How the connection is protected.
        public var security: Security
        /// User name for AUTH (nil: no AUTH).
        public var username: String?
        /// The password for AUTH.
        public var password: String?
        /// A PEM file of certificate authorities to trust instead of the system's.
        public var caFile: String?
        /// Connect timeout, and how long the server may stay silent.
        public var timeout: Swift.Duration
        /// The envelope sender (`MAIL FROM`).
        public var envelopeSender: String

        /// Creates settings.
        public init(
            host: String, port: Int, security: Security, username: String? = nil, password: String? = nil,
            caFile: String? = nil, timeout: Swift.Duration = .seconds(30), envelopeSender: String
        ) {
            self.host = host
            self.port = port
            self.security = security
            self.username = username
            self.password = password
            self.caFile = caFile
            self.timeout = timeout
            self.envelopeSender = envelopeSender
        }
    }

    /// How the connection to the server is protected.
    public enum Security: String, Sendable, Hashable {
        /// Plain connection upgraded with STARTTLS, which must succeed.
        case starttls
        /// TLS from the first byte (`smtps`, usually port 465).
        case tls
        /// No TLS at all (a relay on this machine only).
        case none
    }

    /// The settings in use.
    public let settings: Settings
    let assembler: EmailAssembler
    let workers: WorkerThreads<SMTPSession>

    /// Creates a transport with up to `connections` open connections.
    public init(settings: Settings, assembler: EmailAssembler, connections: Int = 4) {
        CurlGlobal.initialize()
        self.settings = settings
        self.assembler = assembler
        self.workers = WorkerThreads(count: connections, name: "herald-smtp") { SMTPSession(settings: settings) }
    }

    deinit { workers.stop() }

    /// Composes the delivery's message and sends it once.
    public func send(_ d: Delivery) async -> TransportOutcome {
        let message: [UInt8]
        switch await assembler.message(for: d) {
        case .success(let bytes): message = bytes
        case .failure(let failure): return failure.outcome
        }
        return await send(message: message, to: d.to)
    }

    /// Sends ready-made message bytes to one recipient, once.
    public func send(message: [UInt8], to recipient: String) async -> TransportOutcome {
        guard MailAddress.isValid(recipient) else {
            return .permanent(reason: "'\(recipient)' is not an email address")
        }
        let result = await workers.run { session in session.send(message, to: recipient) }
        return result.outcome
    }

    /// Unknowable: SMTP has no way to ask whether a message was accepted.
    public func wasDelivered(_ d: Delivery) async -> Bool? { nil }
}

/// `curl_global_init`, once per process, before the first handle.
enum CurlGlobal {
    private static let done: Bool = curl_global_init(Int(CURL_GLOBAL_ALL)) == CURLE_OK

    static func initialize() { _ = done }
}

/// What one libcurl SMTP transfer ended with.
struct SMTPResult: Sendable, Hashable {
    /// libcurl's result code.
    var code: Int
    /// The last reply code the server sent in this transfer (0: none).
    var responseCode: Int
    /// The last reply the server sent, its lines joined by a space.
    var reply: String
    /// libcurl's error message.
    var error: String

    /// What the transfer means for the delivery.
    var outcome: TransportOutcome {
        if code == Int(CURLE_OK.rawValue) { return .sent(providerID: Self.queueID(in: reply)) }
        let said = reply.isEmpty ? "" : " (last reply: \(reply))"
        switch responseCode / 100 {
        case 4: return .transient(reason: "SMTP \(reply)")
        case 5: return .permanent(reason: "SMTP \(reply)")
        default: break
        }
        let what = error.isEmpty ? "libcurl error \(code)" : error
        if Self.permanentCodes.contains(code) { return .permanent(reason: "SMTP: \(what)\(said)") }
        return .transient(reason: "SMTP: \(what)\(said)")
    }

    /// Failures that retrying cannot mend: the server's certificate cannot
    /// be verified, TLS cannot be started, AUTH was refused, a bad setting.
    static let permanentCodes: Set<Int> = Set(
        [
            CURLE_PEER_FAILED_VERIFICATION, CURLE_SSL_CACERT_BADFILE, CURLE_SSL_ISSUER_ERROR, CURLE_SSL_CRL_BADFILE,
            CURLE_USE_SSL_FAILED, CURLE_LOGIN_DENIED, CURLE_URL_MALFORMAT, CURLE_UNSUPPORTED_PROTOCOL,
            CURLE_AUTH_ERROR,
        ].map { Int($0.rawValue) })

    /// The id a server gives an accepted message: `queued as ID` (Postfix
    /// and many others) or `id=ID` (Exim).
    static func queueID(in reply: String) -> String? {
        for marker in ["queued as ", "id="] {
            guard let range = reply.range(of: marker, options: .caseInsensitive) else { continue }
            let id = reply[range.upperBound...].prefix { $0.isLetter || $0.isNumber || "-._@<>".contains($0) }
            let trimmed = id.trimmingCharacters(in: CharacterSet(charactersIn: "<>."))
            if !trimmed.isEmpty { return trimmed }
        }
        return nil
    }
}

/// One libcurl easy handle set up for one SMTP server, used by one thread
/// at a time and kept between messages so its connection is reused.
final class SMTPSession {
    private let handle: UnsafeMutableRawPointer?
    private let errorBuffer = UnsafeMutablePointer<CChar>.allocate(capacity: Int(CURL_ERROR_SIZE) + 1)
    /// The message being uploaded and how much of it libcurl has read.
    fileprivate var upload: [UInt8] = []
    fileprivate var uploaded = 0
    /// The lines of the reply the server is sending.
    fileprivate var replyLines: [String] = []
    fileprivate var replyComplete = true
    /// The last complete reply, except the one to QUIT (libcurl closes a
    /// connection after a failure, and `221 Bye` would hide why).
    fileprivate var lastReply: [String] = []
    fileprivate var lastCommand = ""
    private var setupError: String?

    init(settings: SMTPTransport.Settings) {
        handle = curl_easy_init()
        errorBuffer.initialize(to: 0)
        guard let handle else {
            setupError = "libcurl could not make a handle"
            return
        }
        let scheme = settings.security == .tls ? "smtps" : "smtp"
        let host = settings.host.contains(":") && !settings.host.hasPrefix("[") ? "[\(settings.host)]" : settings.host
        let seconds = max(1, Int(settings.timeout.components.seconds))
        let me = Unmanaged.passUnretained(self).toOpaque()
        var failures: [String] = []
        func check(_ code: CURLcode, _ what: String) {
            if code != CURLE_OK { failures.append("\(what): \(String(cString: curl_easy_strerror(code)))") }
        }
        check(herald_curl_setopt_string(handle, CURLOPT_URL, "\(scheme)://\(host):\(settings.port)"), "url")
        check(herald_curl_setopt_pointer(handle, CURLOPT_ERRORBUFFER, errorBuffer), "error buffer")
        check(herald_curl_setopt_long(handle, CURLOPT_NOSIGNAL, 1), "nosignal")
        check(herald_curl_setopt_long(handle, CURLOPT_UPLOAD, 1), "upload")
        check(herald_curl_setopt_read_function(handle, smtpRead), "read function")
        check(herald_curl_setopt_pointer(handle, CURLOPT_READDATA, me), "read data")
        check(herald_curl_setopt_debug_function(handle, smtpDebug), "debug function")
        check(herald_curl_setopt_pointer(handle, CURLOPT_DEBUGDATA, me), "debug data")
        check(herald_curl_setopt_long(handle, CURLOPT_VERBOSE, 1), "verbose")
        check(
            herald_curl_setopt_long(
                handle, CURLOPT_USE_SSL,
                Int(settings.security == .starttls ? CURLUSESSL_ALL.rawValue : CURLUSESSL_NONE.rawValue)),
            "use ssl")
        check(herald_curl_setopt_long(handle, CURLOPT_SSL_VERIFYPEER, 1), "verify peer")
        check(herald_curl_setopt_long(handle, CURLOPT_SSL_VERIFYHOST, 2), "verify host")
        if let caFile = settings.caFile { check(herald_curl_setopt_string(handle, CURLOPT_CAINFO, caFile), "ca_file") }
        if let username = settings.username {
            check(herald_curl_setopt_string(handle, CURLOPT_USERNAME, username), "username")
            check(herald_curl_setopt_string(handle, CURLOPT_PASSWORD, settings.password ?? ""), "password")
        }
        check(herald_curl_setopt_string(handle, CURLOPT_MAIL_FROM, "<\(settings.envelopeSender)>"), "mail from")
        check(herald_curl_setopt_long(handle, CURLOPT_CONNECTTIMEOUT, seconds), "connect timeout")
        check(herald_curl_setopt_long(handle, CURLOPT_SERVER_RESPONSE_TIMEOUT, seconds), "response timeout")
        // A stalled upload: under 1 byte/s for the timeout.
        check(herald_curl_setopt_long(handle, CURLOPT_LOW_SPEED_LIMIT, 1), "low speed limit")
        check(herald_curl_setopt_long(handle, CURLOPT_LOW_SPEED_TIME, seconds), "low speed time")
        check(herald_curl_setopt_long(handle, CURLOPT_TCP_KEEPALIVE, 1), "keepalive")
        if !failures.isEmpty { setupError = "libcurl: " + failures.joined(separator: "; ") }
    }

    deinit {
        if let handle { curl_easy_cleanup(handle) }
        errorBuffer.deallocate()
    }

    /// Sends `message` to `recipient` over this handle's connection (opened when needed).
    func send(_ message: [UInt8], to recipient: String) -> SMTPResult {
        guard let handle, setupError == nil else {
            return SMTPResult(
                code: Int(CURLE_FAILED_INIT.rawValue), responseCode: 0, reply: "", error: setupError ?? "")
        }
        upload = message
        uploaded = 0
        replyLines = []
        replyComplete = true
        lastReply = []
        lastCommand = ""
        errorBuffer[0] = 0
        let recipients = curl_slist_append(nil, "<\(recipient)>")
        defer {
            _ = herald_curl_setopt_slist(handle, CURLOPT_MAIL_RCPT, nil)
            curl_slist_free_all(recipients)
            upload = []
        }
        _ = herald_curl_setopt_slist(handle, CURLOPT_MAIL_RCPT, recipients)
        _ = herald_curl_setopt_off(handle, CURLOPT_INFILESIZE_LARGE, curl_off_t(message.count))
        let code = curl_easy_perform(handle)
        // The code of the last reply that counts (CURLINFO_RESPONSE_CODE may be QUIT's 221).
        let response = lastReply.first.flatMap { Int($0.prefix(3)) } ?? 0
        var error = String(cString: errorBuffer)
        if error.isEmpty && code != CURLE_OK { error = String(cString: curl_easy_strerror(code)) }
        return SMTPResult(
            code: Int(code.rawValue), responseCode: response, reply: lastReply.joined(separator: " "),
            error: error.trimmingCharacters(in: .whitespacesAndNewlines))
    }

    /// libcurl asks for the next bytes of the message.
    fileprivate func read(into buffer: UnsafeMutablePointer<CChar>, capacity: Int) -> Int {
        let n = min(capacity, upload.count - uploaded)
        guard n > 0 else { return 0 }
        upload.withUnsafeBytes { bytes in
            UnsafeMutableRawPointer(buffer).copyMemory(from: bytes.baseAddress! + uploaded, byteCount: n)
        }
        uploaded += n
        return n
    }

    /// A line the server sent: a reply is the lines up to one whose code is followed by a space.
    fileprivate func serverSaid(_ text: String) {
        for line in text.split(whereSeparator: \.isNewline) where !line.isEmpty {
            if replyComplete { replyLines = [] }
            replyLines.append(String(line))
            let chars = Array(line.utf8)
            replyComplete = chars.count < 4 || chars[3] != UInt8(ascii: "-")
            if replyComplete && lastCommand != "QUIT" { lastReply = replyLines }
        }
    }

    /// A command libcurl sent (only its verb is kept: AUTH lines carry secrets).
    fileprivate func clientSaid(_ text: String) {
        lastCommand = String(text.prefix { $0.isLetter }).uppercased()
    }
}

private func smtpRead(
    _ buffer: UnsafeMutablePointer<CChar>?, _ size: Int, _ count: Int, _ data: UnsafeMutableRawPointer?
)
    -> Int
{
    guard let buffer, let data else { return 0 }
    return Unmanaged<SMTPSession>.fromOpaque(data).takeUnretainedValue().read(into: buffer, capacity: size * count)
}

private func smtpDebug(
    _ handle: UnsafeMutableRawPointer?, _ type: curl_infotype, _ text: UnsafeMutablePointer<CChar>?, _ size: Int,
    _ data: UnsafeMutableRawPointer?
) -> Int32 {
    guard type == CURLINFO_HEADER_IN || type == CURLINFO_HEADER_OUT, let text, let data else { return 0 }
    let line = String(decoding: UnsafeRawBufferPointer(start: text, count: size), as: UTF8.self)
    let session = Unmanaged<SMTPSession>.fromOpaque(data).takeUnretainedValue()
    if type == CURLINFO_HEADER_IN { session.serverSaid(line) } else { session.clientSaid(line) }
    return 0
}
