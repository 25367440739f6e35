public import HeraldModel

/// The state evaluation carries from one event to the next (docs/rule-language.md §10):
/// processed event ids, planned sends and reminder plans. A plain value:
/// the host owns it, passes it `inout` to `Runtime.process`, and may persist
/// it (it is `Codable`) and restore it later. It grows with the number of
/// distinct events, pending messages and planned reminders, never with
/// the records written.
public struct RuntimeState: Sendable, Equatable, Codable {
    /// Ids of events that passed validation (docs/rule-language.md §10.1 step 4).
    /// Evaluation compares ids byte for byte (as the service's stores do)
    /// and keeps them in a table of its own (`EventIDSet`); reading this
    /// property makes a `Set` of them (O(n)), and a `Set` counts two
    /// canonically equivalent spellings (`é` and `e` + U+0301) as one id.
    /// To forget ids, use `forgetProcessedEvents(where:)`, which keeps
    /// every other id byte for byte and rebuilds the table once.
    public var processedEventIDs: Set<String> {
        get { Set(processed.ids) }
        set {
            processed = EventIDSet(newValue)
            keysAreOfProcessedEvents = false
        }
    }
    /// Keys of event-rule sends planned for later than their event, with
    /// their send time (seconds since 1970), for the `duplicate` check.
    /// Entries already due when the stream has moved past them are dropped
    /// automatically: keys contain the event id, which is never processed twice.
    public var plannedSends: [String: Int64] {
        get { planned }
        set {
            planned = newValue
            keysAreOfProcessedEvents = false
        }
        _modify {
            keysAreOfProcessedEvents = false
            yield &planned
        }
    }

    var processed = EventIDSet()
    var planned: [String: Int64] = [:]
    /// True while every key of `planned` was planned by the runtime for an
    /// event of `processed` (no host edits since): then a new event's keys
    /// (`RULE/EVENT-ID/CHANNEL`) cannot be planned yet, and evaluation
    /// skips looking them up, until the event plans a send itself.
    var keysAreOfProcessedEvents = true

    /// Whether the `duplicate` check must look up keys of a new event.
    var mustLookUpNewKeys: Bool {
        !keysAreOfProcessedEvents && !planned.isEmpty
    }
    /// Reminder plans per entity (`work_order` + id), then per rule id.
    public var reminders: [EntityReference: [String: ReminderPlan]] = [:]
    /// Pending delayed sends of rules with `cancel_if` (docs/rule-language.md §5.4), per entity
    /// (the work order, lead or service request of the event that planned
    /// them), in the order they were planned. Every later event of the entity
    /// evaluates each send's rule's `cancel_if`; a send that is cancelled, or
    /// no longer pending at that event's `occurred_at`, is dropped. A host
    /// that keeps state per entity (docs/runtime.md, "Behaviour worth knowing") loads and saves
    /// `pendingSends[entity]` together with `reminders[entity]`.
    public var pendingSends: [EntityReference: [PendingSend]] = [:]
    /// The latest `occurred_at` seen (seconds), used to drop due sends.
    public var latestOccurredAt: Int64 = .min

    /// Size of `plannedSends` that triggers the next clean-up.
    var plannedSendsLimit = 1024

    /// Memory for the candidate rule list of the next event, kept between
    /// events so that evaluation does not allocate one per event. Not part
    /// of the state's value (not compared, not encoded).
    var candidateBuffer: [Int32] = []

    /// The buffers of the last event's evaluation, for the next one
    /// (`EvaluationBuffers`). Not part of the state's value (not compared,
    /// not encoded).
    var buffers: EvaluationBuffers?

    /// Creates an empty state.
    public init() {}

    /// Forgets the processed ids for which `isForgotten` is true (a host
    /// that keeps, say, 30 days of them); the others stay, byte for byte.
    /// An event with a forgotten id is processed again if it comes back.
    public mutating func forgetProcessedEvents(where isForgotten: (String) -> Bool) {
        processed = EventIDSet(processed.ids.filter { !isForgotten($0) })
        keysAreOfProcessedEvents = false
    }

    /// Drops planned sends due at or before `instant` (seconds since 1970):
    /// a host that trims `processedEventIDs` should trim these no further
    /// than the events it forgot.
    public mutating func dropPlannedSends(dueAtOrBefore instant: Int64) {
        planned = planned.filter { $0.value > instant }
        if planned.isEmpty { keysAreOfProcessedEvents = true }
    }

