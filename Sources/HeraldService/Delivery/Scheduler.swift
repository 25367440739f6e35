public import Foundation
import HeraldCompiler
public import Logging
public import ServiceLifecycle
import Synchronization

/// Sends due deliveries (docs/service.md "Deliveries and their statuses"): claims what is due by the service's
/// clock, hands it to the channel's transport with a concurrency limit,
/// records every attempt, retries transient failures with exponential
/// backoff and jitter, and gives up after `retry.give_up_after`. At start
/// it re-examines deliveries a previous process left `sending`.
///
/// Generic over `Clock` for its waits; wall time comes from `now`, so a
/// test drives both (or calls `tick(now:)` directly).
public final class Scheduler<C: Clock>: Service, Sendable where C.Duration == Swift.Duration {
    let store: any HeraldStore
    let transports: Transports
    let retry: ServiceConfiguration.Retry
    let concurrency: Int
    let metrics: ServiceMetrics
    let clock: C
    let now: @Sendable () -> Double
    let idleWait: Swift.Duration
    let retention: Swift.Duration?
    let logger: Logger
    /// When lease recovery and pruning last ran (`housekeeping(at:)`).
    private let chores = Mutex<(recovery: Double, prune: Double)>((recovery: 0, prune: -.infinity))

    /// The transport of each channel.
    public struct Transports: Sendable {
        /// Email.
        public var email: any Transport
        /// SMS.
        public var sms: any Transport

        /// Creates the pair.
        public init(email: any Transport, sms: any Transport) {
            self.email = email
            self.sms = sms
        }

        func forChannel(_ d: Delivery) -> any Transport { d.channel == .email ? email : sms }
    }

    /// Creates a scheduler.
    public init(
        store: any HeraldStore, transports: Transports, retry: ServiceConfiguration.Retry, concurrency: Int,
        metrics: ServiceMetrics, clock: C, now: @escaping @Sendable () -> Double = { Date().timeIntervalSince1970 },
        idleWait: Swift.Duration = .milliseconds(200), retention: Swift.Duration? = nil,
        logger: Logger = Logger(label: "herald.scheduler")
    ) {
        self.store = store
        self.transports = transports
        self.retry = retry
        self.concurrency = max(1, concurrency)
        self.metrics = metrics
        self.clock = clock
        self.now = now
        self.idleWait = idleWait
        self.retention = retention
        self.logger = logger
    }

