public import Foundation
public import HeraldCompiler
public import HeraldRuntime
import Synchronization

/// One line of a request body, read by the rule set in force: an event to
/// evaluate, a reject, or nothing.
public struct PreparedLine: Sendable {
    /// What the line holds.
    public enum Content: Sendable {
        /// Only whitespace.
        case blank
        /// Malformed JSON or an invalid event: its `reject` record.
        case rejected(DecisionRecord)
        /// A valid event and the entity it belongs to.
        case event(ParsedEvent, EntityReference)
    }

    /// What the line holds.
    public var content: Content
    /// The raw bytes, kept with the event or the reject.
    public var raw: [UInt8]
    /// 1-based line number for NDJSON bodies, nil for a single JSON event.
    public var lineNumber: Int?
    /// The event evaluated ahead of the transaction (`HeraldStore.speculate`);
    /// set only by the stores, which trust it when the state matches.
    public internal(set) var speculation: Speculation? = nil
}

/// An event's evaluation made before its transaction, with the state it was
/// made from: valid in the transaction if that state is still the same there
/// (`evaluate` is a function of the event and this state alone).
public struct Speculation: Sendable {
    /// The rule set that evaluated it.
    public var rulesHash: String
    /// The entity's state as the store holds it (its rows' text).
    public var state: EntityStateRows
    /// The state decoded: the pending sends and reminder plans before the event.
    public var pending: [PendingSend]
    /// The reminder plans before the event.
    public var plans: [String: ReminderPlan]
    /// What `IntakeEvaluator.evaluate` gave from that state.
    public var evaluation: EventEvaluation

}

/// An entity's slice of the runtime state as a store keeps it: whether the
/// event id was processed, and the JSON text of the pending `cancel_if`
/// sends and of each reminder plan (by rule, in rule order). Equal rows mean
/// an equal state, without decoding them.
public struct EntityStateRows: Sendable, Equatable {
    /// Whether the event id was processed.
    public var processed: Bool
    /// The pending sends' JSON, if any.
    public var pending: String?
    /// Each reminder plan's rule and JSON, in rule order.
    public var plans: [Plan]

    /// One reminder plan's row.
    public struct Plan: Sendable, Equatable {
        /// The rule.
        public var rule: String
        /// The plan's JSON.
        public var json: String
    }

    /// Creates the rows of a state.
    public init(processed: Bool, pending: String?, plans: [Plan]) {
        self.processed = processed
        self.pending = pending
        self.plans = plans
    }

    /// The decoded pending sends and reminder plans.
    public func decoded() throws -> (pending: [PendingSend], plans: [String: ReminderPlan]) {
        let decoder = JSONDecoder()
        let pending = try self.pending.map { try decoder.decode([PendingSend].self, from: Data($0.utf8)) } ?? []
        var plans: [String: ReminderPlan] = [:]
        for p in self.plans { plans[p.rule] = try decoder.decode(ReminderPlan.self, from: Data(p.json.utf8)) }
        return (pending, plans)
    }
}

/// What one line gave: its records (with delivery ids for sends) and how
/// the metrics count it.
public struct LineResult: Sendable {
    /// How the event counts.
    public enum Outcome: String, Sendable {
        /// Evaluated and stored.
        case processed
        /// Rejected and kept.
        case rejected
        /// A re-posted event: answered, not kept.
        case duplicate
        /// A blank line.
        case blank
    }

    /// The records, in order.
    public var records: [DecisionRecord]
    /// The delivery id of each `send` record, by record index.
    public var deliveryIDs: [Int: String]
    /// How the event counts.
    public var outcome: Outcome
    /// Deliveries cancelled by the event's `cancel` records.
    public var cancelled: [(channel: Channel, count: Int)] = []

    /// The reply's NDJSON lines when the store already wrote them (each
    /// record is encoded once, for the store and the reply alike).
    public var ndjson: [UInt8]?

