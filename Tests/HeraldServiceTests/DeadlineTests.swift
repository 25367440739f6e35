import Foundation
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
        let finished = try await Deadline.run(within: .milliseconds(200)) {
            // A call stuck on a dead connection: it does not look at cancellation.
            await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
                DispatchQueue.global().asyncAfter(deadline: .now() + 30) { c.resume() }
            }
        }
        #expect(!finished)
        // Long before the work's 30 s. (In a full test run the two-thread
        // pool can be busy with other tests for seconds: the margin is wide.)
        #expect(ContinuousClock.now - start < .seconds(25))
    }
}
