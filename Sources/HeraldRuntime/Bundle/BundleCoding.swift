import Foundation
import HeraldModel

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

// The body of a bundle (format 2): a string table, a field-path table, then
// the rule set written field by field. Every integer is an unsigned LEB128 varint (signed ones
// zig-zag encoded first), every string a varint index into the table, every
// optional a 0/1 byte before its value, every enum a one-byte code (the
// tables below; changing one changes `RuleBundle.formatVersion`), every field
// path a varint index into the path table (each path a list of string
// indices, so a path used by thousands of templates is read once), every list
// and dictionary a varint count before its elements (dictionaries sorted by
// key, so the same rule set always gives the same bytes). See
// docs/runtime.md, "Compiled bundles".

/// Why a bundle body could not be read: where, and what was wrong there.
struct BundleDamage: Error {
    let offset: Int
    let reason: String
}

/// Expressions and template blocks nested deeper than this are refused when
/// writing and reading, so a damaged or hostile bundle cannot exhaust the
/// stack of the reader or of evaluation.
let bundleMaximumNesting = 256

// MARK: Writing

/// Writes a rule set as a bundle body.
struct BundleWriter {
    private(set) var body: [UInt8] = []
    private var stringIndex: [String: Int] = [:]
    private var strings: [String] = []
    private var pathIndex: [FieldPath: Int] = [:]
    /// The path table's entries, as written.
    private var pathBytes: [UInt8] = []

    /// The string table, the path table, then the body.
    var payload: [UInt8] {
        var table: [UInt8] = []
        table.reserveCapacity(strings.reduce(0) { $0 + $1.utf8.count + 2 } + pathBytes.count + 10)
        BundleWriter.appendVarint(UInt64(strings.count), to: &table)
        for s in strings {
            BundleWriter.appendVarint(UInt64(s.utf8.count), to: &table)
            table.append(contentsOf: s.utf8)
        }
        BundleWriter.appendVarint(UInt64(pathIndex.count), to: &table)
        return table + pathBytes + body
    }

    /// The table index of `s` (added when new).
    private mutating func stringNumber(_ s: String) -> Int {
        if let i = stringIndex[s] { return i }
        stringIndex[s] = strings.count
        strings.append(s)
        return strings.count - 1
    }

    static func appendVarint(_ value: UInt64, to out: inout [UInt8]) {
        var v = value
        while v >= 0x80 {
            out.append(UInt8(truncatingIfNeeded: v) | 0x80)
            v >>= 7
        }
        out.append(UInt8(v))
    }

    mutating func varint(_ value: Int) {
        precondition(value >= 0)
        BundleWriter.appendVarint(UInt64(value), to: &body)
    }

    mutating func int(_ value: Int) {
        let v = Int64(value)
        BundleWriter.appendVarint(UInt64(bitPattern: (v << 1) ^ (v >> 63)), to: &body)
    }

    mutating func byte(_ value: UInt8) { body.append(value) }

    mutating func bool(_ value: Bool) { body.append(value ? 1 : 0) }

    mutating func double(_ value: Double) {
        withUnsafeBytes(of: value.bitPattern.littleEndian) { body.append(contentsOf: $0) }
    }

    mutating func string(_ s: String) { varint(stringNumber(s)) }

    mutating func strings(_ list: [String]) {
        varint(list.count)
        for s in list { string(s) }
    }

    mutating func optional<T>(_ value: T?, _ write: (inout BundleWriter, T) throws -> Void) rethrows {
        if let value {
            byte(1)
            try write(&self, value)
        } else {
            byte(0)
        }
    }