    /// Appends the records as NDJSON, each send with `"delivery": ID`.
    public func appendNDJSON(to out: inout [UInt8]) {
        out += ndjson ?? Self.ndjson(records, deliveryIDs: deliveryIDs).bytes
    }

    /// The records as NDJSON, each send with `"delivery": ID`, and where
    /// each record's JSON object lies in it (what a store keeps per
    /// decision): every record is encoded once, for the store and the reply.
    static func ndjson(_ records: [DecisionRecord], deliveryIDs: [Int: String]) -> (bytes: [UInt8], objects: [Range<Int>]) {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(records.count * 300)
        var objects: [Range<Int>] = []
        objects.reserveCapacity(records.count)
        for (i, r) in records.enumerated() {
            let start = bytes.count
            appendJSON(r, delivery: deliveryIDs[i], to: &bytes)
            objects.append(start..<bytes.count)
            bytes.append(UInt8(ascii: "\n"))
        }
        return (bytes, objects)
    }

    /// Appends one record's JSON object, with `"delivery": ID` when given.
    public static func appendJSON(_ r: DecisionRecord, delivery: String?, to out: inout [UInt8]) {
        let start = out.count
        r.appendJSON(to: &out)
        if let id = delivery, out.count > start, out[out.count - 1] == UInt8(ascii: "}") {
            out.removeLast()
            out += Array(",\"delivery\":\"".utf8) + Array(id.utf8) + [UInt8(ascii: "\""), UInt8(ascii: "}")]
        }
    }
}

/// What evaluating one event against its entity's slice of the state gave:
/// everything a store writes in the event's transaction.
public struct EventEvaluation: Sendable {
    /// The records, in order.
    public var records: [DecisionRecord]
    /// How the event counts.
    public var outcome: LineResult.Outcome
    /// New deliveries, one per `send` record, with the record's index.
    public var deliveries: [(index: Int, delivery: Delivery)]
    /// Keys whose `scheduled`/`retrying` deliveries are cancelled, with the reason.
    public var cancels: [(key: String, reason: String, channel: Channel)]
    /// The entity's reminder plans after the event (processed events only).
    public var plans: [String: ReminderPlan]
    /// The entity's pending `cancel_if` sends after the event.
    public var pending: [PendingSend] = []
    /// The event's row.
    public var event: StoredEvent?
}

/// An event as the store keeps it.
public struct StoredEvent: Sendable {
    /// Event id.
    public var id: String
    /// Trigger name.
    public var type: String
    /// Its entity.
    public var entity: EntityReference
    /// Client id.
    public var client: String?
    /// Location.
    public var location: String?
    /// `occurred_at` as sent.
    public var occurredAt: String
    /// The entity's status, when the event carries one.
    public var status: String?
    /// The previous status.
    public var previousStatus: String?
    /// The raw bytes.
    public var raw: [UInt8]
}

/// Evaluates events against per-entity slices of the state (docs/service.md "POST /v1/events"):
/// a store reads whether the event id was processed, the entity's reminder
/// plans and its pending `cancel_if` sends, calls `evaluate`, and writes
/// what it returns, all in the event's transaction. Pure: the same inputs give the same outputs but for
/// the delivery ids.
public struct IntakeEvaluator: Sendable {
    /// The rule set in force.
    public let runtime: Runtime
    /// The rule set's content hash.
    public let rulesHash: String

    /// Creates an evaluator for a rule set.
    public init(runtime: Runtime, rulesHash: String) {
        self.runtime = runtime
        self.rulesHash = rulesHash
    }

    /// The most lines with content one NDJSON request may have. The smallest
    /// valid event is about 100 bytes, so a body within the 16 MiB limit
    /// has at most about 170,000 events; more lines than this are short
    /// fragments, each of which would be a reject kept in one transaction
    /// (about a kilobyte of memory each until it commits). Blank lines do
    /// not count: they make no record and are not kept.
    public static let maximumLines = 250_000

