import HeraldModel

/// How a field's JSON value is checked and stored (docs/rule-language.md §9).
enum FieldKind: Sendable {
    /// Text: string, email, phone, status.
    case string
    /// A whole number.
    case int
    /// Any number.
    case decimal
    /// `true` / `false`.
    case bool
    /// RFC 3339 with offset.
    case datetime
    /// One of the values (custom enum).
    case enumeration(EnumValues, list: String)
    /// A nested entity object (top level only): the section index.
    case section(Int)

    init(_ type: FieldType) {
        switch type {
        case .string, .email, .phone, .status: self = .string
        case .int: self = .int
        case .decimal: self = .decimal
        case .bool: self = .bool
        case .datetime: self = .datetime
        case .enumeration(let values): self = .enumeration(EnumValues(values), list: values.joined(separator: ", "))
        }
    }

    /// "a string", "an int", … for messages.
    var expectation: String {
        switch self {
        case .string: return "a string"
        case .int: return "an int"
        case .decimal: return "a number"
        case .bool: return "true or false"
        case .datetime: return "an RFC 3339 datetime with offset"
        case .enumeration(_, let list): return "one of \(list)"
        case .section: return "an object"
        }
    }
}

/// The values of a custom enum, matched on the bytes of a JSON string (no
/// hashing, no `String` made per event).
final class EnumValues: Sendable {
    let values: [String]
    private let table: NameTable
    /// For text equal to a value but written differently (canonically
    /// equivalent Unicode), as `String` comparison sees it.
    let set: Set<String>

    init(_ values: [String]) {
        self.values = values
        self.table = NameTable(values.map { Array($0.utf8) })
        self.set = Set(values)
    }

    /// The value whose UTF-8 is `bytes`, if any.
    @inline(__always)
    func value(matching bytes: UnsafeBufferPointer<UInt8>) -> String? {
        table.index(of: bytes).map { values[$0] }
    }

    /// Whether `bytes` is the UTF-8 of one of the values (no `String` made).
    @inline(__always)
    func contains(utf8 bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        table.index(of: bytes) != nil
    }
}

/// One known member name of an event object.
final class FieldEntry: Sendable {
    /// Member name as UTF-8.
    let name: [UInt8]
    /// Slot in `ParsedEvent.values` (unused for sections).
    let slot: Int
    /// Type check.
    let kind: FieldKind
    /// Must be present (not null).
    let required: Bool
    /// Path for messages: `work_order.status`, or `id` at top level.
    let path: String

    init(name: [UInt8], slot: Int, kind: FieldKind, required: Bool, path: String) {
        self.name = name
        self.slot = slot
        self.kind = kind
        self.required = required
        self.path = path
    }
}

/// The members of one JSON object of an event (top level, `client`, …).
final class SectionLayout: Sendable {
    /// The entity.
    let entity: Entity
    /// JSON member name of the object (`client`), empty for the top level.
    let member: String
    /// Known members.
    let entries: [FieldEntry]
    /// Entry indices by name.
    private let table: NameTable
    /// The slots of the required members, in `entries` order (checked
    /// for every event: plain integers, no entry retained).
    let requiredSlots: [Int]

    /// How decoding reads a member, by kind.
    enum MemberKind: UInt8 {
        case string, int, decimal, bool, datetime, enumeration, section
    }

    /// What decoding reads of an entry, as plain data: read for every
    /// member of every event without retaining the entry.
    struct Member {
        /// `FieldEntry.slot`.
        let slot: Int
        /// `FieldEntry.kind` without its payload.
        let kind: MemberKind
        /// The section index of a `.section` member.
        let section: Int
        /// The values of an `.enumeration` member, not retained: the
        /// entry (kept by the section's `entries`) holds them.
        let values: Unmanaged<EnumValues>?
    }

    /// `entries` as `Member`s, in the same order.
    let members: [Member]

    /// The member names, UTF-8, one after the other, for `consumeName`.
    private let nameBytes: [UInt8]
    /// Where each entry's name is in `nameBytes`; a count of -1 for a name
    /// `consumeName` does not take (one that is not plain printable ASCII
    /// without quote and backslash, or a repeated name).
    private let nameRanges: [(start: Int32, count: Int32)]

