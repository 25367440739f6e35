public import Foundation
import HeraldCompiler
public import HeraldRuntime
public import Logging
import NIOCore
import PostgresNIO
public import ServiceLifecycle

/// The shared store: PostgreSQL through postgres-nio, for any number of
/// `herald serve` instances on one database (docs/service.md "Several instances on PostgreSQL").
///
/// - Events of one entity are evaluated one at a time in commit order: the
///   intake transaction takes a transaction-scoped advisory lock per entity
///   (in sorted order, so two instances never deadlock) before it reads the
///   entity's state.
/// - A batch is read, evaluated and written in a handful of round trips:
///   processed ids and reminder plans of all its entities in one query each,
///   evaluation in memory, then multi-row inserts.
/// - Due deliveries are claimed with `FOR UPDATE SKIP LOCKED` and a lease;
///   an instance that died leaves its `sending` deliveries to the others
///   once the lease has run out.
public final class PostgresStore: HeraldStore {
    let client: PostgresClient
    let logger: Logger
    /// This instance's name in `claimed_by`.
    public let instance: String
    /// How long a claim lasts.
    public let lease: Double

    /// Why a store URL could not be used.
    public struct URLError: Error, CustomStringConvertible {
        /// What is wrong.
        public var description: String
    }

    /// How long intake and the log's reads wait for a connection before
    /// they give up (`StoreUnreachable`, a `503`): see `transaction(_:)`
    /// and `rows(_:logger:)`.
    public let connectLimit: Swift.Duration

    /// Connects to `postgres://USER@HOST:PORT/DB` (`?sslmode=disable` turns
    /// TLS off; otherwise it is used when the server offers it).
    public init(
        url: String, password: String?, lease: Swift.Duration = .seconds(60), connectLimit: Swift.Duration = .seconds(10),
        logger: Logger = Logger(label: "herald.postgres")
    ) throws {
        self.connectLimit = connectLimit
        guard let c = URLComponents(string: url), c.scheme == "postgres" || c.scheme == "postgresql", let host = c.host,
            !host.isEmpty
        else {
            let shown = ServiceConfiguration.redactingPassword(in: url)
            throw URLError(description: "store '\(shown)' is not postgres://USER@HOST:PORT/DB")
        }
        let user = c.user ?? "postgres"
        let database = c.path.hasPrefix("/") ? String(c.path.dropFirst()) : c.path
        let sslmode = c.queryItems?.first { $0.name == "sslmode" }?.value
        var configuration = PostgresClient.Configuration(
            host: host, port: c.port ?? 5432, username: user, password: password ?? c.password,
            database: database.isEmpty ? user : database,
            tls: sslmode == "disable" ? .disable : .prefer(.makeClientConfiguration()))
        configuration.options.maximumConnections = 8
        client = PostgresClient(configuration: configuration, backgroundLogger: logger)
        self.logger = logger
        self.lease = Double(lease.components.seconds)
        instance = ProcessInfo.processInfo.hostName + ":" + String(ProcessInfo.processInfo.processIdentifier) + ":"
            + String(UInt32.random(in: 0...UInt32.max), radix: 36)
    }

    /// Several instances share the database.
    public var isShared: Bool { true }

    /// The connection pool; runs as a service beside the server.
    public var backgroundService: (any Service)? { PoolService(client: client) }

    struct PoolService: Service {
        let client: PostgresClient
        func run() async throws {
            await cancelWhenGracefulShutdown { await client.run() }
        }
    }

    // MARK: Migrations

    static let migrations: [(Int, String)] = [
        (
            1,
            """
            CREATE TABLE events (
                seq BIGSERIAL PRIMARY KEY, id TEXT NOT NULL UNIQUE, type TEXT NOT NULL,
                entity_kind TEXT NOT NULL, entity_id TEXT NOT NULL, client_id TEXT, location TEXT,
                occurred_at TEXT NOT NULL, received_at DOUBLE PRECISION NOT NULL, status TEXT, previous_status TEXT,
                raw BYTEA NOT NULL);
            CREATE INDEX events_entity ON events(entity_kind, entity_id, seq);
            CREATE INDEX events_received ON events(received_at);
            CREATE TABLE processed_events (id TEXT PRIMARY KEY, received_at DOUBLE PRECISION NOT NULL);
            CREATE TABLE decisions (
                event_seq BIGINT NOT NULL, position INTEGER NOT NULL, decision TEXT NOT NULL, rule TEXT,
                reason TEXT, channel TEXT, key TEXT, delivery_id TEXT, record TEXT NOT NULL,
                PRIMARY KEY (event_seq, position));
            CREATE TABLE deliveries (
                seq BIGSERIAL PRIMARY KEY, id TEXT NOT NULL UNIQUE, key TEXT NOT NULL, rule TEXT NOT NULL,
                event_id TEXT NOT NULL, channel TEXT NOT NULL, recipient TEXT NOT NULL, send_at TEXT NOT NULL,
                scheduled_for DOUBLE PRECISION NOT NULL, due_at DOUBLE PRECISION NOT NULL, status TEXT NOT NULL,
                reason TEXT, provider_id TEXT, attempt_count INTEGER NOT NULL DEFAULT 0,
                next_attempt_at DOUBLE PRECISION, created_at DOUBLE PRECISION NOT NULL,
                updated_at DOUBLE PRECISION NOT NULL, sent_at DOUBLE PRECISION, resend_of TEXT, work_order TEXT,
                lead TEXT, csr TEXT, client TEXT, location TEXT, subject TEXT, body TEXT, html TEXT, reply_to TEXT,
                attachments TEXT, segments INTEGER, late BOOLEAN NOT NULL DEFAULT FALSE, claimed_by TEXT,
                lease_until DOUBLE PRECISION);
            CREATE INDEX deliveries_due ON deliveries(due_at) WHERE status IN ('scheduled', 'retrying');
            CREATE INDEX deliveries_key ON deliveries(key) WHERE status IN ('scheduled', 'retrying');
            CREATE INDEX deliveries_sending ON deliveries(lease_until) WHERE status = 'sending';
            CREATE INDEX deliveries_work_order ON deliveries(work_order, seq);
            CREATE INDEX deliveries_lead ON deliveries(lead, seq);
            CREATE INDEX deliveries_csr ON deliveries(csr, seq);
            CREATE INDEX deliveries_client ON deliveries(client, seq);
            CREATE INDEX deliveries_status ON deliveries(status, seq);
            CREATE INDEX deliveries_created ON deliveries(created_at);
            CREATE TABLE attempts (
                delivery_id TEXT NOT NULL, number INTEGER NOT NULL, started_at DOUBLE PRECISION NOT NULL,
                finished_at DOUBLE PRECISION, outcome TEXT NOT NULL, detail TEXT, PRIMARY KEY (delivery_id, number));
            CREATE TABLE rejects (
                seq BIGSERIAL PRIMARY KEY, received_at DOUBLE PRECISION NOT NULL, reason TEXT NOT NULL, message TEXT,
                event_id TEXT, line INTEGER, raw BYTEA NOT NULL);
            CREATE TABLE reminder_plans (
                entity_kind TEXT NOT NULL, entity_id TEXT NOT NULL, rule TEXT NOT NULL, plan TEXT NOT NULL,
                PRIMARY KEY (entity_kind, entity_id, rule));
            CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
            """
        ),
        (
            2,
            """
            CREATE TABLE pending_sends (
                entity_kind TEXT NOT NULL, entity_id TEXT NOT NULL, sends TEXT NOT NULL,
                PRIMARY KEY (entity_kind, entity_id));
            """
        ),
        (
            3,
            // The reason of a `cancel` record that found the delivery
            // `sending`: unless that attempt sends it, it ends `cancelled`.
            "ALTER TABLE deliveries ADD COLUMN cancel_requested TEXT"
        ),
    ]

