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
    /// `location`, if present (made from the event's bytes on each use:
    /// evaluation looks the location up by those bytes, without a `String`).
    public var location: String? { values.string(layout.location) }

    let layout: EventLayout
    let values: EventValues

    init(id: String, trigger: Trigger, occurredAt: Timestamp, layout: EventLayout, values: EventValues) {
        self.id = id
        self.trigger = trigger
        self.occurredAt = occurredAt
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
        if let v = values[slot] { return v }
        if slot >= 0 && (slot == layout.clientAcceptsEmail || slot == layout.clientAcceptsSMS || slot == layout.clientHeadOffice) {
            return .bool(false)
        }
        return nil
    }

    /// The text in `slot`, if it holds text (a `String` made from the
    /// event's bytes: prefer `withStringUTF8` where bytes will do).
    @inline(__always)
    func string(_ slot: Int) -> String? {
        values.string(slot)
    }

    /// Calls `body` with the UTF-8 of the text in `slot`, read in place;
    /// nil (without calling it) when the slot holds no text.
    @inline(__always)
    func withStringUTF8<R>(_ slot: Int, _ body: (UnsafeBufferPointer<UInt8>) -> R) -> R? {
        values.withStringUTF8(slot, body)
    }

    /// Whether slots `a` and `b` both hold text, and equal text (as
    /// `String` compares it: bytes decide when both are ASCII).
    func sameText(_ a: Int, _ b: Int) -> Bool {
        values.sameText(a, b)
    }

    /// The datetime in `slot`, if it holds one.
    @inline(__always)
    func datetime(_ slot: Int) -> Timestamp? {
        values.datetime(slot)
    }

    /// Whether `slot` holds `true`.
    @inline(__always)
    func flag(_ slot: Int) -> Bool {
        values.flag(slot)
    }

    /// Whether `slot` holds a value (absent flags of the client hold none).
    @inline(__always)
    func holdsValue(_ slot: Int) -> Bool {
        values.holdsValue(slot)
    }

    /// `TemplateRenderer.isTruthy(self[slot])`: any value but `false`.
    @inline(__always)
    func isTruthy(_ slot: Int) -> Bool {
        values.holdsValue(slot) && !values.holdsFalse(slot)
    }

    /// This event's values laid out for `other` (a runtime with another schema).
    func relaid(for other: EventLayout) -> ParsedEvent {
        if other === layout { return self }
        var target = [Int](repeating: -1, count: values.count)
        for (entity, fields) in layout.slots {
            for (name, from) in fields where from < target.count {
                if let to = other.slot(entity, name) { target[from] = to }
            }
        }
        let moved = values.relaid(count: other.slotCount, target: target)
        return ParsedEvent(id: id, trigger: trigger, occurredAt: occurredAt, layout: other, values: moved)
    }
}

/// The value slots of one event, and the bytes its texts are read from.
/// A text field is kept as a span of those bytes (a copy of the input line,
/// where a text with escapes is written resolved over its own escaped
/// form), not as a `String`: decoding makes no `String` per field, and
/// freeing the event frees two blocks of plain data. A `String` is made
/// only where one is asked for (`string(_:)`, `subscript`).
///
/// Written only while the event is decoded (or re-laid out), before it is
/// shared, and read-only after.
final class EventValues: @unchecked Sendable {
    /// What a slot holds.
    private enum Tag: UInt64 {
        case absent, text, number, bool, datetime
    }

    /// One slot, 16 bytes of plain data. `word`: a text's start (low 32
    /// bits) and length (high 32), a number's bits, a flag (0 or 1), or a
    /// timestamp's seconds. `info`: the tag (low 8 bits) and, for a
    /// timestamp, its nanoseconds (bits 8–39) and its offset in seconds
    /// plus 2^23 (bits 40–63: RFC 3339 offsets are under a day).
    private struct Slot {
        var word: UInt64 = 0
        var info: UInt64 = 0

        @inline(__always)
        var tag: Tag { Tag(rawValue: info & 0xFF) ?? .absent }
    }

