import Foundation
import HeraldCompiler
import HeraldRuntime
import HeraldSyntax
public import Hummingbird
import Logging
import NIOCore
import NIOHTTP1
import Synchronization

/// An API error reply: `{"error": CODE, "message": TEXT}` (docs/service.md "POST /v1/events").
struct APIError: HTTPResponseError {
    var status: HTTPResponse.Status
    var code: String
    var message: String
    var extra: [String: JSONValue] = [:]
    /// The `Allow` header of a 405.
    var allow: String?
    /// Whether the reply closes the connection (`Connection: close`): the
    /// request broke off in a way nothing after it can be read past.
    var closesConnection = false

    func response(from request: Request, context: some RequestContext) throws -> Response {
        var object = extra
        object["error"] = .string(code)
        object["message"] = .string(message)
        var response = API.json(status, JSONValue.object(object).text)
        if let allow { response.headers[.allow] = allow }
        if closesConnection { response.headers[.connection] = "close" }
        return response
    }

    static func badRequest(_ message: String) -> APIError { APIError(status: .badRequest, code: "bad-request", message: message) }
}

enum API {
    static func json(_ status: HTTPResponse.Status, _ text: String) -> Response {
        var buffer = ByteBuffer()
        buffer.writeString(text)
        buffer.writeString("\n")
        return Response(status: status, headers: [.contentType: "application/json"], body: .init(byteBuffer: buffer))
    }

    static let encoder: JSONEncoder = {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return e
    }()

    static func encode<T: Encodable>(_ value: T) -> String {
        (try? encoder.encode(value)).map { String(decoding: $0, as: UTF8.self) } ?? "null"
    }

    static func cursor(_ seq: Int64?) -> JSONValue {
        guard let seq else { return .null }
        let b = Data("s\(seq)".utf8).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
        return .string(b)
    }

    static func parseCursor(_ text: String) -> Int64? {
        var b = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while b.count % 4 != 0 { b += "=" }
        guard let data = Data(base64Encoded: b), let s = String(data: data, encoding: .utf8), s.hasPrefix("s") else {
            return nil
        }
        return Int64(s.dropFirst()).flatMap { $0 > 0 ? $0 : nil }
    }
}

extension API {
    /// `name=value` pairs decoded as forms and query strings are encoded
    /// (`+` is a space, then percent-decoding); the first of a repeated name.
    static func form(_ text: String) -> [String: String] {
        var out: [String: String] = [:]
        for pair in text.split(separator: "&") {
            let kv = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            func decode(_ s: Substring) -> String {
                String(s).replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? ""
            }
            let key = decode(kv[0])
            if out[key] == nil { out[key] = kv.count > 1 ? decode(kv[1]) : "" }
        }
        return out
    }

    /// The request's query parameters (`form`): `?work_order=WO+7` is `WO 7`, as `%20`.
    /// A parameter with an empty value (`?status=&since=`, as an HTML form
    /// sends the fields left blank, and as SPEC §12.5 writes the list URL)
    /// is as if it were not given.
    static func query(_ request: Request) -> [String: String] {
        form(request.uri.query ?? "").filter { !$0.value.isEmpty }
    }

    /// A path parameter, percent-decoded: the router matches the raw path,
    /// so `/v1/work-orders/WO%207/timeline` names the work order `WO 7`
    /// (and `A%2FB` the id `A/B`). Text that is not valid percent-encoding
    /// is taken as it is.
    static func pathParameter<Context: RequestContext>(_ name: String, _ context: Context) throws -> String {
        let raw = try context.parameters.require(name)
        return raw.removingPercentEncoding ?? raw
    }
}

/// Checks the bearer token on every route below it (docs/service.md "POST /v1/events": 401).
struct TokenMiddleware<Context: RequestContext>: RouterMiddleware {
    let token: [UInt8]

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        guard let header = request.headers[.authorization], let credentials = Self.bearerCredentials(header),
            Self.equal(Array(credentials.utf8), token)
        else {
            throw APIError(status: .unauthorized, code: "unauthorized", message: "a valid 'Authorization: Bearer TOKEN' header is required")
        }
        return try await next(request, context)
    }

    /// The token of `Bearer TOKEN`: the scheme in any case (RFC 9110
    /// §11.1), then one or more spaces.
    static func bearerCredentials(_ header: String) -> Substring? {
        let utf8 = header.utf8
        guard utf8.count > 7, header.prefix(6).lowercased() == "bearer", utf8.dropFirst(6).first == UInt8(ascii: " ") else {
            return nil
        }
        return header.dropFirst(6).drop { $0 == " " }
    }

    /// Compares without stopping at the first difference.
    static func equal(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        guard a.count == b.count else { return false }
        var d: UInt8 = 0
        for i in a.indices { d |= a[i] ^ b[i] }
        return d == 0
    }
}