    /// A body with more than `maximumLines` lines with content: not read.
    public struct TooManyLines: Error, Sendable, Equatable {
        /// At least how many lines with content it has (counting stops a
        /// line past the limit).
        public var count: Int
    }

    /// Reads a request body: one JSON event (`ndjson` false) or NDJSON
    /// lines. Blank NDJSON lines are left out (they make no record; the
    /// other lines keep their numbers).
    public func prepare(body: [UInt8], ndjson: Bool) throws(TooManyLines) -> [PreparedLine] {
        if !ndjson {
            return [prepare(line: body[...], number: nil)]
        }
        // Where each line with content is, first: a body of fragments is
        // refused before anything is made of it.
        var spans: [(start: Int, end: Int, number: Int)] = []
        var start = 0
        var number = 0
        body.withUnsafeBufferPointer { b in
            while start < b.count {
                var end = start
                var blank = true
                while end < b.count, b[end] != UInt8(ascii: "\n") {
                    switch b[end] {
                    case 0x20, 0x09, 0x0D: break
                    default: blank = false
                    }
                    end += 1
                }
                number += 1
                if !blank {
                    spans.append((start, end, number))
                    // A line past the limit is enough to refuse the body.
                    if spans.count > Self.maximumLines { break }
                }
                start = end + 1
            }
        }
        guard spans.count <= Self.maximumLines else { throw TooManyLines(count: spans.count) }
        return spans.map { prepare(line: body[$0.start..<$0.end], number: $0.number) }
    }

    func prepare(line: ArraySlice<UInt8>, number: Int?) -> PreparedLine {
        // The line is read as `herald eval` reads it, a CR of a CRLF line
        // end included (JSON whitespace, counted in a reject's byte
        // position); the raw bytes kept leave it out.
        let full = Array(line)
        let parsed = runtime.parse(line: full, lineNumber: number ?? 1)
        var bytes = full
        if bytes.last == UInt8(ascii: "\r") { bytes.removeLast() }
        switch parsed {
        case .blank:
            if number == nil {
                var r = DecisionRecord(
                    event: nil, decision: .reject, reason: "malformed-json", message: "the request body is empty")
                r.line = nil
                return PreparedLine(content: .rejected(r), raw: bytes, lineNumber: nil)
            }
            return PreparedLine(content: .blank, raw: bytes, lineNumber: number)
        case .rejected(var record):
            if let number {
                record.line = number
            } else {
                record.line = nil
                if let m = record.message, m.hasPrefix("line 1, ") { record.message = String(m.dropFirst("line 1, ".count)) }
            }
            return PreparedLine(content: .rejected(record), raw: bytes, lineNumber: number)
        case .event(let event):
            return PreparedLine(content: .event(event, runtime.entity(of: event)), raw: bytes, lineNumber: number)
        }
    }