    /// Number of slots.
    let count: Int
    private let slots: UnsafeMutablePointer<Slot>
    /// The texts' bytes: a copy of the input line. Variables only for
    /// `reset(line:)`, which runs when nothing else holds the values (so
    /// no dynamic exclusivity check is needed on the reads).
    @exclusivity(unchecked) private var text: UnsafeMutablePointer<UInt8>
    @exclusivity(unchecked) private var textCount: Int
    @exclusivity(unchecked) private var textCapacity: Int

    /// `count` empty slots, with a copy of `line`: the bytes of the texts
    /// (`setText(_:start:count:)`, `setResolvedText(_:start:_:)`). Two
    /// blocks, not one: each stays small enough for the allocator's
    /// per-thread cache (about 1 KB), where one block of both would not.
    init(count: Int, line: UnsafeBufferPointer<UInt8>) {
        self.count = max(0, count)
        textCount = line.count
        textCapacity = line.count
        slots = .allocate(capacity: self.count)
        slots.initialize(repeating: Slot(), count: self.count)
        text = .allocate(capacity: textCount)
        if let base = line.baseAddress, textCount > 0 { text.initialize(from: base, count: textCount) }
    }

    deinit {
        // Plain data: nothing to destroy first.
        slots.deallocate()
        text.deallocate()
    }

    /// Empties every slot and takes a copy of `line`, as a new instance
    /// would, keeping the memory (grown if the line is longer). Only for
    /// values nothing else holds (`NDJSONWriter` checks
    /// `isKnownUniquelyReferenced` before it hands them back to decoding).
    func reset(line: UnsafeBufferPointer<UInt8>) {
        slots.update(repeating: Slot(), count: count)
        if line.count > textCapacity {
            text.deallocate()
            text = .allocate(capacity: line.count)
            textCapacity = line.count
        }
        textCount = line.count
        if let base = line.baseAddress, line.count > 0 { text.update(from: base, count: line.count) }
    }

    // MARK: Writing (while decoding)

    /// Empties `slot`.
    @inline(__always)
    func clear(_ slot: Int) {
        if slot >= 0 && slot < count { slots[slot] = Slot() }
    }

    /// Sets `slot` to the text of `count` bytes at `start` of the line.
    @inline(__always)
    func setText(_ slot: Int, start: Int, count length: Int) {
        guard slot >= 0 && slot < count else { return }
        slots[slot] = Slot(
            word: UInt64(UInt32(truncatingIfNeeded: start)) | UInt64(UInt32(truncatingIfNeeded: length)) << 32, info: Tag.text.rawValue)
    }

    /// Sets `slot` to `resolved`, the text of an escaped string whose
    /// contents start at `start` of the line, written over them: resolving
    /// escapes never lengthens a text, and nothing else reads those
    /// bytes. (Were it ever longer, it would be cut at the end of the line
    /// rather than written out of bounds.)
    func setResolvedText(_ slot: Int, start: Int, _ resolved: UnsafeBufferPointer<UInt8>) {
        guard start >= 0 && start <= textCount else { return }
        let length = min(resolved.count, textCount &- start)
        if let base = resolved.baseAddress, length > 0 { (text + start).update(from: base, count: length) }
        setText(slot, start: start, count: length)
    }

    /// Sets `slot` to a number.
    @inline(__always)
    func setNumber(_ slot: Int, _ value: Double) {
        guard slot >= 0 && slot < count else { return }
        slots[slot] = Slot(word: value.bitPattern, info: Tag.number.rawValue)
    }

    /// Sets `slot` to `true` or `false`.
    @inline(__always)
    func setBool(_ slot: Int, _ value: Bool) {
        guard slot >= 0 && slot < count else { return }
        slots[slot] = Slot(word: value ? 1 : 0, info: Tag.bool.rawValue)
    }

    /// Sets `slot` to a timestamp.
    @inline(__always)
    func setDatetime(_ slot: Int, _ t: Timestamp) {
        guard slot >= 0 && slot < count else { return }
        let nanoseconds = UInt64(UInt32(truncatingIfNeeded: t.nanoseconds))
        let offset = UInt64(truncatingIfNeeded: Int64(t.offset) &+ (1 << 23)) & 0xFF_FFFF
        slots[slot] = Slot(word: UInt64(bitPattern: t.seconds), info: Tag.datetime.rawValue | nanoseconds << 8 | offset << 40)
    }