    /// Drops pending `cancel_if` sends due at or before `instant` (seconds
    /// since 1970): they can no longer be cancelled. Evaluation drops them
    /// itself at the entity's next event; this bounds entities never seen again.
    public mutating func dropPendingSends(dueAtOrBefore instant: Int64) {
        for (entity, sends) in pendingSends {
            let kept = sends.filter { $0.sendAt > instant }
            pendingSends[entity] = kept.isEmpty ? nil : kept
        }
    }

    /// Records a delayed send and keeps the table bounded by pending sends.
    mutating func notePlannedSend(_ key: String, at instant: Int64) {
        planned[key] = instant
        if planned.count >= plannedSendsLimit {
            dropPlannedSends(dueAtOrBefore: latestOccurredAt)
            plannedSendsLimit = max(1024, planned.count * 2)
        }
    }

    /// Two states are equal when they carry the same processed ids, planned
    /// sends, reminder plans, pending `cancel_if` sends and latest event time
    /// (bookkeeping limits aside).
    public static func == (a: RuntimeState, b: RuntimeState) -> Bool {
        a.processed.count == b.processed.count && a.processed.ids.allSatisfy(b.processed.contains) && a.plannedSends == b.plannedSends && a.reminders == b.reminders
            && a.pendingSends == b.pendingSends && a.latestOccurredAt == b.latestOccurredAt
    }

    enum CodingKeys: String, CodingKey {
        case processedEvents = "processed_events"
        case plannedSends = "planned_sends"
        case reminders
        case pendingSends = "pending_sends"
        case latestOccurredAt = "latest_occurred_at"
    }

    struct StoredPendingSends: Codable {
        var entity: Entity
        var entityID: String
        var sends: [PendingSend]

        enum CodingKeys: String, CodingKey {
            case entity
            case entityID = "entity_id"
            case sends
        }
    }

    struct StoredReminder: Codable {
        var rule: String
        var entity: Entity
        var entityID: String
        var plan: ReminderPlan

        enum CodingKeys: String, CodingKey {
            case rule, entity
            case entityID = "entity_id"
            case plan
        }
    }

    /// Decodes a state written by `encode(to:)`.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        processed = EventIDSet(try c.decode([String].self, forKey: .processedEvents))
        planned = try c.decode([String: Int64].self, forKey: .plannedSends)
        keysAreOfProcessedEvents = planned.isEmpty
        latestOccurredAt = try c.decodeIfPresent(Int64.self, forKey: .latestOccurredAt) ?? .min
        for r in try c.decode([StoredReminder].self, forKey: .reminders) {
            reminders[EntityReference(entity: r.entity, id: r.entityID), default: [:]][r.rule] = r.plan
        }
        // States written before `cancel_if` have no pending sends.
        for p in try c.decodeIfPresent([StoredPendingSends].self, forKey: .pendingSends) ?? [] {
            pendingSends[EntityReference(entity: p.entity, id: p.entityID), default: []].append(contentsOf: p.sends)
        }
        plannedSendsLimit = max(1024, planned.count * 2)
    }

    /// Encodes the state deterministically (sorted; pending sends of an
    /// entity in planning order). `pending_sends` is written only when
    /// there are some, so states without them read as before.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        // Sorted by bytes: `String`'s `<` cannot order two canonically
        // equivalent ids, and the JSON must not depend on insertion order.
        try c.encode(processed.ids.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }, forKey: .processedEvents)
        try c.encode(plannedSends, forKey: .plannedSends)
        try c.encode(latestOccurredAt, forKey: .latestOccurredAt)
        var stored: [StoredReminder] = []
        for (ref, plans) in reminders {
            for (rule, plan) in plans {
                stored.append(StoredReminder(rule: rule, entity: ref.entity, entityID: ref.id, plan: plan))
            }
        }
        stored.sort { ($0.entity.rawValue, $0.entityID, $0.rule) < ($1.entity.rawValue, $1.entityID, $1.rule) }
        try c.encode(stored, forKey: .reminders)
        if !pendingSends.isEmpty {
            let pending = pendingSends.map { StoredPendingSends(entity: $0.key.entity, entityID: $0.key.id, sends: $0.value) }
                .sorted { ($0.entity.rawValue, $0.entityID) < ($1.entity.rawValue, $1.entityID) }
            try c.encode(pending, forKey: .pendingSends)
        }
    }
}