    init(entity: Entity, member: String, entries: [FieldEntry]) {
        self.entity = entity
        self.member = member
        self.entries = entries
        self.members = entries.map { entry in
            switch entry.kind {
            case .string: Member(slot: entry.slot, kind: .string, section: -1, values: nil)
            case .int: Member(slot: entry.slot, kind: .int, section: -1, values: nil)
            case .decimal: Member(slot: entry.slot, kind: .decimal, section: -1, values: nil)
            case .bool: Member(slot: entry.slot, kind: .bool, section: -1, values: nil)
            case .datetime: Member(slot: entry.slot, kind: .datetime, section: -1, values: nil)
            case .enumeration(let values, _):
                Member(slot: entry.slot, kind: .enumeration, section: -1, values: Unmanaged.passUnretained(values))
            case .section(let index): Member(slot: entry.slot, kind: .section, section: index, values: nil)
            }
        }
        self.table = NameTable(entries.map(\.name))
        self.requiredSlots = entries.filter { $0.required && $0.slot >= 0 }.map(\.slot)
        var nameBytes: [UInt8] = []
        var nameRanges: [(start: Int32, count: Int32)] = []
        var seen = Set<[UInt8]>()
        for entry in entries {
            let plain = entry.name.allSatisfy { $0 >= 0x20 && $0 < 0x7F && $0 != 0x22 && $0 != 0x5C }
            let first = seen.insert(entry.name).inserted
            let taken = plain && first && entry.name.count < 1 << 16
            nameRanges.append(taken ? (Int32(nameBytes.count), Int32(entry.name.count)) : (0, -1))
            nameBytes += entry.name
        }
        self.nameBytes = nameBytes
        self.nameRanges = nameRanges
    }

    /// Number of entries (members).
    var count: Int { nameRanges.count }

    /// Steps `reader` over the member name at its position (after
    /// whitespace) and returns true when that name is, byte for byte
    /// between its quotes, the name of entry `i`; otherwise leaves the
    /// position where the name starts and returns false. A name matched
    /// this way is valid JSON string contents without escapes (entry names
    /// taken here are plain ASCII), so it is the entry `index(of:in:)`
    /// would find: this only saves scanning and hashing a name that was
    /// expected (`KeyOrder`).
    @inline(__always)
    func consumeName(_ i: Int, _ reader: inout JSONReader) -> Bool {
        guard i >= 0 && i < nameRanges.count else { return false }
        let range = nameRanges[i]
        let n = Int(range.count)
        guard n > 0 else { return false }
        reader.skipWhitespace()
        let p = reader.position
        let bytes = reader.bytes
        guard p &+ n &+ 1 < bytes.count, bytes[p] == UInt8(ascii: "\""), bytes[p &+ 1 &+ n] == UInt8(ascii: "\""),
            let input = bytes.baseAddress
        else { return false }
        let equal = nameBytes.withUnsafeBufferPointer { names -> Bool in
            guard let base = names.baseAddress else { return false }
            return NameTable.equal(base + Int(range.start), input + (p &+ 1), count: n)
        }
        guard equal else { return false }
        reader.position = p &+ n &+ 2
        return true
    }

    /// The path of the member stored in `slot` (for messages).
    func path(ofSlot slot: Int) -> String {
        entries.first { $0.slot == slot }?.path ?? "?"
    }

    /// The index in `entries` (and `members`) of the member whose name is
    /// the string `token` in `reader`, if any.
    @inline(__always)
    func index(of token: JSONStringToken, in reader: JSONReader) -> Int? {
        if token.escaped {
            return reader.unescapedBytes(token).withUnsafeBufferPointer { table.index(of: $0) }
        }
        return table.index(of: UnsafeBufferPointer(rebasing: reader.bytes[token.start..<token.end]))
    }
}

/// Where each field of an event lives in a `ParsedEvent`: one slot per
/// built-in and declared custom field of `event`, `client`, `work_order`,
/// `lead` and `csr`, built once per rule set.
final class EventLayout: Sendable {
    /// Section indices.
    static let eventSection = 0, clientSection = 1
    /// The entities with a section, in section order.
    static let sectionEntities: [Entity] = [.event, .client, .workOrder, .lead, .csr]

    /// Sections in the order of `sectionEntities`.
    let sections: [SectionLayout]
    /// Number of slots.
    let slotCount: Int
    /// Slot by entity and field name.
    let slots: [Entity: [String: Int]]
    /// Field type by slot.
    let types: [FieldType]
    /// `Trigger.allCases` (built once: the synthesized property makes a new
    /// array each time); also the order of `CompiledRuleSet.code(_:)`.
    static let triggerCases = Trigger.allCases
    /// `triggerCases` by raw value, matched on the bytes of `type`.
    let triggerNames = NameTable(Trigger.allCases.map { Array($0.rawValue.utf8) })

    // Built-in slots the engine reads directly.
    let id, type, occurredAt, location: Int
    let clientID, clientRegion, clientLanguage, clientEmail, clientPhone: Int
    let clientAcceptsEmail, clientAcceptsSMS, clientHeadOffice: Int
    let workOrderNumber, workOrderReportURL: Int
    /// Per entity section: slots of `id`, `status`, `previous_status` (-1 when none).
    let entityID: [Entity: Int]
    let entityStatus: [Entity: Int]
    let entityPreviousStatus: [Entity: Int]
    /// Per section, its required slots one after another: section s's are
    /// at `requiredStarts[s] ..< requiredStarts[s + 1]` of `required` (read
    /// for every event; plain memory, no array to retain).
    nonisolated(unsafe) private let required: UnsafeMutablePointer<Int32>
    nonisolated(unsafe) private let requiredStarts: UnsafeMutablePointer<Int32>

