import AsyncHTTPClient
public import Foundation
import HeraldCompiler
import HeraldRuntime
import HeraldSyntax
import NIOCore
import NIOHTTP1

#if canImport(Glibc)
import Glibc
#endif

/// What a transport said about one attempt (docs/service.md "Deliveries and their statuses").
public enum TransportOutcome: Sendable, Hashable {
    /// Accepted, with the provider's message id when it gave one.
    case sent(providerID: String?)
    /// Failed for now (connection, timeout, SMTP 4xx, HTTP 429/5xx): retried.
    case transient(reason: String, retryAfter: Swift.Duration? = nil)
    /// Failed for good (SMTP 5xx, HTTP 4xx, a refused address).
    case permanent(reason: String)
}

/// Hands a delivery's message to the outside world: a folder, an SMTP
/// server, an SMS gateway. One value per channel; called concurrently.
public protocol Transport: Sendable {
    /// Sends one delivery's message once.
    func send(_ delivery: Delivery) async -> TransportOutcome

    /// After a crash during an attempt: whether the message is known to
    /// have been accepted (true), known not to (false), or unknowable (nil).
    func wasDelivered(_ delivery: Delivery) async -> Bool?

    /// Whether sending the same delivery twice leaves one copy (the
    /// directory transport overwrites its file). When it does not, the
    /// scheduler records each accepted send at once, so that a crash has
    /// the smallest window in which a second copy could go out.
    var sendsAreIdempotent: Bool { get }
}

extension Transport {
    /// SMTP and HTTP gateways: a second send is a second message.
    public var sendsAreIdempotent: Bool { false }
}

/// Builds the email of a delivery: fetches its attachments and composes
/// the MIME bytes that every email transport sends.
public struct EmailAssembler: Sendable {
    /// The sender.
    public var from: MailAddress
    /// Report URLs must start with one of these (empty: any).
    public var reportURLPrefixes: [String]
    /// The largest attachment accepted.
    public var maximumAttachmentBytes = 10 * 1024 * 1024
    /// How long a report fetch may take.
    public var fetchTimeout: Swift.Duration = .seconds(30)

    /// Creates an assembler.
    public init(from: MailAddress, reportURLPrefixes: [String] = []) {
        self.from = from
        self.reportURLPrefixes = reportURLPrefixes
    }

    /// The message bytes, or the failure that stops this attempt.
    public func message(for d: Delivery, date: Date = Date()) async -> Result<[UInt8], TransportFailure> {
        var attachments: [MessageComposer.Attachment] = []
        for a in d.attachments ?? [] {
            switch await fetch(a.url) {
            case .success(let data):
                attachments.append(MessageComposer.Attachment(filename: a.filename, contentType: a.contentType, data: data))
            case .failure(let f):
                return .failure(f)
            }
        }
        let m = MessageComposer.Message(
            id: d.id, from: from, to: d.to, replyTo: d.replyTo, subject: d.subject ?? "", body: d.body ?? "",
            html: d.html, attachments: attachments, date: date)
        do {
            return .success(try MessageComposer().compose(m))
        } catch {
            return .failure(TransportFailure(permanent: true, reason: error.description))
        }
    }

    /// Fetches a report (docs/transports.md): connection errors, timeouts and 5xx
    /// are transient; 4xx, not a PDF, too large or outside the allowed
    /// prefixes are permanent.
    func fetch(_ url: String) async -> Result<[UInt8], TransportFailure> {
        if !reportURLPrefixes.isEmpty && !reportURLPrefixes.contains(where: { url.hasPrefix($0) }) {
            return .failure(
                TransportFailure(permanent: true, reason: "report URL '\(url)' is outside email.report_url_prefixes"))
        }
        guard url.hasPrefix("http://") || url.hasPrefix("https://") else {
            return .failure(TransportFailure(permanent: true, reason: "report URL '\(url)' is not http(s)"))
        }
        do {
            let request = HTTPClientRequest(url: url)
            let response = try await FailFastHTTPClient.shared.execute(request, timeout: .seconds(fetchTimeout.components.seconds))
            let code = Int(response.status.code)
            if code >= 500 {
                return .failure(TransportFailure(permanent: false, reason: "report fetch: HTTP \(code) from \(url)"))
            }
            if code >= 400 || code < 200 || code >= 300 {
                return .failure(TransportFailure(permanent: true, reason: "report fetch: HTTP \(code) from \(url)"))
            }
            if let length = response.headers.first(name: "content-length").flatMap(Int.init), length > maximumAttachmentBytes {
                return .failure(
                    TransportFailure(permanent: true, reason: "report is \(length) bytes, over the \(maximumAttachmentBytes)-byte limit"))
            }
            let body: ByteBuffer
            do {
                body = try await response.body.collect(upTo: maximumAttachmentBytes)
            } catch is NIOTooManyBytesError {
                return .failure(TransportFailure(permanent: true, reason: "report is over the \(maximumAttachmentBytes)-byte limit"))
            }
            let bytes = Array(body.readableBytesView)
            let type = response.headers.first(name: "content-type")?.lowercased() ?? ""
            let isPDF = type.hasPrefix("application/pdf") || bytes.starts(with: Array("%PDF-".utf8))
            if !isPDF {
                return .failure(TransportFailure(permanent: true, reason: "report at \(url) is not a PDF (\(type))"))
            }
            return .success(bytes)
        } catch {
            return .failure(TransportFailure(permanent: false, reason: "report fetch from \(url) failed: \(ErrorText.describe(error))"))
        }
    }
}

