public import HeraldModel

/// Renders compiled templates (docs/rule-language.md §4).
///
/// Values are written as: strings as they are; numbers as integers without
/// `.0` or decimals in their shortest round-trip form (never in exponent
/// notation); bools as `true` / `false`; datetimes as RFC 3339 in the event's
/// effective zone (with their fraction of a second when it is not zero); an
/// absent value as nothing.
///
/// Filters apply left to right. `default` replaces only an absent value
/// (missing or `null`, docs/rule-language.md §2.1, §9): an empty string is a value and is
/// printed as is, as `{{#if}}` counts it present. `upper`, `lower` and
/// `truncate` work on the value's text and leave an absent value absent.
public enum TemplateRenderer {
    /// How values are written into the text.
    public enum Escaping: Sendable {
        /// As is (SMS, plain body).
        case none
        /// HTML-escape `&`, `<`, `>`, `"`, `'` (html body).
        case html
        /// A header (subject): the whole rendered text, values and the
        /// template's own text alike, goes through `SafeText.header` — each
        /// line break (a CRLF is one) and separator becomes one space,
        /// control and bidi-override characters are dropped.
        case subject
    }

    /// Renders `text`. `lookup` returns a field's value or nil when absent;
    /// `zone` is the event's effective zone for `date`. A text loaded from a
    /// bundle decodes its segments on each call: to render one many times,
    /// read `text.segments` once and use `render(_:into:escaping:zone:lookup:)`.
    public static func render(
        _ text: TemplateText, escaping: Escaping, zone: Zone, lookup: (FieldPath) -> Value?
    ) -> String {
        var out = String()
        out.reserveCapacity(text.source.utf8.count + 32)
        render(text.segments, into: &out, escaping: escaping, zone: zone, lookup: lookup)
        return out
    }

    /// Appends the rendering of `segments` to `out` (for callers that build a
    /// larger text, e.g. a decision record, without intermediate strings).
    public static func render(
        _ segments: [TemplateSegment], into out: inout String, escaping: Escaping, zone: Zone,
        lookup: (FieldPath) -> Value?
    ) {
        let start = out.utf8.count
        renderSegments(segments, into: &out, escaping: escaping, zone: zone, lookup: lookup)
        // A subject is made safe as a whole, once: a run of line breaks
        // that spans an {{#if}} boundary is one run (one space).
        if escaping == .subject {
            let rendered = String(decoding: out.utf8.dropFirst(start), as: UTF8.self)
            let safe = SafeText.header(rendered)
            if safe != rendered {
                out = String(decoding: out.utf8.prefix(start), as: UTF8.self) + safe
            }
        }
    }

    /// The segments' text, before a subject is made safe.
    private static func renderSegments(
        _ segments: [TemplateSegment], into out: inout String, escaping: Escaping, zone: Zone,
        lookup: (FieldPath) -> Value?
    ) {
        for segment in segments {
            switch segment {
            case .text(let literal):
                out += literal
            case .value(let path, let filters):
                var value = lookup(path)
                for filter in filters {
                    value = apply(filter, to: value, zone: zone, lookup: lookup)
                }
                guard let value else { continue }
                append(value, to: &out, escaping: escaping, zone: zone)
            case .conditional(let path, let then, let otherwise):
                let chosen = isTruthy(lookup(path)) ? then : otherwise
                renderSegments(chosen, into: &out, escaping: escaping, zone: zone, lookup: lookup)
            }
        }
    }

    /// `{{#if}}`: present and, for a bool, true.
    public static func isTruthy(_ value: Value?) -> Bool {
        switch value {
        case nil: false
        case .bool(let flag): flag
        default: true
        }
    }

    /// Applies one filter; nil stands for an absent value.
    static func apply(
        _ filter: TemplateFilter, to value: Value?, zone: Zone, lookup: (FieldPath) -> Value?
    ) -> Value? {
        switch filter {
        case .default(let argument):
            if let value { return value }
            switch argument {
            case .string(let literal): return .string(literal)
            case .int(let number): return .number(Double(number))
            case .path(let path): return lookup(path)
            }
        case .date(let pattern):
            guard case .datetime(let timestamp) = value else { return value }
            return .string(DatePattern.format(timestamp, in: zone, pattern: pattern))
        case .upper:
            guard let value else { return nil }
            return .string(text(of: value, zone: zone).uppercased())
        case .lower:
            guard let value else { return nil }
            return .string(text(of: value, zone: zone).lowercased())
        case .truncate(let count):
            guard let value else { return nil }
            let text = text(of: value, zone: zone)
            return .string(String(text.prefix(max(0, count))))
        }
    }

