import Logging
import PostgresNIO
import Synchronization

/// The PostgreSQL store gave no connection within its limit: the server is
/// down or cannot be reached. The work that needed it never began, so
/// nothing of it was written.
public struct StoreUnreachable: Error, CustomStringConvertible {
    /// What happened, for a reply or a log line.
    public var description: String
}

extension PostgresStore {
    /// `client.withTransaction(body)`, except that when no connection is to
    /// be had within `connectLimit` (10 s unless the store was made with
    /// another) it throws `StoreUnreachable` at the limit, without waiting
    /// for the pool, and `body` never runs: whichever comes first (the
    /// connection, or the limit) decides, under a lock. Once `body` has
    /// begun it is not cut short: the outcome is the transaction's own.
    ///
    /// Why: when the server is down, postgres-nio's pool keeps a request
    /// waiting until its circuit breaker trips (60 s, not configurable
    /// through `PostgresClient`), and a client posting an event has no use
    /// for a `503` that late.
    func transaction<R: Sendable>(_ body: @escaping @Sendable (PostgresConnection) async throws -> R) async throws -> R {
        let client = self.client
        let logger = self.logger
        return try await withinConnectLimit(
            { gated in try await client.withTransaction(logger: logger) { conn in try await gated(conn) } }, body)
    }

    /// The rows of `query` (logged to `logger`), collected, on a connection
    /// had within the connect limit as for `transaction(_:)`: the log's and
    /// the console's reads answer (a `503`) while PostgreSQL is down instead
    /// of waiting a minute for the pool. Runs outside any transaction.
    func rows(_ query: PostgresQuery, logger: Logger) async throws -> PostgresRows {
        let client = self.client
        return try await withinConnectLimit(
            { gated in try await client.withConnection { conn in try await gated(conn) } },
            { conn in PostgresRows(try await conn.query(query, logger: logger).collect()) })
    }

    /// Runs `body` on the connection `lease` gets, unless `connectLimit`
    /// passes first (then `StoreUnreachable`, and `body` never runs).
    private func withinConnectLimit<R: Sendable>(
        _ lease: @escaping @Sendable (_ gated: @escaping @Sendable (PostgresConnection) async throws -> R) async throws -> R,
        _ body: @escaping @Sendable (PostgresConnection) async throws -> R
    ) async throws -> R {
        let limit = connectLimit
        let gate = ConnectGate<R>()
        return try await withCheckedThrowingContinuation { continuation in
            gate.continuation.withLock { $0 = continuation }
            let work = Task {
                do {
                    let result = try await lease { conn in
                        guard gate.begin() else { throw CancellationError() }
                        return try await body(conn)
                    }
                    gate.finish(.success(result))
                } catch {
                    gate.finish(.failure(Self.describing(error)))
                }
            }
            let timer = Task {
                try? await Task.sleep(for: limit)
                guard gate.abandon() else { return }
                // The caller's answer first: cancelled, the waiting lease
                // throws the pool's `requestCancelled`, and were it first
                // to finish, the caller would get that (a 500) instead.
                gate.finish(
                    .failure(
                        StoreUnreachable(
                            description: "PostgreSQL gave no connection within \(limit.components.seconds) s (is it running and reachable?)")))
                work.cancel()
            }
            gate.timer.withLock { $0 = timer }
        }
    }

    /// `error`, with postgres-nio's pool errors said in words.
    static func describing(_ error: any Error) -> any Error {
        let text = String(describing: error)
        if text.contains("connectionCreationCircuitBreakerTripped") {
            return StoreUnreachable(description: "PostgreSQL cannot be reached (connecting has failed for a while; retrying in the background)")
        }
        return error
    }
}

/// Who came first for one connect-limited call (`transaction`, `rows`):
/// the connection (`begin`) or the time limit (`abandon`); and the
/// caller's continuation, resumed once.
private final class ConnectGate<R: Sendable>: Sendable {
    enum State { case waiting, running, abandoned }
    let state = Mutex(State.waiting)
    let continuation = Mutex<CheckedContinuation<R, any Error>?>(nil)
    let timer = Mutex<Task<Void, Never>?>(nil)

    /// The connection came: true unless the limit passed first.
    func begin() -> Bool {
        state.withLock { s in
            guard s == .waiting else { return false }
            s = .running
            return true
        }
    }

    /// The limit passed: true unless the connection came first.
    func abandon() -> Bool {
        state.withLock { s in
            guard s == .waiting else { return false }
            s = .abandoned
            return true
        }
    }

    /// Resumes the caller (the first call only) and stops the timer.
    func finish(_ result: Result<R, any Error>) {
        continuation.withLock { $0.take() }?.resume(with: result)
        timer.withLock { $0 }?.cancel()
    }
}

/// Rows read by `PostgresStore.rows(_:)`, all in memory.
typealias PostgresRows = AsyncArray<PostgresRow>

/// An array read as an `AsyncSequence`: the reads keep the shape of
/// `for try await row in client.query(…)` over rows already collected.
struct AsyncArray<Element>: AsyncSequence {
    let elements: [Element]

    init(_ elements: [Element]) { self.elements = elements }

    struct AsyncIterator: AsyncIteratorProtocol {
        var base: IndexingIterator<[Element]>
        mutating func next() async throws -> Element? { base.next() }
    }

    func makeAsyncIterator() -> AsyncIterator { AsyncIterator(base: elements.makeIterator()) }
}

extension AsyncArray: Sendable where Element: Sendable {}

extension AsyncArray where Element == PostgresRow {
    /// Each row's columns as `type` (one type, or a tuple of them), as
    /// `PostgresRowSequence.decode` gives them.
    func decode<each Column: PostgresDecodable>(_ type: (repeat each Column).Type) throws -> AsyncArray<(repeat each Column)> {
        AsyncArray<(repeat each Column)>(try elements.map { try $0.decode(type) })
    }
}