    mutating func ruleSet(_ r: RuleSet) throws {
        let statuses = r.schema.statuses.sorted { BundleCodes.entity($0.key) < BundleCodes.entity($1.key) }
        varint(statuses.count)
        for (entity, list) in statuses {
            byte(BundleCodes.entity(entity))
            strings(list)
        }
        let custom = r.schema.customFields.sorted { BundleCodes.entity($0.key) < BundleCodes.entity($1.key) }
        varint(custom.count)
        for (entity, fields) in custom {
            byte(BundleCodes.entity(entity))
            varint(fields.count)
            for (name, spec) in fields.sorted(by: { $0.key < $1.key }) {
                string(name)
                fieldSpec(spec)
            }
        }
        varint(r.calendars.count)
        for (id, c) in r.calendars.sorted(by: { $0.key < $1.key }) {
            string(id)
            calendar(c)
        }
        for places in [r.locations, r.regions] {
            varint(places.count)
            for (id, p) in places.sorted(by: { $0.key < $1.key }) {
                string(id)
                place(p)
            }
        }
        varint(r.templates.count)
        for (id, t) in r.templates.sorted(by: { $0.key < $1.key }) {
            string(id)
            try template(t)
        }
        varint(r.rules.count)
        for rule in r.rules { try self.rule(rule) }
    }

    mutating func fieldSpec(_ f: FieldSpec) {
        string(f.name)
        fieldType(f.type)
        bool(f.optional)
        bool(f.custom)
    }

    mutating func fieldType(_ t: FieldType) {
        switch t {
        case .string: byte(0)
        case .int: byte(1)
        case .decimal: byte(2)
        case .bool: byte(3)
        case .datetime: byte(4)
        case .email: byte(5)
        case .phone: byte(6)
        case .status(let e):
            byte(7)
            byte(BundleCodes.entity(e))
        case .enumeration(let values):
            byte(8)
            strings(values)
        }
    }

    mutating func calendar(_ c: CalendarSpec) {
        string(c.id)
        string(c.timeZone)
        varint(c.week.count)
        for day in c.week {
            varint(day.count)
            for span in day {
                int(span.start)
                int(span.end)
            }
        }
        varint(c.closed.count)
        for d in c.closed.sorted() {
            int(d.year)
            int(d.month)
            int(d.day)
        }
        varint(c.closedEveryYear.count)
        for d in c.closedEveryYear.sorted() {
            int(d.month)
            int(d.day)
        }
    }

    mutating func place(_ p: Place) {
        string(p.id)
        string(p.name)
        optional(p.timeZone) { $0.string($1) }
        optional(p.calendar) { $0.string($1) }
        bool(p.notifications)
        optional(p.replyTo) { $0.string($1) }
        varint(p.vars.count)
        for (k, v) in p.vars.sorted(by: { $0.key < $1.key }) {
            string(k)
            string(v)
        }
    }

    mutating func path(_ p: FieldPath) {
        if let i = pathIndex[p] { return varint(i) }
        let i = pathIndex.count
        pathIndex[p] = i
        BundleWriter.appendVarint(UInt64(p.components.count), to: &pathBytes)
        for c in p.components { BundleWriter.appendVarint(UInt64(stringNumber(c)), to: &pathBytes) }
        varint(i)
    }

    mutating func template(_ t: Template) throws {
        string(t.id)
        try variant(t.base)
        varint(t.locales.count)
        for (key, v) in t.locales.sorted(by: { $0.key < $1.key }) {
            string(key)
            try variant(v)
        }
    }

    mutating func variant(_ v: TemplateVariant) throws {
        try optional(v.sms) { try $0.text($1) }
        try optional(v.email) { w, email in
            try w.text(email.subject)
            try w.text(email.body)
            try w.optional(email.html) { try $0.text($1) }
            w.bool(email.attachReport)
        }
    }

    mutating func text(_ t: TemplateText) throws {
        string(t.source)
        try segments(t.segments, depth: 0)
    }

    mutating func segments(_ list: [TemplateSegment], depth: Int) throws {
        guard depth < bundleMaximumNesting else {
            throw BundleDamage(offset: body.count, reason: "a template is nested more than \(bundleMaximumNesting) levels deep")
        }
        varint(list.count)
        for s in list {
            switch s {
            case .text(let text):
                byte(0)
                string(text)
            case .value(let p, let filters):
                byte(1)
                path(p)
                varint(filters.count)
                for f in filters { filter(f) }
            case .conditional(let p, let then, let otherwise):
                byte(2)
                path(p)
                try segments(then, depth: depth + 1)
                try segments(otherwise, depth: depth + 1)
            }
        }
    }

