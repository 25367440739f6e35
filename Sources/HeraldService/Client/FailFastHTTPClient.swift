import AsyncHTTPClient

/// The HTTP client of the SMS gateway, report fetches and the commands that
/// talk to a running service.
///
/// AsyncHTTPClient's shared client, with one difference: a connection that
/// cannot be made (refused, unreachable) fails the request at once instead
/// of being tried again until the request's timeout. Herald has its own
/// retries for deliveries (`retry`, with backoff), so waiting inside one
/// attempt only held it up: a gateway that was down kept each SMS attempt
/// for its whole `timeout`, a report URL on a closed port 30 s, and
/// `herald deliveries` against a stopped service waited 30 s to say so.
///
/// The price: when a connection to a host cannot be made, AsyncHTTPClient
/// also fails the requests queued for that host at that moment (each is
/// one transient attempt, retried by the scheduler, never lost).
enum FailFastHTTPClient {
    /// The client, made once per process and never shut down (like
    /// `HTTPClient.shared`).
    static let shared: HTTPClient = {
        var configuration = HTTPClient.Configuration.singletonConfiguration
        configuration.connectionPool.retryConnectionEstablishment = false
        return HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)
    }()
}
