import Foundation
import HeraldRuntime
import HeraldService
import ServiceLifecycle
import Testing

/// The scheduler driven by `tick(now:)`: the test decides what time it is.
@Suite("Scheduler (SPEC §12.3)")
struct SchedulerTests {
    let now = Date().timeIntervalSince1970

    func post(_ f: ServiceFixture, _ body: String) async throws -> [String] {
        let reply = try await f.server.intake(body: Array(body.utf8), ndjson: false)
        return String(decoding: reply, as: UTF8.self).split(separator: "\n").compactMap {
            ((try? JSONSerialization.jsonObject(with: Data($0.utf8))) as? [String: Any])?["delivery"] as? String
        }
    }

    /// A scheduler whose wall clock stands at `now`; `t` takes email, `sms` (default `t`) SMS.
    func scheduler(
        _ f: ServiceFixture, _ t: ScriptedTransport, sms: ScriptedTransport? = nil, metrics: ServiceMetrics = ServiceMetrics()
    ) -> Scheduler<ContinuousClock> {
        Scheduler(
            store: f.store, transports: .init(email: t, sms: sms ?? t), retry: f.server.configuration.retry, concurrency: 4,
            metrics: metrics, clock: ContinuousClock(), now: { [now] in now })
    }

    @Test("due deliveries are sent once; delayed ones wait for their time", arguments: ServiceFixture.Backend.available)
    func dueAndDelayed(backend: ServiceFixture.Backend) async throws {
        let f = try await ServiceFixture.make(backend)
        defer { f.remove() }
        let t = ScriptedTransport()
        let due = try await post(f, ServiceFixture.event("e1", at: now - 60))
        let later = try await post(f, ServiceFixture.event("e2", "work_order.closed", at: now - 60))
        let s = scheduler(f, t)
        #expect(try await s.tick(now: now) == 2)
        #expect(Set(t.sentIDs) == Set(due))
        #expect(try await s.tick(now: now + 60) == 0)
        #expect(try await f.store.delivery(id: later[0])?.status == .scheduled)
        #expect(try await s.tick(now: now + 3 * 86_400) == 1)
        #expect(t.sentIDs.count == 3)
        let d = try await f.store.delivery(id: due[0])
        #expect(d?.status == .sent)
        #expect(d?.providerID != nil)
        #expect(d?.attempts?.map(\.outcome) == [.sent])
    }

    @Test("a cancelled delivery is never sent", arguments: ServiceFixture.Backend.available)
    func cancelled(backend: ServiceFixture.Backend) async throws {
        let f = try await ServiceFixture.make(backend)
        defer { f.remove() }
        let t = ScriptedTransport()
        let first = ",\"scheduled_for\":\"\(ServiceFixture.iso(now + 10 * 86_400))\""
        let second = ",\"scheduled_for\":\"\(ServiceFixture.iso(now + 12 * 86_400))\""
        let a = try await post(f, ServiceFixture.event("s1", "work_order.schedule_changed", at: now - 60, extra: first))
        let b = try await post(f, ServiceFixture.event("s2", "work_order.schedule_changed", at: now - 30, extra: second))
        #expect(try await f.store.delivery(id: a[0])?.status == .cancelled)
        #expect(try await f.store.delivery(id: a[0])?.reason == "rescheduled")
        try await scheduler(f, t).tick(now: now + 11.5 * 86_400)
        #expect(t.sentIDs == b)
    }