    mutating func filter(_ f: TemplateFilter) {
        switch f {
        case .default(let argument):
            byte(0)
            switch argument {
            case .string(let s):
                byte(0)
                string(s)
            case .path(let p):
                byte(1)
                path(p)
            case .int(let n):
                byte(2)
                int(n)
            }
        case .date(let pattern):
            byte(1)
            string(pattern)
        case .upper: byte(2)
        case .lower: byte(3)
        case .truncate(let n):
            byte(4)
            int(n)
        }
    }

    mutating func expression(_ e: RuleExpression, depth: Int) throws {
        guard depth < bundleMaximumNesting else {
            throw BundleDamage(offset: body.count, reason: "a condition is nested more than \(bundleMaximumNesting) levels deep")
        }
        switch e {
        case .literal(let l):
            byte(0)
            switch l {
            case .string(let s):
                byte(0)
                string(s)
            case .number(let n):
                byte(1)
                double(n)
            case .bool(let b):
                byte(2)
                bool(b)
            case .null:
                byte(3)
            }
        case .path(let p):
            byte(1)
            path(p)
        case .list(let items):
            byte(2)
            varint(items.count)
            for item in items { try expression(item, depth: depth + 1) }
        case .not(let x):
            byte(3)
            try expression(x, depth: depth + 1)
        case .and(let a, let b):
            byte(4)
            try expression(a, depth: depth + 1)
            try expression(b, depth: depth + 1)
        case .or(let a, let b):
            byte(5)
            try expression(a, depth: depth + 1)
            try expression(b, depth: depth + 1)
        case .compare(let op, let a, let b):
            byte(6)
            byte(BundleCodes.comparison(op))
            try expression(a, depth: depth + 1)
            try expression(b, depth: depth + 1)
        case .call(let f, let arguments):
            byte(7)
            byte(BundleCodes.function(f))
            varint(arguments.count)
            for a in arguments { try expression(a, depth: depth + 1) }
        }
    }

    mutating func duration(_ d: RuleDuration) {
        int(d.days)
        int(d.seconds)
    }

    mutating func rule(_ r: Rule) throws {
        string(r.id)
        int(r.index)
        switch r.kind {
        case .event(let t):
            byte(0)
            byte(BundleCodes.trigger(t))
        case .reminder(let field, let entity, let before):
            byte(1)
            path(field)
            byte(BundleCodes.entity(entity))
            duration(before)
        }
        optional(r.toStatuses) { $0.strings($1) }
        optional(r.fromStatuses) { $0.strings($1) }
        try optional(r.condition) { try $0.expression($1, depth: 0) }
        optional(r.conditionSource) { $0.string($1) }
        optional(r.locations) { $0.strings($1) }
        optional(r.regions) { $0.strings($1) }
        varint(r.channels.count)
        for c in r.channels { byte(BundleCodes.channel(c)) }
        optional(r.fallback) { $0.byte(BundleCodes.channel($1)) }
        duration(r.delay)
        optional(r.workHours) { $0.byte($1 == .defer ? 0 : 1) }
        string(r.template)
        bool(r.active)
        try optional(r.cancelIf) { try $0.expression($1, depth: 0) }
    }
}

// MARK: Codes

/// The one-byte codes of the model's enums in a bundle.
enum BundleCodes {
    static let entities: [Entity] = [.event, .client, .workOrder, .lead, .csr, .location, .region]
    static let triggers: [Trigger] = [
        .workOrderCreated, .workOrderStatusChanged, .workOrderScheduleChanged, .workOrderClosed, .leadCreated,
        .leadStatusChanged, .csrAccepted, .csrRejected,
    ]
    static let comparisons: [ComparisonOperator] = [
        .equal, .notEqual, .less, .lessOrEqual, .greater, .greaterOrEqual, .isIn, .notIn,
    ]
    static let functions: [ExpressionFunction] = [.has, .startsWith, .endsWith, .contains, .lower]

