import AsyncHTTPClient
public import Foundation
import NIOCore
public import NIOHTTP1

/// Talks to a running `herald serve` (docs/service.md "The HTTP API"): what `herald deliveries`
/// and `herald resend` use.
public struct ServiceClient: Sendable {
    /// The service's base URL, e.g. `http://127.0.0.1:8080`.
    public var server: String
    /// The API token.
    public var token: String
    /// How long one request may take.
    public var timeout: Swift.Duration = .seconds(30)

    /// Creates a client.
    public init(server: String, token: String) {
        self.server = server.hasSuffix("/") ? String(server.dropLast()) : server
        self.token = token
    }

    /// A reply: status and body.
    public struct Reply: Sendable {
        /// HTTP status code.
        public var status: Int
        /// Body bytes.
        public var body: [UInt8]

        /// The body as JSON.
        public var json: Any? { try? JSONSerialization.jsonObject(with: Data(body)) }

        /// The `message` of an error reply, or the body as text.
        public var errorMessage: String {
            if let o = json as? [String: Any], let m = o["message"] as? String { return m }
            return String(decoding: body.prefix(300), as: UTF8.self)
        }
    }

    /// Why the service could not be asked.
    public struct ConnectionError: Error, CustomStringConvertible {
        /// What happened.
        public var description: String
    }

    /// Sends one request.
    public func request(_ method: HTTPMethod, _ path: String, body: [UInt8]? = nil) async throws -> Reply {
        var request = HTTPClientRequest(url: server + path)
        request.method = method
        request.headers.add(name: "Authorization", value: "Bearer \(token)")
        if let body {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(bytes: body))
        }
        do {
            let response = try await FailFastHTTPClient.shared.execute(request, timeout: .seconds(timeout.components.seconds))
            let bytes = try await response.body.collect(upTo: 64 * 1024 * 1024)
            return Reply(status: Int(response.status.code), body: Array(bytes.readableBytesView))
        } catch {
            throw ConnectionError(description: "cannot reach \(server): \(Self.reason(error))")
        }
    }

    /// `GET /v1/deliveries` with filters (query names of docs/service.md "The HTTP API").
    public func deliveries(filters: [(String, String)]) async throws -> Reply {
        let query = filters.isEmpty ? "" : "?" + ServiceClient.formEncoded(filters)
        return try await request(.GET, "/v1/deliveries" + query)
    }

    /// A short reason for a failed request: NIO's own text for a refused
    /// connection reads `connection reset (error set): Connection refused)
    /// (errno: 111)`.
    static func reason(_ error: any Error) -> String {
        let text = "\(error)"
        if text.contains("Connection refused") { return "connection refused (is herald serve running there?)" }
        if text.contains("UnknownHost") || text.contains("unknownHost") { return "unknown host" }
        if text.contains("deadlineExceeded") || text.contains("connectTimeout") { return "no answer in time" }
        return text
    }

    /// `name=value&…` with everything but unreserved characters (RFC 3986)
    /// percent-encoded. `URLComponents` leaves `+` as it is, which the
    /// service reads as a space, as forms encode one (docs/service.md).
    public static func formEncoded(_ pairs: [(String, String)]) -> String {
        let unreserved = CharacterSet(charactersIn: "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~")
        func encode(_ text: String) -> String { text.addingPercentEncoding(withAllowedCharacters: unreserved) ?? text }
        return pairs.map { encode($0.0) + "=" + encode($0.1) }.joined(separator: "&")
    }

    /// `POST /v1/deliveries/ID/resend`.
    public func resend(id: String) async throws -> Reply {
        let escaped = id.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed.subtracting(CharacterSet(charactersIn: "/"))) ?? id
        return try await request(.POST, "/v1/deliveries/\(escaped)/resend")
    }
}