    init(schema: Schema) {
        var sections: [SectionLayout] = []
        var slots: [Entity: [String: Int]] = [:]
        var types: [FieldType] = []
        var topEntries: [FieldEntry] = []
        var next = 0
        for (index, entity) in EventLayout.sectionEntities.enumerated() {
            var specs = Schema.builtIn[entity] ?? []
            let custom = (schema.customFields[entity] ?? [:]).values.sorted { $0.name < $1.name }
            let builtInNames = Set(specs.map(\.name))
            specs += custom.filter { !builtInNames.contains($0.name) }
            var entries: [FieldEntry] = []
            var bySlot: [String: Int] = [:]
            for spec in specs {
                let slot = next
                next += 1
                bySlot[spec.name] = slot
                types.append(spec.type)
                // `accepts_*` / `head_office` are "absent = false", never required.
                let required = !spec.optional && !(spec.type == .bool && !spec.custom)
                let path = entity == .event ? spec.name : "\(entity.rawValue).\(spec.name)"
                entries.append(
                    FieldEntry(
                        name: Array(spec.name.utf8), slot: slot, kind: FieldKind(spec.type), required: required,
                        path: path))
            }
            slots[entity] = bySlot
            if index == EventLayout.eventSection {
                topEntries = entries
            } else {
                sections.append(SectionLayout(entity: entity, member: entity.rawValue, entries: entries))
                topEntries.append(
                    FieldEntry(name: Array(entity.rawValue.utf8), slot: -1, kind: .section(index), required: false, path: entity.rawValue))
            }
        }
        sections.insert(SectionLayout(entity: .event, member: "", entries: topEntries), at: 0)
        self.sections = sections
        let allRequired = sections.flatMap { $0.requiredSlots.map { Int32(truncatingIfNeeded: $0) } }
        required = .allocate(capacity: max(1, allRequired.count))
        required.initialize(from: allRequired, count: allRequired.count)
        requiredStarts = .allocate(capacity: sections.count + 1)
        var start = 0
        for (i, section) in sections.enumerated() {
            requiredStarts[i] = Int32(truncatingIfNeeded: start)
            start += section.requiredSlots.count
        }
        requiredStarts[sections.count] = Int32(truncatingIfNeeded: start)
        self.slotCount = next
        self.slots = slots
        self.types = types

        func s(_ e: Entity, _ n: String) -> Int { slots[e]?[n] ?? -1 }
        id = s(.event, "id")
        type = s(.event, "type")
        occurredAt = s(.event, "occurred_at")
        location = s(.event, "location")
        clientID = s(.client, "id")
        clientRegion = s(.client, "region")
        clientLanguage = s(.client, "language")
        clientEmail = s(.client, "email")
        clientPhone = s(.client, "phone")
        clientAcceptsEmail = s(.client, "accepts_email")
        clientAcceptsSMS = s(.client, "accepts_sms")
        clientHeadOffice = s(.client, "head_office")
        workOrderNumber = s(.workOrder, "number")
        workOrderReportURL = s(.workOrder, "report_url")
        var ids: [Entity: Int] = [:], statuses: [Entity: Int] = [:], previous: [Entity: Int] = [:]
        for e in [Entity.workOrder, .lead, .csr] {
            ids[e] = s(e, "id")
            statuses[e] = s(e, "status")
            previous[e] = s(e, "previous_status")
        }
        entityID = ids
        entityStatus = statuses
        entityPreviousStatus = previous
    }

    deinit {
        required.deallocate()
        requiredStarts.deallocate()
    }

    /// Whether `values` holds a value in every required slot of section
    /// number `section` (0 ..< `sections.count`).
    @inline(__always)
    func holdsRequired(_ section: Int, in values: EventValues) -> Bool {
        guard section >= 0 && section < sections.count else { return false }
        let start = Int(requiredStarts[section]), end = Int(requiredStarts[section &+ 1])
        for i in start..<end where !values.holdsValue(Int(required[i])) { return false }
        return true
    }

    /// The slot of `entity.name`, if the event carries such a field.
    func slot(_ entity: Entity, _ name: String) -> Int? { slots[entity]?[name] }

    /// The section index of an entity, if it has one.
    static func section(of entity: Entity) -> Int? {
        switch entity {
        case .event: 0
        case .client: 1
        case .workOrder: 2
        case .lead: 3
        case .csr: 4
        case .location, .region: nil
        }
    }
}