/// Turns framework errors (404, 405, body too large) and any other error
/// (a store that cannot be reached: `503 store-unavailable`; the rest:
/// `500 internal`) into JSON replies, and times every request for
/// `herald_http_request_duration_seconds`.
struct ErrorAndTimingMiddleware<Context: RequestContext>: RouterMiddleware {
    let metrics: ServiceMetrics

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        let start = ContinuousClock.now
        defer {
            let elapsed = ContinuousClock.now - start
            let ns = elapsed.components.seconds * 1_000_000_000 + elapsed.components.attoseconds / 1_000_000_000
            metrics.request(route: context.endpointPath ?? "unmatched", nanoseconds: ns)
        }
        do {
            return try await next(request, context)
        } catch let e as APIError {
            throw e
        } catch let e as HTTPError {
            let code: String
            switch e.status {
            case .notFound:
                // A known path with another method: 405 with the methods it takes.
                let allowed = OpenAPIDocument.methods(for: request.uri.path).flatMap { $0 == "GET" ? ["GET", "HEAD"] : [$0] }
                if !allowed.isEmpty {
                    var e = APIError(
                        status: .methodNotAllowed, code: "method-not-allowed",
                        message: "\(request.method) is not allowed here; use \(allowed.joined(separator: " or "))")
                    e.allow = allowed.joined(separator: ", ")
                    throw e
                }
                code = "no-such-route"
            case .methodNotAllowed: code = "method-not-allowed"
            case .contentTooLarge: code = "too-large"
            default: code = e.status.code >= 500 ? "internal" : "bad-request"
            }
            throw APIError(status: e.status, code: code, message: e.body ?? e.status.reasonPhrase)
        } catch let e as any HTTPResponseError {
            throw e
        } catch let e as StoreUnreachable {
            throw APIError(status: .serviceUnavailable, code: "store-unavailable", message: "\(e.description); try again later")
        } catch let e as CancellationError {
            throw e
        } catch {
            // Anything else (a store error on a read, say) is still a JSON
            // reply; Hummingbird's own would be a bare 500.
            context.logger.error("\(request.method) \(request.uri.path): \(error)")
            throw APIError(
                status: .internalServerError, code: "internal",
                message: "the service could not answer: \(ErrorText.describe(error))")
        }
    }
}