    /// The unescaped text of a value.
    public static func text(of value: Value, zone: Zone) -> String {
        switch value {
        case .string(let string): string
        case .number(let number): format(number: number)
        case .bool(let flag): flag ? "true" : "false"
        case .datetime(let timestamp): timestamp.formatted(in: zone)
        case .list(let items): items.map { text(of: $0, zone: zone) }.joined(separator: ", ")
        }
    }

    private static func append(_ value: Value, to out: inout String, escaping: Escaping, zone: Zone) {
        switch value {
        case .string(let string):
            append(escaped: string, to: &out, escaping: escaping)
        case .bool(let flag):
            out += flag ? "true" : "false"
        default:
            append(escaped: text(of: value, zone: zone), to: &out, escaping: escaping)
        }
    }

    /// Appends `text` with the escaping of the part it goes into.
    public static func append(escaped text: String, to out: inout String, escaping: Escaping) {
        switch escaping {
        case .none:
            out += text
        case .html:
            guard text.utf8.contains(where: { $0 == 0x26 || $0 == 0x3C || $0 == 0x3E || $0 == 0x22 || $0 == 0x27 })
            else {
                out += text
                return
            }
            for scalar in text.unicodeScalars {
                switch scalar {
                case "&": out += "&amp;"
                case "<": out += "&lt;"
                case ">": out += "&gt;"
                case "\"": out += "&quot;"
                case "'": out += "&#39;"
                default: out.unicodeScalars.append(scalar)
                }
            }
        case .subject:
            // Made safe with the rest of the subject (`render`), so that a run
            // of breaks across a value and the text around it is one space.
            out += text
        }
    }

    /// A number as text: `3`, `-12`, `2.5`, `0.1`, `0.0000001` (never `3.0`, never `1e-07`).
    public static func format(number: Double) -> String {
        if number.isNaN || number.isInfinite { return "\(number)" }
        if number == number.rounded(), abs(number) < 9e18 { return String(Int64(number)) }
        let shortest = "\(number)"
        guard let e = shortest.firstIndex(where: { $0 == "e" || $0 == "E" }) else { return shortest }
        // Expand Swift's exponent notation (`1.5e-07`, `1e+20`) into plain decimals.
        var mantissa = shortest[..<e]
        let negative = mantissa.hasPrefix("-")
        if negative { mantissa = mantissa.dropFirst() }
        guard let exponent = Int(shortest[shortest.index(after: e)...].replacing("+", with: "")) else {
            return shortest
        }
        let integerDigits =
            mantissa.firstIndex(of: ".").map { mantissa.distance(from: mantissa.startIndex, to: $0) }
            ?? mantissa.count
        var digits = mantissa.filter { $0 != "." }
        var point = integerDigits + exponent
        while digits.count > 1, digits.hasPrefix("0") {
            digits.removeFirst()
            point -= 1
        }
        var result = negative ? "-" : ""
        if point <= 0 {
            result += "0." + String(repeating: "0", count: -point) + digits
        } else if point >= digits.count {
            result += digits + String(repeating: "0", count: point - digits.count)
        } else {
            let split = digits.index(digits.startIndex, offsetBy: point)
            result += digits[..<split] + "." + digits[split...]
        }
        return result
    }
}