    /// Creates or upgrades the tables (one instance at a time: an advisory lock).
    public func migrate() async throws {
        try await client.withTransaction(logger: logger) { conn in
            try await conn.query("SELECT pg_advisory_xact_lock(4242424242)", logger: logger)
            try await conn.query("CREATE TABLE IF NOT EXISTS herald_schema (version INTEGER PRIMARY KEY)", logger: logger)
            var done: Set<Int> = []
            for try await v in try await conn.query("SELECT version FROM herald_schema", logger: logger).decode(Int.self) {
                done.insert(v)
            }
            for (version, sql) in Self.migrations where !done.contains(version) {
                for statement in sql.split(separator: ";") where !statement.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
                    try await conn.query(PostgresQuery(unsafeSQL: String(statement)), logger: logger)
                }
                try await conn.query("INSERT INTO herald_schema (version) VALUES (\(version))", logger: logger)
            }
        }
    }

    // MARK: Intake

    /// See `HeraldStore.commit(_:evaluator:now:)`.
    public func commit(_ requests: [[PreparedLine]], evaluator: IntakeEvaluator, now: Double) async throws -> [[LineResult]] {
        var attempt = 0
        while true {
            do {
                return try await commitOnce(requests, evaluator: evaluator, now: now)
            } catch let error as PSQLError where attempt < 3 && ["40P01", "40001", "23505"].contains(error.serverInfo?[.sqlState] ?? "") {
                // A deadlock, a serialisation failure or a concurrent insert of
                // the same id: nothing was kept; evaluate the batch again.
                attempt += 1
            }
        }
    }

    private static func entityKey(_ e: EntityReference) -> String { e.entity.rawValue + "/" + e.id }

    private func commitOnce(_ requests: [[PreparedLine]], evaluator: IntakeEvaluator, now: Double) async throws -> [[LineResult]] {
        let logger = self.logger
        return try await transaction { conn -> [[LineResult]] in
            var entityKeys: Set<String> = []
            var eventIDs: [String] = []
            for lines in requests {
                for line in lines {
                    if case .event(let e, let entity) = line.content {
                        entityKeys.insert(Self.entityKey(entity))
                        eventIDs.append(e.id)
                    }
                }
            }
            let keys = entityKeys.sorted()
            if !keys.isEmpty {
                try await conn.query(
                    "SELECT pg_advisory_xact_lock(hashtextextended(k, 0)) FROM unnest(\(keys)::text[]) AS k ORDER BY k",
                    logger: logger)
            }
            // The time of this transaction's records is the database's,
            // taken once its entities are locked: another instance's
            // transaction that held one of them committed before it, and
            // took its time before that, from the same clock, so an entity's
            // events and decisions are stamped in the order they were
            // evaluated (§12.5 timeline, §12.7), however the instances'
            // own clocks differ. The time the request came in could be
            // earlier than that of a request another instance took later
            // but committed first.
            var now = now
            if !keys.isEmpty {
                for try await t in try await conn.query(
                    "SELECT extract(epoch FROM clock_timestamp())::float8", logger: logger
                ).decode(Double.self) {
                    now = t
                }
            }
            var processed: Set<String> = []
            if !eventIDs.isEmpty {
                for try await id in try await conn.query(
                    "SELECT id FROM processed_events WHERE id = ANY(\(eventIDs)::text[])", logger: logger
                ).decode(String.self) {
                    processed.insert(id)
                }
            }
            var plans: [String: [String: ReminderPlan]] = [:]
            if !keys.isEmpty {
                let rows = try await conn.query(
                    """
                    SELECT entity_kind, entity_id, rule, plan FROM reminder_plans
                    WHERE entity_kind || '/' || entity_id = ANY(\(keys)::text[])
                    """, logger: logger)
                for try await (kind, id, rule, plan) in rows.decode((String, String, String, String).self) {
                    plans[kind + "/" + id, default: [:]][rule] = try JSONDecoder().decode(ReminderPlan.self, from: Data(plan.utf8))
                }
            }

            var pending: [String: [PendingSend]] = [:]
            if !keys.isEmpty {
                let rows = try await conn.query(
                    "SELECT entity_kind, entity_id, sends FROM pending_sends WHERE entity_kind || '/' || entity_id = ANY(\(keys)::text[])",
                    logger: logger)
                for try await (kind, id, sends) in rows.decode((String, String, String).self) {
                    pending[kind + "/" + id] = try JSONDecoder().decode([PendingSend].self, from: Data(sends.utf8))
                }
            }

            var batch = Batch(now: now)
            var results: [[LineResult]] = []
            for lines in requests {
                var out: [LineResult] = []
                for line in lines {
                    switch line.content {
                    case .blank:
                        out.append(LineResult(records: [], deliveryIDs: [:], outcome: .blank))
                    case .rejected(let record):
                        batch.rejects.append((record, line.raw))
                        out.append(LineResult(records: [record], deliveryIDs: [:], outcome: .rejected))
                    case .event(let event, let entity):
                        let key = Self.entityKey(entity)
                        let before = plans[key] ?? [:]
                        let pendingBefore = pending[key] ?? []
                        let e = evaluator.evaluate(
                            event, entity: entity, raw: line.raw, lineNumber: line.lineNumber,
                            alreadyProcessed: processed.contains(event.id), plans: before, pending: pendingBefore,
                            createdAt: now, newID: { DeliveryID.make(now: now) })
                        switch e.outcome {
                        case .duplicate, .blank:
                            out.append(LineResult(records: e.records, deliveryIDs: [:], outcome: .duplicate))
                        case .rejected:
                            batch.rejects.append((e.records[0], line.raw))
                            out.append(LineResult(records: e.records, deliveryIDs: [:], outcome: .rejected))
                        case .processed:
                            processed.insert(event.id)
                            if before != e.plans {
                                plans[key] = e.plans
                                batch.changedPlans[key] = (entity, e.plans)
                            }
                            if pendingBefore != e.pending {
                                pending[key] = e.pending
                                batch.changedPending[key] = (entity, e.pending)
                            }
                            out.append(batch.add(e))
                        }
                    }
                }
                results.append(out)
            }
            try await batch.write(conn, logger: logger)
            return results
        }
    }

    /// What one transaction writes, collected in memory first.
    struct Batch {
        let now: Double
        var rejects: [(DecisionRecord, [UInt8])] = []
        var events: [StoredEvent] = []
        var deliveries: [Delivery] = []
        var deliveryIndexByKey: [String: [Int]] = [:]
        var decisions: [(event: Int, position: Int, record: DecisionRecord, delivery: String?, json: String)] = []
        var databaseCancels: [String: String] = [:]
        var cancelOrder: [String] = []
        var changedPlans: [String: (EntityReference, [String: ReminderPlan])] = [:]
        var changedPending: [String: (EntityReference, [PendingSend])] = [:]

        init(now: Double) { self.now = now }

        mutating func add(_ e: EventEvaluation) -> LineResult {
            guard let stored = e.event else { return LineResult(records: e.records, deliveryIDs: [:], outcome: .processed) }
            let eventIndex = events.count
            events.append(stored)
            var cancelled: [(HeraldCompiler.Channel, Int)] = []
            for c in e.cancels {
                // Deliveries made earlier in this batch are cancelled here;
                // older ones by one UPDATE when the batch is written.
                var n = 0
                for i in deliveryIndexByKey[c.key] ?? [] where deliveries[i].status == .scheduled {
                    deliveries[i].status = .cancelled
                    deliveries[i].reason = c.reason
                    n += 1
                }
                cancelled.append((c.channel, n))
                if databaseCancels[c.key] == nil {
                    databaseCancels[c.key] = c.reason
                    cancelOrder.append(c.key)
                }
            }
            var ids: [Int: String] = [:]
            for (index, d) in e.deliveries {
                deliveryIndexByKey[d.key, default: []].append(deliveries.count)
                deliveries.append(d)
                ids[index] = d.id
            }
            let reply = LineResult.ndjson(e.records, deliveryIDs: ids)
            for (i, r) in e.records.enumerated() {
                decisions.append((eventIndex, i, r, ids[i], String(decoding: reply.bytes[reply.objects[i]], as: UTF8.self)))
            }
            var result = LineResult(records: e.records, deliveryIDs: ids, outcome: .processed)
            result.cancelled = cancelled
            result.ndjson = reply.bytes
            return result
        }

        func write(_ conn: PostgresConnection, logger: Logger) async throws {
            if !cancelOrder.isEmpty {
                // Only rows older than this batch exist in the table yet.
                // First the deliveries being sent (their attempt cannot be
                // called back: unless it sends the message, `finish` ends
                // them `cancelled`), then the waiting ones. In this order a
                // concurrent `finish` either sees `cancel_requested` (it
                // waits for this row lock, then reads the row again) or has
                // already made the delivery `retrying`, which the second
                // statement cancels.
                try await conn.query(
                    """
                    UPDATE deliveries SET cancel_requested = COALESCE(deliveries.cancel_requested, c.reason), updated_at = \(now)
                    FROM unnest(\(cancelOrder)::text[], \(cancelOrder.map { databaseCancels[$0]! })::text[]) AS c(key, reason)
                    WHERE deliveries.key = c.key AND deliveries.status = 'sending'
                    """, logger: logger)
                try await conn.query(
                    """
                    UPDATE deliveries SET status = 'cancelled', reason = c.reason, updated_at = \(now), next_attempt_at = NULL
                    FROM unnest(\(cancelOrder)::text[], \(cancelOrder.map { databaseCancels[$0]! })::text[]) AS c(key, reason)
                    WHERE deliveries.key = c.key AND deliveries.status IN ('scheduled', 'retrying')
                    """, logger: logger)
            }
            if !rejects.isEmpty {
                var rows = BulkRows(columns: 6)
                for (r, raw) in rejects {
                    rows.add { b in
                        b.append(now)
                        b.append(r.reason ?? "invalid-event")
                        b.append(r.message)
                        b.append(r.event)
                        b.append(r.line)
                        b.append(ByteBuffer(bytes: raw))
                    }
                }
                try await rows.insert(
                    "INSERT INTO rejects (received_at, reason, message, event_id, line, raw) VALUES", conn, logger)
            }
            guard !events.isEmpty else { return }
            var processed = BulkRows(columns: 2)
            for e in events {
                processed.add { b in
                    b.append(e.id)
                    b.append(now)
                }
            }
            try await processed.insert("INSERT INTO processed_events (id, received_at) VALUES", conn, logger)
            var eventRows = BulkRows(columns: 11)
            for e in events {
                eventRows.add { b in
                    b.append(e.id)
                    b.append(e.type)
                    b.append(e.entity.entity.rawValue)
                    b.append(e.entity.id)
                    b.append(e.client)
                    b.append(e.location)
                    b.append(e.occurredAt)
                    b.append(now)
                    b.append(e.status)
                    b.append(e.previousStatus)
                    b.append(ByteBuffer(bytes: e.raw))
                }
            }
            var seqByID: [String: Int64] = [:]
            for rows in try await eventRows.insertReturning(
                """
                INSERT INTO events (id, type, entity_kind, entity_id, client_id, location, occurred_at, received_at,
                    status, previous_status, raw) VALUES
                """, returning: "RETURNING id, seq", conn, logger)
            {
                for try await (id, seq) in rows.decode((String, Int64).self) { seqByID[id] = seq }
            }
            if !deliveries.isEmpty { try await writeDeliveries(conn, logger: logger) }
            if !decisions.isEmpty {
                var rows = BulkRows(columns: 9)
                for d in decisions {
                    let seq = seqByID[events[d.event].id] ?? 0
                    rows.add { b in
                        b.append(seq)
                        b.append(d.position)
                        b.append(d.record.decision.rawValue)
                        b.append(d.record.rule)
                        b.append(d.record.reason)
                        b.append(d.record.channel?.rawValue)
                        b.append(d.record.key)
                        b.append(d.delivery)
                        b.append(d.json)
                    }
                }
                try await rows.insert(
                    "INSERT INTO decisions (event_seq, position, decision, rule, reason, channel, key, delivery_id, record) VALUES",
                    conn, logger)
            }
            if !changedPlans.isEmpty {
                let keys = Array(changedPlans.keys)
                try await conn.query(
                    "DELETE FROM reminder_plans WHERE entity_kind || '/' || entity_id = ANY(\(keys)::text[])", logger: logger)
                var rows = BulkRows(columns: 4)
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.sortedKeys]
                for (_, (entity, plans)) in changedPlans {
                    for (rule, plan) in plans {
                        let text = String(decoding: try encoder.encode(plan), as: UTF8.self)
                        rows.add { b in
                            b.append(entity.entity.rawValue)
                            b.append(entity.id)
                            b.append(rule)
                            b.append(text)
                        }
                    }
                }
                if rows.count > 0 {
                    try await rows.insert("INSERT INTO reminder_plans (entity_kind, entity_id, rule, plan) VALUES", conn, logger)
                }
            }
            if !changedPending.isEmpty {
                let keys = Array(changedPending.keys)
                try await conn.query(
                    "DELETE FROM pending_sends WHERE entity_kind || '/' || entity_id = ANY(\(keys)::text[])", logger: logger)
                var rows = BulkRows(columns: 3)
                let encoder = JSONEncoder()
                for (_, (entity, sends)) in changedPending where !sends.isEmpty {
                    let text = String(decoding: try encoder.encode(sends), as: UTF8.self)
                    rows.add { b in
                        b.append(entity.entity.rawValue)
                        b.append(entity.id)
                        b.append(text)
                    }
                }
                if rows.count > 0 {
                    try await rows.insert("INSERT INTO pending_sends (entity_kind, entity_id, sends) VALUES", conn, logger)
                }
            }
        }
    }

    // MARK: Scheduling

    static let deliveryColumns = SQLiteStore.deliveryColumns
    static let qualifiedDeliveryColumns = deliveryColumns.split(separator: ",")
        .map { "d." + $0.trimmingCharacters(in: .whitespacesAndNewlines) }.joined(separator: ", ")

    static func delivery(_ row: PostgresRow) throws -> Delivery {
        let r = row.makeRandomAccess()
        func s(_ name: String) throws -> String { try r[name].decode(String.self) }
        func os(_ name: String) throws -> String? { try r[name].decode(String?.self) }
        func d(_ name: String) throws -> Double { try r[name].decode(Double.self) }
        func od(_ name: String) throws -> Double? { try r[name].decode(Double?.self) }
        let attachments = try os("attachments").flatMap {
            try? JSONDecoder().decode([DecisionRecord.Attachment].self, from: Data($0.utf8))
        }
        return Delivery(
            id: try s("id"), key: try s("key"), rule: try s("rule"), event: try s("event_id"),
            channel: HeraldCompiler.Channel(rawValue: try s("channel")) ?? .email, to: try s("recipient"), sendAt: try s("send_at"),
            dueAt: try d("due_at"), scheduledFor: try d("scheduled_for"),
            status: Delivery.Status(rawValue: try s("status")) ?? .failed, reason: try os("reason"),
            providerID: try os("provider_id"), attemptCount: try r["attempt_count"].decode(Int.self),
            nextAttemptAt: try od("next_attempt_at").map(ServiceTime.rfc3339),
            createdAt: ServiceTime.rfc3339(try d("created_at")), updatedAt: ServiceTime.rfc3339(try d("updated_at")),
            sentAt: try od("sent_at").map(ServiceTime.rfc3339), resendOf: try os("resend_of"),
            workOrder: try os("work_order"), lead: try os("lead"), csr: try os("csr"), client: try os("client"),
            location: try os("location"), subject: try os("subject"), body: try os("body"), html: try os("html"),
            replyTo: try os("reply_to"), attachments: attachments, segments: try r["segments"].decode(Int?.self),
            late: try r["late"].decode(Bool.self), attempts: nil)
    }

    /// See `HeraldStore.claimDue(now:limit:)`.
    public func claimDue(now: Double, limit: Int) async throws -> [Delivery] {
        let me = instance
        let until = now + lease
        let logger = self.logger
        return try await client.withTransaction(logger: logger) { conn -> [Delivery] in
            let rows = try await conn.query(
                PostgresQuery(
                    unsafeSQL: """
                        UPDATE deliveries d SET status = 'sending', attempt_count = d.attempt_count + 1, updated_at = $1,
                            claimed_by = $2, lease_until = $3
                        FROM (SELECT id FROM deliveries WHERE status IN ('scheduled', 'retrying') AND due_at <= $1
                              ORDER BY due_at LIMIT $4 FOR UPDATE SKIP LOCKED) c
                        WHERE d.id = c.id RETURNING \(Self.qualifiedDeliveryColumns)
                        """, binds: Self.binds { b in
                            b.append(now)
                            b.append(me)
                            b.append(until)
                            b.append(limit)
                        }), logger: logger)
            var claimed: [Delivery] = []
            for try await row in rows { claimed.append(try Self.delivery(row)) }
            if !claimed.isEmpty {
                var attempts = BulkRows(columns: 4)
                for d in claimed {
                    attempts.add { b in
                        b.append(d.id)
                        b.append(d.attemptCount)
                        b.append(now)
                        b.append("started")
                    }
                }
                try await attempts.insert("INSERT INTO attempts (delivery_id, number, started_at, outcome) VALUES", conn, logger)
            }
            return claimed.sorted { $0.dueAt < $1.dueAt }
        }
    }

    /// See `HeraldStore.finish(_:)`. A result whose claim was taken over
    /// (another attempt number) changes nothing.
    @discardableResult
    public func finish(_ results: [AttemptResult]) async throws -> Set<String> {
        guard !results.isEmpty else { return [] }
        let logger = self.logger
        return try await client.withTransaction(logger: logger) { conn in
            var cancelled: Set<String> = []
            for r in results {
                let sent: Double? = r.status == .sent ? r.finishedAt : nil
                let reason: String? = r.status == .sent ? nil : r.detail
                // One statement: a cancel that came during the attempt
                // (`cancel_requested`, read under the row's lock) ends the
                // delivery `cancelled` unless the attempt sent it.
                let ends = r.status != .sent
                let changed = try await conn.query(
                    """
                    UPDATE deliveries SET
                        status = CASE WHEN \(ends)::boolean AND cancel_requested IS NOT NULL THEN 'cancelled'
                            ELSE \(r.status.rawValue)::text END,
                        reason = CASE WHEN \(ends)::boolean AND cancel_requested IS NOT NULL THEN cancel_requested
                            ELSE \(reason)::text END,
                        provider_id = COALESCE(\(r.providerID)::text, provider_id),
                        next_attempt_at = CASE WHEN \(ends)::boolean AND cancel_requested IS NOT NULL THEN NULL
                            ELSE \(r.nextAttemptAt)::double precision END,
                        due_at = CASE WHEN \(ends)::boolean AND cancel_requested IS NOT NULL THEN due_at
                            ELSE COALESCE(\(r.nextAttemptAt)::double precision, due_at) END,
                        sent_at = COALESCE(\(sent)::double precision, sent_at),
                        updated_at = \(r.finishedAt), claimed_by = NULL, lease_until = NULL
                    WHERE id = \(r.deliveryID) AND status = 'sending' AND attempt_count = \(r.attempt)
                    RETURNING status
                    """, logger: logger)
                var rows = 0
                for try await status in changed.decode(String.self) {
                    rows += 1
                    if status == "cancelled" { cancelled.insert(r.deliveryID) }
                }
                if r.isRecovery && rows == 0 { continue }
                try await conn.query(
                    """
                    UPDATE attempts SET finished_at = \(r.finishedAt), outcome = \(r.outcome.rawValue), detail = \(r.detail)
                    WHERE delivery_id = \(r.deliveryID) AND number = \(r.attempt)
                    """, logger: logger)
            }
            return cancelled
        }
    }

    /// See `HeraldStore.interruptedDeliveries(now:startup:)`: only claims
    /// whose lease ran out, since other instances may be sending the rest.
    public func interruptedDeliveries(now: Double, startup: Bool) async throws -> [Delivery] {
        let found = try await rows(
            PostgresQuery(
                unsafeSQL: "SELECT \(Self.deliveryColumns) FROM deliveries WHERE status = 'sending' AND lease_until < $1",
                binds: Self.binds { $0.append(now) }), logger: logger)
        var out: [Delivery] = []
        for try await row in found { out.append(try Self.delivery(row)) }
        return out
    }

    /// See `HeraldStore.nextDueTime()`.
    public func nextDueTime() async throws -> Double? {
        for try await v in try await rows(
            "SELECT MIN(due_at) FROM deliveries WHERE status IN ('scheduled', 'retrying')", logger: logger
        ).decode(Double?.self) {
            return v
        }
        return nil
    }

    /// See `HeraldStore.dueCount(now:)`.
    public func dueCount(now: Double) async throws -> Int {
        for try await v in try await rows(
            """
            SELECT (SELECT COUNT(*) FROM deliveries WHERE status IN ('scheduled', 'retrying') AND due_at <= \(now))
                + (SELECT COUNT(*) FROM deliveries WHERE status = 'sending')
            """,
            logger: logger
        ).decode(Int.self) {
            return v
        }
        return 0
    }

    // MARK: Log

    /// See `HeraldStore.delivery(id:)`.
    public func delivery(id: String) async throws -> Delivery? {
        var found: Delivery?
        for try await row in try await rows(
            PostgresQuery(unsafeSQL: "SELECT \(Self.deliveryColumns) FROM deliveries WHERE id = $1", binds: Self.binds { $0.append(id) }),
            logger: logger)
        {
            found = try Self.delivery(row)
        }
        guard var d = found else { return nil }
        var attempts: [Attempt] = []
        let attemptRows = try await rows(
            "SELECT number, started_at, finished_at, outcome, detail FROM attempts WHERE delivery_id = \(id) ORDER BY number",
            logger: logger)
        for try await (number, started, finished, outcome, detail) in try attemptRows.decode((Int, Double, Double?, String, String?).self) {
            attempts.append(
                Attempt(
                    number: number, startedAt: ServiceTime.rfc3339(started), finishedAt: finished.map(ServiceTime.rfc3339),
                    outcome: Attempt.Outcome(rawValue: outcome) ?? .started, detail: detail))
        }
        d.attempts = attempts
        return d
    }

    /// The WHERE clauses and bindings of a delivery query's filters.
    static func filter(_ q: DeliveryQuery, status: Bool = true, cursor: Bool = true) -> (clauses: [String], binds: PostgresBindings) {
        var clauses: [String] = []
        var b = PostgresBindings()
        func add(_ clause: String, _ value: String) {
            b.append(value)
            clauses.append(clause.replacingOccurrences(of: "?", with: "$\(b.count)"))
        }
        func add(_ clause: String, _ value: Double) {
            b.append(value)
            clauses.append(clause.replacingOccurrences(of: "?", with: "$\(b.count)"))
        }
        if status, let v = q.status { add("status = ?", v.rawValue) }
        if let v = q.channel { add("channel = ?", v.rawValue) }
        if let v = q.rule { add("rule = ?", v) }
        if let v = q.workOrder { add("work_order = ?", v) }
        if let v = q.lead { add("lead = ?", v) }
        if let v = q.csr { add("csr = ?", v) }
        if let v = q.client { add("client = ?", v) }
        if let v = q.location { add("location = ?", v) }
        if let v = q.since { add("created_at >= ?", v) }
        if let v = q.until { add("created_at < ?", v) }
        if cursor, let v = q.before {
            b.append(v)
            clauses.append("seq < $\(b.count)")
        }
        return (clauses, b)
    }

    /// See `HeraldStore.deliveries(_:)`.
    public func deliveries(_ q: DeliveryQuery) async throws -> Page<Delivery> {
        var (clauses, b) = Self.filter(q)
        b.append(q.limit + 1)
        let sql = "SELECT \(Self.deliveryColumns) FROM deliveries"
            + (clauses.isEmpty ? "" : " WHERE " + clauses.joined(separator: " AND ")) + " ORDER BY seq DESC LIMIT $\(b.count)"
        var items: [Delivery] = []
        var seqs: [Int64] = []
        for try await row in try await rows(PostgresQuery(unsafeSQL: sql, binds: b), logger: logger) {
            items.append(try Self.delivery(row))
            seqs.append(try row.makeRandomAccess()["seq"].decode(Int64.self))
        }
        let more = items.count > q.limit
        return Page(items: Array(items.prefix(q.limit)), nextBefore: more ? seqs[q.limit - 1] : nil)
    }

    /// See `HeraldStore.deliveryCounts(_:)`.
    public func deliveryCounts(_ q: DeliveryQuery) async throws -> [Delivery.Status: Int] {
        let (clauses, b) = Self.filter(q, status: false, cursor: false)
        let sql = "SELECT status, COUNT(*)::bigint FROM deliveries"
            + (clauses.isEmpty ? "" : " WHERE " + clauses.joined(separator: " AND ")) + " GROUP BY status"
        var counts: [Delivery.Status: Int] = [:]
        for try await (status, n) in try await rows(PostgresQuery(unsafeSQL: sql, binds: b), logger: logger)
            .decode((String, Int64).self)
        {
            if let s = Delivery.Status(rawValue: status) { counts[s] = Int(n) }
        }
        return counts
    }

    /// See `HeraldStore.deliveriesPerHour(since:until:)`.
    public func deliveriesPerHour(since: Double, until: Double) async throws -> [HourlyDeliveryCount] {
        var out: [HourlyDeliveryCount] = []
        let found = try await rows(
            """
            SELECT floor(created_at / 3600)::bigint AS h, status, COUNT(*)::bigint FROM deliveries
            WHERE created_at >= \(since) AND created_at < \(until) GROUP BY h, status ORDER BY h
            """, logger: logger)
        for try await (h, status, n) in try found.decode((Int64, String, Int64).self) {
            if let s = Delivery.Status(rawValue: status) { out.append(HourlyDeliveryCount(hour: h * 3600, status: s, count: Int(n))) }
        }
        return out
    }

    /// See `HeraldStore.stateSnapshot(eventID:entity:)`: the intake's reads,
    /// without its lock or writes.
    public func stateSnapshot(eventID: String, entity: EntityReference) async throws -> EntityStateSnapshot {
        var processed = false
        for try await _ in try await rows("SELECT 1 FROM processed_events WHERE id = \(eventID)", logger: logger) {
            processed = true
        }
        var plans: [String: ReminderPlan] = [:]
        let kind = entity.entity.rawValue
        let found = try await rows(
            "SELECT rule, plan FROM reminder_plans WHERE entity_kind = \(kind) AND entity_id = \(entity.id)", logger: logger)
        for try await (rule, plan) in try found.decode((String, String).self) {
            plans[rule] = try JSONDecoder().decode(ReminderPlan.self, from: Data(plan.utf8))
        }
        return EntityStateSnapshot(eventProcessed: processed, plans: plans)
    }

    /// See `HeraldStore.resend(id:newID:now:)`.
    public func resend(id: String, newID: String, now: Double) async throws -> ResendResult {
        let logger = self.logger
        let result = try await transaction { conn -> Delivery? in
            var old: Delivery?
            for try await row in try await conn.query(
                PostgresQuery(
                    unsafeSQL: "SELECT \(Self.deliveryColumns) FROM deliveries WHERE id = $1 FOR UPDATE",
                    binds: Self.binds { $0.append(id) }), logger: logger)
            {
                old = try Self.delivery(row)
            }
            guard let old else { return nil }
            guard old.status == .sent || old.status == .failed else { return old }
            var copy = old
            copy.id = newID
            copy.resendOf = id
            copy.dueAt = now
            copy.scheduledFor = now
            // Scheduled now (SPEC §12.5): its send_at is the time of the re-send.
            copy.sendAt = ServiceTime.rfc3339(now, offsetLike: old.sendAt)
            copy.status = .scheduled
            copy.reason = nil
            var batch = Batch(now: now)
            batch.deliveries = [copy]
            try await batch.writeDeliveries(conn, logger: logger)
            return copy
        }
        guard let d = result else { return .notFound }
        guard d.id == newID else { return .conflict(d.status) }
        return .created(try await delivery(id: newID) ?? d)
    }

    /// See `HeraldStore.timeline(_:)`.
    public func timeline(_ entity: EntityReference) async throws -> [TimelineItem]? {
        var items: [TimelineItem] = []
        var order: Int64 = 0
        var events: [(Int64, String, String, String, Double, String?, String?)] = []
        for try await row in try await rows(
            """
            SELECT seq, id, type, occurred_at, received_at, status, previous_status FROM events
            WHERE entity_kind = \(entity.entity.rawValue) AND entity_id = \(entity.id) ORDER BY seq
            """, logger: logger
        ).decode((Int64, String, String, String, Double, String?, String?).self) {
            events.append(row)
        }
        for (seq, id, type, occurred, received, status, previous) in events {
            order += 1
            var json: [String: JSONValue] = [
                "kind": .string("event"), "id": .string(id), "event": .string(id), "type": .string(type),
                "occurred_at": .string(occurred), "at": .string(ServiceTime.rfc3339(received)),
            ]
            if let status { json["status"] = .string(status) }
            if let previous { json["previous_status"] = .string(previous) }
            items.append(TimelineItem(at: received, order: order, json: json))
            for try await (record, delivery, decision, key) in try await rows(
                "SELECT record, delivery_id, decision, key FROM decisions WHERE event_seq = \(seq) ORDER BY position",
                logger: logger
            ).decode((String, String?, String, String?).self) {
                order += 1
                var json: [String: JSONValue] = [
                    "kind": .string("decision"), "record": .raw(record), "at": .string(ServiceTime.rfc3339(received)),
                ]
                if let delivery { json["delivery"] = .string(delivery) }
                items.append(TimelineItem(at: received, order: order, json: json, cancelKey: decision == "cancel" ? key : nil))
            }
        }
        let column = entity.entity == .lead ? "lead" : entity.entity == .csr ? "csr" : "work_order"
        var deliveries: [(String, String, String, String, String?, Double, String?)] = []
        for try await row in try await rows(
            PostgresQuery(
                unsafeSQL:
                    "SELECT id, key, channel, status, reason, updated_at, resend_of FROM deliveries WHERE \(column) = $1 ORDER BY seq",
                binds: Self.binds { $0.append(entity.id) }), logger: logger
        ).decode((String, String, String, String, String?, Double, String?).self) {
            deliveries.append(row)
        }
        for (id, key, channel, status, reason, updated, resendOf) in deliveries {
            for try await (number, started, outcome, detail) in try await rows(
                "SELECT number, started_at, outcome, detail FROM attempts WHERE delivery_id = \(id) ORDER BY number",
                logger: logger
            ).decode((Int, Double, String, String?).self) {
                order += 1
                var json: [String: JSONValue] = [
                    "kind": .string("attempt"), "delivery": .string(id), "number": .int(Int64(number)),
                    "outcome": .string(outcome), "at": .string(ServiceTime.rfc3339(started)), "channel": .string(channel),
                ]
                if let detail { json["detail"] = .string(detail) }
                if let resendOf { json["resend_of"] = .string(resendOf) }
                items.append(TimelineItem(at: started, order: order, json: json))
            }
            if ["sent", "failed", "cancelled"].contains(status) {
                order += 1
                var json: [String: JSONValue] = [
                    "kind": .string("delivery"), "delivery": .string(id), "status": .string(status),
                    "channel": .string(channel), "at": .string(ServiceTime.rfc3339(updated)),
                ]
                if let reason { json["reason"] = .string(reason) }
                if let resendOf { json["resend_of"] = .string(resendOf) }
                items.append(TimelineItem(at: updated, order: order, json: json, cancelKey: key))
            }
        }
        if items.isEmpty { return nil }
        return TimelineItem.inOrder(items)
    }

    /// See `HeraldStore.rejects(_:)`.
    public func rejects(_ q: RejectQuery) async throws -> Page<RejectedEvent> {
        var clauses: [String] = []
        var b = PostgresBindings()
        if let v = q.since {
            b.append(v)
            clauses.append("received_at >= $\(b.count)")
        }
        if let v = q.until {
            b.append(v)
            clauses.append("received_at < $\(b.count)")
        }
        if let v = q.before {
            b.append(v)
            clauses.append("seq < $\(b.count)")
        }
        b.append(q.limit + 1)
        let sql = "SELECT seq, received_at, reason, message, event_id, line, raw FROM rejects"
            + (clauses.isEmpty ? "" : " WHERE " + clauses.joined(separator: " AND ")) + " ORDER BY seq DESC LIMIT $\(b.count)"
        var items: [RejectedEvent] = []
        for try await (seq, received, reason, message, event, line, raw) in try await rows(
            PostgresQuery(unsafeSQL: sql, binds: b), logger: logger
        ).decode((Int64, Double, String, String?, String?, Int?, ByteBuffer).self) {
            items.append(
                RejectedEvent(
                    id: seq, receivedAt: ServiceTime.rfc3339(received), reason: reason, message: message, event: event,
                    line: line, raw: String(buffer: raw)))
        }
        let more = items.count > q.limit
        return Page(items: Array(items.prefix(q.limit)), nextBefore: more ? items[q.limit - 1].id : nil)
    }

    // MARK: Housekeeping

    /// See `HeraldStore.ping()`.
    public func ping() async throws {
        try await client.query("SELECT 1", logger: logger)
    }

    /// See `HeraldStore.metadata(_:)`.
    public func metadata(_ key: String) async throws -> String? {
        for try await v in try await rows("SELECT value FROM meta WHERE key = \(key)", logger: logger).decode(String.self) {
            return v
        }
        return nil
    }

    /// See `HeraldStore.setMetadata(_:_:)`.
    public func setMetadata(_ key: String, _ value: String) async throws {
        try await rows(
            "INSERT INTO meta (key, value) VALUES (\(key), \(value)) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            logger: logger)
    }

    /// See `HeraldStore.prune(before:)`.
    public func prune(before: Double) async throws -> Int {
        let logger = self.logger
        let kept = before - (ServiceTime.now() - before)
        return try await client.withTransaction(logger: logger) { conn -> Int in
            try await conn.query(
                "DELETE FROM decisions WHERE event_seq IN (SELECT seq FROM events WHERE received_at < \(before))",
                logger: logger)
            var n = 0
            for sql in [
                "DELETE FROM events WHERE received_at < $1 RETURNING 1",
                "DELETE FROM rejects WHERE received_at < $1 RETURNING 1",
                """
                DELETE FROM attempts WHERE delivery_id IN (SELECT id FROM deliveries
                WHERE updated_at < $1 AND status IN ('sent', 'failed', 'cancelled')) RETURNING 1
                """,
                "DELETE FROM deliveries WHERE updated_at < $1 AND status IN ('sent', 'failed', 'cancelled') RETURNING 1",
            ] {
                let rows = try await conn.query(PostgresQuery(unsafeSQL: sql, binds: Self.binds { $0.append(before) }), logger: logger)
                for try await _ in rows { n += 1 }
            }
            try await conn.query("DELETE FROM processed_events WHERE received_at < \(kept)", logger: logger)
            return n
        }
    }

    static func binds(_ body: (inout PostgresBindings) -> Void) -> PostgresBindings {
        var b = PostgresBindings()
        body(&b)
        return b
    }
}