    static func entity(_ e: Entity) -> UInt8 { UInt8(entities.firstIndex(of: e)!) }
    static func trigger(_ t: Trigger) -> UInt8 { UInt8(triggers.firstIndex(of: t)!) }
    static func comparison(_ o: ComparisonOperator) -> UInt8 { UInt8(comparisons.firstIndex(of: o)!) }
    static func function(_ f: ExpressionFunction) -> UInt8 { UInt8(functions.firstIndex(of: f)!) }
    static func channel(_ c: Channel) -> UInt8 { c == .email ? 0 : 1 }
}

// MARK: Reading

/// Reads a bundle body. Every read checks the bounds and every code its
/// range: damaged input gives a `BundleDamage`, never a trap.
struct BundleReader: ~Copyable {
    private let bytes: UnsafeRawBufferPointer
    private var position: Int
    private var table: [String] = []
    private var paths: [FieldPath] = []
    /// Where template texts leave their segments (nil: decode them now).
    private var segmentStore: BundleSegmentStore?
    /// The bundle holding these bytes and where they start in it, for `segmentStore`.
    private let owner: (bundle: Data, bodyStart: Int)?

    /// A reader of `bytes`; with an `owner` (the bundle they are in, and
    /// where in it they start) template segments are checked now and
    /// decoded on first use.
    init(_ bytes: UnsafeRawBufferPointer, owner: (bundle: Data, bodyStart: Int)? = nil) {
        self.bytes = bytes
        self.position = 0
        self.owner = owner
    }

    /// A reader of the segments at `position` of a body whose tables are read.
    init(_ bytes: UnsafeRawBufferPointer, at position: Int, table: [String], paths: [FieldPath]) {
        self.bytes = bytes
        self.position = position
        self.table = table
        self.paths = paths
        self.owner = nil
    }

    private func damage(_ reason: String) -> BundleDamage { BundleDamage(offset: position, reason: reason) }

    @inline(__always)
    mutating func byte() throws(BundleDamage) -> UInt8 {
        guard position < bytes.count else { throw damage("truncated") }
        defer { position += 1 }
        return bytes[position]
    }

    @inline(__always)
    mutating func unsigned() throws(BundleDamage) -> UInt64 {
        var result: UInt64 = 0
        var shift: UInt64 = 0
        while true {
            let b = try byte()
            if shift == 63 && b > 1 { throw damage("integer out of range") }
            result |= UInt64(b & 0x7F) << shift
            if b < 0x80 { return result }
            shift += 7
            if shift > 63 { throw damage("integer out of range") }
        }
    }

    /// A non-negative integer up to `limit`.
    @inline(__always)
    mutating func varint(limit: Int = Int(Int32.max)) throws(BundleDamage) -> Int {
        let v = try unsigned()
        guard v <= UInt64(limit) else { throw damage("integer out of range") }
        return Int(v)
    }

    /// A count of items that take at least one byte each.
    @inline(__always)
    mutating func count() throws(BundleDamage) -> Int {
        try varint(limit: bytes.count - position)
    }

    mutating func int(_ range: ClosedRange<Int>) throws(BundleDamage) -> Int {
        let u = try unsigned()
        let v = Int64(bitPattern: (u >> 1) ^ (0 &- (u & 1)))
        guard v >= Int64(range.lowerBound), v <= Int64(range.upperBound) else { throw damage("integer out of range") }
        return Int(v)
    }

    @inline(__always)
    mutating func bool() throws(BundleDamage) -> Bool {
        switch try byte() {
        case 0: return false
        case 1: return true
        default: throw damage("invalid boolean")
        }
    }

    @inline(__always)
    mutating func code(below limit: Int) throws(BundleDamage) -> Int {
        let b = Int(try byte())
        guard b < limit else { throw damage("invalid code \(b)") }
        return b
    }

    mutating func double() throws(BundleDamage) -> Double {
        guard bytes.count - position >= 8 else { throw damage("truncated") }
        var bits: UInt64 = 0
        for i in 0..<8 { bits |= UInt64(bytes[position + i]) << (8 * UInt64(i)) }
        position += 8
        return Double(bitPattern: bits)
    }

