import Foundation
import Synchronization
import Testing

@testable import HeraldService

/// `Deadline.run`, which keeps `/healthz` answering when the store does not.
@Suite("deadlines")
struct DeadlineTests {
    struct Failure: Error {}

    @Test("work that ends in time is true; work that fails in time throws its error")
    func inTime() async throws {
        #expect(try await Deadline.run(within: .seconds(5)) {})
        await #expect(throws: Failure.self) { try await Deadline.run(within: .seconds(5)) { throw Failure() } }
    }

    @Test("work that does not end in time is false at the limit, without waiting for it, even if it ignores cancellation")
    func late() async throws {
        let start = ContinuousClock.now
        let workEnded = Mutex(false)
        let finished = try await Deadline.run(within: .milliseconds(200)) {
            // A call stuck on a dead connection: it does not look at cancellation.
            await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
                DispatchQueue.global().asyncAfter(deadline: .now() + 120) { c.resume() }
            }
            workEnded.withLock { $0 = true }
        }
        #expect(!finished)
        #expect(!workEnded.withLock { $0 }, "the caller went on without waiting for the work")
        // Long before the work's 120 s. The margin is wide: in a full test
        // run on two cores, tests that wait for subprocesses can hold the
        // pool's threads for half a minute (35 s seen while CI ran beside).
        #expect(ContinuousClock.now - start < .seconds(100))
    }
}
