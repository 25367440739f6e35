import Foundation
import GRDB
import HeraldCompiler
public import HeraldRuntime
public import ServiceLifecycle

/// The embedded store: one SQLite file through GRDB, in WAL mode with
/// `synchronous=FULL` (a commit is on disk before the reply), for one
/// `herald serve` process. Versioned migrations create and upgrade it.
public final class SQLiteStore: HeraldStore {
    let pool: DatabasePool
    /// How long a claim lasts before `interruptedDeliveries` gives it back.
    let lease: Double

    /// One process: the rules hash is not watched.
    public var isShared: Bool { false }
    /// Copies the write-ahead log into the database file on its own
    /// connection, beside the intake (`Checkpointer`).
    public var backgroundService: (any Service)? { Checkpointer(path: path, interval: .milliseconds(100)) }
    /// Migrations run when the store is opened.
    public func migrate() async throws {}

    let path: String

    /// Opens (creating and migrating when needed) the store at `path`.
    public init(path: String, lease: Swift.Duration = .seconds(60)) throws {
        self.lease = Double(lease.components.seconds)
        self.path = path
        var config = Configuration()
        config.prepareDatabase { db in
            try db.execute(sql: "PRAGMA synchronous = FULL")
            // A 64 MiB page cache and memory-mapped reads: the intake reads
            // the indexes of processed ids and entity state on every event.
            try db.execute(sql: "PRAGMA cache_size = -65536")
            try db.execute(sql: "PRAGMA mmap_size = 268435456")
            try db.execute(sql: "PRAGMA temp_store = MEMORY")
            // The `Checkpointer` copies the log into the database while the
            // intake writes. SQLite's own checkpoint, run by the committing
            // connection, is the fallback when the log grows past 64 MiB
            // (the checkpointer is not running, or cannot keep up).
            try db.execute(sql: "PRAGMA wal_autocheckpoint = 16384")
            // The log file is cut back to 64 MiB when it starts over.
            try db.execute(sql: "PRAGMA journal_size_limit = 67108864")
        }
        config.busyMode = .timeout(10)
        pool = try DatabasePool(path: path, configuration: config)
        try Self.migrator.migrate(pool)
    }

    static var migrator: DatabaseMigrator {
        var m = DatabaseMigrator()
        m.registerMigration("1: events, deliveries, attempts, rejects, state") { db in
            try db.execute(
                sql: """
                    CREATE TABLE events (
                        seq INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, type TEXT NOT NULL,
                        entity_kind TEXT NOT NULL, entity_id TEXT NOT NULL, client_id TEXT, location TEXT,
                        occurred_at TEXT NOT NULL, received_at REAL NOT NULL, status TEXT, previous_status TEXT,
                        raw BLOB NOT NULL);
                    CREATE INDEX events_entity ON events(entity_kind, entity_id, seq);
                    CREATE INDEX events_received ON events(received_at);
                    CREATE TABLE processed_events (id TEXT PRIMARY KEY, received_at REAL NOT NULL) WITHOUT ROWID;
                    CREATE TABLE decisions (
                        event_seq INTEGER NOT NULL, position INTEGER NOT NULL, decision TEXT NOT NULL, rule TEXT,
                        reason TEXT, channel TEXT, key TEXT, delivery_id TEXT, record TEXT NOT NULL,
                        PRIMARY KEY (event_seq, position)) WITHOUT ROWID;
                    CREATE TABLE deliveries (
                        seq INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, key TEXT NOT NULL, rule TEXT NOT NULL,
                        event_id TEXT NOT NULL, channel TEXT NOT NULL, recipient TEXT NOT NULL, send_at TEXT NOT NULL,
                        scheduled_for REAL NOT NULL, due_at REAL NOT NULL, status TEXT NOT NULL, reason TEXT,
                        provider_id TEXT, attempt_count INTEGER NOT NULL DEFAULT 0, next_attempt_at REAL,
                        created_at REAL NOT NULL, updated_at REAL NOT NULL, sent_at REAL, resend_of TEXT,
                        work_order TEXT, lead TEXT, csr TEXT, client TEXT, location TEXT, subject TEXT, body TEXT,
                        html TEXT, reply_to TEXT, attachments TEXT, segments INTEGER, late INTEGER NOT NULL DEFAULT 0,
                        claimed_by TEXT, lease_until REAL);
                    CREATE INDEX deliveries_due ON deliveries(due_at) WHERE status IN ('scheduled', 'retrying');
                    CREATE INDEX deliveries_key ON deliveries(key) WHERE status IN ('scheduled', 'retrying');
                    CREATE INDEX deliveries_sending ON deliveries(status) WHERE status = 'sending';
                    CREATE INDEX deliveries_work_order ON deliveries(work_order, seq);
                    CREATE INDEX deliveries_lead ON deliveries(lead, seq);
                    CREATE INDEX deliveries_csr ON deliveries(csr, seq);
                    CREATE INDEX deliveries_client ON deliveries(client, seq);
                    CREATE INDEX deliveries_status ON deliveries(status, seq);
                    CREATE INDEX deliveries_created ON deliveries(created_at);
                    CREATE TABLE attempts (
                        delivery_id TEXT NOT NULL, number INTEGER NOT NULL, started_at REAL NOT NULL,
                        finished_at REAL, outcome TEXT NOT NULL, detail TEXT,
                        PRIMARY KEY (delivery_id, number)) WITHOUT ROWID;
                    CREATE TABLE rejects (
                        seq INTEGER PRIMARY KEY, received_at REAL NOT NULL, reason TEXT NOT NULL, message TEXT,
                        event_id TEXT, line INTEGER, raw BLOB NOT NULL);
                    CREATE TABLE reminder_plans (
                        entity_kind TEXT NOT NULL, entity_id TEXT NOT NULL, rule TEXT NOT NULL, plan TEXT NOT NULL,
                        PRIMARY KEY (entity_kind, entity_id, rule)) WITHOUT ROWID;
                    CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
                    """)
        }
        m.registerMigration("2: pending cancel_if sends per entity") { db in
            try db.execute(
                sql: """
                    CREATE TABLE pending_sends (
                        entity_kind TEXT NOT NULL, entity_id TEXT NOT NULL, sends TEXT NOT NULL,
                        PRIMARY KEY (entity_kind, entity_id)) WITHOUT ROWID;
                    """)
        }
        m.registerMigration("3: a cancel that comes while a delivery is being sent") { db in
            // The reason of a `cancel` record that found the delivery
            // `sending`: unless that attempt sends it, it ends `cancelled`.
            try db.execute(sql: "ALTER TABLE deliveries ADD COLUMN cancel_requested TEXT")
        }
        m.registerMigration("4: the per-entity indexes of deliveries leave out rows without that entity") { db in
            // A delivery belongs to a work order or a lead or a CSR, rarely
            // more: rows without the id cost an index entry each and were
            // never looked up (`lead = ?` implies `lead IS NOT NULL`, so the
            // queries use the partial indexes).
            for column in ["work_order", "lead", "csr", "client"] {
                try db.execute(
                    sql: """
                        DROP INDEX deliveries_\(column);
                        CREATE INDEX deliveries_\(column) ON deliveries(\(column), seq) WHERE \(column) IS NOT NULL;
                        """)
            }
        }
        return m
    }

