import Foundation

/// A fixed set of threads that run blocking jobs (a libcurl transfer) off
/// the event loop and the cooperative pool. Each thread owns one `Session`
/// made on it and keeps it between jobs, so a session's connection is
/// reused by the next job that thread runs.
///
/// Jobs wait in one FIFO queue; at most `count` run at a time.
final class WorkerThreads<Session>: @unchecked Sendable {
    // `jobs` and `stopping` are guarded by `condition`.
    private let condition = NSCondition()
    private var jobs: [@Sendable (Session) -> Void] = []
    private var head = 0
    private var stopping = false
    /// How many threads run jobs.
    let count: Int

    /// Starts `count` threads named `name`; each makes its session with `makeSession` when it starts.
    init(count: Int, name: String, makeSession: @escaping @Sendable () -> Session) {
        self.count = max(1, count)
        for i in 0..<self.count {
            let thread = Thread { [self] in
                let session = makeSession()
                while let job = self.next() { job(session) }
            }
            thread.name = "\(name)-\(i)"
            thread.start()
        }
    }

    /// Runs `job` on one of the threads with its session and returns what it returns.
    func run<T: Sendable>(_ job: @escaping @Sendable (Session) -> T) async -> T {
        await withCheckedContinuation { (continuation: CheckedContinuation<T, Never>) in
            condition.lock()
            jobs.append { session in continuation.resume(returning: job(session)) }
            condition.signal()
            condition.unlock()
        }
    }

    /// Lets the threads end (and free their sessions) once the queue is empty.
    func stop() {
        condition.lock()
        stopping = true
        condition.broadcast()
        condition.unlock()
    }

    private func next() -> (@Sendable (Session) -> Void)? {
        condition.lock()
        defer { condition.unlock() }
        while head == jobs.count && !stopping { condition.wait() }
        guard head < jobs.count else { return nil }
        let job = jobs[head]
        head += 1
        if head == jobs.count {
            jobs.removeAll(keepingCapacity: true)
            head = 0
        }
        return job
    }
}
