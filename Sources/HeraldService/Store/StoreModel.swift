public import Foundation
public import HeraldCompiler
public import HeraldRuntime
import HeraldModel

/// A message Herald has to send, and what became of it (docs/service.md "Deliveries and their statuses").
public struct Delivery: Sendable, Hashable, Codable {
    /// Statuses of docs/service.md "Deliveries and their statuses".
    public enum Status: String, Sendable, Hashable, Codable, CaseIterable {
        /// Waiting for `send_at`.
        case scheduled
        /// Handed to a transport, outcome not yet recorded.
        case sending
        /// Accepted by the transport.
        case sent
        /// A transient failure; next attempt at `next_attempt_at`.
        case retrying
        /// A permanent failure, or transient ones past `give_up_after`.
        case failed
        /// Cancelled by a `cancel` record before it was sent.
        case cancelled
    }

    /// Unique id (also the file name in the outbox and the idempotency key).
    public var id: String
    /// The decision key (docs/rule-language.md §10.3).
    public var key: String
    /// The rule that planned it.
    public var rule: String
    /// The event whose record made it.
    public var event: String
    /// `email` or `sms`.
    public var channel: Channel
    /// Address.
    public var to: String
    /// When to send, as the record printed it (the event's zone).
    public var sendAt: String
    /// When the next attempt is due, seconds since 1970.
    public var dueAt: Double
    /// When it was first due (`send_at`, or the resend time), seconds
    /// since 1970: `retry.give_up_after` counts from here.
    public var scheduledFor: Double
    /// Current status.
    public var status: Status
    /// Why it failed or was cancelled.
    public var reason: String?
    /// The provider's message id once sent.
    public var providerID: String?
    /// Attempts started so far.
    public var attemptCount: Int
    /// When the next attempt is due (`retrying`).
    public var nextAttemptAt: String?
    /// When the delivery was created (RFC 3339, UTC).
    public var createdAt: String
    /// When its status last changed (RFC 3339, UTC).
    public var updatedAt: String
    /// When the transport accepted it.
    public var sentAt: String?
    /// The delivery this one re-sends.
    public var resendOf: String?
    /// The event's work order, lead, service request, client and location.
    public var workOrder: String?
    /// The lead id.
    public var lead: String?
    /// The service request id.
    public var csr: String?
    /// The client id.
    public var client: String?
    /// The event's location.
    public var location: String?
    /// Email subject.
    public var subject: String?
    /// Email or SMS text.
    public var body: String?
    /// Email html part.
    public var html: String?
    /// Reply-To address.
    public var replyTo: String?
    /// Attachments to fetch at send time.
    public var attachments: [DecisionRecord.Attachment]?
    /// SMS segments.
    public var segments: Int?
    /// A late reminder.
    public var late: Bool
    /// Its attempts (only in single-delivery replies).
    public var attempts: [Attempt]?

    enum CodingKeys: String, CodingKey {
        case id, key, rule, event, channel, to, status, reason, subject, body, html, attachments, segments, late, attempts
        case location, client, lead, csr
        case sendAt = "send_at"
        case dueAt = "due_at"
        case scheduledFor = "scheduled_for"
        case providerID = "provider_id"
        case attemptCount = "attempt_count"
        case nextAttemptAt = "next_attempt_at"
        case createdAt = "created_at"
        case updatedAt = "updated_at"
        case sentAt = "sent_at"
        case resendOf = "resend_of"
        case workOrder = "work_order"
        case replyTo = "reply_to"
    }
}

/// One try at handing a delivery to its transport.
public struct Attempt: Sendable, Hashable, Codable {
    /// What an attempt ended with.
    public enum Outcome: String, Sendable, Hashable, Codable {
        /// Still running (or the process died during it).
        case started
        /// Accepted.
        case sent
        /// Failed, will be retried.
        case transient
        /// Failed for good.
        case permanent
        /// The process stopped during the attempt; re-examined at restart.
        case interrupted
    }

    /// 1-based attempt number.
    public var number: Int
    /// When it started (RFC 3339, UTC).
    public var startedAt: String
    /// When it ended.
    public var finishedAt: String?
    /// Its outcome.
    public var outcome: Outcome
    /// The transport's answer.
    public var detail: String?

    enum CodingKeys: String, CodingKey {
        case number, outcome, detail
        case startedAt = "started_at"
        case finishedAt = "finished_at"
    }
}

/// A rejected event kept with its raw bytes (docs/service.md "The HTTP API").
public struct RejectedEvent: Sendable, Hashable, Codable {
    /// Store sequence number.
    public var id: Int64
    /// When it was received (RFC 3339, UTC).
    public var receivedAt: String
    /// `malformed-json`, `invalid-event`, `unknown-location`.
    public var reason: String
    /// What was wrong.
    public var message: String?
    /// The event id, when it could be read.
    public var event: String?
    /// The input line, for NDJSON.
    public var line: Int?
    /// The raw bytes as text.
    public var raw: String