    mutating func readTables() throws(BundleDamage) {
        let n = try count()
        table.reserveCapacity(n)
        for _ in 0..<n {
            let length = try varint()
            guard length <= bytes.count - position else { throw damage("truncated") }
            let slice = UnsafeRawBufferPointer(rebasing: bytes[position..<(position + length)]).assumingMemoryBound(to: UInt8.self)
            // Decoding repairs invalid UTF-8; a repaired string is not the bytes written.
            var s = String(decoding: slice, as: UTF8.self)
            guard s.withUTF8({ $0.count == length && (length == 0 || memcmp($0.baseAddress!, slice.baseAddress!, length) == 0) }) else {
                throw damage("invalid UTF-8 in a string")
            }
            table.append(s)
            position += length
        }
        let pathCount = try count()
        paths.reserveCapacity(pathCount)
        for _ in 0..<pathCount { paths.append(FieldPath(try strings())) }
        if let owner {
            segmentStore = BundleSegmentStore(
                bundle: owner.bundle, bodyStart: owner.bodyStart, bodyCount: bytes.count, table: table, paths: paths)
        }
    }

    @inline(__always)
    mutating func string() throws(BundleDamage) -> String {
        let i = try unsigned()
        guard i < UInt64(table.count) else { throw damage("string index out of range") }
        return table[Int(i)]
    }

    mutating func strings() throws(BundleDamage) -> [String] {
        let n = try count()
        var list: [String] = .init(reserving: n)
        for _ in 0..<n { list.append(try string()) }
        return list
    }

    @inline(__always)
    mutating func present() throws(BundleDamage) -> Bool { try bool() }

    mutating func entity() throws(BundleDamage) -> Entity { BundleCodes.entities[try code(below: BundleCodes.entities.count)] }

    mutating func channel() throws(BundleDamage) -> Channel { try code(below: 2) == 0 ? .email : .sms }

    mutating func ruleSet() throws(BundleDamage) -> RuleSet {
        try readTables()
        var r = RuleSet()
        for _ in 0..<(try count()) {
            let e = try entity()
            guard r.schema.statuses.updateValue(try strings(), forKey: e) == nil else { throw damage("duplicate entity") }
        }
        for _ in 0..<(try count()) {
            let e = try entity()
            let n = try count()
            var fields: [String: FieldSpec] = .init(reserving: n)
            for _ in 0..<n {
                let name = try string()
                guard fields.updateValue(try fieldSpec(), forKey: name) == nil else { throw damage("duplicate field") }
            }
            guard r.schema.customFields.updateValue(fields, forKey: e) == nil else { throw damage("duplicate entity") }
        }
        let calendarCount = try count()
        r.calendars.reserveCapacity(calendarCount)
        for _ in 0..<calendarCount {
            let id = try string()
            guard r.calendars.updateValue(try calendar(), forKey: id) == nil else { throw damage("duplicate calendar") }
        }
        for regions in [false, true] {
            let n = try count()
            var places: [String: Place] = .init(reserving: n)
            for _ in 0..<n {
                let id = try string()
                guard places.updateValue(try place(), forKey: id) == nil else { throw damage("duplicate place") }
            }
            if regions { r.regions = places } else { r.locations = places }
        }
        let templateCount = try count()
        r.templates.reserveCapacity(templateCount)
        for _ in 0..<templateCount {
            let id = try string()
            guard r.templates.updateValue(try template(), forKey: id) == nil else { throw damage("duplicate template") }
        }
        let ruleCount = try count()
        r.rules.reserveCapacity(ruleCount)
        for _ in 0..<ruleCount { r.rules.append(try rule()) }
        guard position == bytes.count else { throw damage("unexpected bytes after the rule set") }
        return r
    }

    mutating func fieldSpec() throws(BundleDamage) -> FieldSpec {
        let name = try string()
        let type = try fieldType()
        return FieldSpec(name: name, type: type, optional: try bool(), custom: try bool())
    }

    mutating func fieldType() throws(BundleDamage) -> FieldType {
        switch try code(below: 9) {
        case 0: return .string
        case 1: return .int
        case 2: return .decimal
        case 3: return .bool
        case 4: return .datetime
        case 5: return .email
        case 6: return .phone
        case 7: return .status(try entity())
        default: return .enumeration(try strings())
        }
    }