extension HeraldServer {
    /// The HTTP API of docs/service.md ("The HTTP API"), and the web console's pages under `/`.
    public func buildRouter() -> Router<BasicRequestContext> {
        // HEAD is answered wherever GET is, without the body (RFC 9110
        // §9.3.2): load balancers and uptime checks probe `/healthz` so.
        // An error reply to HEAD (401, 404, 405) is built with its JSON
        // body; NIO's HTTP/1 encoder drops the body of any HEAD reply.
        let router = Router(context: BasicRequestContext.self, options: .autoGenerateHeadEndpoints)
        router.add(middleware: RequestTrackingMiddleware(tracker: requests))
        router.add(middleware: ErrorAndTimingMiddleware(metrics: metrics))
        router.get("/healthz") { _, _ in await self.health() }
        router.get("/metrics") { _, _ in
            var buffer = ByteBuffer()
            buffer.writeBytes(self.metrics.exposition())
            return Response(
                status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                body: .init(byteBuffer: buffer))
        }
        router.get("/openapi.json") { _, _ in API.json(.ok, OpenAPIDocument.json) }
        let v1 = router.group("v1").add(middleware: TokenMiddleware(token: Array(token.utf8)))
        v1.post("events") { request, _ in try await self.postEvents(request) }
        v1.get("deliveries") { request, _ in try await self.listDeliveries(request) }
        v1.get("deliveries/:id") { _, context in
            let id = try API.pathParameter("id", context)
            guard let d = try await self.store.delivery(id: id) else {
                throw APIError(status: .notFound, code: "not-found", message: "no delivery '\(id)'")
            }
            return API.json(.ok, API.encode(d))
        }
        v1.post("deliveries/:id/resend") { _, context in
            let id = try API.pathParameter("id", context)
            switch try await self.store.resend(id: id, newID: DeliveryID.make(), now: Date().timeIntervalSince1970) {
            case .created(let d):
                self.metrics.delivery(d.channel, .scheduled)
                return API.json(.created, API.encode(d))
            case .notFound:
                throw APIError(status: .notFound, code: "not-found", message: "no delivery '\(id)'")
            case .conflict(let status):
                throw APIError(
                    status: .conflict, code: "not-resendable",
                    message: "delivery '\(id)' is \(status.rawValue); only sent and failed deliveries can be re-sent")
            }
        }
        for (segment, entity) in [("work-orders", Entity.workOrder), ("leads", .lead), ("csrs", .csr)] {
            v1.get("\(segment)/:id/timeline") { _, context in
                let id = try API.pathParameter("id", context)
                let items = try await self.store.timeline(EntityReference(entity: entity, id: id)) ?? []
                return API.json(.ok, JSONValue.object(["items": .array(items.map { .object($0.json) })]).text)
            }
        }
        v1.get("rejects") { request, _ in try await self.listRejects(request) }
        v1.post("rules/reload") { _, _ in
            switch await self.reload() {
            case .reloaded(let hash):
                return API.json(.ok, JSONValue.object(["status": .string("ok"), "rules": .string(hash)]).text)
            case .refused(let failure):
                let report = DiagnosticReport(diagnostics: failure.diagnostics, fileCount: failure.fileCount)
                let diagnostics = DiagnosticFormatter(format: .json, options: .init(prettyJSON: false)).string(for: report)
                throw APIError(
                    status: .unprocessableContent, code: "rules-invalid", message: failure.message,
                    extra: ["diagnostics": .raw(diagnostics.trimmingCharacters(in: .whitespacesAndNewlines))])
            }
        }
        ConsoleSite(server: self).register(on: router)
        return router
    }

    /// How long `/healthz` waits for the store: a probe that times out
    /// learns less than a `503` (a PostgreSQL server that went away made
    /// the first ping wait about 70 s).
    static let healthTimeout: Duration = .seconds(3)

    func health() async -> Response {
        do {
            let store = self.store
            guard try await Deadline.run(within: Self.healthTimeout, { try await store.ping() }) else {
                return API.json(
                    .serviceUnavailable,
                    JSONValue.object([
                        "status": .string("unavailable"), "rules": .string(rulesHash),
                        "message": .string("the store did not answer within \(Self.healthTimeout.components.seconds) s"),
                    ]).text)
            }
            var body: [String: JSONValue] = ["status": .string("ok"), "rules": .string(rulesHash)]
            if let other = rulesMismatch.withLock({ $0 }) {
                body["rules_mismatch"] = .bool(true)
                body["rules_in_store"] = .string(other)
                body["message"] = .string(
                    "another instance runs rules \(other); this instance's rule files give \(rulesHash): deploy the same files")
            }
            return API.json(.ok, JSONValue.object(body).text)
        } catch {
            return API.json(
                .serviceUnavailable,
                JSONValue.object([
                    "status": .string("unavailable"), "rules": .string(rulesHash), "message": .string("\(error)"),
                ]).text)
        }
    }

