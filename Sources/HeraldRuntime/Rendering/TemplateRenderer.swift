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
/// `-03:00`), `X`/`x` (`-03`, `-0300`, `-03:00`; `X` writes `Z` for UTC),
/// `G` (`AD`; `GGGG` = `Anno Domini`), `u`/`r`/`U` (the year, never cut),
/// `Y`/`w` (ISO 8601 week-year and week: Monday first, week 1 holds the first
/// Thursday), `W` (week of the month, same rule), `F` (`d` ÷ 7, rounded up),
/// `g` (modified Julian day), `Q`/`q` (`2`, `Q2`, `2nd quarter`), `e`/`c` (day
/// of the week: `1` for Monday, or names as `E`), `A` (milliseconds of the day),
/// `b`/`B` (`AM`/`noon`/`midnight`; `in the morning` …), `O` (`GMT-3`; `OOOO` =
/// `GMT-03:00`), `z` (as `O`: Herald has no zone names, and TR 35 falls back
/// to the GMT format), `V` (`VV` = the zone id, `VVV` = its city, `VVVV` =
/// `Sao Paulo Time`), `v` (as `VVVV`, TR 35's fallback; `GMT-3` for a zone
/// without a city). Numeric fields are zero-padded to the count. Text in
/// `'…'` is literal, `''` is a quote; other characters, and letters that are no
/// pattern field (`j`, `J`, `C` are skeleton-only), are literal. Names are
/// English: locales are the engine's concern.
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
        var out: [UInt8] = []
        out.reserveCapacity(pattern.utf8.count + 16)
        append(instant, nanoseconds: nanoseconds, in: zone, pattern: pattern, to: &out)
        return String(decoding: out, as: UTF8.self)
    }

    /// Appends `format(_:in:pattern:)`'s text (UTF-8) to `out`: the
    /// template program renders into a buffer it keeps, without a `String`.
    static func append(_ timestamp: Timestamp, in zone: Zone, pattern: String, to out: inout [UInt8]) {
        append(timestamp.seconds, nanoseconds: timestamp.nanoseconds, in: zone, pattern: pattern, to: &out)
    }

    private static func append(_ instant: Int64, nanoseconds: Int32, in zone: Zone, pattern: String, to out: inout [UInt8]) {
        let offset = zone.offset(at: instant)
        let local = LocalDateTime(secondsSince1970: instant &+ Int64(offset))
        let fraction = Int(min(max(nanoseconds, 0), 999_999_999))
        let zoneID = zone.identifier
        if pattern.utf8.withContiguousStorageIfAvailable({ format(local, offset, fraction, zoneID, $0, into: &out) }) == nil {
            Array(pattern.utf8).withUnsafeBufferPointer { format(local, offset, fraction, zoneID, $0, into: &out) }
        }
    }

    /// Writes `local` (with `nanoseconds` for `S`) by the pattern bytes `p`.
    private static func format(
        _ local: LocalDateTime, _ offset: Int, _ nanoseconds: Int, _ zoneID: String, _ p: UnsafeBufferPointer<UInt8>,
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
            appendField(c, count: count, local: local, nanoseconds: nanoseconds, offset: offset, zoneID: zoneID, to: &out)
            i += count
        }
    }

    private static let monthNames = [
        "January", "February", "March", "April", "May", "June",
        "July", "August", "September", "October", "November", "December",
    ]
    private static let weekdayNames = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]

    private static func appendField(
        _ letter: UInt8, count: Int, local: LocalDateTime, nanoseconds: Int, offset: Int, zoneID: String,
        to out: inout [UInt8]
    ) {
        let date = local.date
        let hour = local.secondOfDay / 3600
        switch letter {
        case UInt8(ascii: "G"):
            let ad = date.year > 0
            switch count {
            case 1, 2, 3: out.append(contentsOf: (ad ? "AD" : "BC").utf8)
            case 4: out.append(contentsOf: (ad ? "Anno Domini" : "Before Christ").utf8)
            default: out.append(ad ? UInt8(ascii: "A") : UInt8(ascii: "B"))
            }
        case UInt8(ascii: "u"), UInt8(ascii: "r"):
            // The extended (`u`) and related Gregorian (`r`) year: never
            // shortened, signed.
            if date.year < 0 { out.append(0x2D) }
            appendNumber(abs(date.year), width: count, to: &out)
        case UInt8(ascii: "Y"):
            let (weekYear, _) = isoWeek(of: date)
            if count == 2 {
                appendNumber(abs(weekYear) % 100, width: 2, to: &out)
            } else {
                if weekYear < 0 { out.append(0x2D) }
                appendNumber(abs(weekYear), width: count, to: &out)
            }
        case UInt8(ascii: "w"):
            appendNumber(isoWeek(of: date).week, width: count, to: &out)
        case UInt8(ascii: "W"):
            // Weeks of the month as ISO 8601 counts them: Monday first, the
            // first week the one with four days or more in the month (0 before it).
            let first = LocalDateTime.weekday(of: LocalDate(year: date.year, month: date.month, day: 1))
            appendNumber((date.day - 1 + first) / 7 + (first <= 3 ? 1 : 0), width: count, to: &out)
        case UInt8(ascii: "F"):
            appendNumber((date.day - 1) / 7 + 1, width: count, to: &out)
        case UInt8(ascii: "g"):
            appendNumber(date.daysSince1970 + 40_587, width: count, to: &out)
        case UInt8(ascii: "Q"), UInt8(ascii: "q"):
            let quarter = (date.month - 1) / 3 + 1
            switch count {
            case 1, 2: appendNumber(quarter, width: count, to: &out)
            case 3: out.append(contentsOf: "Q\(quarter)".utf8)
            case 4: out.append(contentsOf: (["1st", "2nd", "3rd", "4th"][quarter - 1] + " quarter").utf8)
            default: appendNumber(quarter, width: 1, to: &out)
            }
        case UInt8(ascii: "e"), UInt8(ascii: "c"):
            // The local day of the week: a number (Monday 1, as ISO 8601)
            // for one or two letters, else a name as `E`.
            let weekday = LocalDateTime.weekday(of: date)
            if count <= 2 {
                appendNumber(weekday + 1, width: count, to: &out)
            } else {
                appendField(UInt8(ascii: "E"), count: count, local: local, nanoseconds: nanoseconds, offset: offset, zoneID: zoneID, to: &out)
            }
        case UInt8(ascii: "A"):
            appendNumber(local.secondOfDay * 1000 + nanoseconds / 1_000_000, width: count, to: &out)
        case UInt8(ascii: "b"), UInt8(ascii: "B"):
            let exact = local.secondOfDay % 3600 == 0 && nanoseconds == 0
            let short = count >= 5
            if exact && hour == 12 {
                out.append(contentsOf: (short ? "n" : "noon").utf8)
            } else if exact && hour == 0 {
                out.append(contentsOf: (short ? "mi" : "midnight").utf8)
            } else if letter == UInt8(ascii: "b") {
                out.append(contentsOf: (hour < 12 ? (short ? "a" : "AM") : (short ? "p" : "PM")).utf8)
            } else {
                let period =
                    hour >= 6 && hour < 12 ? "in the morning"
                    : hour >= 12 && hour < 18 ? "in the afternoon" : hour >= 18 && hour < 21 ? "in the evening" : "at night"
                out.append(contentsOf: period.utf8)
            }
        case UInt8(ascii: "O"), UInt8(ascii: "z"):
            // Zone names are not in Herald's data: `z` falls back to the
            // localized GMT format, as Unicode TR 35 says.
            appendGMT(offset, long: count >= 4, to: &out)
        case UInt8(ascii: "v"):
            // No generic zone names either: TR 35's fallback is the generic
            // location format (`VVVV`), then the short GMT format.
            if let city = exemplarCity(zoneID) {
                out.append(contentsOf: city.utf8)
                out.append(contentsOf: " Time".utf8)
            } else {
                appendGMT(offset, long: false, to: &out)
            }
        case UInt8(ascii: "V"):
            let city = exemplarCity(zoneID)
            switch count {
            case 1: out.append(contentsOf: "unk".utf8)
            case 2: out.append(contentsOf: zoneID.utf8)
            case 3: out.append(contentsOf: (city ?? "Unknown City").utf8)
            default:
                if let city {
                    out.append(contentsOf: city.utf8)
                    out.append(contentsOf: " Time".utf8)
                } else {
                    appendGMT(offset, long: true, to: &out)
                }
            }
        case UInt8(ascii: "U"), UInt8(ascii: "y"):
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

    /// `GMT`, then the offset: `GMT-3`, `GMT+5:30` (short) or `GMT-03:00` (long); `GMT` alone for UTC.
    private static func appendGMT(_ offset: Int, long: Bool, to out: inout [UInt8]) {
        out.append(contentsOf: "GMT".utf8)
        guard offset != 0 else { return }
        if long { return appendOffset(offset, colon: true, minutes: .always, to: &out) }
        out.append(offset < 0 ? UInt8(ascii: "-") : UInt8(ascii: "+"))
        let magnitude = abs(offset) / 60
        appendNumber(magnitude / 60, width: 1, to: &out)
        if magnitude % 60 != 0 {
            out.append(UInt8(ascii: ":"))
            appendNumber(magnitude % 60, width: 2, to: &out)
        }
    }

    /// The city a zone is named after (`America/Sao_Paulo` → `Sao Paulo`);
    /// nil for zones that name none (`UTC`, `Etc/GMT+3`).
    private static func exemplarCity(_ identifier: String) -> String? {
        let parts = identifier.split(separator: "/")
        guard parts.count >= 2, parts[0] != "Etc", let last = parts.last else { return nil }
        return String(last.map { $0 == "_" ? " " : $0 })
    }

    /// The ISO 8601 week of `date` (Monday first; week 1 holds the year's
    /// first Thursday) and the year that week belongs to.
    private static func isoWeek(of date: LocalDate) -> (year: Int, week: Int) {
        func weeks(in year: Int) -> Int {
            let jan1 = LocalDateTime.weekday(of: LocalDate(year: year, month: 1, day: 1))
            let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
            return jan1 == 3 || (leap && jan1 == 2) ? 53 : 52
        }
        let ordinal = date.daysSince1970 - LocalDate(year: date.year, month: 1, day: 1).daysSince1970 + 1
        let week = (ordinal - (LocalDateTime.weekday(of: date) + 1) + 10) / 7
        if week < 1 { return (date.year - 1, weeks(in: date.year - 1)) }
        if week > weeks(in: date.year) { return (date.year + 1, 1) }
        return (date.year, week)
    }

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
        // Digits written most significant first (no reversal of a slice).
        var v = value.magnitude
        var digits = 1
        var scale: UInt = 1
        while v / scale >= 10 {
            scale &*= 10
            digits &+= 1
        }
        if width > digits { out.append(contentsOf: repeatElement(UInt8(ascii: "0"), count: min(width, 64) - digits)) }
        while scale > 0 {
            out.append(UInt8(truncatingIfNeeded: 0x30 &+ v / scale))
            v %= scale
            scale /= 10
        }
    }
}