    @Test("a retrying delivery that is cancelled keeps no next attempt time", arguments: ServiceFixture.Backend.available)
    func cancelledWhileRetrying(backend: ServiceFixture.Backend) async throws {
        let f = try await ServiceFixture.make(backend)
        defer { f.remove() }
        let t = ScriptedTransport(answers: [.transient(reason: "451 try later")])
        let first = ",\"scheduled_for\":\"\(ServiceFixture.iso(now + 10 * 86_400))\""
        let second = ",\"scheduled_for\":\"\(ServiceFixture.iso(now + 12 * 86_400))\""
        let a = try await post(f, ServiceFixture.event("s1", "work_order.schedule_changed", at: now - 60, extra: first))
        let due = try #require(try await f.store.delivery(id: a[0])?.scheduledFor)
        try await scheduler(f, t).tick(now: due)
        #expect(try await f.store.delivery(id: a[0])?.status == .retrying)
        #expect(try await f.store.delivery(id: a[0])?.nextAttemptAt != nil)
        _ = try await post(f, ServiceFixture.event("s2", "work_order.schedule_changed", at: now - 30, extra: second))
        let d = try await f.store.delivery(id: a[0])
        #expect(d?.status == .cancelled)
        #expect(d?.nextAttemptAt == nil)
    }

    @Test(
        "a cancel that comes while the delivery is being sent ends it cancelled, never attempted again, unless that attempt sent it",
        arguments: ServiceFixture.Backend.available, [false, true])
    func cancelDuringAttempt(backend: ServiceFixture.Backend, attemptSends: Bool) async throws {
        let f = try await ServiceFixture.make(backend)
        defer { f.remove() }
        // The reminder (1 d before) is due at once.
        let soon = ",\"scheduled_for\":\"\(ServiceFixture.iso(now + 86_400 - 30))\""
        let later = ",\"scheduled_for\":\"\(ServiceFixture.iso(now + 3 * 86_400))\""
        let first = try await post(f, ServiceFixture.event("s1", "work_order.schedule_changed", at: now - 60, extra: soon))
        // While the reminder is being sent, the visit moves: an event that
        // happened before the reminder's send_at (so it was still pending)
        // comes in with its cancel.
        let sms = HookTransport { _ in
            _ = try? await f.server.intake(
                body: Array(ServiceFixture.event("s2", "work_order.schedule_changed", at: self.now - 45, extra: later).utf8),
                ndjson: false)
            return attemptSends ? .sent(providerID: "p-1") : .transient(reason: "timed out")
        }
        let s = scheduler(f, ScriptedTransport(), sms: ScriptedTransport())
        let hooked = Scheduler(
            store: f.store, transports: .init(email: ScriptedTransport(), sms: sms), retry: f.server.configuration.retry,
            concurrency: 4, metrics: ServiceMetrics(), clock: ContinuousClock(), now: { [now] in now })
        #expect(try await hooked.tick(now: now) == 1)
        let d = try #require(try await f.store.delivery(id: first[0]))
        if attemptSends {
            #expect(d.status == .sent)
        } else {
            #expect(d.status == .cancelled)
            #expect(d.reason == "rescheduled")
        }
        #expect(d.attempts?.map(\.outcome) == [attemptSends ? .sent : .transient])
        // Never attempted again, whatever the time.
        #expect(try await s.tick(now: now + 60) == 0)
        #expect(try await f.store.delivery(id: first[0])?.attempts?.count == 1)
    }