/// A delayed `send` of an event rule with `cancel_if` (docs/rule-language.md §5.4), kept while
/// it is pending so that later events of its entity can cancel it.
public struct PendingSend: Sendable, Hashable, Codable {
    /// The rule that planned it.
    public var rule: String
    /// Its key (`RULE/EVENT-ID/CHANNEL`, docs/rule-language.md §10.3), repeated in the `cancel` record.
    public var key: String
    /// The channel.
    public var channel: Channel
    /// When it is sent (seconds since 1970).
    public var sendAt: Int64
    /// The fraction of a second of `sendAt`.
    public var sendAtNanoseconds: Int32

    /// Creates a pending send.
    public init(rule: String, key: String, channel: Channel, sendAt: Int64, sendAtNanoseconds: Int32 = 0) {
        self.rule = rule
        self.key = key
        self.channel = channel
        self.sendAt = sendAt
        self.sendAtNanoseconds = sendAtNanoseconds
    }

    /// Whether the send is still pending at `instant`: its time is later.
    public func isPending(at instant: Timestamp) -> Bool {
        (sendAt, sendAtNanoseconds) > (instant.seconds, instant.nanoseconds)
    }

    enum CodingKeys: String, CodingKey {
        case rule, key, channel
        case sendAt = "send_at"
        case sendAtNanoseconds = "send_at_nanoseconds"
    }

    /// Decodes a pending send (the fraction is written only when not zero).
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        rule = try c.decode(String.self, forKey: .rule)
        key = try c.decode(String.self, forKey: .key)
        channel = try c.decode(Channel.self, forKey: .channel)
        sendAt = try c.decode(Int64.self, forKey: .sendAt)
        sendAtNanoseconds = try c.decodeIfPresent(Int32.self, forKey: .sendAtNanoseconds) ?? 0
    }

    /// Encodes the pending send; the fraction only when not zero.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(rule, forKey: .rule)
        try c.encode(key, forKey: .key)
        try c.encode(channel, forKey: .channel)
        try c.encode(sendAt, forKey: .sendAt)
        if sendAtNanoseconds != 0 { try c.encode(sendAtNanoseconds, forKey: .sendAtNanoseconds) }
    }
}

/// An entity instance: its kind and id (`work_order` `WO-1`).
///
/// Ids are equal when their UTF-8 bytes are (as event ids are, and as the
/// service's stores compare them), not by Unicode canonical equivalence:
/// `caf\u{e9}` and `cafe\u{301}` are two work orders. A reference keeps a
/// hash of its kind and id bytes (`EventIDSet`'s hash, keyed by a seed drawn
/// once per process), made when it is made or changed: as a dictionary key
/// (every event looks its entity up in `RuntimeState.reminders`) it is
/// placed by that hash mixed with the dictionary's seed, and a probe that
/// meets another key tells them apart by the two hashes, without reading
/// either id.
public struct EntityReference: Sendable, Hashable, Codable {
    /// The entity kind.
    public var entity: Entity {
        didSet { bytesHash = Self.hash(entity, id) }
    }
    /// Its id.
    public var id: String {
        didSet { bytesHash = Self.hash(entity, id) }
    }
    /// `hash(entity, id)`.
    private var bytesHash: UInt64

    /// Creates a reference.
    public init(entity: Entity, id: String) {
        self.entity = entity
        self.id = id
        bytesHash = Self.hash(entity, id)
    }

    /// The kind and the id's bytes hashed with the process's seed.
    private static func hash(_ entity: Entity, _ id: String) -> UInt64 {
        var id = id
        let seed = EventIDSet.seed ^ UInt64(entity.ordinal) &* 0x9E37_79B9_7F4A_7C15
        return id.withUTF8 { EventIDSet.hash($0, seed: seed) }
    }

