import HeraldModel

/// A template text compiled for rendering straight into bytes: literal text
/// kept as UTF-8 with its segment count precomputed, paths resolved to
/// `FieldRef`s, `{{#if}}` blocks turned into jumps. Renders exactly what
/// `TemplateRenderer.render` renders for the same values.
final class TemplateProgram: Sendable {
    enum Op: Sendable {
        /// Literal `literals[index]`.
        case literal(Int32)
        /// A value with `filters[start..<end]`.
        case value(FieldRef, filterStart: Int32, filterEnd: Int32)
        /// A value with a lone `default: "text"`: its text, or, when it has
        /// no value, `literals[index]` (kept with the literal text, read
        /// from `bytes`).
        case valueOrText(FieldRef, literal: Int32)
        /// `{{#if}}`: go on when the value is truthy, else jump to the op index.
        case unless(FieldRef, jump: Int32)
        /// Go to the op index (end of a `{{#if}}` branch).
        case jump(Int32)
    }

    /// A filter with its path argument resolved.
    enum Filter: Sendable {
        case defaultValue(Value)
        case defaultField(FieldRef)
        case date(String)
        case upper
        case lower
        case truncate(Int)
    }

    struct Literal: Sendable {
        let start: Int
        let end: Int
        let count: SegmentCounter
    }

    let ops: [Op]
    let filters: [Filter]
    let literals: [Literal]
    /// All literal text, UTF-8.
    let bytes: [UInt8]
    /// A capacity that usually holds the rendering.
    let estimatedCount: Int
    /// Whether every rendering has a character other than whitespace: a
    /// literal outside any `{{#if}}` has one. When false, whether the
    /// rendering is empty or only whitespace (`empty-message`, SPEC §8.2)
    /// depends on the values, and evaluation renders to find out.
    let alwaysHasText: Bool

    init(_ text: TemplateText, resolve: (FieldPath) -> FieldRef) {
        var ops: [Op] = []
        var filters: [Filter] = []
        var literals: [Literal] = []
        var bytes: [UInt8] = []
        // Read once: a bundle's texts decode their segments on every read.
        let segments = text.segments
        ops.reserveCapacity(segments.count)
        literals.reserveCapacity(segments.count)
        bytes.reserveCapacity(text.source.utf8.count)
        var values = 0
        var alwaysHasText = false
        func emit(_ segments: [TemplateSegment], top: Bool) {
            for segment in segments {
                switch segment {
                case .text(let literal):
                    guard !literal.isEmpty else { continue }
                    if top && !alwaysHasText && SafeText.hasVisibleText(literal) { alwaysHasText = true }
                    let start = bytes.count
                    bytes.append(contentsOf: literal.utf8)
                    var count = SegmentCounter()
                    bytes.withUnsafeBufferPointer { count.add(UnsafeBufferPointer(rebasing: $0[start...])) }
                    literals.append(Literal(start: start, end: bytes.count, count: count))
                    ops.append(.literal(Int32(literals.count - 1)))
                case .value(let path, let list):
                    if list.count == 1, case .default(.string(let fallback)) = list[0] {
                        let start = bytes.count
                        bytes.append(contentsOf: fallback.utf8)
                        var count = SegmentCounter()
                        bytes.withUnsafeBufferPointer { count.add(UnsafeBufferPointer(rebasing: $0[start...])) }
                        literals.append(Literal(start: start, end: bytes.count, count: count))
                        values += 1
                        ops.append(.valueOrText(resolve(path), literal: Int32(literals.count - 1)))
                        continue
                    }
                    let start = filters.count
                    for f in list {
                        switch f {
                        case .default(.string(let s)): filters.append(.defaultValue(.string(s)))
                        case .default(.int(let n)): filters.append(.defaultValue(.number(Double(n))))
                        case .default(.path(let p)): filters.append(.defaultField(resolve(p)))
                        case .date(let pattern): filters.append(.date(pattern))
                        case .upper: filters.append(.upper)
                        case .lower: filters.append(.lower)
                        case .truncate(let n): filters.append(.truncate(n))
                        }
                    }
                    values += 1
                    ops.append(.value(resolve(path), filterStart: Int32(start), filterEnd: Int32(filters.count)))
                case .conditional(let path, let then, let otherwise):
                    let test = ops.count
                    ops.append(.jump(-1))  // patched below
                    emit(then, top: false)
                    if otherwise.isEmpty {
                        ops[test] = .unless(resolve(path), jump: Int32(ops.count))
                    } else {
                        let skip = ops.count
                        ops.append(.jump(-1))
                        ops[test] = .unless(resolve(path), jump: Int32(ops.count))
                        emit(otherwise, top: false)
                        ops[skip] = .jump(Int32(ops.count))
                    }
                }
            }
        }
        emit(segments, top: true)
        self.alwaysHasText = alwaysHasText
        self.ops = ops
        self.filters = filters
        self.literals = literals
        self.bytes = bytes
        self.estimatedCount = bytes.count + 24 * values
    }