    /// A copy with `newCount` slots, where the slot `i` of this one goes
    /// to `target[i]` (-1: dropped); the bytes are copied as they are.
    func relaid(count newCount: Int, target: [Int]) -> EventValues {
        let moved = EventValues(count: newCount, line: UnsafeBufferPointer(start: text, count: textCount))
        for (from, to) in target.enumerated() where from < count && to >= 0 && to < newCount { moved.slots[to] = slots[from] }
        return moved
    }

    // MARK: Reading

    /// The UTF-8 of the text in `slot` (which must hold text).
    @inline(__always)
    private func bytes(of s: Slot) -> UnsafeBufferPointer<UInt8> {
        UnsafeBufferPointer(start: text + Int(s.word & 0xFFFF_FFFF), count: Int(s.word >> 32))
    }

    /// `ParsedEvent.withStringUTF8`: the slot's text read where it is stored.
    @inline(__always)
    func withStringUTF8<R>(_ slot: Int, _ body: (UnsafeBufferPointer<UInt8>) -> R) -> R? {
        guard slot >= 0 && slot < count, slots[slot].tag == .text else { return nil }
        return body(bytes(of: slots[slot]))
    }

    /// `ParsedEvent.sameText`.
    func sameText(_ a: Int, _ b: Int) -> Bool {
        guard a >= 0 && a < count && b >= 0 && b < count, slots[a].tag == .text, slots[b].tag == .text else { return false }
        let x = bytes(of: slots[a]), y = bytes(of: slots[b])
        if x.count == y.count && (x.count == 0 || NameTable.equal(x.baseAddress!, y.baseAddress!, count: x.count)) { return true }
        if Self.isASCII(x) && Self.isASCII(y) { return false }
        return String(decoding: x, as: UTF8.self) == String(decoding: y, as: UTF8.self)
    }

    /// Whether every byte of `text` is ASCII (a word at a time).
    private static func isASCII(_ text: UnsafeBufferPointer<UInt8>) -> Bool {
        guard let base = text.baseAddress else { return true }
        let raw = UnsafeRawPointer(base)
        var i = 0
        while i &+ 8 <= text.count {
            if raw.loadUnaligned(fromByteOffset: i, as: UInt64.self) & 0x8080_8080_8080_8080 != 0 { return false }
            i &+= 8
        }
        while i < text.count {
            if base[i] >= 0x80 { return false }
            i &+= 1
        }
        return true
    }

    /// The text in `slot` as a `String`, if it holds text.
    @inline(__always)
    func string(_ slot: Int) -> String? {
        guard slot >= 0 && slot < count, slots[slot].tag == .text else { return nil }
        return String(decoding: bytes(of: slots[slot]), as: UTF8.self)
    }

    /// The timestamp a `.datetime` slot holds.
    @inline(__always)
    private static func timestamp(_ s: Slot) -> Timestamp {
        Timestamp(
            seconds: Int64(bitPattern: s.word), nanoseconds: Int32(truncatingIfNeeded: s.info >> 8),
            offset: Int32(truncatingIfNeeded: Int64(s.info >> 40) &- (1 << 23)))
    }

    /// The timestamp in `slot`, if it holds one.
    @inline(__always)
    func datetime(_ slot: Int) -> Timestamp? {
        guard slot >= 0 && slot < count else { return nil }
        let s = slots[slot]
        guard s.tag == .datetime else { return nil }
        return Self.timestamp(s)
    }

    /// Whether `slot` holds `true`.
    @inline(__always)
    func flag(_ slot: Int) -> Bool {
        guard slot >= 0 && slot < count else { return false }
        return slots[slot].tag == .bool && slots[slot].word != 0
    }

    /// Whether `slot` holds `false`.
    @inline(__always)
    func holdsFalse(_ slot: Int) -> Bool {
        guard slot >= 0 && slot < count else { return false }
        return slots[slot].tag == .bool && slots[slot].word == 0
    }

    /// Whether `slot` holds a value (not absent, not null); false out of range.
    @inline(__always)
    func holdsValue(_ slot: Int) -> Bool {
        slot >= 0 && slot < count && slots[slot].tag != .absent
    }

    /// Whether every slot of `required` holds a value (`holdsValue`).
    @inline(__always)
    func holdsAll(_ required: [Int]) -> Bool {
        required.withUnsafeBufferPointer { required in
            for slot in required where !(slot >= 0 && slot < count && slots[slot].tag != .absent) { return false }
            return true
        }
    }

