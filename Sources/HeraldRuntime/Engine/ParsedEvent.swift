public import HeraldModel

/// A validated event (docs/rule-language.md §9) in the compact form the runtime evaluates:
/// its envelope plus one value slot per known field. Made by
/// `Runtime.parse(line:lineNumber:)`; evaluate it with
/// `Runtime.process(event:state:explain:)` as often as needed.
public struct ParsedEvent: Sendable {
    /// `id`.
    public let id: String
    /// `type`.
    public let trigger: Trigger
    /// `occurred_at`.
    public let occurredAt: Timestamp
    /// `location`, if present.
    public let location: String?

    let layout: EventLayout
    let values: EventValues

    init(id: String, trigger: Trigger, occurredAt: Timestamp, location: String?, layout: EventLayout, values: EventValues) {
        self.id = id
        self.trigger = trigger
        self.occurredAt = occurredAt
        self.location = location
        self.layout = layout
        self.values = values
    }

    /// The value of an event field such as `client.email` or
    /// `work_order.priority` (nil when absent or null). `accepts_email`,
    /// `accepts_sms` and `head_office` are `false` when absent.
    public func value(_ path: FieldPath) -> Value? {
        let c = path.components
        guard c.count == 2, let entity = Entity(rawValue: c[0]), let slot = layout.slot(entity, c[1]) else { return nil }
        return self[slot]
    }

    /// The value in `slot`, with the "absent = false" rule of the client's flags.
    @inline(__always)
    subscript(slot: Int) -> Value? {
        guard slot >= 0, slot < values.count else { return nil }
        if let v = values[slot] { return v }
        if slot == layout.clientAcceptsEmail || slot == layout.clientAcceptsSMS || slot == layout.clientHeadOffice {
            return .bool(false)
        }
        return nil
    }

    /// The text in `slot`, if it holds text.
    @inline(__always)
    func string(_ slot: Int) -> String? {
        guard slot >= 0, slot < values.count, case .string(let s)? = values[slot] else { return nil }
        return s
    }

    /// Calls `body` with the UTF-8 of the text in `slot`, read in place;
    /// nil (without calling it) when the slot holds no text.
    @inline(__always)
    func withStringUTF8<R>(_ slot: Int, _ body: (UnsafeBufferPointer<UInt8>) -> R) -> R? {
        values.withStringUTF8(slot, body)
    }

    /// Whether `slot` holds `true`.
    @inline(__always)
    func flag(_ slot: Int) -> Bool {
        guard slot >= 0, slot < values.count, case .bool(let b)? = values[slot] else { return false }
        return b
    }

    /// This event's values laid out for `other` (a runtime with another schema).
    func relaid(for other: EventLayout) -> ParsedEvent {
        if other === layout { return self }
        let moved = EventValues(count: other.slotCount)
        for (entity, fields) in layout.slots {
            for (name, slot) in fields {
                if let target = other.slot(entity, name), slot < values.count { moved[target] = values[slot] }
            }
        }
        return ParsedEvent(id: id, trigger: trigger, occurredAt: occurredAt, location: location, layout: other, values: moved)
    }
}

/// The value slots of one event in one allocation. Written only while the
/// event is decoded (or re-laid out), before it is shared, and read-only
/// after. Cheaper to fill and free than a `[Value?]` (no uniqueness checks
/// on every store, no generic array deallocation path).
final class EventValues: @unchecked Sendable {
    let count: Int
    private let base: UnsafeMutablePointer<Value?>

    /// `count` empty slots.
    init(count: Int) {
        self.count = max(0, count)
        base = .allocate(capacity: self.count)
        base.initialize(repeating: nil, count: self.count)
    }

    deinit {
        // One slot at a time: `deinitialize(count:)` destroys through the
        // runtime's generic value witnesses (about 70 instructions a slot,
        // 6 % of an event's evaluation); moving each value out lets the
        // compiler destroy it inline, and empty slots cost a test.
        // Only text and lists own memory; other slots need nothing.
        for i in 0..<count {
            switch base[i] {
            case .string?, .list?: _ = (base + i).move()
            default: break
            }
        }
        base.deallocate()
    }

    /// `ParsedEvent.withStringUTF8`: the slot's text read where it is stored.
    @inline(__always)
    func withStringUTF8<R>(_ slot: Int, _ body: (UnsafeBufferPointer<UInt8>) -> R) -> R? {
        guard slot >= 0 && slot < count, case .string(let text)? = base[slot] else { return nil }
        return text.utf8.withContiguousStorageIfAvailable(body)
    }