    mutating func calendar() throws(BundleDamage) -> CalendarSpec {
        let id = try string()
        let zone = try string()
        let days = try count()
        guard days == 7 else { throw damage("a calendar week of \(days) days") }
        var week: [[MinuteSpan]] = .init(reserving: 7)
        for _ in 0..<7 {
            let n = try count()
            var spans: [MinuteSpan] = .init(reserving: n)
            for _ in 0..<n {
                let start = try int(0...1440)
                spans.append(MinuteSpan(start: start, end: try int(0...1440)))
            }
            week.append(spans)
        }
        var closed = Set<LocalDate>()
        let closedCount = try count()
        closed.reserveCapacity(closedCount)
        for _ in 0..<closedCount {
            let d = LocalDate(year: try int(0...9999), month: try int(1...12), day: try int(1...31))
            guard closed.insert(d).inserted else { throw damage("duplicate closed date") }
        }
        var annual = Set<AnnualDate>()
        for _ in 0..<(try count()) {
            let d = AnnualDate(month: try int(1...12), day: try int(1...31))
            guard annual.insert(d).inserted else { throw damage("duplicate closed date") }
        }
        return CalendarSpec(id: id, timeZone: zone, week: week, closed: closed, closedEveryYear: annual)
    }

    mutating func place() throws(BundleDamage) -> Place {
        let id = try string()
        let name = try string()
        let zone: String? = try present() ? try string() : nil
        let calendar: String? = try present() ? try string() : nil
        let notifications = try bool()
        let replyTo: String? = try present() ? try string() : nil
        let n = try count()
        var vars: [String: String] = .init(reserving: n)
        for _ in 0..<n {
            let key = try string()
            guard vars.updateValue(try string(), forKey: key) == nil else { throw damage("duplicate variable") }
        }
        return Place(
            id: id, name: name, timeZone: zone, calendar: calendar, notifications: notifications, replyTo: replyTo,
            vars: vars)
    }

    @inline(__always)
    mutating func path() throws(BundleDamage) -> FieldPath {
        let i = try unsigned()
        guard i < UInt64(paths.count) else { throw damage("path index out of range") }
        return paths[Int(i)]
    }

    mutating func template() throws(BundleDamage) -> Template {
        let id = try string()
        let base = try variant()
        let n = try count()
        var locales: [String: TemplateVariant] = .init(reserving: n)
        for _ in 0..<n {
            let key = try string()
            guard locales.updateValue(try variant(), forKey: key) == nil else { throw damage("duplicate locale") }
        }
        return Template(id: id, base: base, locales: locales)
    }

    mutating func variant() throws(BundleDamage) -> TemplateVariant {
        let sms: TemplateText? = try present() ? try text() : nil
        var email: EmailTemplate?
        if try present() {
            let subject = try text()
            let body = try text()
            let html: TemplateText? = try present() ? try text() : nil
            email = EmailTemplate(subject: subject, body: body, html: html, attachReport: try bool())
        }
        return TemplateVariant(sms: sms, email: email)
    }

    mutating func text() throws(BundleDamage) -> TemplateText {
        let source = try string()
        guard let segmentStore else { return TemplateText(source: source, segments: try segments(depth: 0)) }
        let start = position
        try skipSegments(depth: 0)
        return TemplateText(source: source, segmentsAt: start, in: segmentStore)
    }

    /// Checks segments as `segments(depth:)` reads them, building nothing:
    /// what passes here, `segments(depth:)` reads without a damage.
    mutating func skipSegments(depth: Int) throws(BundleDamage) {
        guard depth < bundleMaximumNesting else { throw damage("a template nested too deeply") }
        for _ in 0..<(try count()) {
            switch try code(below: 3) {
            case 0:
                try skipString()
            case 1:
                try skipPath()
                for _ in 0..<(try count()) { try skipFilter() }
            default:
                try skipPath()
                try skipSegments(depth: depth + 1)
                try skipSegments(depth: depth + 1)
            }
        }
    }

