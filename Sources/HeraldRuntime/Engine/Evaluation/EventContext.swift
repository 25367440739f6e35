import HeraldModel

/// Everything about one accepted event that rules read: the event, its
/// location and region, zone and calendar, status indices. One per event,
/// shared by reference so rule checks and template look-ups copy nothing.
///
/// Its variables are `@exclusivity(unchecked)`: a context belongs to the
/// one `evaluate` call that made it (it never leaves that call or its
/// thread), so the dynamic exclusivity check Swift makes on every access
/// to a class's variable (about 70 instructions a `scratch` write) guards
/// nothing here.
final class EventContext {
    let event: ParsedEvent
    let location: CompiledPlace?
    let region: CompiledPlace?
    let locationIndex: Int
    let regionIndex: Int
    let zone: Zone
    let calendar: SharedCalendar?
    /// `occurred_at` in whole seconds (floor); `event.occurredAt` has its fraction.
    let occurred: Int64
    /// Index of the entity's status / previous status in its list (-1: none or unlisted).
    let status: Int
    let previousStatus: Int
    /// A `*.status_changed` event whose status equals its previous status.
    let noChange: Bool
    /// Deliverability per channel, computed on first use.
    @exclusivity(unchecked) var email: Deliverability?
    @exclusivity(unchecked) var sms: Deliverability?
    /// Sends of this event noted in `RuntimeState.plannedSends`.
    @exclusivity(unchecked) var plannedSends = 0
    /// Whether the entity has pending `cancel_if` sends this event must check.
    @exclusivity(unchecked) var checksPendingSends = false
    /// The entity's reminder plans by rule id, moved out of
    /// `RuntimeState.reminders` for the event (one look-up of the entity)
    /// and moved back when it ends (`Runtime.evaluate`). Rules read and
    /// change their plans here, in place: held by the context alone, the
    /// dictionary is never copied when a plan changes. Empty: none.
    @exclusivity(unchecked) var reminderPlans = [String: ReminderPlan]()
    /// The last instant written as `send_at` (seconds and nanoseconds) and
    /// its text (the records of one event mostly share it): a repeat is
    /// copied as five words, not formatted again. Its first value is never
    /// read (no instant is `.min`): a constant, since every event makes a
    /// context.
    @exclusivity(unchecked) private var lastAt: (seconds: Int64, nanoseconds: Int32) = (.min, 0)
    @exclusivity(unchecked) private var lastText: (UInt64, UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0, 0)
    @exclusivity(unchecked) private var lastTextCount = 0
    /// Where records' texts and `date` filters are written (`EvaluationBuffers`).
    let buffers: EvaluationBuffers

    /// Appends `RFC3339.format(at.seconds, nanoseconds: at.nanoseconds, in: zone)` to `out`.
    func appendRFC3339(_ at: Timestamp, to out: inout ByteSink) {
        // 40 bytes of room: the text (at most 35) is copied as whole words.
        out.reserve(MemoryLayout.size(ofValue: lastText))
        if at.seconds == lastAt.seconds && at.nanoseconds == lastAt.nanoseconds {
            let n = lastTextCount
            _ = withUnsafeBytes(of: &lastText) { cached in
                out.writeUnchecked { to in
                    UnsafeMutableRawPointer(to).copyMemory(from: cached.baseAddress!, byteCount: cached.count)
                    return n
                }
            }
            return
        }
        let start = out.count
        RFC3339.append(at.seconds, nanoseconds: at.nanoseconds, in: zone, to: &out)
        let n = out.count &- start
        // Only the usual text (years 0...9999) fits; a longer one is written each time.
        guard n <= MemoryLayout.size(ofValue: lastText) else { return }
        out.withBytes { written in
            withUnsafeMutableBytes(of: &lastText) { cached in
                cached.copyMemory(from: UnsafeRawBufferPointer(rebasing: UnsafeRawBufferPointer(written)[start...]))
            }
        }
        lastTextCount = n
        lastAt = (at.seconds, at.nanoseconds)
    }

    init(
        event: ParsedEvent, location: CompiledPlace?, region: CompiledPlace?, locationIndex: Int, regionIndex: Int,
        zone: Zone, calendar: SharedCalendar?, occurred: Int64, status: Int, previousStatus: Int, noChange: Bool,
        buffers: EvaluationBuffers
    ) {
        self.buffers = buffers
        self.event = event
        self.location = location
        self.region = region
        self.locationIndex = locationIndex
        self.regionIndex = regionIndex
        self.zone = zone
        self.calendar = calendar
        self.occurred = occurred
        self.status = status
        self.previousStatus = previousStatus
        self.noChange = noChange
    }

    /// Calls `body` with the UTF-8 of the text a resolved path stands for,
    /// read in place; nil (without calling it) when it is not text.
    @inline(__always)
    func withStringUTF8<R>(_ ref: FieldRef, _ body: (UnsafeBufferPointer<UInt8>) -> R) -> R? {
        switch ref {
        case .slot(let s):
            return event.withStringUTF8(s, body)
        case .location(let i):
            return location?.withText(i, body)
        case .region(let i):
            return region?.withText(i, body)
        case .absent:
            return nil
        }
    }

    /// Whether a resolved path stands for a value (not absent, not null).
    @inline(__always)
    func holdsValue(_ ref: FieldRef) -> Bool {
        switch ref {
        case .slot(let s): return event.holdsValue(s)
        default: return value(ref) != nil
        }
    }

    /// `TemplateRenderer.isTruthy(value(ref))`, without making a `String`
    /// of a text.
    @inline(__always)
    func isTruthy(_ ref: FieldRef) -> Bool {
        switch ref {
        case .slot(let s): return event.isTruthy(s)
        default: return TemplateRenderer.isTruthy(value(ref))
        }
    }

    /// The value a resolved path stands for.
    @inline(__always)
    func value(_ ref: FieldRef) -> Value? {
        switch ref {
        case .slot(let s): return event[s]
        case .location(let i):
            guard let place = location, i < place.values.count else { return nil }
            return place.values[i]
        case .region(let i):
            guard let place = region, i < place.values.count else { return nil }
            return place.values[i]
        case .absent: return nil
        }
    }
}

/// The buffers evaluation writes into, kept from event to event in
/// `RuntimeState.buffers` (making and freeing a scratch buffer cost about
/// 200 instructions an event). `@unchecked Sendable` because the state
/// that keeps them is `Sendable`: `evaluate` uses the state's buffers only
/// when the state is the one reference to them
/// (`isKnownUniquelyReferenced`), and new ones otherwise (a state copied
/// to another thread shares them), so no two evaluations write into one.
/// Both are emptied by each user before it writes.
final class EvaluationBuffers: @unchecked Sendable {
    /// Where a send record's texts are written before they are copied into
    /// the record in one piece (reused for every record). It starts small
    /// enough for glibc's per-thread malloc cache (1 KB: most records fit;
    /// a longer one grows it once).
    @exclusivity(unchecked) var scratch = ByteSink(capacity: 1000)
    /// Where a template's `date` filter formats its text before it is
    /// escaped into the output.
    @exclusivity(unchecked) var dateText: [UInt8] = []
}