/// Unicode date patterns (`dd/MM/yyyy HH:mm`) for the `date` filter.
///
/// Supported fields: `y` (`yy` two digits, otherwise padded to the count),
/// `M`/`L` (`M`, `MM`, `MMM` = `Jan`, `MMMM` = `January`, `MMMMM` = `J`), `d`,
/// `D` (day of year), `E` (`E`–`EEE` = `Tue`, `EEEE` = `Tuesday`, `EEEEE` = `T`),
/// `a` (`AM`/`PM`), `H` (0–23), `h` (1–12), `k` (1–24), `K` (0–11), `m`, `s`,
/// `S` (fraction of a second, truncated to the count: `SSS` = milliseconds), `Z` (`-0300`; `ZZZZ` = `GMT-03:00`; `ZZZZZ` =
/// `-03:00`), `X`/`x` (`-03`, `-0300`, `-03:00`; `X` writes `Z` for UTC).
/// Numeric fields are zero-padded to the count. Text in `'…'` is literal, `''`
/// is a quote; other characters, including unsupported letters, are literal.
/// Names are English: locales are the engine's concern.
public enum DatePattern {
    /// Formats `instant` (whole seconds: `S` prints zeros) in `zone` by `pattern`.
    public static func format(_ instant: Int64, in zone: Zone, pattern: String) -> String {
        format(instant, nanoseconds: 0, in: zone, pattern: pattern)
    }

    /// Formats a timestamp, fraction of a second included, in `zone` by `pattern`.
    public static func format(_ timestamp: Timestamp, in zone: Zone, pattern: String) -> String {
        format(timestamp.seconds, nanoseconds: timestamp.nanoseconds, in: zone, pattern: pattern)
    }

