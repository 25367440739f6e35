import Synchronization

/// Work that must answer within a time limit.
enum Deadline {
    /// Runs `body` and returns true when it finished within `limit`, false
    /// when the limit passed first (rethrowing its error if it failed in
    /// time). `body` runs in a task of its own and is not waited for past the
    /// limit: a call stuck on a dead connection keeps running until its own
    /// timeout, but the caller goes on.
    static func run(within limit: Duration, _ body: @escaping @Sendable () async throws -> Void) async throws -> Bool {
        let waiting = Waiting()
        return try await withCheckedThrowingContinuation { continuation in
            waiting.slot.withLock { $0 = continuation }
            let work = Task {
                do {
                    try await body()
                    waiting.slot.withLock { $0.take() }?.resume(returning: true)
                } catch {
                    waiting.slot.withLock { $0.take() }?.resume(throwing: error)
                }
            }
            let timer = Task {
                try? await Task.sleep(for: limit)
                if let late = waiting.slot.withLock({ $0.take() }) {
                    work.cancel()
                    late.resume(returning: false)
                }
            }
            // The timer's sleep ends early once the work is done.
            Task {
                _ = await work.result
                timer.cancel()
            }
        }
    }

    /// The caller's continuation, taken by whichever ends first.
    private final class Waiting: Sendable {
        let slot = Mutex<CheckedContinuation<Bool, any Error>?>(nil)
    }
}