extension PostgresStore.Batch {
    /// Writes `deliveries` alone (a resend).
    func writeDeliveries(_ conn: PostgresConnection, logger: Logger) async throws {
        var rows = BulkRows(columns: 26)
        let encoder = JSONEncoder()
        for d in deliveries {
            let attachments = try d.attachments.map { String(decoding: try encoder.encode($0), as: UTF8.self) }
            rows.add { b in
                for v in [d.id, d.key, d.rule, d.event, d.channel.rawValue, d.to, d.sendAt] { b.append(v) }
                b.append(d.scheduledFor)
                b.append(d.dueAt)
                b.append(d.status.rawValue)
                b.append(d.reason)
                b.append(now)
                b.append(now)
                for v in [d.resendOf, d.workOrder, d.lead, d.csr, d.client, d.location, d.subject, d.body, d.html, d.replyTo, attachments] {
                    b.append(v)
                }
                b.append(d.segments)
                b.append(d.late)
            }
        }
        try await rows.insert(
            """
            INSERT INTO deliveries (id, key, rule, event_id, channel, recipient, send_at, scheduled_for, due_at,
                status, reason, created_at, updated_at, resend_of, work_order, lead, csr, client, location,
                subject, body, html, reply_to, attachments, segments, late) VALUES
            """, conn, logger)
    }
}

