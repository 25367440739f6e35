public import HeraldRuntime
public import ServiceLifecycle

/// Where `herald serve` keeps events, decisions, deliveries, attempts,
/// rejects and the runtime state (docs/service.md). The SQLite store is the one
/// implementation today; a PostgreSQL store implements the same protocol
/// (the state is per entity, so instances can share it).
public protocol HeraldStore: Sendable {
    /// Evaluates and commits the lines of several requests in one
    /// transaction (group commit): for each event it reads whether the id
    /// was processed and the entity's reminder plans, calls the evaluator,
    /// and writes the event, its decisions, the deliveries it creates and
    /// cancels, and the entity's plans. Nothing is kept when it throws.
    func commit(_ requests: [[PreparedLine]], evaluator: IntakeEvaluator, now: Double) async throws -> [[LineResult]]

    /// Marks up to `limit` due deliveries `sending`, records an attempt
    /// started for each, and returns them.
    func claimDue(now: Double, limit: Int) async throws -> [Delivery]

    /// Records how attempts ended. A delivery whose key a `cancel` record
    /// named while it was `sending` ends `cancelled` (with that record's
    /// reason) unless its attempt sent it; returns the ids that did.
    @discardableResult
    func finish(_ results: [AttemptResult]) async throws -> Set<String>

    /// Deliveries left `sending` by a process that stopped: at start-up of
    /// a store only one process uses, all of them; otherwise those whose
    /// claim's lease ran out before `now`.
    func interruptedDeliveries(now: Double, startup: Bool) async throws -> [Delivery]

    /// The earliest time a `scheduled` or `retrying` delivery is due.
    func nextDueTime() async throws -> Double?

    /// How many deliveries are due and not yet sent: `scheduled` or
    /// `retrying` and due, or `sending` (an attempt under way, or held by an
    /// instance that died, until its lease ends).
    func dueCount(now: Double) async throws -> Int

    /// One delivery with its attempts.
    func delivery(id: String) async throws -> Delivery?

    /// A page of deliveries, newest first.
    func deliveries(_ query: DeliveryQuery) async throws -> Page<Delivery>

    /// A new delivery that sends the same message again (`sent` or `failed` only).
    func resend(id: String, newID: String, now: Double) async throws -> ResendResult

    /// The feed of one entity, oldest first; nil when nothing is known of it.
    func timeline(_ entity: EntityReference) async throws -> [TimelineItem]?

    /// A page of rejected events, newest first.
    func rejects(_ query: RejectQuery) async throws -> Page<RejectedEvent>

    /// How many deliveries match `query` in each status: its filters but
    /// `status`, `before` and `limit` (the console's counts per status).
    func deliveryCounts(_ query: DeliveryQuery) async throws -> [Delivery.Status: Int]

    /// Deliveries created from `since` to `until` (seconds since 1970),
    /// counted per hour and current status (the console's chart).
    func deliveriesPerHour(since: Double, until: Double) async throws -> [HourlyDeliveryCount]

    /// What the intake would read for an event, without writing anything:
    /// whether its id was processed and its entity's reminder plans (the
    /// console's "try an event").
    func stateSnapshot(eventID: String, entity: EntityReference) async throws -> EntityStateSnapshot

    /// Answers when the store can be used.
    func ping() async throws

    /// Reads a value of the store's own settings (the rules hash).
    func metadata(_ key: String) async throws -> String?

    /// Writes a value of the store's own settings.
    func setMetadata(_ key: String, _ value: String) async throws

    /// Deletes what is older than `before` (seconds since 1970): events,
    /// decisions, rejects, and deliveries in a final status with their attempts.
    func prune(before: Double) async throws -> Int

    /// Whether several processes may share the store (then the rules hash
    /// in it is watched, and claims are leased).
    var isShared: Bool { get }

    /// A service the store needs running while it is used (a connection pool).
    var backgroundService: (any Service)? { get }

    /// Creates or upgrades the store's tables.
    func migrate() async throws

    /// Evaluates the events of `lines` ahead of `commit`, each against the
    /// state its entity has now, so that the transaction need not: `commit`
    /// uses a line's `speculation` only when the state it reads in the
    /// transaction is the same, and evaluates again otherwise. A store whose
    /// transactions do not gain from it returns `lines` unchanged.
    func speculate(_ lines: [PreparedLine], evaluator: IntakeEvaluator) async -> [PreparedLine]
}

extension HeraldStore {
    /// No speculation: `commit` evaluates every event.
    public func speculate(_ lines: [PreparedLine], evaluator: IntakeEvaluator) async -> [PreparedLine] { lines }
}
