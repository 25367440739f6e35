import AsyncHTTPClient
public import Foundation
import HeraldCompiler
import NIOCore
import NIOHTTP1

/// Sends SMS through an HTTP gateway (docs/transports.md): `POST url` with
/// `Authorization: Bearer TOKEN`, `Idempotency-Key: DELIVERY-ID` and a JSON
/// body, `{"id", "to", "body", "segments"}` unless `sms.http.body` shapes it
/// for the gateway's API.
///
/// A 2xx reply is `sent` (the provider's message id is the reply's JSON
/// `id`); 429, 5xx, connection errors and timeouts are transient, honouring
/// `Retry-After` (seconds or an HTTP date); any other status is permanent
/// with the reply's text.
public struct HTTPGatewayTransport: Transport {
    /// Where messages are posted.
    public var url: String
    /// The bearer token (nil: no `Authorization` header).
    public var token: String?
    /// How long a request may take.
    public var timeout: Swift.Duration
    /// The body's members (nil: `{"id", "to", "body", "segments"}`).
    public var body: [ServiceConfiguration.GatewayField]?
    let client: HTTPClient

    /// The longest reply text kept as a failure's reason.
    static let maximumReasonLength = 500

    /// Creates a transport posting to `url`.
    public init(
        url: String, token: String?, timeout: Swift.Duration = .seconds(10),
        body: [ServiceConfiguration.GatewayField]? = nil
    ) {
        self.url = url
        self.token = token
        self.timeout = timeout
        self.body = body
        self.client = FailFastHTTPClient.shared
    }

    /// The JSON body posted for a delivery.
    public func requestBody(for d: Delivery) -> String {
        let fields =
            body ?? [
                .init(key: "id", value: .id), .init(key: "to", value: .to), .init(key: "body", value: .body),
                .init(key: "segments", value: .segments),
            ]
        func json(_ v: ServiceConfiguration.GatewayValue) -> JSONValue {
            switch v {
            case .id: .string(d.id)
            case .to: .string(d.to)
            case .body: .string(d.body ?? "")
            case .segments: .int(Int64(d.segments ?? 1))
            case .literal(let s): .string(s)
            case .list(let items): .array(items.map(json))
            }
        }
        var object: [String: JSONValue] = [:]
        for f in fields { object[f.key] = json(f.value) }
        return JSONValue.object(object).text
    }

    /// Posts the delivery's SMS once.
    public func send(_ d: Delivery) async -> TransportOutcome {
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.headers.add(name: "Accept", value: "application/json")
        request.headers.add(name: "Idempotency-Key", value: d.id)
        if let token { request.headers.add(name: "Authorization", value: "Bearer \(token)") }
        request.body = .bytes(ByteBuffer(string: requestBody(for: d)))
        let response: HTTPClientResponse
        let reply: ByteBuffer
        do {
            let deadline = NIODeadline.now() + .nanoseconds(Self.nanoseconds(timeout))
            response = try await client.execute(request, deadline: deadline)
            reply = try await response.body.collect(upTo: 1024 * 1024)
        } catch let error as HTTPClientError where error == .deadlineExceeded || error == .readTimeout {
            return .transient(reason: "SMS gateway: no reply within \(timeout)")
        } catch {
            return .transient(reason: "SMS gateway: \(error)")
        }
        let code = Int(response.status.code)
        let text = String(buffer: reply)
        switch code {
        case 200..<300:
            return .sent(providerID: Self.messageID(in: reply))
        case 429, 500..<600:
            let wait = response.headers.first(name: "retry-after").flatMap { Self.retryAfter($0, now: Date()) }
            return .transient(reason: Self.reason(code, text), retryAfter: wait)
        default:
            return .permanent(reason: Self.reason(code, text))
        }
    }

    /// Unknowable without asking the gateway; the idempotency key covers a retry.
    public func wasDelivered(_ d: Delivery) async -> Bool? { nil }

    /// `HTTP 400: the reply's text` (cut short).
    static func reason(_ code: Int, _ text: String) -> String {
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        if trimmed.isEmpty { return "SMS gateway: HTTP \(code)" }
        let cut = trimmed.count > maximumReasonLength ? String(trimmed.prefix(maximumReasonLength)) + "…" : trimmed
        return "SMS gateway: HTTP \(code): \(cut)"
    }

    /// The `id` member of a JSON reply (a string or a number), if any.
    static func messageID(in reply: ByteBuffer) -> String? {
        guard reply.readableBytes > 0,
            let object = try? JSONSerialization.jsonObject(with: Data(reply.readableBytesView)) as? [String: Any]
        else { return nil }
        switch object["id"] {
        case let s as String: return s.isEmpty ? nil : s
        case let n as NSNumber: return n.stringValue
        default: return nil
        }
    }

    /// `Retry-After` as a wait: delay-seconds or an HTTP date (RFC 9110 §10.2.3).
    public static func retryAfter(_ value: String, now: Date) -> Swift.Duration? {
        let v = value.trimmingCharacters(in: .whitespaces)
        if let seconds = Int64(v), seconds >= 0 { return .seconds(seconds) }
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        for format in ["EEE, dd MMM yyyy HH:mm:ss zzz", "EEEE, dd-MMM-yy HH:mm:ss zzz", "EEE MMM d HH:mm:ss yyyy"] {
            formatter.dateFormat = format
            if let date = formatter.date(from: v) {
                return .seconds(Int64(max(0, date.timeIntervalSince(now).rounded(.up))))
            }
        }
        return nil
    }

    static func nanoseconds(_ d: Swift.Duration) -> Int64 {
        d.components.seconds * 1_000_000_000 + d.components.attoseconds / 1_000_000_000
    }
}
