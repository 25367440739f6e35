import HTTPTypes
import NIOHTTPTypes
import NIOCore
import NIOHTTP1

/// Gives the `400` that Hummingbird writes for a request NIO cannot parse
/// as HTTP/1.1 (a broken request line, header or chunk) the JSON body of
/// every other error reply: `{"error": "bad-request", "message": …}`
/// (docs/service.md, "The HTTP API").
///
/// Hummingbird answers such a request itself, below the router, with a bare
/// `400`, `Content-Length: 0` and `Connection: close`. This handler sits in
/// the connection's pipeline after the HTTP codec: it notes the parser's
/// error on its way in, then rewrites that one reply on its way out (a JSON
/// content type and length, the body written before the end). Every other
/// part passes through untouched: a reply to an earlier request on the
/// connection, and the API's own `400` to a request whose body broke (a bad
/// chunk: `postEvents` answers it, with a body and `Connection: close`).
final class MalformedRequestReply: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    /// The parser's error, once one came: the next bodiless `400` head is its reply.
    private var parserError: HTTPParserError?
    /// The JSON body still to write before the reply's end.
    private var pendingBody: ByteBuffer?

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if let error = error as? HTTPParserError { parserError = error }
        context.fireErrorCaught(error)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        switch unwrapOutboundIn(data) {
        case .head(var head)
        where head.status == .badRequest && head.headerFields[.contentLength] == "0" && parserError != nil:
            let body = context.channel.allocator.buffer(string: Self.body(for: parserError))
            parserError = nil
            head.headerFields[.contentType] = "application/json"
            head.headerFields[.contentLength] = String(body.readableBytes)
            head.headerFields[.connection] = "close"
            pendingBody = body
            context.write(wrapOutboundOut(.head(head)), promise: promise)
        case .end(let trailers) where pendingBody != nil:
            if let body = pendingBody { context.write(wrapOutboundOut(.body(body)), promise: nil) }
            pendingBody = nil
            context.write(wrapOutboundOut(.end(trailers)), promise: promise)
        default:
            context.write(data, promise: promise)
        }
    }

    /// The reply's body: the error object of docs/service.md and a line end.
    static func body(for error: HTTPParserError?) -> String {
        JSONValue.object(["error": .string("bad-request"), "message": .string(message(for: error))]).text + "\n"
    }

    /// The reply's message: what was wrong, and that the connection closes.
    static func message(for error: HTTPParserError?) -> String {
        "the request is not valid HTTP/1.1 (\(error.map(describe) ?? "unreadable")); the connection is closed"
    }

    /// What went wrong, in words, for the common parser errors.
    static func describe(_ error: HTTPParserError) -> String {
        switch error {
        case .headerOverflow: return "the headers are too large"
        case .invalidContentLength: return "invalid Content-Length"
        case .unexpectedContentLength: return "a Content-Length where none may be"
        case .invalidChunkSize: return "invalid chunk size"
        case .invalidMethod: return "invalid method"
        case .invalidURL: return "invalid request target"
        case .invalidVersion: return "invalid HTTP version"
        case .invalidHeaderToken: return "invalid header"
        case .invalidConstant: return "invalid request line or header"
        case .lfExpected: return "a line does not end in CRLF"
        case .invalidCharactersUsed: return "invalid characters"
        default: return "malformed request"
        }
    }
}