    func postEvents(_ request: Request) async throws -> Response {
        let type = (request.headers[.contentType] ?? "").split(separator: ";").first?
            .trimmingCharacters(in: .whitespaces).lowercased() ?? ""
        let ndjson: Bool
        switch type {
        case "application/json": ndjson = false
        case "application/x-ndjson", "application/ndjson": ndjson = true
        default:
            throw APIError(
                status: .unsupportedMediaType, code: "unsupported-media-type",
                message: "send application/json (one event) or application/x-ndjson (one event per line), not '\(type)'")
        }
        let tooLarge = APIError(
            status: .contentTooLarge, code: "too-large",
            message: "the body is over \(Self.maximumBodyBytes) bytes; send smaller batches")
        if let length = request.headers[.contentLength].flatMap({ Int($0) }), length > Self.maximumBodyBytes {
            // Most clients send the whole body before they read the answer
            // (all of them with `Connection: close`): the body is read and
            // dropped, up to `drainedBodyBytes`, so that they get the 413
            // rather than a stalled upload.
            if length <= Self.drainedBodyBytes {
                var dropped = 0
                for try await part in request.body {
                    dropped += part.readableBytes
                    if dropped > Self.drainedBodyBytes { break }
                }
            }
            throw tooLarge
        }
        let body: ByteBuffer
        do {
            body = try await request.body.collect(upTo: Self.maximumBodyBytes)
        } catch is NIOTooManyBytesError {
            throw tooLarge
        } catch let error as HTTPParserError {
            // A broken chunk in the body: the connection closes after the reply.
            var reply = APIError.badRequest(MalformedRequestReply.message(for: error))
            reply.closesConnection = true
            throw reply
        }
        let reply: [UInt8]
        do {
            reply = try await intake(body: Array(body.readableBytesView), ndjson: ndjson)
        } catch is IntakeEvaluator.TooManyLines {
            throw APIError(
                status: .contentTooLarge, code: "too-many-lines",
                message: "the body has more than \(IntakeEvaluator.maximumLines) lines with content (no event is that short); "
                    + "send smaller batches; nothing of it was kept")
        } catch {
            logger.error("intake commit failed: \(error)")
            throw APIError(
                status: .serviceUnavailable, code: "store-unavailable",
                message: "the store could not commit the request; nothing of it was kept: \(error)")
        }
        var buffer = ByteBuffer()
        buffer.writeBytes(reply)
        return Response(status: .ok, headers: [.contentType: "application/x-ndjson"], body: .init(byteBuffer: buffer))
    }

    static func limit(_ request: Request) throws -> Int {
        guard let text = API.query(request)["limit"] else { return 50 }
        guard let n = Int(text), (1...1000).contains(n) else {
            throw APIError.badRequest("limit must be a whole number from 1 to 1000, not '\(text)'")
        }
        return n
    }

    static func time(_ request: Request, _ name: String) throws -> Double? {
        guard let text = API.query(request)[name] else { return nil }
        // An offset's `+` sent unencoded reads as a space: it is put back.
        guard let t = ServiceTime.parse(text) ?? ServiceTime.parse(text.replacingOccurrences(of: " ", with: "+")) else {
            throw APIError.badRequest("\(name) must be an RFC 3339 time such as 2026-06-01T00:00:00Z, not '\(text)'")
        }
        return t
    }

    static func cursor(_ request: Request) throws -> Int64? {
        guard let text = API.query(request)["cursor"], !text.isEmpty else { return nil }
        guard let seq = API.parseCursor(text) else { throw APIError.badRequest("cursor '\(text)' is not one this service gave") }
        return seq
    }

    func listDeliveries(_ request: Request) async throws -> Response {
        let p = API.query(request)
        var q = DeliveryQuery()
        if let s = p["status"] {
            guard let status = Delivery.Status(rawValue: s) else {
                throw APIError.badRequest(
                    "status must be one of \(Delivery.Status.allCases.map(\.rawValue).joined(separator: ", ")), not '\(s)'")
            }
            q.status = status
        }
        if let c = p["channel"] {
            guard let channel = Channel(rawValue: c) else { throw APIError.badRequest("channel must be email or sms, not '\(c)'") }
            q.channel = channel
        }
        q.rule = p["rule"]
        q.workOrder = p["work_order"]
        q.lead = p["lead"]
        q.csr = p["csr"]
        q.client = p["client"]
        q.location = p["location"]
        q.since = try Self.time(request, "since")
        q.until = try Self.time(request, "until")
        q.limit = try Self.limit(request)
        q.before = try Self.cursor(request)
        let page = try await store.deliveries(q)
        let items = "[" + page.items.map(API.encode).joined(separator: ",") + "]"
        return API.json(.ok, JSONValue.object(["items": .raw(items), "next_cursor": API.cursor(page.nextBefore)]).text)
    }

    func listRejects(_ request: Request) async throws -> Response {
        var q = RejectQuery()
        q.since = try Self.time(request, "since")
        q.until = try Self.time(request, "until")
        q.limit = try Self.limit(request)
        q.before = try Self.cursor(request)
        let page = try await store.rejects(q)
        let items = "[" + page.items.map(API.encode).joined(separator: ",") + "]"
        return API.json(.ok, JSONValue.object(["items": .raw(items), "next_cursor": API.cursor(page.nextBefore)]).text)
    }
}