    /// Evaluates `event` given whether its id was processed and its
    /// entity's reminder plans; `newID` names each new delivery.
    public func evaluate(
        _ event: ParsedEvent, entity: EntityReference, raw: [UInt8], lineNumber: Int?, alreadyProcessed: Bool,
        plans: [String: ReminderPlan], pending: [PendingSend] = [], createdAt: Double, newID: () -> String
    ) -> EventEvaluation {
        var state = RuntimeState()
        if alreadyProcessed { state.processedEventIDs = [event.id] }
        if !plans.isEmpty { state.reminders[entity] = plans }
        if !pending.isEmpty { state.pendingSends[entity] = pending }
        var records = runtime.process(event: event, state: &state)
        if records.count == 1, records[0].decision == .reject {
            if lineNumber != nil { records[0].line = lineNumber }
            let duplicate = records[0].reason == "duplicate-event"
            return EventEvaluation(
                records: records, outcome: duplicate ? .duplicate : .rejected, deliveries: [], cancels: [], plans: plans,
                pending: pending, event: nil)
        }
        func text(_ entity: String, _ field: String) -> String? {
            if case .string(let s)? = event.value(FieldPath([entity, field])) { return s }
            return nil
        }
        let now = ServiceTime.rfc3339(createdAt)
        // The ids a delivery is filed under, read once per event.
        let workOrder = text("work_order", "id"), lead = text("lead", "id"), csr = text("csr", "id")
        let client = text("client", "id")
        var deliveries: [(Int, Delivery)] = []
        var cancels: [(String, String, Channel)] = []
        for (i, r) in records.enumerated() {
            switch r.decision {
            case .send:
                guard let channel = r.channel, let to = r.to, let key = r.key, let rule = r.rule else { continue }
                let due = Double(r.sendAtSeconds ?? event.occurredAt.seconds)
                deliveries.append(
                    (
                        i,
                        Delivery(
                            id: newID(), key: key, rule: rule, event: event.id, channel: channel, to: to,
                            sendAt: r.sendAt ?? "", dueAt: due, scheduledFor: due, status: .scheduled, reason: nil, providerID: nil,
                            attemptCount: 0, nextAttemptAt: nil, createdAt: now, updatedAt: now, sentAt: nil,
                            resendOf: nil, workOrder: workOrder, lead: lead, csr: csr, client: client, location: event.location,
                            subject: r.subject, body: r.body, html: r.html, replyTo: r.replyTo,
                            attachments: r.attachments, segments: r.segments, late: r.late, attempts: nil)
                    ))
            case .cancel:
                if let key = r.key, let channel = r.channel { cancels.append((key, r.reason ?? "cancelled", channel)) }
            default: break
            }
        }
        let stored = StoredEvent(
            id: event.id, type: event.trigger.rawValue, entity: entity, client: client,
            location: event.location, occurredAt: RFC3339.format(asGiven: event.occurredAt),
            status: text(entity.entity.rawValue, "status"), previousStatus: text(entity.entity.rawValue, "previous_status"),
            raw: raw)
        return EventEvaluation(
            records: records, outcome: .processed, deliveries: deliveries, cancels: cancels,
            plans: state.reminders[entity] ?? [:], pending: state.pendingSends[entity] ?? [], event: stored)
    }
}

/// Time-ordered unique ids (48-bit milliseconds + 80 random bits, Crockford
/// base32, 26 characters, as ULIDs), usable as file names and in headers.
/// Within one process they increase strictly, also within a millisecond.
public enum DeliveryID {
    private static let alphabet = Array("0123456789abcdefghjkmnpqrstvwxyz".utf8)
    private static let last = Mutex<(ms: UInt64, hi: UInt16, lo: UInt64)>((0, 0, 0))

    /// A new id.
    public static func make(now: Double = Date().timeIntervalSince1970) -> String {
        let clock = UInt64(max(0, now * 1000))
        let (ms, hi, lo) = last.withLock { state -> (UInt64, UInt16, UInt64) in
            if clock > state.ms {
                var rng = SystemRandomNumberGenerator()
                // The top bit is left clear so that increments do not overflow.
                state = (clock, UInt16.random(in: 0...0x7FFF, using: &rng), UInt64.random(in: 0...UInt64.max, using: &rng))
            } else {
                state.lo &+= 1
                if state.lo == 0 { state.hi &+= 1 }
            }
            return state
        }
        var out = [UInt8](repeating: 0, count: 26)
        // 10 characters of time (50 bits, the top 2 zero), 16 of randomness (80 bits).
        for i in 0..<10 { out[9 - i] = alphabet[Int((ms >> (5 * UInt64(i))) & 31)] }
        var bits = lo
        for i in 0..<12 {
            out[25 - i] = alphabet[Int(bits & 31)]
            bits >>= 5
        }
        // 4 bits of lo remain; with hi's 16 they make the last 4 characters.
        var rest = (UInt64(hi) << 4) | bits
        for i in 0..<4 {
            out[13 - i] = alphabet[Int(rest & 31)]
            rest >>= 5
        }
        return String(decoding: out, as: UTF8.self)
    }
}