    enum CodingKeys: String, CodingKey {
        case id, reason, message, event, line, raw
        case receivedAt = "received_at"
    }
}

/// Filters of `GET /v1/deliveries`.
public struct DeliveryQuery: Sendable, Hashable {
    /// Only this status.
    public var status: Delivery.Status?
    /// Only this channel.
    public var channel: Channel?
    /// Only this rule.
    public var rule: String?
    /// Only this work order.
    public var workOrder: String?
    /// Only this lead.
    public var lead: String?
    /// Only this service request.
    public var csr: String?
    /// Only this client.
    public var client: String?
    /// Only this location.
    public var location: String?
    /// Created at or after (seconds since 1970).
    public var since: Double?
    /// Created before.
    public var until: Double?
    /// Page size.
    public var limit = 50
    /// Continue below this sequence number (from a cursor).
    public var before: Int64?

    /// Creates an unfiltered query.
    public init() {}
}

/// Filters of `GET /v1/rejects`.
public struct RejectQuery: Sendable, Hashable {
    /// Received at or after.
    public var since: Double?
    /// Received before.
    public var until: Double?
    /// Page size.
    public var limit = 50
    /// Continue below this sequence number.
    public var before: Int64?

    /// Creates an unfiltered query.
    public init() {}
}

/// One page of a list, newest first.
public struct Page<Item: Sendable>: Sendable {
    /// The items.
    public var items: [Item]
    /// The sequence number to continue below, when there may be more.
    public var nextBefore: Int64?
}

/// What `resend` did.
public enum ResendResult: Sendable {
    /// The new delivery.
    case created(Delivery)
    /// No such delivery.
    case notFound
    /// Only `sent` and `failed` deliveries can be re-sent.
    case conflict(Delivery.Status)
}

/// The end of one attempt, as the scheduler records it.
public struct AttemptResult: Sendable {
    /// The delivery.
    public var deliveryID: String
    /// Its attempt number.
    public var attempt: Int
    /// The delivery's next status: `sent`, `retrying` or `failed`.
    public var status: Delivery.Status
    /// The attempt's outcome.
    public var outcome: Attempt.Outcome
    /// The transport's answer.
    public var detail: String?
    /// The provider's id when sent.
    public var providerID: String?
    /// When the next attempt is due (`retrying`), seconds since 1970.
    public var nextAttemptAt: Double?
    /// When the attempt ended.
    public var finishedAt: Double
    /// A verdict on an interrupted attempt (after a crash or an expired
    /// lease): the attempt row is changed only together with the delivery,
    /// so a re-examination that lost the race to a newer attempt changes
    /// nothing at all.
    public var isRecovery = false

    /// Creates a result.
    public init(
        deliveryID: String, attempt: Int, status: Delivery.Status, outcome: Attempt.Outcome, detail: String?,
        providerID: String? = nil, nextAttemptAt: Double? = nil, finishedAt: Double
    ) {
        self.deliveryID = deliveryID
        self.attempt = attempt
        self.status = status
        self.outcome = outcome
        self.detail = detail
        self.providerID = providerID
        self.nextAttemptAt = nextAttemptAt
        self.finishedAt = finishedAt
    }
}

/// Deliveries created in one hour that are now in one status.
public struct HourlyDeliveryCount: Sendable, Hashable {
    /// The hour's start, seconds since 1970 (a multiple of 3,600).
    public var hour: Int64
    /// The deliveries' current status.
    public var status: Delivery.Status
    /// How many.
    public var count: Int

    /// Creates a count.
    public init(hour: Int64, status: Delivery.Status, count: Int) {
        self.hour = hour
        self.status = status
        self.count = count
    }
}

/// The slice of the runtime state one event is evaluated against: whether
/// its id was processed, and its entity's reminder plans.
public struct EntityStateSnapshot: Sendable, Hashable {
    /// Whether an event with this id was processed.
    public var eventProcessed: Bool
    /// The entity's reminder plans by rule id.
    public var plans: [String: ReminderPlan]

    /// Creates a snapshot.
    public init(eventProcessed: Bool, plans: [String: ReminderPlan]) {
        self.eventProcessed = eventProcessed
        self.plans = plans
    }
}

/// A point in an entity's feed (docs/service.md "The HTTP API" timeline).
public struct TimelineItem: Sendable {
    /// When it happened, seconds since 1970 (for ordering).
    public var at: Double
    /// Order among items of the same instant.
    public var order: Int64
    /// The JSON object of the item.
    public var json: [String: JSONValue]
    /// A `cancel` decision's key, or the key of a delivery that ended
    /// `cancelled` (to place the one after the other; not in the JSON).
    var cancelKey: String? = nil
    /// After an item of the same `at` and `order` (a cancelled delivery
    /// placed after its cancel record).
    var after = false