    /// Whether `slot` holds a value (not absent, not null); false out of range.
    @inline(__always)
    func holdsValue(_ slot: Int) -> Bool {
        guard slot >= 0 && slot < count else { return false }
        if case .none = base[slot] { return false }
        return true
    }

    /// The value in `slot`; nil out of range. Setting out of range does nothing.
    @inline(__always)
    subscript(slot: Int) -> Value? {
        get { slot >= 0 && slot < count ? base[slot] : nil }
        set { if slot >= 0 && slot < count { base[slot] = newValue } }
    }
}

/// What reading one input line gave.
enum DecodedLine: Sendable {
    /// Only whitespace: ignored.
    case blank
    /// A valid event.
    case event(ParsedEvent)
    /// Not JSON (docs/rule-language.md §10.1 step 1).
    case malformed(JSONSyntaxError)
    /// JSON but not a valid event (step 2); the id when it could be read.
    case invalid(id: String?, message: String)
}

/// Reads an NDJSON line into a `ParsedEvent`, checking JSON syntax and the
/// event schema in one pass over the bytes (docs/rule-language.md §9).
struct EventDecoder: Sendable {
    let layout: EventLayout

    /// The first problem found in each section (fixed size, no allocation).
    private struct Problems {
        var event: String?
        var client: String?
        var entity: [String?] = []
        var present: UInt8 = 0

        mutating func note(_ section: Int, _ message: String) {
            switch section {
            case 0: if event == nil { event = message }
            case 1: if client == nil { client = message }
            default:
                if entity.isEmpty { entity = [nil, nil, nil] }
                if entity[section - 2] == nil { entity[section - 2] = message }
            }
        }

        func problem(_ section: Int) -> String? {
            switch section {
            case 0: return event
            case 1: return client
            default: return entity.isEmpty ? nil : entity[section - 2]
            }
        }
    }

    func decode(_ bytes: UnsafeBufferPointer<UInt8>) -> DecodedLine {
        var reader = JSONReader(bytes)
        reader.skipWhitespace()
        if reader.atEnd { return .blank }
        let values = EventValues(count: layout.slotCount)
        var problems = Problems()
        do {
            guard reader.peekKind() == .object else {
                let start = reader.position
                try reader.skipValue(depth: 0)
                try reader.expectEnd()
                return .invalid(id: nil, message: "event: expected an object, got \(describe(reader, start, reader.position))")
            }
            let top = layout.sections[EventLayout.eventSection]
            if try !reader.beginObject() {
                while true {
                    let key = try reader.readKey()
                    if let entry = top.entry(for: key, in: reader) {
                        if case .section(let index) = entry.kind {
                            try readSection(index, &reader, values, &problems)
                        } else {
                            try readField(entry, section: 0, &reader, values, &problems)
                        }
                    } else {
                        try reader.skipValue(depth: 1)
                    }
                    if try reader.endOfMember() { break }
                }
            }
            try reader.expectEnd()
        } catch {
            return .malformed(error)
        }
        return finish(values, problems)
    }

    private func readSection(
        _ index: Int, _ reader: inout JSONReader, _ values: EventValues, _ problems: inout Problems
    ) throws(JSONSyntaxError) {
        let section = layout.sections[index]
        switch reader.peekKind() {
        case .null?:
            try reader.scanLiteral("null")
            problems.present &= ~(1 << UInt8(index))
        case .object?:
            problems.present |= 1 << UInt8(index)
            if try reader.beginObject() { return }
            while true {
                let key = try reader.readKey()
                if let entry = section.entry(for: key, in: reader) {
                    try readField(entry, section: index, &reader, values, &problems)
                } else {
                    try reader.skipValue(depth: 2)
                }
                if try reader.endOfMember() { return }
            }
        default:
            let start = reader.position
            try reader.skipValue(depth: 1)
            problems.note(index, "\(section.member): expected an object, got \(describe(reader, start, reader.position))")
        }
    }