    /// The value in `slot` (nil when absent, null or out of range).
    subscript(slot: Int) -> Value? {
        guard slot >= 0 && slot < count else { return nil }
        let s = slots[slot]
        switch s.tag {
        case .absent: return nil
        case .text: return .string(String(decoding: bytes(of: s), as: UTF8.self))
        case .number: return .number(Double(bitPattern: s.word))
        case .bool: return .bool(s.word != 0)
        case .datetime: return .datetime(Self.timestamp(s))
        }
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

/// The order the members of a stream's events came in, learned line by
/// line: for each member of each section (and for its start), what
/// followed it in the last event (a member, or the end of the object),
/// and the bytes that led there (`, "status": `, or ` }`). `EventDecoder`
/// first compares the next bytes with those (one compare of a few words:
/// the separator, the name, its `:` and the whitespace between, or the
/// closing brace); then the next name with the expected one
/// (`SectionLayout.consumeName`); and scans and looks the name up only
/// when it is another.
/// Events from one system write their members in one order, so nearly
/// every member is told by that compare; any other order decodes the same,
/// at the cost of the scan. Belongs to one reader of lines
/// (`NDJSONWriter`), never shared between threads.
final class KeyOrder {
    /// `next` of a place after which the object ended.
    static let end = -2

    /// The layout the order is for.
    let layout: EventLayout
    /// Where each section's entries begin in `next`.
    private let bases: UnsafeMutablePointer<Int>
    private let sectionCount: Int
    /// Per section: at 0 what came first, at 1 + i what came after entry
    /// i, at 1 + count what came after an unknown one: a member, `end`,
    /// or -1 (none learned, or an unknown member).
    private let next: UnsafeMutablePointer<Int32>
    private let size: Int
    /// Per place, the bytes that led to its `next` in the last line that
    /// had them: from the end of the value before (from the first name,
    /// after the `{` and its whitespace, for the first member) to after the
    /// next name's `:` and the whitespace after it (`, "status": `), or to
    /// after the `}` that ends the object; `shapeCapacity` bytes a place
    /// (`shapeLengths` 0: none learned). The same bytes in a later line
    /// lead to the same place: they are compared as one piece
    /// (`matchShape`), with no scan of whitespace, separators and quotes.
    private let shapes: UnsafeMutablePointer<UInt8>
    private let shapeLengths: UnsafeMutablePointer<UInt8>
    private static let shapeCapacity = 32

    init(_ layout: EventLayout) {
        self.layout = layout
        sectionCount = layout.sections.count
        bases = .allocate(capacity: max(1, sectionCount))
        var size = 0
        for (i, section) in layout.sections.enumerated() {
            bases[i] = size
            size += section.count + 2
        }
        self.size = size
        next = .allocate(capacity: max(1, size))
        next.initialize(repeating: -1, count: max(1, size))
        shapes = .allocate(capacity: max(1, size) * Self.shapeCapacity)
        shapes.initialize(repeating: 0, count: max(1, size) * Self.shapeCapacity)
        shapeLengths = .allocate(capacity: max(1, size))
        shapeLengths.initialize(repeating: 0, count: max(1, size))
    }

    deinit {
        bases.deallocate()
        next.deallocate()
        shapes.deallocate()
        shapeLengths.deallocate()
    }

    /// Where the place of `section` after `previous` (an entry, -1 for the
    /// start of the object, `count` for an unknown member) is kept; -1
    /// when out of range (never, for this layout's sections).
    @inline(__always)
    func place(_ section: Int, after previous: Int) -> Int {
        guard UInt(bitPattern: section) < UInt(bitPattern: sectionCount) else { return -1 }
        let at = bases[section] &+ previous &+ 1
        return UInt(bitPattern: at) < UInt(bitPattern: size) ? at : -1
    }

    /// What is expected at place `at` (-1: nothing known; `end`).
    @inline(__always)
    func expected(at: Int) -> Int {
        at < 0 ? -1 : Int(next[at])
    }

    /// Notes that `found` (-1: an unknown member; `end`) came at place
    /// `at` (and forgets the bytes that led to what was noted before).
    @inline(__always)
    func learn(at: Int, _ found: Int) {
        if at >= 0 {
            next[at] = Int32(truncatingIfNeeded: found)
            shapeLengths[at] = 0
        }
    }

    /// What is expected at place `at` when the bytes at `reader`'s position
    /// are the ones that led to it before (then consumed); else -1, with
    /// `reader` unchanged.
    @inline(__always)
    func matchShape(at: Int, _ reader: inout JSONReader) -> Int {
        guard at >= 0 else { return -1 }
        let n = Int(shapeLengths[at])
        let p = reader.position
        guard n > 0, n <= reader.bytes.count &- p, let input = reader.bytes.baseAddress,
            NameTable.equal(shapes + at &* Self.shapeCapacity, input + p, count: n)
        else { return -1 }
        reader.position = p &+ n
        return Int(next[at])
    }

    /// Notes `bytes[start..<end]` as what led to what is expected at place
    /// `at` (the one `expected(at:)` gives), when it fits.
    @inline(__always)
    func learnShape(at: Int, _ bytes: UnsafeBufferPointer<UInt8>, from start: Int, to end: Int) {
        let n = end &- start
        guard at >= 0, n > 0, n <= Self.shapeCapacity, start >= 0, end <= bytes.count, let base = bytes.baseAddress
        else { return }
        (shapes + at &* Self.shapeCapacity).update(from: base + start, count: n)
        shapeLengths[at] = UInt8(truncatingIfNeeded: n)
    }
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

    /// Decodes one line; `reusing` (values nothing else holds, with this
    /// layout's slot count) is reset and filled instead of a new block.
    /// With `keyOrder` (for this layout), member names are first compared
    /// with the ones expected there and the order is learned.
    func decode(_ bytes: UnsafeBufferPointer<UInt8>, reusing spare: EventValues? = nil, keyOrder: KeyOrder? = nil)
        -> DecodedLine
    {
        let keyOrder = keyOrder?.layout === layout ? keyOrder : nil
        var reader = JSONReader(bytes)
        reader.skipWhitespace()
        if reader.atEnd { return .blank }
        // Texts are kept as 32-bit spans of the line (`EventValues`).
        guard bytes.count <= Int(Int32.max) else {
            return .malformed(JSONSyntaxError(offset: 0, message: "the line is longer than \(Int32.max) bytes"))
        }
        let values: EventValues
        if let spare, spare.count == layout.slotCount {
            spare.reset(line: bytes)
            values = spare
        } else {
            values = EventValues(count: layout.slotCount, line: bytes)
        }
        var problems = Problems()
        do {
            guard reader.peekKind() == .object else {
                let start = reader.position
                try reader.skipValue(depth: 0)
                try reader.expectEnd()
                return .invalid(id: nil, message: "event: expected an object, got \(describe(reader, start, reader.position))")
            }
            if try !reader.beginObject() {
                try readMembers(EventLayout.eventSection, &reader, values, &problems, keyOrder)
            }
            try reader.expectEnd()
        } catch {
            return .malformed(error)
        }
        return finish(values, problems)
    }

    /// Reads the members of section number `index`, from the first name
    /// (after the `{` and its whitespace) to its `}`: each value into its
    /// slot, noting problems; unknown members are checked and skipped.
    ///
    /// With `keyOrder`, what comes after each member (and first) is
    /// looked for as the bytes that led to it in an earlier line
    /// (`KeyOrder.matchShape`): a match consumes the separator, the name,
    /// its `:` and the whitespace between them, or the closing `}`, in one
    /// compare. Otherwise the separator is read, then the name compared
    /// with the expected one (`SectionLayout.consumeName`), or scanned and
    /// looked up; what came is learned, and the bytes when they were the
    /// expected ones. Both ways read the same bytes alike.
    private func readMembers(
        _ index: Int, _ reader: inout JSONReader, _ values: EventValues, _ problems: inout Problems, _ keyOrder: KeyOrder?
    ) throws(JSONSyntaxError) {
        let section = layout.sections[index]
        let depth = index == EventLayout.eventSection ? 1 : 2
        var previous = -1
        while true {
            var found = -1
            let at = keyOrder?.place(index, after: previous) ?? -1
            if let keyOrder, at >= 0 {
                found = keyOrder.matchShape(at: at, &reader)
                if found == KeyOrder.end { return }
            }
            if found < 0 {
                // From the end of the value before (or the first name).
                let start = reader.position
                if previous >= 0, try reader.endOfMember() {
                    keyOrder?.learn(at: at, KeyOrder.end)
                    keyOrder?.learnShape(at: at, reader.bytes, from: start, to: reader.position)
                    return
                }
                found = expectedName(section, keyOrder?.expected(at: at) ?? -1, &reader)
                if found >= 0 {
                    keyOrder?.learnShape(at: at, reader.bytes, from: start, to: reader.position)
                } else {
                    found = section.index(of: try reader.readKey(), in: reader) ?? -1
                    keyOrder?.learn(at: at, found)
                }
            }
            if found >= 0 {
                let member = section.members[found]
                if member.kind == .section {
                    try readSection(member.section, &reader, values, &problems, keyOrder)
                } else if try !readText(member, &reader, values) {
                    // A flag holding `true` or `false` as `readField` reads it, without its dispatch.
                    let first = reader.current
                    if member.kind == .bool && (first == UInt8(ascii: "t") || first == UInt8(ascii: "f")) {
                        values.setBool(member.slot, try reader.scanBool())
                    } else {
                        try readField(member, found, of: section, section: index, &reader, values, &problems)
                    }
                }
                previous = found
            } else {
                try reader.skipValue(depth: depth)
                previous = section.count
            }
        }
    }

    /// Entry `expected` of `section`, when its name and the `:` after it
    /// come next (both are then consumed, with the whitespace after the
    /// `:`); else -1, with `reader` where the name starts (or its
    /// whitespace). Nothing is thrown on this path.
    @inline(__always)
    private func expectedName(_ section: SectionLayout, _ expected: Int, _ reader: inout JSONReader) -> Int {
        guard expected >= 0 else { return -1 }
        let start = reader.position
        guard section.consumeName(expected, &reader) else { return -1 }
        reader.skipWhitespace()
        guard reader.current == UInt8(ascii: ":") else {
            // Read again by `readKey`, which reports what is wrong.
            reader.position = start
            return -1
        }
        reader.position &+= 1
        reader.skipWhitespace()
        return expected
    }

    /// Reads a member of the top level that is a section (`client`,
    /// `work_order`, …): an object, `null` (absent) or a problem.
    private func readSection(
        _ index: Int, _ reader: inout JSONReader, _ values: EventValues, _ problems: inout Problems, _ keyOrder: KeyOrder?
    ) throws(JSONSyntaxError) {
        let section = layout.sections[index]
        switch reader.peekKind() {
        case .null?:
            try reader.scanLiteral("null")
            problems.present &= ~(1 << UInt8(index))
        case .object?:
            problems.present |= 1 << UInt8(index)
            if try reader.beginObject() { return }
            try readMembers(index, &reader, values, &problems, keyOrder)
        default:
            let start = reader.position
            try reader.skipValue(depth: 1)
            problems.note(index, "\(section.member): expected an object, got \(describe(reader, start, reader.position))")
        }
    }

    /// The most common member, a text field holding a string, read in
    /// place (what `readField` does for it, without its dispatch); false,
    /// having read nothing but whitespace, for any other member or value.
    @inline(__always)
    private func readText(_ member: SectionLayout.Member, _ reader: inout JSONReader, _ values: EventValues)
        throws(JSONSyntaxError) -> Bool
    {
        guard member.kind == .string else { return false }
        reader.skipWhitespace()
        guard reader.current == UInt8(ascii: "\"") else { return false }
        setText(member.slot, try reader.scanString(), reader, values)
        return true
    }

    /// Reads the value of `member`, entry `i` of `members` (section number
    /// `section`), into its slot, or notes why it is not valid.
    private func readField(
        _ member: SectionLayout.Member, _ i: Int, of members: SectionLayout, section: Int, _ reader: inout JSONReader,
        _ values: EventValues, _ problems: inout Problems
    ) throws(JSONSyntaxError) {
        let kind = reader.peekKind()
        let start = reader.position
        if kind == .null {
            try reader.scanLiteral("null")
            values.clear(member.slot)
            return
        }
        switch (member.kind, kind) {
        case (.string, .string?):
            let token = try reader.scanString()
            setText(member.slot, token, reader, values)
            return
        case (.enumeration, .string?):
            let token = try reader.scanString()
            guard let allowed = member.values else { break }
            // The values are kept by the layout's entry: read in place.
            let match = allowed._withUnsafeGuaranteedRef { allowed in
                (token.escaped
                    ? reader.unescapedBytes(token).withUnsafeBufferPointer { allowed.contains(utf8: $0) }
                    : allowed.contains(utf8: UnsafeBufferPointer(rebasing: reader.bytes[token.start..<token.end])))
                    || allowed.set.contains(reader.string(token))
            }
            if match {
                setText(member.slot, token, reader, values)
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
                    values.clear(member.slot)
                    problems.note(
                        section,
                        "\(members.entries[i].path): \(reader.snippet(start, reader.position)) is outside the years 0000–9999 (in UTC)")
                    return
                }
                values.setDatetime(member.slot, t)
                return
            }
        case (.bool, .bool?):
            values.setBool(member.slot, try reader.scanBool())
            return
        case (.int, .number?), (.decimal, .number?):
            let (s, e, isInteger) = try reader.scanNumber()
            let text = String(decoding: UnsafeBufferPointer(rebasing: reader.bytes[s..<e]), as: UTF8.self)
            if let d = Double(text), d.isFinite {
                if member.kind == .decimal {
                    values.setNumber(member.slot, d)
                    return
                }
                if isInteger || (d.rounded() == d && abs(d) < 9_007_199_254_740_992) {
                    values.setNumber(member.slot, d)
                    return
                }
            }
        default:
            try reader.skipValue(depth: 2)
        }
        values.clear(member.slot)
        problems.note(section, "\(members.entries[i].path): expected \(members.entries[i].kind.expectation), got \(describe(reader, start, reader.position))")
    }

    /// Keeps the text of `token` in `slot`: where it is in the line, or,
    /// when it has escapes, resolved in its place.
    @inline(__always)
    private func setText(_ slot: Int, _ token: JSONStringToken, _ reader: JSONReader, _ values: EventValues) {
        if !token.escaped {
            values.setText(slot, start: token.start, count: token.end &- token.start)
        } else {
            reader.unescapedBytes(token).withUnsafeBufferPointer { values.setResolvedText(slot, start: token.start, $0) }
        }
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
        let id = values.string(layout.id)
        func invalid(_ message: String) -> DecodedLine { .invalid(id: id, message: message) }
        if let p = problems.event { return invalid(p) }
        guard id != nil else { return invalid("id: required") }
        // The bytes first (no string switch over every trigger); `String`
        // equality decides when they do not match.
        guard let byBytes = values.withStringUTF8(layout.type, { layout.triggerNames.index(of: $0) }) else {
            return invalid("type: required")
        }
        guard let trigger = byBytes.map({ EventLayout.triggerCases[$0] }) ?? values.string(layout.type).flatMap(Trigger.init(rawValue:))
        else {
            let typeText = values.string(layout.type) ?? ""
            return invalid("type: unknown event type '\(typeText)'; expected one of \(Trigger.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        guard let occurredAt = values.datetime(layout.occurredAt) else { return invalid("occurred_at: required") }
        // The usual event: no problem noted, the client and entity objects
        // present, every required member there (the checks below, read
        // from plain memory; they name what is missing when one fails).
        if let entitySection = EventLayout.section(of: trigger.entity), problems.client == nil, problems.entity.isEmpty,
            problems.present & (1 << UInt8(EventLayout.clientSection)) != 0, problems.present & (1 << UInt8(entitySection)) != 0,
            layout.holdsRequired(EventLayout.eventSection, in: values), layout.holdsRequired(EventLayout.clientSection, in: values),
            layout.holdsRequired(entitySection, in: values)
        {
            return .event(ParsedEvent(id: id ?? "", trigger: trigger, occurredAt: occurredAt, layout: layout, values: values))
        }
        /// The first required member of `section` that is missing, as a message.
        func missingMember(_ section: SectionLayout) -> String? {
            if values.holdsAll(section.requiredSlots) { return nil }
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
        return .event(ParsedEvent(id: id ?? "", trigger: trigger, occurredAt: occurredAt, layout: layout, values: values))
    }
}