/// Why an attempt could not even reach the transport.
public struct TransportFailure: Error, Sendable, Hashable {
    /// Whether retrying cannot help.
    public var permanent: Bool
    /// What happened.
    public var reason: String

    /// The transport outcome it amounts to.
    public var outcome: TransportOutcome {
        permanent ? .permanent(reason: reason) : .transient(reason: reason)
    }
}

/// Writes each message as a file under its delivery id (docs/transports.md):
/// `DIR/ID.eml` (the exact RFC 5322 message SMTP would send) and
/// `DIR/ID.json` for SMS, written to a temporary name, flushed to disk and
/// renamed, so that a file either is complete or is not there.
public struct DirectoryTransport: Transport {
    /// The outbox folder.
    public var directory: String
    /// Builds email messages (nil for an SMS-only transport).
    public var assembler: EmailAssembler?

    /// Creates a transport writing into `directory` (created when missing).
    public init(directory: String, assembler: EmailAssembler?) {
        self.directory = directory
        self.assembler = assembler
        try? FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    }

    func path(_ d: Delivery) -> String {
        directory + "/" + MessageComposer.safeID(d.id) + (d.channel == .email ? ".eml" : ".json")
    }

    /// Writes the delivery's file.
    public func send(_ d: Delivery) async -> TransportOutcome {
        let bytes: [UInt8]
        switch d.channel {
        case .email:
            guard let assembler else { return .permanent(reason: "no email transport") }
            switch await assembler.message(for: d) {
            case .success(let b): bytes = b
            case .failure(let f): return f.outcome
            }
        case .sms:
            let json: JSONValue = .object([
                "id": .string(d.id), "to": .string(d.to), "body": .string(d.body ?? ""),
                "segments": .int(Int64(d.segments ?? 1)),
            ])
            bytes = Array((json.text + "\n").utf8)
        }
        do {
            try AtomicFile.write(bytes, to: path(d))
            return .sent(providerID: nil)
        } catch {
            return .transient(reason: "cannot write to \(directory): \(ErrorText.describe(error))")
        }
    }

    /// Writing the same file again leaves one file.
    public var sendsAreIdempotent: Bool { true }

    /// The file is there exactly when a previous attempt finished writing it.
    public func wasDelivered(_ d: Delivery) async -> Bool? {
        FileManager.default.fileExists(atPath: path(d))
    }
}

/// Writes a file atomically: temporary name, fsync, rename, fsync of the folder.
enum AtomicFile {
    struct WriteError: Error, CustomStringConvertible {
        var description: String
    }

    static func write(_ bytes: [UInt8], to path: String) throws {
        let dir = (path as NSString).deletingLastPathComponent
        let tmp = dir + "/." + (path as NSString).lastPathComponent + ".tmp"
        let fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        guard fd >= 0 else { throw WriteError(description: String(cString: strerror(errno))) }
        var written = 0
        while written < bytes.count {
            let n = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress! + written, bytes.count - written) }
            if n < 0 {
                if errno == EINTR { continue }
                let e = String(cString: strerror(errno))
                close(fd)
                throw WriteError(description: e)
            }
            written += n
        }
        guard fsync(fd) == 0 else {
            let e = String(cString: strerror(errno))
            close(fd)
            throw WriteError(description: e)
        }
        close(fd)
        guard rename(tmp, path) == 0 else { throw WriteError(description: String(cString: strerror(errno))) }
        let dfd = open(dir.isEmpty ? "." : dir, O_RDONLY)
        if dfd >= 0 {
            fsync(dfd)
            close(dfd)
        }
    }
}