    @Test("one slow attempt holds up neither the other attempts nor what falls due while it runs", arguments: ServiceFixture.Backend.available)
    func slowAttempt(backend: ServiceFixture.Backend) async throws {
        let f = try await ServiceFixture.make(backend)
        defer { f.remove() }
        let calls = Counter()
        let sentAt = Stamps()
        // The first attempt takes 3 s; every other one is immediate.
        let t = HookTransport { d in
            if calls.next() == 1 { try? await Task.sleep(for: .seconds(3)) }
            sentAt.note(d.id)
            return .sent(providerID: "p")
        }
        let first = try await post(f, ServiceFixture.event("e1", at: Date().timeIntervalSince1970 - 5))
        let s = Scheduler(
            store: f.store, transports: .init(email: t, sms: t), retry: f.server.configuration.retry, concurrency: 4,
            metrics: ServiceMetrics(), clock: ContinuousClock(), idleWait: .milliseconds(50))
        let started = Date()
        let tick = Task { try await s.tick(now: Date().timeIntervalSince1970) }
        try await Task.sleep(for: .milliseconds(300))
        let second = try await post(f, ServiceFixture.event("e2", workOrder: "WO-2", at: Date().timeIntervalSince1970 - 1))
        #expect(first.count == 2 && second.count == 2)
        // The new deliveries go out while the slow one still runs.
        while sentAt.count(second) < second.count, Date().timeIntervalSince(started) < 2.5 {
            try await Task.sleep(for: .milliseconds(20))
        }
        #expect(sentAt.count(second) == second.count)
        #expect(Date().timeIntervalSince(started) < 2.8, "sent before the slow attempt ended")
        // The slow one is due and not yet sent: `herald_deliveries_due` counts it.
        var due = -1
        while due != 1, Date().timeIntervalSince(started) < 2.8 {
            due = try await f.store.dueCount(now: Date().timeIntervalSince1970)
            try await Task.sleep(for: .milliseconds(20))
        }
        #expect(due == 1)
        #expect(try await tick.value == 4)
        for id in first + second { #expect(try await f.store.delivery(id: id)?.status == .sent) }
    }

    @Test("a store error while attempts run stops the claiming, not the attempts: their outcomes are recorded once the store answers", arguments: ServiceFixture.Backend.available)
    func storeErrorDuringAttempts(backend: ServiceFixture.Backend) async throws {
        let f = try await ServiceFixture.make(backend)
        defer { f.remove() }
        let ids = try await post(f, ServiceFixture.event("e1", at: now - 60))
        let store = FlakyStore(f.store)
        let calls = Counter()
        // The first attempt is slow; while it runs, recording the other one fails twice.
        let t = HookTransport { _ in
            if calls.next() == 1 { try? await Task.sleep(for: .milliseconds(600)) }
            return .sent(providerID: "p")
        }
        store.failFinishes(2)
        let s = Scheduler(
            store: store, transports: .init(email: t, sms: t), retry: f.server.configuration.retry, concurrency: 4,
            metrics: ServiceMetrics(), clock: ContinuousClock(), now: { [now] in now }, idleWait: .milliseconds(50))
        // The error is reported once both outcomes are recorded.
        await #expect(throws: (any Error).self) { try await s.tick(now: now) }
        for id in ids {
            let d = try #require(try await f.store.delivery(id: id))
            #expect(d.status == .sent, "\(id)")
            #expect(d.attempts?.map(\.outcome) == [.sent])
        }
        #expect(calls.next() == 3, "each delivery attempted once")
    }

    @Test("a transient failure is retried with backoff, then sent; every attempt is recorded", arguments: ServiceFixture.Backend.available)
    func retried(backend: ServiceFixture.Backend) async throws {
        let f = try await ServiceFixture.make(backend)
        defer { f.remove() }
        let t = ScriptedTransport(answers: [.transient(reason: "451 try later"), .transient(reason: "451 try later")])
        let ids = try await post(f, ServiceFixture.event("e1", at: now - 5))
        let s = scheduler(f, t, sms: ScriptedTransport())
        try await s.tick(now: now)
        let first = try #require(try await f.store.delivery(id: ids[0]))
        #expect(first.status == .retrying)
        let next = try #require(first.nextAttemptAt.flatMap { ISO8601DateFormatter.withFraction.date(from: $0) })
        // retry.first is 1 s; the first retry waits that and up to a quarter more (jitter).
        let wait = next.timeIntervalSince1970 - now
        #expect(wait > 0.998 && wait < 1.252, "\(wait)")
        #expect(try await s.tick(now: now + 0.5) == 0)
        try await s.tick(now: now + 1.26)
        try await s.tick(now: now + 10)
        let d = try #require(try await f.store.delivery(id: ids[0]))
        #expect(d.status == .sent)
        #expect(d.attempts?.map(\.outcome) == [.transient, .transient, .sent])
        #expect(d.attempts?.first?.detail == "451 try later")
    }

    @Test("a permanent failure fails at once with the provider's reason", arguments: ServiceFixture.Backend.available)
    func permanent(backend: ServiceFixture.Backend) async throws {
        let f = try await ServiceFixture.make(backend)
        defer { f.remove() }
        let t = ScriptedTransport(answers: [.permanent(reason: "550 no such user")])
        let ids = try await post(f, ServiceFixture.event("e1", at: now - 60))
        try await scheduler(f, t, sms: ScriptedTransport()).tick(now: now)
        let d = try #require(try await f.store.delivery(id: ids[0]))
        #expect(d.status == .failed)
        #expect(d.reason == "550 no such user")
    }

    @Test("transient failures past give_up_after become failed", arguments: ServiceFixture.Backend.available)
    func givesUp(backend: ServiceFixture.Backend) async throws {
        let f = try await ServiceFixture.make(backend)
        defer { f.remove() }
        let t = ScriptedTransport(answers: Array(repeating: .transient(reason: "connection refused"), count: 50))
        let ids = try await post(f, ServiceFixture.event("e1", at: now - 60))
        let s = scheduler(f, t, sms: ScriptedTransport())
        var clock = now
        for _ in 0..<40 {
            try await s.tick(now: clock)
            clock += 5
        }
        let d = try #require(try await f.store.delivery(id: ids[0]))
        #expect(d.status == .failed)
        #expect(d.reason?.hasPrefix("gave up after") == true)
        #expect(d.reason?.hasSuffix("connection refused") == true)
    }

    @Test("a backoff that would pass give_up_after is cut to a last attempt at that time; failing then is final", arguments: ServiceFixture.Backend.available)
    func lastAttemptAtGiveUp(backend: ServiceFixture.Backend) async throws {
        let f = try await ServiceFixture.make(backend)
        defer { f.remove() }
        let t = ScriptedTransport(answers: Array(repeating: .transient(reason: "connection refused"), count: 5))
        let ids = try await post(f, ServiceFixture.event("e1", at: now - 30))
        let s = scheduler(f, t, sms: ScriptedTransport())
        // give_up_after is 60 s after the delivery was made (about `now`).
        func seconds(_ text: String?) -> Double? {
            let parser = ISO8601DateFormatter()
            parser.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
            return text.flatMap { parser.date(from: $0)?.timeIntervalSince1970 }
        }
        let created = try await f.store.delivery(id: ids[0])?.createdAt
        let made = try #require(seconds(created))
        try await s.tick(now: made + 59.5)
        let waiting = try #require(try await f.store.delivery(id: ids[0]))
        #expect(waiting.status == .retrying)
        let next = try #require(seconds(waiting.nextAttemptAt))
        #expect(abs(next - (made + 60)) < 0.01, "the last attempt is at give_up_after, not past it")
        try await s.tick(now: made + 60)
        let d = try #require(try await f.store.delivery(id: ids[0]))
        #expect(d.status == .failed)
        #expect(d.attemptCount == 2)
        #expect(d.reason?.hasPrefix("gave up after 2 attempts") == true, "\(d.reason ?? "")")
    }

    @Test("an event received two days late still gets its retries: give_up_after counts from when the delivery was made", arguments: ServiceFixture.Backend.available)
    func lateEventRetried(backend: ServiceFixture.Backend) async throws {
        let f = try await ServiceFixture.make(backend)
        defer { f.remove() }
        let t = ScriptedTransport(answers: [.transient(reason: "502 bad gateway")])
        let ids = try await post(f, ServiceFixture.event("e1", at: now - 2 * 86_400))
        let s = scheduler(f, t, sms: ScriptedTransport())
        try await s.tick(now: now)
        #expect(try await f.store.delivery(id: ids[0])?.status == .retrying)
        try await s.tick(now: now + 120)
        #expect(try await f.store.delivery(id: ids[0])?.status == .sent)
    }

    @Test("Retry-After is honoured when longer than the backoff", arguments: ServiceFixture.Backend.available)
    func retryAfter(backend: ServiceFixture.Backend) async throws {
        let f = try await ServiceFixture.make(backend)
        defer { f.remove() }
        let t = ScriptedTransport(answers: [.transient(reason: "429", retryAfter: .seconds(30))])
        let ids = try await post(f, ServiceFixture.event("e1", at: now - 5))
        let s = scheduler(f, t, sms: ScriptedTransport())
        try await s.tick(now: now)
        #expect(try await s.tick(now: now + 20) == 0)
        #expect(try await s.tick(now: now + 31) == 1)
        #expect(try await f.store.delivery(id: ids[0])?.status == .sent)
    }

    @Test("after a crash, sending deliveries are re-examined: proven ones become sent, others are sent again", arguments: ServiceFixture.Backend.available)
    func recovery(backend: ServiceFixture.Backend) async throws {
        let f = try await ServiceFixture.make(backend)
        defer { f.remove() }
        let ids = try await post(f, ServiceFixture.event("e1", at: now - 60))
        let claimed = try await f.store.claimDue(now: now, limit: 10)
        #expect(claimed.count == 2)
        // The process "died" here: both are left `sending`.
        let t = ScriptedTransport()
        t.delivered = [ids[0]]
        // Two minutes later: past the claims' lease, which a shared store waits for.
        let s = Scheduler(
            store: f.store, transports: .init(email: t, sms: t), retry: f.server.configuration.retry, concurrency: 4,
            metrics: ServiceMetrics(), clock: ContinuousClock(), now: { [now] in now + 120 })
        try await s.recoverInterrupted()
        #expect(try await f.store.delivery(id: ids[0])?.status == .sent)
        let other = try #require(try await f.store.delivery(id: ids[1]))
        #expect(other.status == .retrying)
        #expect(other.attempts?.map(\.outcome) == [.interrupted])
        try await s.tick(now: now + 121)
        #expect(t.sentIDs == [ids[1]])
        #expect(try await f.store.delivery(id: ids[1])?.attempts?.map(\.outcome) == [.interrupted, .sent])
    }

    @Test("the backoff doubles from retry.first up to max_interval, with jitter: waits grow until the cap, and vary")
    func backoffBounds() {
        var retry = ServiceConfiguration.Retry()
        retry.first = .seconds(30)
        retry.maxInterval = .seconds(3600)
        var previousMost = 0.0
        for attempt in 1...12 {
            let base = min(3600, 30 * pow(2, Double(attempt - 1)))
            let waits = (0..<50).map { _ in Scheduler<ContinuousClock>.backoff(attempt: attempt, retry: retry, retryAfter: nil) }
            for w in waits {
                #expect(w >= 30 && w <= 3600, "attempt \(attempt): \(w)")
                if base * 1.25 <= 3600 {
                    #expect(w >= base && w <= base * 1.25, "attempt \(attempt): \(w)")
                    #expect(w > previousMost, "attempt \(attempt) waits longer than any wait of the one before")
                } else {
                    #expect(w >= 3600 * 0.8, "attempt \(attempt), at the cap: \(w)")
                }
            }
            #expect(Set(waits).count > 1, "attempt \(attempt): jitter")
            previousMost = waits.max() ?? 0
        }
        // A cap close to `first`: never under `first`.
        retry.first = .seconds(10)
        retry.maxInterval = .seconds(11)
        for attempt in 1...5 {
            let w = Scheduler<ContinuousClock>.backoff(attempt: attempt, retry: retry, retryAfter: nil)
            #expect(w >= 10 && w <= 11)
        }
        #expect(Scheduler<ContinuousClock>.backoff(attempt: 1, retry: retry, retryAfter: .seconds(90)) == 90)
    }
}

extension ISO8601DateFormatter {
    nonisolated(unsafe) static let withFraction: ISO8601DateFormatter = {
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return f
    }()
}

/// A transport that answers with `body` (a test's hook).
final class HookTransport: Transport, @unchecked Sendable {
    let body: @Sendable (Delivery) async -> TransportOutcome
    init(_ body: @escaping @Sendable (Delivery) async -> TransportOutcome) { self.body = body }
    func send(_ delivery: Delivery) async -> TransportOutcome { await body(delivery) }
    func wasDelivered(_ delivery: Delivery) async -> Bool? { nil }
}

/// A thread-safe call counter.
final class Counter: @unchecked Sendable {
    private let lock = NSLock()
    private var n = 0
    func next() -> Int { lock.withLock { n += 1; return n } }
}

/// When each delivery was sent.
final class Stamps: @unchecked Sendable {
    private let lock = NSLock()
    private var at: [String: Date] = [:]
    func note(_ id: String) { lock.withLock { at[id] = Date() } }
    func count(_ ids: [String]) -> Int { lock.withLock { ids.filter { at[$0] != nil }.count } }
}

/// A store that fails `finish` a given number of times, else does what the real one does.
final class FlakyStore: HeraldStore, @unchecked Sendable {
    let base: any HeraldStore
    private let lock = NSLock()
    private var finishFailures = 0

