import Foundation

/// Groups concurrent intake requests into shared transactions (group
/// commit): while one transaction is being written, requests that arrive
/// wait, and the next transaction takes all of them, so many requests cost
/// one fsync. Each request is answered after the transaction holding it
/// committed; if it fails, every request in it gets the error and nothing
/// of them is kept.
actor CommitQueue {
    struct Waiting {
        var lines: [PreparedLine]
        var evaluator: IntakeEvaluator
        var continuation: CheckedContinuation<[LineResult], any Error>
    }

    let store: any HeraldStore
    let now: @Sendable () -> Double
    /// The most events one transaction takes (a larger backlog is split).
    let maximumLines: Int
    private var waiting: [Waiting] = []
    private var draining = false

    init(store: any HeraldStore, now: @escaping @Sendable () -> Double, maximumLines: Int = 50_000) {
        self.store = store
        self.now = now
        self.maximumLines = maximumLines
    }

    /// Commits `lines` with the others waiting and returns their results.
    func submit(_ lines: [PreparedLine], evaluator: IntakeEvaluator) async throws -> [LineResult] {
        try await withCheckedThrowingContinuation { c in
            waiting.append(Waiting(lines: lines, evaluator: evaluator, continuation: c))
            if !draining {
                draining = true
                Task { await self.drain() }
            }
        }
    }

    private func drain() async {
        while !waiting.isEmpty {
            // One transaction: requests read by the same rule set, up to the line budget.
            var batch: [Waiting] = []
            var count = 0
            let hash = waiting[0].evaluator.rulesHash
            while let next = waiting.first, next.evaluator.rulesHash == hash,
                batch.isEmpty || count + next.lines.count <= maximumLines
            {
                batch.append(waiting.removeFirst())
                count += next.lines.count
            }
            do {
                let results = try await store.commit(batch.map(\.lines), evaluator: batch[0].evaluator, now: now())
                for (w, r) in zip(batch, results) { w.continuation.resume(returning: r) }
            } catch {
                for w in batch { w.continuation.resume(throwing: error) }
            }
        }
        draining = false
    }
}