    private static func format(_ instant: Int64, nanoseconds: Int32, in zone: Zone, pattern: String) -> String {
        let offset = zone.offset(at: instant)
        let local = LocalDateTime(secondsSince1970: instant &+ Int64(offset))
        let fraction = Int(min(max(nanoseconds, 0), 999_999_999))
        var out: [UInt8] = []
        out.reserveCapacity(pattern.utf8.count + 16)
        if pattern.utf8.withContiguousStorageIfAvailable({ format(local, offset, fraction, $0, into: &out) }) == nil {
            Array(pattern.utf8).withUnsafeBufferPointer { format(local, offset, fraction, $0, into: &out) }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Writes `local` (with `nanoseconds` for `S`) by the pattern bytes `p`.
    private static func format(
        _ local: LocalDateTime, _ offset: Int, _ nanoseconds: Int, _ p: UnsafeBufferPointer<UInt8>,
        into out: inout [UInt8]
    ) {
        var i = 0
        while i < p.count {
            let c = p[i]
            if c == 0x27 {  // '
                if i + 1 < p.count, p[i + 1] == 0x27 {
                    out.append(0x27)
                    i += 2
                    continue
                }
                i += 1
                while i < p.count {
                    if p[i] == 0x27 {
                        if i + 1 < p.count, p[i + 1] == 0x27 {
                            out.append(0x27)
                            i += 2
                            continue
                        }
                        i += 1
                        break
                    }
                    out.append(p[i])
                    i += 1
                }
                continue
            }
            guard (0x41...0x5A).contains(c) || (0x61...0x7A).contains(c) else {
                out.append(c)
                i += 1
                continue
            }
            var count = 1
            while i + count < p.count, p[i + count] == c { count += 1 }
            appendField(c, count: count, local: local, nanoseconds: nanoseconds, offset: offset, to: &out)
            i += count
        }
    }

    private static let monthNames = [
        "January", "February", "March", "April", "May", "June",
        "July", "August", "September", "October", "November", "December",
    ]
    private static let weekdayNames = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]

    private static func appendField(
        _ letter: UInt8, count: Int, local: LocalDateTime, nanoseconds: Int, offset: Int, to out: inout [UInt8]
    ) {
        let date = local.date
        let hour = local.secondOfDay / 3600
        switch letter {
        case UInt8(ascii: "y"):
            if count == 2 {
                appendNumber(abs(date.year) % 100, width: 2, to: &out)
            } else {
                if date.year < 0 { out.append(0x2D) }
                appendNumber(abs(date.year), width: count, to: &out)
            }
        case UInt8(ascii: "M"), UInt8(ascii: "L"):
            let name = monthNames[min(max(date.month, 1), 12) - 1]
            switch count {
            case 1, 2: appendNumber(date.month, width: count, to: &out)
            case 3: out.append(contentsOf: name.utf8.prefix(3))
            case 4: out.append(contentsOf: name.utf8)
            default: out.append(contentsOf: name.utf8.prefix(1))
            }
        case UInt8(ascii: "d"):
            appendNumber(date.day, width: count, to: &out)
        case UInt8(ascii: "D"):
            let dayOfYear = date.daysSince1970 - LocalDate(year: date.year, month: 1, day: 1).daysSince1970 + 1
            appendNumber(dayOfYear, width: count, to: &out)
        case UInt8(ascii: "E"):
            let name = weekdayNames[LocalDateTime.weekday(of: date)]
            switch count {
            case 1, 2, 3: out.append(contentsOf: name.utf8.prefix(3))
            case 4: out.append(contentsOf: name.utf8)
            case 5: out.append(contentsOf: name.utf8.prefix(1))
            default: out.append(contentsOf: name.utf8.prefix(2))
            }
        case UInt8(ascii: "a"):
            out.append(contentsOf: (hour < 12 ? "AM" : "PM").utf8)
        case UInt8(ascii: "H"):
            appendNumber(hour, width: count, to: &out)
        case UInt8(ascii: "h"):
            appendNumber(hour % 12 == 0 ? 12 : hour % 12, width: count, to: &out)
        case UInt8(ascii: "k"):
            appendNumber(hour == 0 ? 24 : hour, width: count, to: &out)
        case UInt8(ascii: "K"):
            appendNumber(hour % 12, width: count, to: &out)
        case UInt8(ascii: "m"):
            appendNumber(local.secondOfDay / 60 % 60, width: count, to: &out)
        case UInt8(ascii: "s"):
            appendNumber(local.secondOfDay % 60, width: count, to: &out)
        case UInt8(ascii: "S"):
            // The first `count` digits of the nine, truncated (TR 35), zeros beyond.
            let shown = min(count, 9)
            var divisor = 1
            for _ in shown..<9 { divisor *= 10 }
            appendNumber(nanoseconds / divisor, width: shown, to: &out)
            if count > 9 { out.append(contentsOf: repeatElement(UInt8(ascii: "0"), count: min(count, 64) - 9)) }
        case UInt8(ascii: "Z"):
            switch count {
            case 1, 2, 3: appendOffset(offset, colon: false, minutes: .always, to: &out)
            case 4:
                out.append(contentsOf: "GMT".utf8)
                if offset != 0 { appendOffset(offset, colon: true, minutes: .always, to: &out) }
            default:
                if offset == 0 {
                    out.append(UInt8(ascii: "Z"))
                } else {
                    appendOffset(offset, colon: true, minutes: .always, to: &out)
                }
            }
        case UInt8(ascii: "X"), UInt8(ascii: "x"):
            if letter == UInt8(ascii: "X"), offset == 0 {
                out.append(UInt8(ascii: "Z"))
                return
            }
            switch count {
            case 1: appendOffset(offset, colon: false, minutes: .whenNonZero, to: &out)
            case 2, 4: appendOffset(offset, colon: false, minutes: .always, to: &out)
            default: appendOffset(offset, colon: true, minutes: .always, to: &out)
            }
        default:
            out.append(contentsOf: repeatElement(letter, count: count))
        }
    }

    private enum MinutesStyle { case always, whenNonZero }

    private static func appendOffset(_ offset: Int, colon: Bool, minutes: MinutesStyle, to out: inout [UInt8]) {
        out.append(offset < 0 ? UInt8(ascii: "-") : UInt8(ascii: "+"))
        let magnitude = abs(offset) / 60
        appendNumber(magnitude / 60, width: 2, to: &out)
        if minutes == .whenNonZero, magnitude % 60 == 0 { return }
        if colon { out.append(UInt8(ascii: ":")) }
        appendNumber(magnitude % 60, width: 2, to: &out)
    }

    /// Appends the magnitude of a number zero-padded to `width` digits.
    private static func appendNumber(_ value: Int, width: Int, to out: inout [UInt8]) {
        let start = out.count
        var v = value.magnitude
        repeat {
            out.append(UInt8(truncatingIfNeeded: 0x30 &+ v % 10))
            v /= 10
        } while v > 0
        let count = out.count - start
        if width > count { out.append(contentsOf: repeatElement(UInt8(ascii: "0"), count: min(width, 64) - count)) }
        out[start...].reverse()
    }
}