    /// Checks a filter as `filter()` reads it.
    mutating func skipFilter() throws(BundleDamage) {
        switch try code(below: 5) {
        case 0:
            switch try code(below: 3) {
            case 0: try skipString()
            case 1: try skipPath()
            default: _ = try int(Int.min...Int.max)
            }
        case 1: try skipString()
        case 2, 3: break
        default: _ = try int(Int.min...Int.max)
        }
    }

    @inline(__always)
    mutating func skipString() throws(BundleDamage) {
        guard try unsigned() < UInt64(table.count) else { throw damage("string index out of range") }
    }

    @inline(__always)
    mutating func skipPath() throws(BundleDamage) {
        guard try unsigned() < UInt64(paths.count) else { throw damage("path index out of range") }
    }

    mutating func segments(depth: Int) throws(BundleDamage) -> [TemplateSegment] {
        guard depth < bundleMaximumNesting else { throw damage("a template nested too deeply") }
        let n = try count()
        var list: [TemplateSegment] = .init(reserving: n)
        for _ in 0..<n {
            switch try code(below: 3) {
            case 0:
                list.append(.text(try string()))
            case 1:
                let p = try path()
                let filterCount = try count()
                var filters: [TemplateFilter] = .init(reserving: filterCount)
                for _ in 0..<filterCount { filters.append(try filter()) }
                list.append(.value(p, filters: filters))
            default:
                let p = try path()
                let then = try segments(depth: depth + 1)
                list.append(.conditional(p, then: then, else: try segments(depth: depth + 1)))
            }
        }
        return list
    }

    mutating func filter() throws(BundleDamage) -> TemplateFilter {
        switch try code(below: 5) {
        case 0:
            switch try code(below: 3) {
            case 0: return .default(.string(try string()))
            case 1: return .default(.path(try path()))
            default: return .default(.int(try int(Int.min...Int.max)))
            }
        case 1: return .date(pattern: try string())
        case 2: return .upper
        case 3: return .lower
        default: return .truncate(try int(Int.min...Int.max))
        }
    }

    mutating func expression(depth: Int) throws(BundleDamage) -> RuleExpression {
        guard depth < bundleMaximumNesting else { throw damage("a condition nested too deeply") }
        switch try code(below: 8) {
        case 0:
            switch try code(below: 4) {
            case 0: return .literal(.string(try string()))
            case 1: return .literal(.number(try double()))
            case 2: return .literal(.bool(try bool()))
            default: return .literal(.null)
            }
        case 1:
            return .path(try path())
        case 2:
            let n = try count()
            var items: [RuleExpression] = .init(reserving: n)
            for _ in 0..<n { items.append(try expression(depth: depth + 1)) }
            return .list(items)
        case 3:
            return .not(try expression(depth: depth + 1))
        case 4:
            let a = try expression(depth: depth + 1)
            return .and(a, try expression(depth: depth + 1))
        case 5:
            let a = try expression(depth: depth + 1)
            return .or(a, try expression(depth: depth + 1))
        case 6:
            let op = BundleCodes.comparisons[try code(below: BundleCodes.comparisons.count)]
            let a = try expression(depth: depth + 1)
            return .compare(op, a, try expression(depth: depth + 1))
        default:
            let f = BundleCodes.functions[try code(below: BundleCodes.functions.count)]
            let n = try count()
            var arguments: [RuleExpression] = .init(reserving: n)
            for _ in 0..<n { arguments.append(try expression(depth: depth + 1)) }
            return .call(f, arguments)
        }
    }

    mutating func duration() throws(BundleDamage) -> RuleDuration {
        let limit = RuleDuration.maximumDays
        return RuleDuration(days: try int(-limit...limit), seconds: try int(-limit * 86_400...limit * 86_400))
    }