    // MARK: Intake

    /// See `HeraldStore.commit(_:evaluator:now:)`.
    public func commit(_ requests: [[PreparedLine]], evaluator: IntakeEvaluator, now: Double) async throws -> [[LineResult]] {
        try await pool.write { db in
            var intake = try Intake(db: db, evaluator: evaluator, now: now)
            var results: [[LineResult]] = []
            results.reserveCapacity(requests.count)
            for lines in requests {
                var out: [LineResult] = []
                out.reserveCapacity(lines.count)
                for line in lines { out.append(try intake.commit(line)) }
                results.append(out)
            }
            return results
        }
    }

    private static let encoder: JSONEncoder = {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys]
        return e
    }()

    /// The statements of one intake transaction, prepared once and bound
    /// through SQLite's C API (`SQLiteRows`).
    private struct Intake {
        let db: Database
        let evaluator: IntakeEvaluator
        let now: Double
        var markProcessed: SQLiteRows
        var unmarkProcessed: SQLiteRows
        var reads: StateReads
        var insertEvent: SQLiteRows
        var cancelWaiting: SQLiteRows
        var cancelSending: SQLiteRows
        var insertDelivery: SQLiteRows
        var insertDecision: SQLiteRows

        init(db: Database, evaluator: IntakeEvaluator, now: Double) throws {
            self.db = db
            self.evaluator = evaluator
            self.now = now
            // The processed-id check and its mark are one statement: a row
            // inserted means the id is new (it is taken back if the event is
            // then rejected).
            markProcessed = try SQLiteRows(db, "INSERT OR IGNORE INTO processed_events (id, received_at) VALUES (?, ?)")
            unmarkProcessed = try SQLiteRows(db, "DELETE FROM processed_events WHERE id = ?")
            reads = try StateReads(db)
            insertEvent = try SQLiteRows(
                db,
                """
                INSERT INTO events (id, type, entity_kind, entity_id, client_id, location, occurred_at, received_at,
                    status, previous_status, raw) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """)
            cancelWaiting = try SQLiteRows(
                db,
                """
                UPDATE deliveries SET status = 'cancelled', reason = ?, updated_at = ?, next_attempt_at = NULL
                WHERE key = ? AND status IN ('scheduled', 'retrying')
                """)
            // An attempt in progress cannot be called back: unless it sends
            // the message, the delivery ends `cancelled` (`finish`).
            cancelSending = try SQLiteRows(
                db,
                """
                UPDATE deliveries SET cancel_requested = COALESCE(cancel_requested, ?), updated_at = ?
                WHERE key = ? AND status = 'sending'
                """)
            insertDelivery = try SQLiteRows(db, SQLiteStore.insertDeliverySQL)
            insertDecision = try SQLiteRows(
                db,
                """
                INSERT INTO decisions (event_seq, position, decision, rule, reason, channel, key, delivery_id, record)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                """)
        }

        mutating func commit(_ line: PreparedLine) throws -> LineResult {
            switch line.content {
            case .blank:
                return LineResult(records: [], deliveryIDs: [:], outcome: .blank)
            case .rejected(let record):
                try SQLiteStore.keepReject(record, raw: line.raw, now: now, db: db)
                return LineResult(records: [record], deliveryIDs: [:], outcome: .rejected)
            case .event(let event, let entity):
                return try commit(event, entity: entity, line: line)
            }
        }

        private mutating func commit(_ event: ParsedEvent, entity: EntityReference, line: PreparedLine) throws -> LineResult {
            markProcessed.bind(event.id)
            markProcessed.bind(now)
            try markProcessed.execute()
            let processed = db.changesCount == 0
            let state = try reads.rows(of: entity, processed: processed)
            let now = self.now
            let e: EventEvaluation
            let plans: [String: ReminderPlan]
            let pending: [PendingSend]
            if let s = line.speculation, s.rulesHash == evaluator.rulesHash, s.state == state {
                (e, plans, pending) = (s.evaluation, s.plans, s.pending)
            } else {
                (pending, plans) = try state.decoded()
                e = evaluator.evaluate(
                    event, entity: entity, raw: line.raw, lineNumber: line.lineNumber, alreadyProcessed: processed,
                    plans: plans, pending: pending, createdAt: now, newID: { DeliveryID.make(now: now) })
            }
            if e.outcome != .processed || e.event == nil, !processed {
                unmarkProcessed.bind(event.id)
                try unmarkProcessed.execute()
            }
            switch e.outcome {
            case .duplicate, .blank:
                return LineResult(records: e.records, deliveryIDs: [:], outcome: .duplicate)
            case .rejected:
                try SQLiteStore.keepReject(e.records[0], raw: line.raw, now: now, db: db)
                return LineResult(records: e.records, deliveryIDs: [:], outcome: .rejected)
            case .processed:
                break
            }
            guard let stored = e.event else { return LineResult(records: e.records, deliveryIDs: [:], outcome: .processed) }
            insertEvent.bind(stored.id)
            insertEvent.bind(stored.type)
            insertEvent.bind(stored.entity.entity.rawValue)
            insertEvent.bind(stored.entity.id)
            insertEvent.bind(stored.client)
            insertEvent.bind(stored.location)
            insertEvent.bind(stored.occurredAt)
            insertEvent.bind(now)
            insertEvent.bind(stored.status)
            insertEvent.bind(stored.previousStatus)
            insertEvent.bindBlob(stored.raw)
            try insertEvent.execute()
            let seq = db.lastInsertedRowID
            var ids: [Int: String] = [:]
            var cancelled: [(Channel, Int)] = []
            for c in e.cancels {
                cancelWaiting.bind(c.reason)
                cancelWaiting.bind(now)
                cancelWaiting.bind(c.key)
                try cancelWaiting.execute()
                cancelled.append((c.channel, db.changesCount))
                cancelSending.bind(c.reason)
                cancelSending.bind(now)
                cancelSending.bind(c.key)
                try cancelSending.execute()
            }
            for (index, d) in e.deliveries {
                try SQLiteStore.bindDelivery(d, now: now, into: &insertDelivery)
                try insertDelivery.execute()
                ids[index] = d.id
            }
            let reply = LineResult.ndjson(e.records, deliveryIDs: ids)
            for (i, r) in e.records.enumerated() {
                insertDecision.bind(seq)
                insertDecision.bind(i)
                insertDecision.bind(r.decision.rawValue)
                insertDecision.bind(r.rule)
                insertDecision.bind(r.reason)
                insertDecision.bind(r.channel?.rawValue)
                insertDecision.bind(r.key)
                insertDecision.bind(ids[i])
                insertDecision.bindText(reply.bytes[reply.objects[i]])
                try insertDecision.execute()
            }
            if plans != e.plans {
                try db.cachedStatement(sql: "DELETE FROM reminder_plans WHERE entity_kind = ? AND entity_id = ?")
                    .execute(arguments: [entity.entity.rawValue, entity.id])
                let insertPlan = try db.cachedStatement(
                    sql: "INSERT INTO reminder_plans (entity_kind, entity_id, rule, plan) VALUES (?, ?, ?, ?)")
                for (rule, plan) in e.plans {
                    let text = String(decoding: try SQLiteStore.encoder.encode(plan), as: UTF8.self)
                    try insertPlan.execute(arguments: [entity.entity.rawValue, entity.id, rule, text])
                }
            }
            if pending != e.pending {
                try db.cachedStatement(sql: "DELETE FROM pending_sends WHERE entity_kind = ? AND entity_id = ?")
                    .execute(arguments: [entity.entity.rawValue, entity.id])
                if !e.pending.isEmpty {
                    let text = String(decoding: try SQLiteStore.encoder.encode(e.pending), as: UTF8.self)
                    try db.cachedStatement(sql: "INSERT INTO pending_sends (entity_kind, entity_id, sends) VALUES (?, ?, ?)")
                        .execute(arguments: [entity.entity.rawValue, entity.id, text])
                }
            }
            var result = LineResult(records: e.records, deliveryIDs: ids, outcome: .processed)
            result.cancelled = cancelled
            result.ndjson = reply.bytes
            return result
        }
    }

    /// See `HeraldStore.speculate(_:evaluator:)`: the state is read in one
    /// read transaction (the same reads as the intake's), then each event is
    /// evaluated outside it, beside the transaction being written.
    public func speculate(_ lines: [PreparedLine], evaluator: IntakeEvaluator) async -> [PreparedLine] {
        // A request of a few events gains less than its own read transaction
        // costs (single events are grouped in the writer's transaction).
        guard lines.count >= Self.speculationMinimum else { return lines }
        guard let states = try? await pool.read({ db -> [EntityStateRows?] in
            var reads = try StateReads(db)
            return try lines.map { line in
                guard case .event(let event, let entity) = line.content else { return nil }
                return try reads.rows(of: entity, processed: reads.isProcessed(event.id))
            }
        }) else { return lines }
        let now = ServiceTime.now()
        var out = lines
        for (i, state) in states.enumerated() {
            guard let state, case .event(let event, let entity) = lines[i].content,
                let (pending, plans) = try? state.decoded()
            else { continue }
            let e = evaluator.evaluate(
                event, entity: entity, raw: lines[i].raw, lineNumber: lines[i].lineNumber,
                alreadyProcessed: state.processed, plans: plans, pending: pending, createdAt: now,
                newID: { DeliveryID.make(now: now) })
            out[i].speculation = Speculation(
                rulesHash: evaluator.rulesHash, state: state, pending: pending, plans: plans, evaluation: e)
        }
        return out
    }

    /// The fewest lines of a request that `speculate` evaluates ahead.
    static let speculationMinimum = 16

    /// Reads an entity's slice of the state (`EntityStateRows`), the same
    /// way in the intake's transaction and ahead of it.
    private struct StateReads {
        var selectProcessed: SQLiteRows
        var selectPending: SQLiteRows
        var selectPlans: SQLiteRows

        init(_ db: Database) throws {
            selectProcessed = try SQLiteRows(db, "SELECT 1 FROM processed_events WHERE id = ?")
            selectPending = try SQLiteRows(db, "SELECT sends FROM pending_sends WHERE entity_kind = ? AND entity_id = ?")
            selectPlans = try SQLiteRows(
                db, "SELECT rule, plan FROM reminder_plans WHERE entity_kind = ? AND entity_id = ? ORDER BY rule")
        }

        /// Whether the event id was processed.
        mutating func isProcessed(_ id: String) throws -> Bool {
            selectProcessed.bind(id)
            defer { selectProcessed.reset() }
            return try selectProcessed.next()
        }

        /// The entity's rows; only `processed` for an event already
        /// processed (its evaluation reads nothing else).
        mutating func rows(of entity: EntityReference, processed: Bool) throws -> EntityStateRows {
            guard !processed else { return EntityStateRows(processed: true, pending: nil, plans: []) }
            selectPending.bind(entity.entity.rawValue)
            selectPending.bind(entity.id)
            let pending = try selectPending.next() ? selectPending.text(0) : nil
            selectPending.reset()
            selectPlans.bind(entity.entity.rawValue)
            selectPlans.bind(entity.id)
            defer { selectPlans.reset() }
            var plans: [EntityStateRows.Plan] = []
            while try selectPlans.next() {
                guard let rule = selectPlans.text(0), let json = selectPlans.text(1) else { continue }
                plans.append(EntityStateRows.Plan(rule: rule, json: json))
            }
            return EntityStateRows(processed: false, pending: pending, plans: plans)
        }
    }

    private static func keepReject(_ record: DecisionRecord, raw: [UInt8], now: Double, db: Database) throws {
        var insert = try SQLiteRows(
            db, "INSERT INTO rejects (received_at, reason, message, event_id, line, raw) VALUES (?, ?, ?, ?, ?, ?)")
        insert.bind(now)
        insert.bind(record.reason ?? "invalid-event")
        insert.bind(record.message)
        insert.bind(record.event)
        insert.bind(record.line)
        insert.bindBlob(raw)
        try insert.execute()
    }

    static let insertDeliverySQL = """
        INSERT INTO deliveries (id, key, rule, event_id, channel, recipient, send_at, scheduled_for, due_at, status,
            created_at, updated_at, resend_of, work_order, lead, csr, client, location, subject, body, html,
            reply_to, attachments, segments, late)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'scheduled', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
        """

    /// Binds a new delivery's row to `insertDeliverySQL`.
    private static func bindDelivery(_ d: Delivery, now: Double, into s: inout SQLiteRows) throws {
        let attachments = try d.attachments.map { String(decoding: try encoder.encode($0), as: UTF8.self) }
        s.bind(d.id)
        s.bind(d.key)
        s.bind(d.rule)
        s.bind(d.event)
        s.bind(d.channel.rawValue)
        s.bind(d.to)
        s.bind(d.sendAt)
        s.bind(d.scheduledFor)
        s.bind(d.dueAt)
        s.bind(now)
        s.bind(now)
        s.bind(d.resendOf)
        s.bind(d.workOrder)
        s.bind(d.lead)
        s.bind(d.csr)
        s.bind(d.client)
        s.bind(d.location)
        s.bind(d.subject)
        s.bind(d.body)
        s.bind(d.html)
        s.bind(d.replyTo)
        s.bind(attachments)
        s.bind(d.segments)
        s.bind(d.late)
    }

    private static func insert(_ d: Delivery, now: Double, db: Database) throws {
        var insert = try SQLiteRows(db, insertDeliverySQL)
        try bindDelivery(d, now: now, into: &insert)
        try insert.execute()
    }

    // MARK: Scheduling

    static let deliveryColumns = """
        seq, id, key, rule, event_id, channel, recipient, send_at, scheduled_for, due_at, status, reason, provider_id, attempt_count,
        next_attempt_at, created_at, updated_at, sent_at, resend_of, work_order, lead, csr, client, location, subject,
        body, html, reply_to, attachments, segments, late
        """

    static func delivery(_ row: Row) -> Delivery {
        let attachmentsText: String? = row["attachments"]
        let attachments = attachmentsText.flatMap {
            try? JSONDecoder().decode([DecisionRecord.Attachment].self, from: Data($0.utf8))
        }
        let next: Double? = row["next_attempt_at"]
        let sent: Double? = row["sent_at"]
        return Delivery(
            id: row["id"], key: row["key"], rule: row["rule"], event: row["event_id"],
            channel: Channel(rawValue: row["channel"]) ?? .email, to: row["recipient"], sendAt: row["send_at"],
            dueAt: row["due_at"], scheduledFor: row["scheduled_for"], status: Delivery.Status(rawValue: row["status"]) ?? .failed, reason: row["reason"],
            providerID: row["provider_id"], attemptCount: row["attempt_count"],
            nextAttemptAt: next.map(ServiceTime.rfc3339), createdAt: ServiceTime.rfc3339(row["created_at"]),
            updatedAt: ServiceTime.rfc3339(row["updated_at"]), sentAt: sent.map(ServiceTime.rfc3339),
            resendOf: row["resend_of"], workOrder: row["work_order"], lead: row["lead"], csr: row["csr"],
            client: row["client"], location: row["location"], subject: row["subject"], body: row["body"],
            html: row["html"], replyTo: row["reply_to"], attachments: attachments, segments: row["segments"],
            late: row["late"], attempts: nil)
    }

    /// See `HeraldStore.claimDue(now:limit:)`.
    public func claimDue(now: Double, limit: Int) async throws -> [Delivery] {
        try await pool.write { db in
            let rows = try Row.fetchAll(
                db.cachedStatement(
                    sql: """
                        SELECT \(Self.deliveryColumns) FROM deliveries
                        WHERE status IN ('scheduled', 'retrying') AND due_at <= ? ORDER BY due_at LIMIT ?
                        """), arguments: [now, limit])
            var claimed: [Delivery] = []
            for row in rows {
                var d = Self.delivery(row)
                d.attemptCount += 1
                d.status = .sending
                try db.cachedStatement(
                    sql: """
                        UPDATE deliveries SET status = 'sending', attempt_count = ?, updated_at = ?, lease_until = ?
                        WHERE id = ?
                        """
                ).execute(arguments: [d.attemptCount, now, now + lease, d.id])
                try db.cachedStatement(
                    sql: "INSERT INTO attempts (delivery_id, number, started_at, outcome) VALUES (?, ?, ?, 'started')"
                ).execute(arguments: [d.id, d.attemptCount, now])
                claimed.append(d)
            }
            return claimed
        }
    }

    /// See `HeraldStore.finish(_:)`.
    @discardableResult
    public func finish(_ results: [AttemptResult]) async throws -> Set<String> {
        guard !results.isEmpty else { return [] }
        return try await pool.write { db in
            var cancelled: Set<String> = []
            for r in results {
                // One statement: a cancel that came during the attempt
                // (`cancel_requested`) ends the delivery `cancelled` unless
                // the attempt sent it.
                let ends = r.status != .sent
                let statuses = try String.fetchAll(
                    db.cachedStatement(
                        sql: """
                            UPDATE deliveries SET
                                status = CASE WHEN ? AND cancel_requested IS NOT NULL THEN 'cancelled' ELSE ? END,
                                reason = CASE WHEN ? AND cancel_requested IS NOT NULL THEN cancel_requested ELSE ? END,
                                provider_id = COALESCE(?, provider_id),
                                next_attempt_at = CASE WHEN ? AND cancel_requested IS NOT NULL THEN NULL ELSE ? END,
                                due_at = CASE WHEN ? AND cancel_requested IS NOT NULL THEN due_at ELSE COALESCE(?, due_at) END,
                                sent_at = CASE WHEN ? = 'sent' THEN ? ELSE sent_at END, updated_at = ?
                            WHERE id = ? AND status = 'sending' AND attempt_count = ?
                            RETURNING status
                            """),
                    arguments: [
                        ends, r.status.rawValue, ends, r.status == .sent ? nil : r.detail, r.providerID, ends, r.nextAttemptAt,
                        ends, r.nextAttemptAt, r.status.rawValue, r.finishedAt, r.finishedAt, r.deliveryID, r.attempt,
                    ])
                if statuses.contains("cancelled") { cancelled.insert(r.deliveryID) }
                if r.isRecovery && statuses.isEmpty { continue }
                try db.cachedStatement(
                    sql: "UPDATE attempts SET finished_at = ?, outcome = ?, detail = ? WHERE delivery_id = ? AND number = ?"
                ).execute(arguments: [r.finishedAt, r.outcome.rawValue, r.detail, r.deliveryID, r.attempt])
            }
            return cancelled
        }
    }

    /// See `HeraldStore.interruptedDeliveries(now:startup:)`: at start-up
    /// every `sending` delivery (one process uses the file), later none.
    public func interruptedDeliveries(now: Double, startup: Bool) async throws -> [Delivery] {
        // One process uses the file: after start-up every `sending` delivery
        // is one of this process's attempts in progress, however long it takes.
        guard startup else { return [] }
        return try await pool.read { db in
            try Row.fetchAll(
                db,
                sql: "SELECT \(Self.deliveryColumns) FROM deliveries WHERE status = 'sending'"
            ).map(Self.delivery)
        }
    }

    /// See `HeraldStore.nextDueTime()`.
    public func nextDueTime() async throws -> Double? {
        try await pool.read { db in
            try Double.fetchOne(db, sql: "SELECT MIN(due_at) FROM deliveries WHERE status IN ('scheduled', 'retrying')")
        }
    }

    /// See `HeraldStore.dueCount(now:)`.
    public func dueCount(now: Double) async throws -> Int {
        try await pool.read { db in
            try Int.fetchOne(
                db,
                sql: """
                    SELECT (SELECT COUNT(*) FROM deliveries WHERE status IN ('scheduled', 'retrying') AND due_at <= ?)
                        + (SELECT COUNT(*) FROM deliveries WHERE status = 'sending')
                    """,
                arguments: [now]) ?? 0
        }
    }

    // MARK: Log

    /// See `HeraldStore.delivery(id:)`.
    public func delivery(id: String) async throws -> Delivery? {
        try await pool.read { db in
            guard let row = try Row.fetchOne(
                db, sql: "SELECT \(Self.deliveryColumns) FROM deliveries WHERE id = ?", arguments: [id])
            else { return nil }
            var d = Self.delivery(row)
            d.attempts = try Row.fetchAll(
                db, sql: "SELECT * FROM attempts WHERE delivery_id = ? ORDER BY number", arguments: [id]
            ).map { a in
                let finished: Double? = a["finished_at"]
                return Attempt(
                    number: a["number"], startedAt: ServiceTime.rfc3339(a["started_at"]),
                    finishedAt: finished.map(ServiceTime.rfc3339),
                    outcome: Attempt.Outcome(rawValue: a["outcome"]) ?? .started, detail: a["detail"])
            }
            return d
        }
    }

    /// The WHERE clauses and arguments of a delivery query's filters.
    static func filter(_ q: DeliveryQuery, status: Bool = true, cursor: Bool = true)
        -> (clauses: [String], args: [(any DatabaseValueConvertible)?])
    {
        var clauses: [String] = []
        var args: [(any DatabaseValueConvertible)?] = []
        func add(_ clause: String, _ value: (any DatabaseValueConvertible)?) {
            clauses.append(clause)
            args.append(value)
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
        if cursor, let v = q.before { add("seq < ?", v) }
        return (clauses, args)
    }

    /// See `HeraldStore.deliveries(_:)`.
    public func deliveries(_ q: DeliveryQuery) async throws -> Page<Delivery> {
        var (clauses, args) = Self.filter(q)
        let limit = q.limit
        let sql = "SELECT \(Self.deliveryColumns) FROM deliveries"
            + (clauses.isEmpty ? "" : " WHERE " + clauses.joined(separator: " AND ")) + " ORDER BY seq DESC LIMIT ?"
        args.append(limit + 1)
        let arguments = StatementArguments(args)
        return try await pool.read { db in
            let rows = try Row.fetchAll(db, sql: sql, arguments: arguments)
            let page = rows.prefix(limit)
            let next: Int64? = rows.count > limit ? page.last?["seq"] : nil
            return Page(items: page.map(Self.delivery), nextBefore: next)
        }
    }

    /// See `HeraldStore.deliveryCounts(_:)`.
    public func deliveryCounts(_ q: DeliveryQuery) async throws -> [Delivery.Status: Int] {
        let (clauses, args) = Self.filter(q, status: false, cursor: false)
        let sql = "SELECT status, COUNT(*) AS n FROM deliveries"
            + (clauses.isEmpty ? "" : " WHERE " + clauses.joined(separator: " AND ")) + " GROUP BY status"
        let arguments = StatementArguments(args)
        return try await pool.read { db in
            var counts: [Delivery.Status: Int] = [:]
            for row in try Row.fetchAll(db, sql: sql, arguments: arguments) {
                if let status = Delivery.Status(rawValue: row["status"]) { counts[status] = row["n"] }
            }
            return counts
        }
    }

    /// See `HeraldStore.deliveriesPerHour(since:until:)`.
    public func deliveriesPerHour(since: Double, until: Double) async throws -> [HourlyDeliveryCount] {
        try await pool.read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT CAST(created_at / 3600 AS INTEGER) AS h, status, COUNT(*) AS n FROM deliveries
                    WHERE created_at >= ? AND created_at < ? GROUP BY h, status ORDER BY h
                    """, arguments: [since, until]
            ).compactMap { row in
                guard let status = Delivery.Status(rawValue: row["status"]) else { return nil }
                let h: Int64 = row["h"]
                return HourlyDeliveryCount(hour: h * 3600, status: status, count: row["n"])
            }
        }
    }

    /// See `HeraldStore.stateSnapshot(eventID:entity:)`: the same reads as
    /// the intake, in a read-only transaction.
    public func stateSnapshot(eventID: String, entity: EntityReference) async throws -> EntityStateSnapshot {
        try await pool.read { db in
            let processed = try Bool.fetchOne(db, sql: "SELECT 1 FROM processed_events WHERE id = ?", arguments: [eventID]) ?? false
            var plans: [String: ReminderPlan] = [:]
            for row in try Row.fetchAll(
                db, sql: "SELECT rule, plan FROM reminder_plans WHERE entity_kind = ? AND entity_id = ?",
                arguments: [entity.entity.rawValue, entity.id])
            {
                let rule: String = row["rule"]
                let text: String = row["plan"]
                plans[rule] = try JSONDecoder().decode(ReminderPlan.self, from: Data(text.utf8))
            }
            return EntityStateSnapshot(eventProcessed: processed, plans: plans)
        }
    }

    /// See `HeraldStore.resend(id:newID:now:)`.
    public func resend(id: String, newID: String, now: Double) async throws -> ResendResult {
        let result = try await pool.write { db -> Delivery? in
            guard let row = try Row.fetchOne(
                db, sql: "SELECT \(Self.deliveryColumns) FROM deliveries WHERE id = ?", arguments: [id])
            else { return nil }
            let old = Self.delivery(row)
            guard old.status == .sent || old.status == .failed else { return old }
            var copy = old
            copy.id = newID
            copy.resendOf = id
            copy.dueAt = now
            copy.scheduledFor = now
            // Scheduled now (SPEC §12.5): its send_at is the time of the re-send.
            copy.sendAt = ServiceTime.rfc3339(now, offsetLike: old.sendAt)
            copy.status = .scheduled
            try Self.insert(copy, now: now, db: db)
            return copy
        }
        guard let d = result else { return .notFound }
        guard d.id == newID else { return .conflict(d.status) }
        return .created(try await delivery(id: newID) ?? d)
    }

    /// See `HeraldStore.timeline(_:)`.
    public func timeline(_ entity: EntityReference) async throws -> [TimelineItem]? {
        try await pool.read { db in
            var items: [TimelineItem] = []
            var order: Int64 = 0
            let events = try Row.fetchAll(
                db,
                sql: """
                    SELECT seq, id, type, occurred_at, received_at, status, previous_status FROM events
                    WHERE entity_kind = ? AND entity_id = ? ORDER BY seq
                    """, arguments: [entity.entity.rawValue, entity.id])
            for e in events {
                let received: Double = e["received_at"]
                order += 1
                var json: [String: JSONValue] = [
                    "kind": .string("event"), "id": .string(e["id"]), "event": .string(e["id"]), "type": .string(e["type"]),
                    "occurred_at": .string(e["occurred_at"]), "at": .string(ServiceTime.rfc3339(received)),
                ]
                if let s: String = e["status"] { json["status"] = .string(s) }
                if let s: String = e["previous_status"] { json["previous_status"] = .string(s) }
                items.append(TimelineItem(at: received, order: order, json: json))
                let seq: Int64 = e["seq"]
                for d in try Row.fetchAll(
                    db, sql: "SELECT record, delivery_id, decision, key FROM decisions WHERE event_seq = ? ORDER BY position",
                    arguments: [seq])
                {
                    order += 1
                    var json: [String: JSONValue] = [
                        "kind": .string("decision"), "record": .raw(d["record"]),
                        "at": .string(ServiceTime.rfc3339(received)),
                    ]
                    if let id: String = d["delivery_id"] { json["delivery"] = .string(id) }
                    let decision: String = d["decision"]
                    items.append(
                        TimelineItem(at: received, order: order, json: json, cancelKey: decision == "cancel" ? d["key"] : nil))
                }
            }
            let column: String
            switch entity.entity {
            case .lead: column = "lead"
            case .csr: column = "csr"
            default: column = "work_order"
            }
            let deliveries = try Row.fetchAll(
                db, sql: "SELECT seq, id, key, channel, status, reason, updated_at, resend_of FROM deliveries WHERE \(column) = ? ORDER BY seq",
                arguments: [entity.id])
            for d in deliveries {
                let id: String = d["id"]
                let resendOf: String? = d["resend_of"]
                for a in try Row.fetchAll(
                    db, sql: "SELECT * FROM attempts WHERE delivery_id = ? ORDER BY number", arguments: [id])
                {
                    let started: Double = a["started_at"]
                    order += 1
                    var json: [String: JSONValue] = [
                        "kind": .string("attempt"), "delivery": .string(id), "number": .int(a["number"]),
                        "outcome": .string(a["outcome"]), "at": .string(ServiceTime.rfc3339(started)),
                        "channel": .string(d["channel"]),
                    ]
                    if let detail: String = a["detail"] { json["detail"] = .string(detail) }
                    if let resendOf { json["resend_of"] = .string(resendOf) }
                    items.append(TimelineItem(at: started, order: order, json: json))
                }
                let status: String = d["status"]
                if ["sent", "failed", "cancelled"].contains(status) {
                    let updated: Double = d["updated_at"]
                    order += 1
                    var json: [String: JSONValue] = [
                        "kind": .string("delivery"), "delivery": .string(id), "status": .string(status),
                        "channel": .string(d["channel"]), "at": .string(ServiceTime.rfc3339(updated)),
                    ]
                    if let r: String = d["reason"] { json["reason"] = .string(r) }
                    if let resendOf { json["resend_of"] = .string(resendOf) }
                    items.append(TimelineItem(at: updated, order: order, json: json, cancelKey: d["key"]))
                }
            }
            if items.isEmpty { return nil }
            return TimelineItem.inOrder(items)
        }
    }

    /// See `HeraldStore.rejects(_:)`.
    public func rejects(_ q: RejectQuery) async throws -> Page<RejectedEvent> {
        var clauses: [String] = []
        var args: [(any DatabaseValueConvertible)?] = []
        if let v = q.since {
            clauses.append("received_at >= ?")
            args.append(v)
        }
        if let v = q.until {
            clauses.append("received_at < ?")
            args.append(v)
        }
        if let v = q.before {
            clauses.append("seq < ?")
            args.append(v)
        }
        let limit = q.limit
        args.append(limit + 1)
        let sql = "SELECT * FROM rejects" + (clauses.isEmpty ? "" : " WHERE " + clauses.joined(separator: " AND "))
            + " ORDER BY seq DESC LIMIT ?"
        let arguments = StatementArguments(args)
        return try await pool.read { db in
            let rows = try Row.fetchAll(db, sql: sql, arguments: arguments)
            let page = rows.prefix(limit)
            let next: Int64? = rows.count > limit ? page.last?["seq"] : nil
            return Page(
                items: page.map { r in
                    let raw: Data = r["raw"]
                    return RejectedEvent(
                        id: r["seq"], receivedAt: ServiceTime.rfc3339(r["received_at"]), reason: r["reason"],
                        message: r["message"], event: r["event_id"], line: r["line"],
                        raw: String(decoding: raw, as: UTF8.self))
                }, nextBefore: next)
        }
    }

    // MARK: Housekeeping

    /// See `HeraldStore.ping()`.
    public func ping() async throws {
        _ = try await pool.read { db in try Int.fetchOne(db, sql: "SELECT 1") }
    }

    /// See `HeraldStore.metadata(_:)`.
    public func metadata(_ key: String) async throws -> String? {
        try await pool.read { db in try String.fetchOne(db, sql: "SELECT value FROM meta WHERE key = ?", arguments: [key]) }
    }

    /// See `HeraldStore.setMetadata(_:_:)`.
    public func setMetadata(_ key: String, _ value: String) async throws {
        try await pool.write { db in
            try db.execute(
                sql: "INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                arguments: [key, value])
        }
    }

    /// See `HeraldStore.prune(before:)`. Processed event ids are kept twice
    /// as long, so that a late retry of an old event is still a duplicate.
    public func prune(before: Double) async throws -> Int {
        try await pool.write { db in
            var n = 0
            try db.execute(
                sql: "DELETE FROM decisions WHERE event_seq IN (SELECT seq FROM events WHERE received_at < ?)",
                arguments: [before])
            try db.execute(sql: "DELETE FROM events WHERE received_at < ?", arguments: [before])
            n += db.changesCount
            try db.execute(sql: "DELETE FROM rejects WHERE received_at < ?", arguments: [before])
            n += db.changesCount
            try db.execute(
                sql: """
                    DELETE FROM attempts WHERE delivery_id IN (SELECT id FROM deliveries
                    WHERE updated_at < ? AND status IN ('sent', 'failed', 'cancelled'))
                    """, arguments: [before])
            try db.execute(
                sql: "DELETE FROM deliveries WHERE updated_at < ? AND status IN ('sent', 'failed', 'cancelled')",
                arguments: [before])
            n += db.changesCount
            let kept = before - (ServiceTime.now() - before)
            try db.execute(sql: "DELETE FROM processed_events WHERE received_at < ?", arguments: [kept])
            return n
        }
    }
}

/// Copies an SQLite store's write-ahead log into its database file, every
/// `interval`, on a connection of its own.
///
/// SQLite checkpoints in the connection that commits, so the intake's
/// writer would stop taking events while pages are copied and the file is
/// synced. A passive checkpoint on another connection never blocks the
/// writer or readers; it copies what no reader still needs, and the next
/// transaction starts the log over once all of it is copied.
struct Checkpointer: Service {
    let path: String
    let interval: Duration

    func run() async throws {
        var config = Configuration()
        config.prepareDatabase { db in try db.execute(sql: "PRAGMA synchronous = FULL") }
        config.busyMode = .timeout(10)
        // Without its connection the writer's own checkpoints do the work.
        guard let connection = try? DatabaseQueue(path: path, configuration: config) else { return }
        while !Task.isCancelled {
            do { try await Task.sleep(for: interval) } catch { return }
            // A failed checkpoint is retried on the next turn; the writer's
            // own checkpoint bounds the log meanwhile.
            try? await connection.writeWithoutTransaction { db in
                _ = try Row.fetchOne(db, sql: "PRAGMA wal_checkpoint(PASSIVE)")
            }
        }
    }
}
