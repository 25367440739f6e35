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

    func enter() { inFlight.withLock { $0 += 1 } }

    func leave() { inFlight.withLock { $0 -= 1 } }

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
        tracker.enter()
        var response: Response
        do {
            response = try await next(request, context)
        } catch {
            // The router writes the error's reply: a few bytes.
            tracker.leave()
            throw error
        }
        // A HEAD reply is written without its body.
        if request.method == .head {
            tracker.leave()
            return response
        }
        let body = response.body
        let tracker = self.tracker
        response.body = ResponseBody(contentLength: body.contentLength) { writer in
            do {
                try await body.write(writer)
                tracker.leave()
            } catch {
                tracker.leave()
                throw error
            }
        }
        return response
    }
}

/// The first service to stop on SIGINT/SIGTERM (the last in the group's
/// list; a service group stops its services in reverse order): it waits
/// until the requests in progress have written their replies, then a
/// moment for the connection to pass their last bytes on, before the HTTP
/// server closes its connections. (The server closes a connection as soon
/// as a reply's last part is queued, which could cut a long reply short.)
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