    /// The items oldest first, in the order things happened (SPEC §12.5).
    /// Items of one transaction share an instant: there, a delivery that
    /// ended `cancelled` follows the `cancel` record that ended it — the
    /// first one with its key after the `send` that made it — rather than
    /// every event of the transaction.
    static func inOrder(_ items: [TimelineItem]) -> [TimelineItem] {
        func precedes(_ a: TimelineItem, _ b: TimelineItem) -> Bool {
            (a.at, a.order, a.after ? 1 : 0) < (b.at, b.order, b.after ? 1 : 0)
        }
        var sorted = items.sorted(by: precedes)
        var moved = false
        for i in sorted.indices where sorted[i].json["kind"] == .string("delivery") {
            guard sorted[i].json["status"] == .string("cancelled"), let key = sorted[i].cancelKey,
                let id = sorted[i].json["delivery"],
                let made = sorted.firstIndex(where: { $0.json["kind"] == .string("decision") && $0.json["delivery"] == id }),
                let cancel = sorted[made...].firstIndex(where: { $0.json["kind"] == .string("decision") && $0.cancelKey == key }),
                cancel < i, sorted[cancel].at == sorted[i].at
            else { continue }
            sorted[i].order = sorted[cancel].order
            sorted[i].after = true
            moved = true
        }
        return moved ? sorted.sorted(by: precedes) : sorted
    }
}

/// A small JSON value for replies that are assembled from rows.
public enum JSONValue: Sendable, Hashable {
    /// A string.
    case string(String)
    /// A number.
    case number(Double)
    /// An integer.
    case int(Int64)
    /// true / false.
    case bool(Bool)
    /// null.
    case null
    /// An array.
    case array([JSONValue])
    /// An object (keys written sorted).
    case object([String: JSONValue])
    /// Text that already is JSON.
    case raw(String)

    /// Writes the value as JSON.
    public func write(into out: inout String) {
        switch self {
        case .string(let s): JSONStringLiteral.append(s, to: &out)
        case .number(let d): out += d.rounded() == d && abs(d) < 1e15 ? String(Int64(d)) : String(d)
        case .int(let i): out += String(i)
        case .bool(let b): out += b ? "true" : "false"
        case .null: out += "null"
        case .raw(let r): out += r
        case .array(let a):
            out += "["
            for (i, v) in a.enumerated() {
                if i > 0 { out += "," }
                v.write(into: &out)
            }
            out += "]"
        case .object(let o):
            out += "{"
            for (i, k) in o.keys.sorted().enumerated() {
                if i > 0 { out += "," }
                JSONStringLiteral.append(k, to: &out)
                out += ":"
                o[k]!.write(into: &out)
            }
            out += "}"
        }
    }

    /// The JSON text.
    public var text: String {
        var s = ""
        write(into: &s)
        return s
    }
}

/// Times as the service prints them: RFC 3339 in UTC with milliseconds.
enum ServiceTime {
    static func rfc3339(_ t: Double) -> String {
        let whole = Int64(t.rounded(.down))
        let ms = Int64(((t - Double(whole)) * 1000).rounded(.down))
        let days = whole >= 0 ? whole / 86_400 : (whole - 86_399) / 86_400
        let secs = whole - days * 86_400
        let civil = CivilDays.civil(fromDays: Int(days))
        let (y, m, d) = (Int64(civil.year), civil.month, Int64(civil.day))
        func pad(_ n: Int64, _ w: Int) -> String {
            let s = String(n)
            return String(repeating: "0", count: max(0, w - s.count)) + s
        }
        return "\(pad(y, 4))-\(pad(Int64(m), 2))-\(pad(d, 2))T\(pad(secs / 3600, 2)):\(pad(secs / 60 % 60, 2)):\(pad(secs % 60, 2)).\(pad(ms, 3))Z"
    }

    /// `t` (whole seconds) at the UTC offset `like` is written with (an
    /// RFC 3339 time), so a re-sent delivery's `send_at` reads in its
    /// original's zone; UTC when `like` does not parse.
    static func rfc3339(_ t: Double, offsetLike like: String) -> String {
        guard let original = RFC3339.parse(like) else { return rfc3339(t) }
        let offset = Int(original.offset)
        let whole = Int64(t.rounded(.down))
        return RFC3339.format(local: LocalDateTime(secondsSince1970: whole &+ Int64(offset)), offset: offset)
    }

    /// Parses an RFC 3339 query parameter.
    static func parse(_ s: String) -> Double? {
        guard let t = RFC3339.parse(s) else { return nil }
        return Double(t.seconds) + Double(t.nanoseconds) / 1e9
    }

    static func now() -> Double { Date().timeIntervalSince1970 }
}