    struct Failure: Error {}

    init(_ base: any HeraldStore) { self.base = base }

    func failFinishes(_ n: Int) { lock.withLock { finishFailures = n } }

    func finish(_ results: [AttemptResult]) async throws -> Set<String> {
        let fail = lock.withLock { () -> Bool in
            guard finishFailures > 0 else { return false }
            finishFailures -= 1
            return true
        }
        if fail { throw Failure() }
        return try await base.finish(results)
    }

    func commit(_ requests: [[PreparedLine]], evaluator: IntakeEvaluator, now: Double) async throws -> [[LineResult]] {
        try await base.commit(requests, evaluator: evaluator, now: now)
    }
    func claimDue(now: Double, limit: Int) async throws -> [Delivery] { try await base.claimDue(now: now, limit: limit) }
    func interruptedDeliveries(now: Double, startup: Bool) async throws -> [Delivery] {
        try await base.interruptedDeliveries(now: now, startup: startup)
    }
    func nextDueTime() async throws -> Double? { try await base.nextDueTime() }
    func dueCount(now: Double) async throws -> Int { try await base.dueCount(now: now) }
    func delivery(id: String) async throws -> Delivery? { try await base.delivery(id: id) }
    func deliveries(_ query: DeliveryQuery) async throws -> Page<Delivery> { try await base.deliveries(query) }
    func resend(id: String, newID: String, now: Double) async throws -> ResendResult {
        try await base.resend(id: id, newID: newID, now: now)
    }
    func timeline(_ entity: EntityReference) async throws -> [TimelineItem]? { try await base.timeline(entity) }
    func rejects(_ query: RejectQuery) async throws -> Page<RejectedEvent> { try await base.rejects(query) }
    func deliveryCounts(_ query: DeliveryQuery) async throws -> [Delivery.Status: Int] { try await base.deliveryCounts(query) }
    func deliveriesPerHour(since: Double, until: Double) async throws -> [HourlyDeliveryCount] {
        try await base.deliveriesPerHour(since: since, until: until)
    }
    func stateSnapshot(eventID: String, entity: EntityReference) async throws -> EntityStateSnapshot {
        try await base.stateSnapshot(eventID: eventID, entity: entity)
    }
    func ping() async throws { try await base.ping() }
    func metadata(_ key: String) async throws -> String? { try await base.metadata(key) }
    func setMetadata(_ key: String, _ value: String) async throws { try await base.setMetadata(key, value) }
    func prune(before: Double) async throws -> Int { try await base.prune(before: before) }
    var isShared: Bool { base.isShared }
    var backgroundService: (any Service)? { base.backgroundService }
    func migrate() async throws { try await base.migrate() }
}