    /// Runs until graceful shutdown; an attempt in progress is finished and recorded first.
    public func run() async throws {
        try await recoverInterrupted(startup: true)
        chores.withLock { $0.recovery = now() }
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            let t = now()
            await housekeeping(at: t)
            var sent = 0
            do {
                sent = try await tick(now: t)
                metrics.setDue(try await store.dueCount(now: now()))
            } catch {
                logger.error("scheduler: \(error)")
            }
            if sent == 0 { try? await clock.sleep(for: idleWait) }
        }
    }

    /// Every 10 s, claims whose lease ran out (an instance that died, shared
    /// stores); every hour, pruning past `retention`. Called between ticks
    /// and from a tick's wakes, since under steady load a tick goes on.
    func housekeeping(at t: Double) async {
        let (recover, prune) = chores.withLock { c -> (Bool, Bool) in
            let recover = t - c.recovery > 10
            let prune = retention != nil && t - c.prune > 3600
            if recover { c.recovery = t }
            if prune { c.prune = t }
            return (recover, prune)
        }
        if recover {
            do { try await recoverInterrupted(startup: false) } catch { logger.error("recovery: \(error)") }
        }
        if prune, let retention {
            _ = try? await store.prune(before: t - Double(retention.components.seconds))
        }
    }

    /// Deliveries left `sending` by a stopped process: the ones whose
    /// message the transport can prove was accepted become `sent`, the
    /// others are attempted again now (their interrupted attempt stays recorded).
    public func recoverInterrupted(startup: Bool = true) async throws {
        let left = try await store.interruptedDeliveries(now: now(), startup: startup)
        guard !left.isEmpty else { return }
        let t = now()
        var results: [AttemptResult] = []
        for d in left {
            var result: AttemptResult
            if await transports.forChannel(d).wasDelivered(d) == true {
                result = AttemptResult(
                    deliveryID: d.id, attempt: d.attemptCount, status: .sent, outcome: .sent,
                    detail: "found delivered after a restart", finishedAt: t)
            } else {
                result = AttemptResult(
                    deliveryID: d.id, attempt: d.attemptCount, status: .retrying, outcome: .interrupted,
                    detail: "the service stopped during this attempt", nextAttemptAt: t, finishedAt: t)
            }
            result.isRecovery = true
            results.append(result)
        }
        let cancelled = try await store.finish(results)
        // Counted once recorded: a cancel that came during the attempt ended the delivery.
        for (d, r) in zip(left, results) { metrics.delivery(d.channel, cancelled.contains(d.id) ? .cancelled : r.status) }
        logger.info("re-examined \(left.count) deliveries left sending")
    }

    /// Sends everything due at `now` (or at the scheduler's own clock, if
    /// that is later), and what falls due while its attempts run; returns
    /// how many attempts were made.
    ///
    /// At most `concurrency` attempts run at once. Slots are refilled as
    /// attempts end (once half are free) and every `idleWait` while any
    /// attempt runs, by the clock of that moment: one slow send (a report
    /// that takes long to fetch, a slow SMTP server) holds up neither the
    /// others nor what falls due meanwhile. Each wake also records finished
    /// outcomes, refreshes the due gauge and does the `housekeeping(at:)`
    /// that is due. Outcomes are recorded in groups as they come in, within
    /// about 100 ms of an attempt's end or at the next wake.
    ///
    /// A store error while attempts run stops the claiming, never the
    /// attempts: their outcomes are recorded at the end (tried three times),
    /// and only then is the error thrown; the deliveries stay `sending`
    /// (re-examined at the next start) only if the store stays down.
    @discardableResult
    public func tick(now requested: Double) async throws -> Int {
        let first = max(requested, now())
        return try await withThrowingTaskGroup(of: SchedulerEvent.self) { group in
            var total = 0
            var inFlight = 0
            var exhausted = false
            var waking = false
            var storeError: (any Error)?
            var pending: [AttemptResult] = []
            /// The channel of each attempt not yet recorded (for the metrics).
            var channels: [String: Channel] = [:]
            var lastFlush = ContinuousClock.now

            func refill(at t: Double) async {
                let free = concurrency - inFlight
                // On SIGTERM the attempts in progress finish; no new ones start.
                guard storeError == nil, !Task.isShuttingDownGracefully, !Task.isCancelled else { return }
                guard !exhausted, free > 0, free * 2 >= concurrency || inFlight == 0 else { return }
                // Claim no more than the free slots: a claimed delivery is
                // sent at once, never left waiting while its lease runs
                // (another instance would take it over and send it again).
                do {
                    let batch = try await store.claimDue(now: t, limit: free)
                    if batch.count < free { exhausted = true }
                    for d in batch { start(d, at: t) }
                } catch {
                    logger.error("scheduler: claiming due deliveries: \(error)")
                    storeError = error
                }
            }
            func start(_ d: Delivery, at t: Double) {
                metrics.delivery(d.channel, .sending)
                inFlight += 1
                total += 1
                channels[d.id] = d.channel
                let idempotent = transports.forChannel(d).sendsAreIdempotent
                group.addTask { .finished(await self.attempt(d, at: t), idempotent: idempotent) }
            }
            /// Wakes the loop after `idleWait` while attempts run (at once
            /// when cancelled; then no further wake is set).
            func scheduleWake() {
                guard !waking, inFlight > 0, !Task.isCancelled else { return }
                waking = true
                group.addTask {
                    try? await self.clock.sleep(for: self.idleWait)
                    return .wake
                }
            }
            /// Records the finished outcomes; on a store error keeps them for later.
            func flush() async {
                guard !pending.isEmpty else { return }
                do {
                    let cancelled = try await store.finish(pending)
                    countRecorded(cancelled)
                } catch {
                    logger.error("scheduler: recording outcomes: \(error)")
                    storeError = error
                }
                lastFlush = .now
            }
            /// The metrics of the recorded outcomes (a cancel that came
            /// during an attempt ended its delivery `cancelled`).
            func countRecorded(_ cancelled: Set<String>) {
                for r in pending {
                    if let channel = channels.removeValue(forKey: r.deliveryID) {
                        metrics.delivery(channel, cancelled.contains(r.deliveryID) ? .cancelled : r.status)
                    }
                }
                pending.removeAll(keepingCapacity: true)
            }

            await refill(at: first)
            scheduleWake()
            while let event = try await group.next() {
                switch event {
                case .finished(let result, let idempotent):
                    inFlight -= 1
                    pending.append(result)
                    // A message a crash could make go out twice is recorded at once.
                    let promptly = !idempotent && result.status == .sent
                    if storeError == nil,
                        promptly || pending.count >= max(32, concurrency) || ContinuousClock.now - lastFlush > .milliseconds(100)
                    {
                        await flush()
                    }
                    await refill(at: max(first, now()))
                    // Nothing runs and nothing more is due: stop waiting for the wake.
                    if inFlight == 0 { group.cancelAll() }
                case .wake:
                    waking = false
                    guard inFlight > 0, !Task.isCancelled else { continue }
                    let t = max(first, now())
                    if storeError == nil {
                        await flush()
                        exhausted = false
                        await refill(at: t)
                        if let due = try? await store.dueCount(now: t) { metrics.setDue(due) }
                    }
                    await housekeeping(at: t)
                    scheduleWake()
                }
            }
            // The last outcomes, tried again if the store failed (it may be back).
            var tries = 0
            while !pending.isEmpty {
                do {
                    countRecorded(try await store.finish(pending))
                } catch {
                    tries += 1
                    if tries >= 3 { throw error }
                    try? await Task.sleep(for: .seconds(1))
                }
            }
            if let storeError { throw storeError }
            return total
        }
    }

    /// One attempt, and what it means for the delivery's status (the
    /// status is counted in the metrics once the store has recorded it).
    func attempt(_ d: Delivery, at started: Double) async -> AttemptResult {
        let outcome = await transports.forChannel(d).send(d)
        let t = max(started, now())
        switch outcome {
        case .sent(let provider):
            metrics.attempt(d.channel, "sent")
            metrics.sent(delay: t - d.scheduledFor)
            return AttemptResult(
                deliveryID: d.id, attempt: d.attemptCount, status: .sent, outcome: .sent,
                detail: provider.map { "accepted as \($0)" } ?? "accepted", providerID: provider, finishedAt: t)
        case .permanent(let reason):
            metrics.attempt(d.channel, "permanent")
            return AttemptResult(
                deliveryID: d.id, attempt: d.attemptCount, status: .failed, outcome: .permanent, detail: reason,
                finishedAt: t)
        case .transient(let reason, let retryAfter):
            metrics.attempt(d.channel, "transient")
            let wait = Self.backoff(attempt: d.attemptCount, retry: retry, retryAfter: retryAfter)
            // Counted from send_at, or from when the delivery was made if
            // that is later: an event received late (back-filled) still
            // gets its retries.
            let made = ServiceTime.parse(d.createdAt) ?? d.scheduledFor
            let giveUp = max(d.scheduledFor, made) + Self.seconds(retry.giveUpAfter)
            // A wait that passes `give_up_after` is cut short to a last
            // attempt at that time, unless the provider asked to wait longer
            // (`Retry-After`); a transient failure from then on is final.
            let next = min(t + wait, giveUp)
            let providerWait = retryAfter.map(Self.seconds) ?? 0
            if t >= giveUp || t + providerWait > giveUp {
                return AttemptResult(
                    deliveryID: d.id, attempt: d.attemptCount, status: .failed, outcome: .transient,
                    detail: "gave up after \(d.attemptCount) attempt\(d.attemptCount == 1 ? "" : "s"): \(reason)",
                    finishedAt: t)
            }
            return AttemptResult(
                deliveryID: d.id, attempt: d.attemptCount, status: .retrying, outcome: .transient, detail: reason,
                nextAttemptAt: next, finishedAt: t)
        }
    }

    static func seconds(_ d: Swift.Duration) -> Double {
        Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18
    }

    /// The wait before attempt `attempt + 1`: `first × 2^(attempt−1)` with
    /// up to a quarter more drawn at random (jitter), until that passes
    /// `max_interval`; from there a random wait between 80 % of
    /// `max_interval` (never under `first`) and `max_interval`. Waits grow
    /// from one attempt to the next until they reach the cap (the most of
    /// one, 1.25 × base, is less than the least of the next, 2 × base),
    /// and deliveries that failed together do not all retry at the same
    /// instant. Never shorter than the provider's `Retry-After`.
    public static func backoff(attempt: Int, retry: ServiceConfiguration.Retry, retryAfter: Swift.Duration?) -> Double {
        let first = seconds(retry.first)
        let cap = max(first, seconds(retry.maxInterval))
        let base = min(cap, first * pow(2, Double(max(0, min(attempt - 1, 40)))))
        var wait = base * Double.random(in: 1...1.25)
        if wait > cap { wait = Double.random(in: max(first, cap * 0.8)...cap) }
        return max(wait, retryAfter.map(seconds) ?? 0)
    }
}

/// What ends a wait of `Scheduler.tick(now:)`: an attempt, or its periodic wake.
enum SchedulerEvent: Sendable {
    case finished(AttemptResult, idempotent: Bool)
    case wake
}