    private func readField(
        _ entry: FieldEntry, section: Int, _ reader: inout JSONReader, _ values: EventValues, _ problems: inout Problems
    ) throws(JSONSyntaxError) {
        let kind = reader.peekKind()
        let start = reader.position
        if kind == .null {
            try reader.scanLiteral("null")
            values[entry.slot] = nil
            return
        }
        switch (entry.kind, kind) {
        case (.string(let common), .string?):
            let token = try reader.scanString()
            if let common, !token.escaped,
                let shared = common.value(matching: UnsafeBufferPointer(rebasing: reader.bytes[token.start..<token.end]))
            {
                values[entry.slot] = .string(shared)
                return
            }
            values[entry.slot] = .string(reader.string(token))
            return
        case (.enumeration(let allowed, _), .string?):
            let token = try reader.scanString()
            let match =
                token.escaped
                ? reader.unescapedBytes(token).withUnsafeBufferPointer { allowed.value(matching: $0) }
                : allowed.value(matching: UnsafeBufferPointer(rebasing: reader.bytes[token.start..<token.end]))
            if let match {
                values[entry.slot] = .string(match)
                return
            }
            let text = reader.string(token)
            if allowed.set.contains(text) {
                values[entry.slot] = .string(text)
                return
            }
        case (.datetime, .string?):
            let token = try reader.scanString()
            let parsed =
                token.escaped
                ? RFC3339.parse(Substring(reader.string(token)))
                : RFC3339.parse(utf8: UnsafeBufferPointer(rebasing: reader.bytes[token.start..<token.end]))
            if let t = parsed {
                guard t.isInRFC3339Years else {
                    values[entry.slot] = nil
                    problems.note(
                        section,
                        "\(entry.path): \(reader.snippet(start, reader.position)) is outside the years 0000–9999 (in UTC)")
                    return
                }
                values[entry.slot] = .datetime(t)
                return
            }
        case (.bool, .bool?):
            values[entry.slot] = .bool(try reader.scanBool())
            return
        case (.int, .number?), (.decimal, .number?):
            let (s, e, isInteger) = try reader.scanNumber()
            let text = String(decoding: UnsafeBufferPointer(rebasing: reader.bytes[s..<e]), as: UTF8.self)
            if let d = Double(text), d.isFinite {
                if case .decimal = entry.kind {
                    values[entry.slot] = .number(d)
                    return
                }
                if isInteger || (d.rounded() == d && abs(d) < 9_007_199_254_740_992) {
                    values[entry.slot] = .number(d)
                    return
                }
            }
        default:
            try reader.skipValue(depth: 2)
        }
        values[entry.slot] = nil
        problems.note(section, "\(entry.path): expected \(entry.kind.expectation), got \(describe(reader, start, reader.position))")
    }

    private func describe(_ reader: JSONReader, _ start: Int, _ end: Int) -> String {
        var s = start
        while s < end, [0x20, 0x09, 0x0A, 0x0D].contains(reader.bytes[s]) { s += 1 }
        guard s < end else { return "nothing" }
        switch reader.bytes[s] {
        case UInt8(ascii: "{"): return "an object"
        case UInt8(ascii: "["): return "an array"
        default: return reader.snippet(s, end)
        }
    }

    private func finish(_ values: EventValues, _ problems: Problems) -> DecodedLine {
        var id: String?
        if case .string(let s)? = values[layout.id] { id = s }
        func invalid(_ message: String) -> DecodedLine { .invalid(id: id, message: message) }
        if let p = problems.event { return invalid(p) }
        guard id != nil else { return invalid("id: required") }
        guard case .string(let typeText)? = values[layout.type] else { return invalid("type: required") }
        // The bytes first (no string switch over every trigger); `String`
        // equality decides when they do not match.
        let byBytes = values.withStringUTF8(layout.type) { layout.triggerNames.index(of: $0) }
        guard let trigger = byBytes.flatMap({ $0 }).map({ layout.triggerCases[$0] }) ?? Trigger(rawValue: typeText) else {
            return invalid("type: unknown event type '\(typeText)'; expected one of \(Trigger.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        guard case .datetime(let occurredAt)? = values[layout.occurredAt] else { return invalid("occurred_at: required") }
        /// The first required member of `section` that is missing, as a message.
        func missingMember(_ section: SectionLayout) -> String? {
            for slot in section.requiredSlots where !values.holdsValue(slot) { return "\(section.path(ofSlot: slot)): required" }
            return nil
        }
        if let missing = missingMember(layout.sections[0]) { return invalid(missing) }
        guard let entitySection = EventLayout.section(of: trigger.entity) else { return invalid("type: unsupported") }
        /// The problem of the client or entity section, if any.
        func sectionProblem(_ section: Int) -> String? {
            if let p = problems.problem(section) { return p }
            guard problems.present & (1 << UInt8(section)) != 0 else { return "\(layout.sections[section].member): required" }
            return missingMember(layout.sections[section])
        }
        if let p = sectionProblem(EventLayout.clientSection) ?? sectionProblem(entitySection) { return invalid(p) }
        var location: String?
        if case .string(let l)? = values[layout.location] { location = l }
        return .event(
            ParsedEvent(
                id: id ?? "", trigger: trigger, occurredAt: occurredAt, location: location, layout: layout, values: values))
    }
}