/// Rows for a multi-row `INSERT … VALUES (…), (…)`, sent in chunks that stay
/// under PostgreSQL's 65,535 parameters per statement.
struct BulkRows {
    let columns: Int
    private(set) var rows: [(inout PostgresBindings) -> Void] = []

    init(columns: Int) { self.columns = columns }

    var count: Int { rows.count }

    /// Adds a row; `body` appends exactly `columns` values.
    mutating func add(_ body: @escaping (inout PostgresBindings) -> Void) {
        rows.append(body)
    }

    private func statements(_ prefix: String, suffix: String) -> [PostgresQuery] {
        let perStatement = max(1, 60_000 / columns)
        var out: [PostgresQuery] = []
        var start = 0
        while start < rows.count {
            let end = min(rows.count, start + perStatement)
            var all = PostgresBindings(capacity: (end - start) * columns)
            var sql = prefix + " "
            for i in start..<end {
                let base = (i - start) * columns
                sql += (i == start ? "(" : ", (") + (1...columns).map { "$\(base + $0)" }.joined(separator: ", ") + ")"
                let before = all.count
                rows[i](&all)
                precondition(all.count - before == columns, "a row of \(all.count - before) values for \(columns) columns")
            }
            out.append(PostgresQuery(unsafeSQL: sql + suffix, binds: all))
            start = end
        }
        return out
    }

    func insert(_ prefix: String, _ conn: PostgresConnection, _ logger: Logger, suffix: String = "") async throws {
        for q in statements(prefix, suffix: suffix) { try await conn.query(q, logger: logger) }
    }

    func insertReturning(_ prefix: String, returning: String, _ conn: PostgresConnection, _ logger: Logger) async throws
        -> [PostgresRowSequence]
    {
        var out: [PostgresRowSequence] = []
        for q in statements(prefix, suffix: " " + returning) { out.append(try await conn.query(q, logger: logger)) }
        return out
    }
}