    mutating func rule() throws(BundleDamage) -> Rule {
        let id = try string()
        let index = try int(0...Int(Int32.max))
        let kind: RuleKind
        if try code(below: 2) == 0 {
            kind = .event(BundleCodes.triggers[try code(below: BundleCodes.triggers.count)])
        } else {
            let field = try path()
            let entity = try entity()
            kind = .reminder(field: field, entity: entity, before: try duration())
        }
        let to: [String]? = try present() ? try strings() : nil
        let from: [String]? = try present() ? try strings() : nil
        let condition: RuleExpression? = try present() ? try expression(depth: 0) : nil
        let conditionSource: String? = try present() ? try string() : nil
        let locations: [String]? = try present() ? try strings() : nil
        let regions: [String]? = try present() ? try strings() : nil
        let channelCount = try count()
        var channels: [Channel] = .init(reserving: channelCount)
        for _ in 0..<channelCount { channels.append(try channel()) }
        let fallback: Channel? = try present() ? try channel() : nil
        let delay = try duration()
        let workHours: WorkHoursPolicy? = try present() ? (try code(below: 2) == 0 ? .defer : .drop) : nil
        let template = try string()
        let active = try bool()
        let cancelIf: RuleExpression? = try present() ? try expression(depth: 0) : nil
        return Rule(
            id: id, index: index, kind: kind, toStatuses: to, fromStatuses: from, condition: condition,
            locations: locations, regions: regions, channels: channels, fallback: fallback, delay: delay,
            workHours: workHours, template: template, active: active, cancelIf: cancelIf,
            conditionSource: conditionSource)
    }
}

// MARK: Segments read on first use

/// The template segments of a loaded bundle, kept as its bytes: the reader
/// checks them when loading (`skipSegments`), and a text decodes its own
/// when first read, so loading builds no segments. Holds the bundle's
/// `Data` (no copy) and the string and path tables.
final class BundleSegmentStore: TemplateSegmentStore {
    private let bundle: Data
    /// Where the body starts in `bundle`'s bytes, and its length.
    private let bodyStart: Int
    private let bodyCount: Int
    private let table: [String]
    private let paths: [FieldPath]

    init(bundle: Data, bodyStart: Int, bodyCount: Int, table: [String], paths: [FieldPath]) {
        self.bundle = bundle
        self.bodyStart = bodyStart
        self.bodyCount = bodyCount
        self.table = table
        self.paths = paths
    }

    func segments(at position: Int) -> [TemplateSegment] {
        bundle.withUnsafeBytes { (bytes: UnsafeRawBufferPointer) in
            let body = UnsafeRawBufferPointer(rebasing: bytes[bodyStart..<(bodyStart + bodyCount)])
            var reader = BundleReader(body, at: position, table: table, paths: paths)
            do throws(BundleDamage) {
                return try reader.segments(depth: 0)
            } catch {
                preconditionFailure("template segments checked when the bundle was loaded: \(error.reason)")
            }
        }
    }
}

// MARK: Collections

// Reserving room for no elements is not free: an empty collection shares
// one empty buffer, and asking it for room makes a new one. A bundle holds
// tens of thousands of empty lists (filters, locale variants).
extension Array {
    /// An empty array with room for `count` elements.
    init(reserving count: Int) {
        self.init()
        if count > 0 { reserveCapacity(count) }
    }
}

extension Dictionary {
    /// An empty dictionary with room for `count` entries.
    init(reserving count: Int) {
        self.init()
        if count > 0 { reserveCapacity(count) }
    }
}

// MARK: Checksum

/// A 64-bit checksum of the body (FNV-1a's constants over 8-byte words, then
/// the remaining bytes): catches a damaged or truncated file before reading
/// it. Not a defence against deliberate tampering.
func bundleChecksum(_ bytes: UnsafeRawBufferPointer) -> UInt64 {
    var h: UInt64 = 0xcbf2_9ce4_8422_2325
    let prime: UInt64 = 0x0000_0100_0000_01b3
    var i = 0
    let words = bytes.count / 8
    for w in 0..<words {
        let word = UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: w * 8, as: UInt64.self))
        h = (h ^ word) &* prime
        h ^= h >> 29
    }
    i = words * 8
    while i < bytes.count {
        h = (h ^ UInt64(bytes[i])) &* prime
        i += 1
    }
    return h
}