    /// Appends the rendering to `out`; when `count` is set, also adds the
    /// rendered text to `counter` (SMS bodies).
    func render(
        _ context: EventContext, escaping: TemplateRenderer.Escaping, into out: inout ByteSink, count: Bool,
        counter: inout SegmentCounter
    ) {
        var pc = 0
        let n = ops.count
        while pc < n {
            switch ops[pc] {
            case .literal(let index):
                let literal = literals[Int(index)]
                bytes.withUnsafeBufferPointer { out.append(UnsafeBufferPointer(rebasing: $0[literal.start..<literal.end])) }
                if count { counter.add(literal.count) }
                pc += 1
            case .value(let ref, let start, let end):
                // Text without filters: escaped straight from where it is
                // stored, no `Value` copied.
                if start == end {
                    let before = out.count
                    // nil when the field holds no text (absent or not a string).
                    let wroteText: Void? = context.withStringUTF8(ref) { utf8 in
                        TemplateProgram.append(escapedUTF8: utf8, escaping: escaping, to: &out)
                    }
                    if wroteText != nil {
                        if count { TemplateProgram.count(out, since: before, into: &counter) }
                        pc += 1
                        continue
                    }
                }
                // A lone `default: field`: the field's text as above, or,
                // when the field has no value (`value(ref)` nil: absent or
                // null; a client flag that is absent is `false`, not nil),
                // the other field's text. (A lone `default: "text"` is its
                // own op, `valueOrText`.)
                if end &- start == 1, case .defaultField(let fallback) = filters[Int(start)] {
                    let before = out.count
                    var wrote: Void? = context.withStringUTF8(ref) { utf8 in
                        TemplateProgram.append(escapedUTF8: utf8, escaping: escaping, to: &out)
                    }
                    if wrote == nil, context.value(ref) == nil {
                        wrote = context.withStringUTF8(fallback) { utf8 in
                            TemplateProgram.append(escapedUTF8: utf8, escaping: escaping, to: &out)
                        }
                    }
                    if wrote != nil {
                        if count { TemplateProgram.count(out, since: before, into: &counter) }
                        pc += 1
                        continue
                    }
                }
                // A lone `date` filter: formatted into a kept buffer and
                // escaped from there, no `String` made.
                if end &- start == 1, case .date(let pattern) = filters[Int(start)],
                    case .datetime(let timestamp)? = context.value(ref)
                {
                    context.buffers.dateText.removeAll(keepingCapacity: true)
                    DatePattern.append(timestamp, in: context.zone, pattern: pattern, to: &context.buffers.dateText)
                    let before = out.count
                    context.buffers.dateText.withUnsafeBufferPointer {
                        TemplateProgram.append(escapedUTF8: $0, escaping: escaping, to: &out)
                    }
                    if count { TemplateProgram.count(out, since: before, into: &counter) }
                    pc += 1
                    continue
                }
                var value = context.value(ref)
                if start < end {
                    for i in Int(start)..<Int(end) { value = apply(filters[i], to: value, context) }
                }
                if let value {
                    let before = out.count
                    TemplateProgram.append(value, escaping: escaping, zone: context.zone, to: &out)
                    if count { TemplateProgram.count(out, since: before, into: &counter) }
                }
                pc += 1
            case .valueOrText(let ref, let index):
                let before = out.count
                let wroteText: Void? = context.withStringUTF8(ref) { utf8 in
                    TemplateProgram.append(escapedUTF8: utf8, escaping: escaping, to: &out)
                }
                if wroteText == nil {
                    if let value = context.value(ref) {
                        // A number, flag or date: `default` keeps it.
                        TemplateProgram.append(value, escaping: escaping, zone: context.zone, to: &out)
                    } else {
                        let literal = literals[Int(index)]
                        bytes.withUnsafeBufferPointer {
                            TemplateProgram.append(
                                escapedUTF8: UnsafeBufferPointer(rebasing: $0[literal.start..<literal.end]), escaping: escaping,
                                to: &out)
                        }
                    }
                }
                if count { TemplateProgram.count(out, since: before, into: &counter) }
                pc += 1
            case .unless(let ref, let jump):
                pc = context.isTruthy(ref) ? pc + 1 : Int(jump)
            case .jump(let target):
                pc = Int(target)
            }
        }
    }

