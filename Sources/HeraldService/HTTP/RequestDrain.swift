import Hummingbird
import ServiceLifecycle
import Synchronization

/// The requests whose reply is not yet written, for a shutdown that lets
/// them finish (docs/service.md "Stopping": on SIGINT/SIGTERM the requests
/// in progress finish). A request counts from its start until its reply's
/// body has been handed to the connection (the body writer waits while the
/// connection is full, so little is left in memory then).
final class RequestTracker: Sendable {
    private let inFlight = Mutex(0)

    /// How many requests are in progress.
    var count: Int { inFlight.withLock { $0 } }

    /// Counts a request in until the returned token says it is done (or
    /// is released, whichever comes first: a reply whose head could not be
    /// written never runs its body).
    func enter() -> Token {
        inFlight.withLock { $0 += 1 }
        return Token(tracker: self)
    }

    fileprivate func leave() { inFlight.withLock { $0 -= 1 } }

    /// One request's place in the count, given back once.
    final class Token: Sendable {
        private let tracker: RequestTracker
        private let done = Atomic(false)

        fileprivate init(tracker: RequestTracker) { self.tracker = tracker }

        /// The request's reply is written (or failed).
        func finish() {
            if !done.exchange(true, ordering: .relaxed) { tracker.leave() }
        }

        deinit { finish() }
    }

    /// Waits until no request is in progress, or `limit` has passed.
    func waitUntilIdle(limit: Duration) async {
        let deadline = ContinuousClock.now + limit
        while count > 0, ContinuousClock.now < deadline, !Task.isCancelled {
            try? await Task.sleep(for: .milliseconds(20))
        }
    }
}

/// Counts each request in a `RequestTracker` until its reply is written.
struct RequestTrackingMiddleware<Context: RequestContext>: RouterMiddleware {
    let tracker: RequestTracker

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        let token = tracker.enter()
        var response: Response
        do {
            response = try await next(request, context)
        } catch {
            // The router writes the error's reply: a few bytes.
            token.finish()
            throw error
        }
        // A HEAD reply is written without its body; a small one goes out
        // in one write, which the drain's pause covers (and Hummingbird's
        // one-buffer path stays).
        if request.method == .head || (response.body.contentLength ?? .max) <= 65_536 {
            token.finish()
            return response
        }
        // Done once the body is written; if it never is (the client went
        // away before the head), the token's release gives the place back.
        let body = response.body
        response.body = ResponseBody(contentLength: body.contentLength) { writer in
            defer { token.finish() }
            try await body.write(writer)
        }
        return response
    }
}

/// On SIGINT/SIGTERM, stopped just before the HTTP server (it stands right
/// after it in the group's list; a service group stops its services in
/// reverse order, so the scheduler has stopped already): waits until the
/// requests in progress have written their replies, then a moment for the
/// connection to pass their last bytes on, before the server closes its
/// connections. (The server closes a connection as soon as a reply's last
/// part is queued, which could cut a long reply short.)
struct RequestDrain: Service {
    let tracker: RequestTracker
    /// The longest wait for requests still coming in.
    var limit: Duration = .seconds(30)

    func run() async throws {
        do {
            try await gracefulShutdown()
        } catch {
            return  // cancelled: nothing to wait for
        }
        await tracker.waitUntilIdle(limit: limit)
        try? await Task.sleep(for: .milliseconds(500))
    }
}