    /// Same entity kind and the same bytes of id.
    public static func == (a: EntityReference, b: EntityReference) -> Bool {
        // Different hashes are different references (a probe's usual
        // case); equal bytes are equal `String`s, so `String`'s `==` (quick
        // for the same string) rules out the rest before the bytes decide.
        guard a.bytesHash == b.bytesHash, a.entity == b.entity, a.id == b.id else { return false }
        var x = a.id, y = b.id
        return x.withUTF8 { x in
            y.withUTF8 { y in
                x.count == y.count && (x.count == 0 || NameTable.equal(x.baseAddress!, y.baseAddress!, count: x.count))
            }
        }
    }

    /// Feeds the kind and the id's bytes to `hasher` (consistent with `==`).
    public func hash(into hasher: inout Hasher) {
        hasher.combine(entity)
        var id = id
        id.withUTF8 { bytes in
            hasher.combine(bytes.count)
            hasher.combine(bytes: UnsafeRawBufferPointer(bytes))
        }
    }

    /// The hash `Set` and `Dictionary` place a reference by: the kept hash
    /// of its bytes mixed with `seed` (the table's).
    public func _rawHashValue(seed: Int) -> Int {
        let m = (bytesHash ^ UInt64(bitPattern: Int64(seed))).multipliedFullWidth(by: 0xA076_1D64_78BD_642F)
        return Int(truncatingIfNeeded: m.high ^ m.low)
    }

    enum CodingKeys: String, CodingKey {
        case entity, id
    }

    /// Decodes `{"entity": …, "id": …}`.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(entity: try c.decode(Entity.self, forKey: .entity), id: try c.decode(String.self, forKey: .id))
    }

    /// Encodes `{"entity": …, "id": …}`.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(entity, forKey: .entity)
        try c.encode(id, forKey: .id)
    }
}

/// What a reminder rule last planned for one entity (docs/rule-language.md §7).
public struct ReminderPlan: Sendable, Hashable, Codable {
    /// The field value (seconds since 1970) the plan was made for; nil once
    /// a cancel made the plan forget it (sends already made stay listed).
    public var value: Int64?
    /// Its fraction of a second.
    public var valueNanoseconds: Int32
    /// Channels that got a `send` not cancelled since, with their send time; a
    /// send is pending while its time is later than the current event's
    /// `occurred_at`, and stays planned after that (its key is used up).
    public var sends: [PlannedReminder]

    /// Creates a plan.
    public init(value: Int64?, valueNanoseconds: Int32 = 0, sends: [PlannedReminder]) {
        self.value = value
        self.valueNanoseconds = valueNanoseconds
        self.sends = sends
    }

    enum CodingKeys: String, CodingKey {
        case value
        case valueNanoseconds = "value_nanoseconds"
        case sends
    }
}

/// A reminder `send` on one channel.
public struct PlannedReminder: Sendable, Hashable, Codable {
    /// The channel.
    public var channel: Channel
    /// When it is sent (seconds since 1970).
    public var sendAt: Int64
    /// The fraction of a second of `sendAt`.
    public var sendAtNanoseconds: Int32

    /// Creates a planned reminder.
    public init(channel: Channel, sendAt: Int64, sendAtNanoseconds: Int32 = 0) {
        self.channel = channel
        self.sendAt = sendAt
        self.sendAtNanoseconds = sendAtNanoseconds
    }

    /// Whether the send is still pending at `instant`: its time is later (docs/rule-language.md §7).
    public func isPending(at instant: Timestamp) -> Bool {
        (sendAt, sendAtNanoseconds) > (instant.seconds, instant.nanoseconds)
    }

    enum CodingKeys: String, CodingKey {
        case channel
        case sendAt = "send_at"
        case sendAtNanoseconds = "send_at_nanoseconds"
    }

    /// Decodes a planned reminder (states written before fractions were kept have none).
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        channel = try c.decode(Channel.self, forKey: .channel)
        sendAt = try c.decode(Int64.self, forKey: .sendAt)
        sendAtNanoseconds = try c.decodeIfPresent(Int32.self, forKey: .sendAtNanoseconds) ?? 0
    }

    /// Encodes the planned reminder; the fraction only when not zero.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(channel, forKey: .channel)
        try c.encode(sendAt, forKey: .sendAt)
        if sendAtNanoseconds != 0 { try c.encode(sendAtNanoseconds, forKey: .sendAtNanoseconds) }
    }
}