    /// Adds the text written to `out` from `before` on to `counter`.
    @inline(__always)
    private static func count(_ out: borrowing ByteSink, since before: Int, into counter: inout SegmentCounter) {
        guard out.count > before else { return }
        out.withBytes { counter.add(UnsafeBufferPointer(rebasing: $0[before...])) }
    }

    /// One filter (docs/rule-language.md §4), as `TemplateRenderer` applies it.
    private func apply(_ filter: Filter, to value: Value?, _ context: EventContext) -> Value? {
        switch filter {
        case .defaultValue(let literal):
            return value ?? literal
        case .defaultField(let ref):
            return value ?? context.value(ref)
        case .date(let pattern):
            guard case .datetime(let timestamp) = value else { return value }
            return .string(DatePattern.format(timestamp, in: context.zone, pattern: pattern))
        case .upper:
            guard let value else { return nil }
            return .string(TemplateRenderer.text(of: value, zone: context.zone).uppercased())
        case .lower:
            guard let value else { return nil }
            return .string(TemplateRenderer.text(of: value, zone: context.zone).lowercased())
        case .truncate(let count):
            guard let value else { return nil }
            return .string(String(TemplateRenderer.text(of: value, zone: context.zone).prefix(max(0, count))))
        }
    }

    /// Appends a value's text with the escaping of its part.
    static func append(_ value: Value, escaping: TemplateRenderer.Escaping, zone: Zone, to out: inout ByteSink) {
        switch value {
        case .string(let string):
            append(escaped: string, escaping: escaping, to: &out)
        case .bool(let flag):
            out.append(flag ? "true" as StaticString : "false")
        case .datetime(let timestamp):
            RFC3339.append(timestamp.seconds, nanoseconds: timestamp.nanoseconds, in: zone, to: &out)
        default:
            append(escaped: TemplateRenderer.text(of: value, zone: zone), escaping: escaping, to: &out)
        }
    }

    /// Appends `text` with the escaping of its part (byte for byte what
    /// `TemplateRenderer.append(escaped:to:escaping:)` writes: every
    /// character it changes is ASCII).
    static func append(escaped text: String, escaping: TemplateRenderer.Escaping, to out: inout ByteSink) {
        let inPlace: Void? = text.utf8.withContiguousStorageIfAvailable {
            append(escapedUTF8: $0, escaping: escaping, to: &out)
        }
        if inPlace != nil { return }
        var text = text
        text.withUTF8 { append(escapedUTF8: $0, escaping: escaping, to: &out) }
    }

    /// `append(escaped:escaping:to:)` for text given as UTF-8.
    static func append(escapedUTF8 utf8: UnsafeBufferPointer<UInt8>, escaping: TemplateRenderer.Escaping, to out: inout ByteSink) {
        switch escaping {
        case .none:
            out.append(utf8)
        case .html:
            var run = 0
            for i in 0..<utf8.count {
                let replacement: StaticString
                switch utf8[i] {
                case 0x26: replacement = "&amp;"
                case 0x3C: replacement = "&lt;"
                case 0x3E: replacement = "&gt;"
                case 0x22: replacement = "&quot;"
                case 0x27: replacement = "&#39;"
                default: continue
                }
                if run < i { out.append(UnsafeBufferPointer(rebasing: utf8[run..<i])) }
                out.append(replacement)
                run = i + 1
            }
            if run < utf8.count { out.append(UnsafeBufferPointer(rebasing: utf8[run...])) }
        case .subject:
            // The whole subject is made safe once it is rendered (`SafeText.header`).
            out.append(utf8)
        }
    }
}
