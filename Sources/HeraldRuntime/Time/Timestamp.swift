import HeraldModel

/// An instant as it came in an event: seconds since 1970 (UTC) and the UTC
/// offset it was written with. Equality and order compare instants only.
public struct Timestamp: Sendable, Hashable, Comparable {
    /// Seconds since 1970-01-01T00:00:00Z (fractions are kept in `nanoseconds`).
    public var seconds: Int64
    /// Fraction of a second.
    public var nanoseconds: Int32
    /// The offset the text carried, in seconds.
    public var offset: Int32

    /// Creates a timestamp.
    public init(seconds: Int64, nanoseconds: Int32 = 0, offset: Int32 = 0) {
        self.seconds = seconds
        self.nanoseconds = nanoseconds
        self.offset = offset
    }

    /// Same instant.
    public static func == (a: Timestamp, b: Timestamp) -> Bool {
        a.seconds == b.seconds && a.nanoseconds == b.nanoseconds
    }

    /// Hashes the instant.
    public func hash(into h: inout Hasher) {
        h.combine(seconds)
        h.combine(nanoseconds)
    }

    /// Earlier instant first.
    public static func < (a: Timestamp, b: Timestamp) -> Bool {
        (a.seconds, a.nanoseconds) < (b.seconds, b.nanoseconds)
    }
}

/// RFC 3339 parsing and formatting (docs/rule-language.md §2.1 `datetime`, §11 timestamps).
///
/// Parsing is strict RFC 3339 `date-time`: `YYYY-MM-DDTHH:MM:SS[.fraction]`
/// followed by `Z`/`z` or `±HH:MM`. The separator is `T` or `t` (a space, which
/// RFC 3339 only mentions in a note, is rejected), seconds are required, a
/// leap second (`:60`) is rejected, and the day must exist in its month.
public enum RFC3339 {
    /// `YYYY-MM-DD` of a date (the date part of RFC 3339).
    static func dateText(_ date: LocalDate) -> String {
        func pad(_ n: Int, _ width: Int) -> String {
            let digits = String(n)
            return String(repeating: "0", count: max(0, width - digits.count)) + digits
        }
        return pad(date.year, 4) + "-" + pad(date.month, 2) + "-" + pad(date.day, 2)
    }

    /// Parses `2026-04-07T13:00:00-03:00` (also `Z`, fractional seconds,
    /// lowercase `t`/`z`). Returns nil for anything else, including a missing offset.
    public static func parse(_ text: Substring) -> Timestamp? {
        var text = text
        if let fast = text.utf8.withContiguousStorageIfAvailable({ parse(utf8: $0) }) {
            return fast
        }
        text.makeContiguousUTF8()
        return text.utf8.withContiguousStorageIfAvailable { parse(utf8: $0) } ?? nil
    }

    /// Parses a whole string; see ``parse(_:)-(Substring)``.
    public static func parse(_ text: String) -> Timestamp? {
        parse(text[...])
    }

    /// Parses UTF-8 bytes (for callers that hold raw JSON bytes); see ``parse(_:)-(Substring)``.
    public static func parse(utf8 b: UnsafeBufferPointer<UInt8>) -> Timestamp? {
        let n = b.count
        // Shortest form: 2026-04-07T13:00:00Z (20 bytes).
        guard n >= 20 else { return nil }
        @inline(__always) func digit(_ i: Int) -> Int? {
            let c = b[i] &- 0x30
            return c < 10 ? Int(c) : nil
        }
        @inline(__always) func two(_ i: Int) -> Int? {
            guard let a = digit(i), let c = digit(i + 1) else { return nil }
            return a * 10 + c
        }
        guard let y1 = two(0), let y2 = two(2), b[4] == 0x2D, let month = two(5), b[7] == 0x2D,
            let day = two(8), b[10] == 0x54 || b[10] == 0x74,
            let hour = two(11), b[13] == 0x3A, let minute = two(14), b[16] == 0x3A, let second = two(17)
        else { return nil }
        let year = y1 * 100 + y2
        guard (1...12).contains(month), day >= 1, day <= CivilDays.daysInMonth(year: year, month: month),
            hour < 24, minute < 60, second < 60
        else { return nil }
        var i = 19
        var nanoseconds: Int32 = 0
        if b[i] == 0x2E {
            i += 1
            let digitsStart = i
            var scale: Int32 = 100_000_000
            while i < n, let d = digit(i) {
                nanoseconds += Int32(d) * scale
                scale /= 10
                i += 1
            }
            guard i > digitsStart else { return nil }
        }
        guard i < n else { return nil }
        var offset = 0
        switch b[i] {
        case 0x5A, 0x7A:  // Z z
            i += 1
        case 0x2B, 0x2D:  // + -
            guard n - i >= 6, let oh = two(i + 1), b[i + 3] == 0x3A, let om = two(i + 4), oh < 24, om < 60
            else { return nil }
            offset = (oh * 3600 + om * 60) * (b[i] == 0x2D ? -1 : 1)
            i += 6
        default:
            return nil
        }
        guard i == n else { return nil }
        let local =
            Int64(CivilDays.days(year: year, month: month, day: day)) * 86_400
            + Int64(hour * 3600 + minute * 60 + second)
        return Timestamp(seconds: local - Int64(offset), nanoseconds: nanoseconds, offset: Int32(offset))
    }

    /// Formats an instant in `zone` with its offset at that instant:
    /// `2026-04-07T13:00:00-03:00` (UTC is `+00:00`). An offset that is not
    /// a whole number of minutes (local mean time before a zone's first
    /// standard time, such as São Paulo's −03:06:28 before 1914) cannot be
    /// written in RFC 3339; such an instant is written in UTC with `Z`
    /// (`1900-01-01T03:06:28Z`), so the text always names the exact instant.
    public static func format(_ seconds: Int64, in zone: Zone) -> String {
        format(seconds, nanoseconds: 0, in: zone)
    }

    /// The wall time and offset an instant is written with in `zone`: its
    /// offset there when that is whole minutes, else UTC (`zulu`).
    static func written(_ seconds: Int64, in zone: Zone) -> (local: LocalDateTime, offset: Int, zulu: Bool) {
        let offset = zone.offset(at: seconds)
        guard offset % 60 == 0 else { return (LocalDateTime(secondsSince1970: seconds), 0, true) }
        return (LocalDateTime(secondsSince1970: seconds &+ Int64(offset)), offset, false)
    }

    /// Formats a timestamp in the offset its text carried (`offset`), with
    /// its fraction: the text it was parsed from, up to how that was
    /// spelled (a zero offset is written `Z`, trailing zeros of the
    /// fraction are trimmed). `2026-04-07T13:00:00+02:00` reads back as
    /// itself, `2026-04-07T11:00:00.500Z` as `2026-04-07T11:00:00.5Z`.
    public static func format(asGiven t: Timestamp) -> String {
        let offset = Int(t.offset)
        let local = LocalDateTime(secondsSince1970: t.seconds &+ Int64(offset))
        var bytes: [UInt8] = []
        append(local: local, offset: offset, nanoseconds: t.nanoseconds, zulu: offset == 0, to: &bytes)
        return String(decoding: bytes, as: UTF8.self)
    }

    /// `prefix`, then the instant as `format(_:nanoseconds:in:)` writes it,
    /// then `suffix`, then `date` as `dateText` writes it (when given): one
    /// string written in its own storage, with no intermediate strings
    /// (a send's `deferred from …` note, SPEC §9, made for every deferred
    /// send). A year outside 0...9999, or a `date` that is not a calendar
    /// date's digits, takes the general path. `prefix` and `suffix` are
    /// literals of two or more characters (a one-character `StaticString`
    /// holds no pointer to its bytes).
    static func note(
        _ prefix: StaticString, _ seconds: Int64, nanoseconds: Int32, in zone: Zone, _ suffix: StaticString,
        date: LocalDate? = nil
    ) -> String {
        let w = written(seconds, in: zone)
        let capacity = prefix.utf8CodeUnitCount + maximumCount + suffix.utf8CodeUnitCount + 10
        var inRange = true
        let text = String(unsafeUninitializedCapacity: capacity) { buffer in
            guard let base = buffer.baseAddress,
                let count = write(
                    local: w.local, offset: w.offset, nanoseconds: nanoseconds, zulu: w.zulu,
                    to: base + prefix.utf8CodeUnitCount)
            else {
                inRange = false
                return 0
            }
            base.update(from: prefix.utf8Start, count: prefix.utf8CodeUnitCount)
            var n = prefix.utf8CodeUnitCount + count
            (base + n).update(from: suffix.utf8Start, count: suffix.utf8CodeUnitCount)
            n += suffix.utf8CodeUnitCount
            if let date {
                guard (0...9999).contains(date.year), (1...12).contains(date.month), (1...31).contains(date.day) else {
                    inRange = false
                    return 0
                }
                let pairs = digitPairs.utf8Start
                @inline(__always) func put2(_ v: Int) {
                    base[n] = pairs[2 &* v]
                    base[n &+ 1] = pairs[2 &* v &+ 1]
                    n &+= 2
                }
                put2(date.year / 100)
                put2(date.year % 100)
                base[n] = 0x2D
                n &+= 1
                put2(date.month)
                base[n] = 0x2D
                n &+= 1
                put2(date.day)
            }
            return n
        }
        if inRange { return text }
        let instant = format(seconds, nanoseconds: nanoseconds, in: zone)
        return "\(prefix)\(instant)\(suffix)" + (date.map(dateText) ?? "")
    }

    /// Formats an instant with its fraction of a second in `zone`:
    /// `2026-04-07T13:00:00.75-03:00`. The fraction is written only when it
    /// is not zero, with the digits it needs (trailing zeros trimmed), so a
    /// whole second reads exactly as `format(_:in:)` writes it.
    public static func format(_ seconds: Int64, nanoseconds: Int32, in zone: Zone) -> String {
        let w = written(seconds, in: zone)
        // Written straight into the string's storage (no intermediate array).
        var inRange = true
        let text = String(unsafeUninitializedCapacity: maximumCount) { buffer in
            guard let base = buffer.baseAddress,
                let count = write(local: w.local, offset: w.offset, nanoseconds: nanoseconds, zulu: w.zulu, to: base)
            else {
                inRange = false
                return 0
            }
            return count
        }
        return inRange ? text : outOfRange(local: w.local, offset: w.offset, nanoseconds: nanoseconds, zulu: w.zulu)
    }

    /// Formats a wall time and an offset (seconds east of UTC; a fraction of a
    /// minute is dropped from the printed offset).
    public static func format(local: LocalDateTime, offset: Int) -> String {
        let year = local.date.year
        guard (0...9999).contains(year) else {
            // Outside RFC 3339's range: still readable, never a crash.
            let time = local.secondOfDay
            return "\(year)-\(pad2(local.date.month))-\(pad2(local.date.day))T"
                + "\(pad2(time / 3600)):\(pad2(time / 60 % 60)):\(pad2(time % 60))"
                + offsetText(offset)
        }
        return String(unsafeUninitializedCapacity: 25) { out in
            @inline(__always) func put2(_ v: Int, at i: Int) {
                out[i] = UInt8(truncatingIfNeeded: 0x30 + v / 10 % 10)
                out[i + 1] = UInt8(truncatingIfNeeded: 0x30 + v % 10)
            }
            put2(year / 100, at: 0)
            put2(year % 100, at: 2)
            out[4] = 0x2D
            put2(local.date.month, at: 5)
            out[7] = 0x2D
            put2(local.date.day, at: 8)
            out[10] = 0x54
            let time = local.secondOfDay
            put2(time / 3600, at: 11)
            out[13] = 0x3A
            put2(time / 60 % 60, at: 14)
            out[16] = 0x3A
            put2(time % 60, at: 17)
            out[19] = offset < 0 ? 0x2D : 0x2B
            let magnitude = abs(offset) / 60
            put2(magnitude / 60, at: 20)
            out[22] = 0x3A
            put2(magnitude % 60, at: 23)
            return 25
        }
    }

    /// Appends `format(_:in:)`'s text to `out` without an intermediate string.
    public static func append(_ seconds: Int64, in zone: Zone, to out: inout [UInt8]) {
        append(seconds, nanoseconds: 0, in: zone, to: &out)
    }

    /// Appends `format(_:nanoseconds:in:)`'s text to `out`.
    public static func append(_ seconds: Int64, nanoseconds: Int32, in zone: Zone, to out: inout [UInt8]) {
        let w = written(seconds, in: zone)
        append(local: w.local, offset: w.offset, nanoseconds: nanoseconds, zulu: w.zulu, to: &out)
    }

    /// Appends `format(local:offset:)`'s text to `out`.
    public static func append(local: LocalDateTime, offset: Int, to out: inout [UInt8]) {
        append(local: local, offset: offset, nanoseconds: 0, to: &out)
    }

    /// Appends a wall time with a fraction of a second (written only when
    /// not zero, trailing zeros trimmed: `.75`, `.000001`) and an offset to `out`.
    public static func append(local: LocalDateTime, offset: Int, nanoseconds: Int32, to out: inout [UInt8]) {
        append(local: local, offset: offset, nanoseconds: nanoseconds, zulu: false, to: &out)
    }

    /// Appends a wall time, its fraction and `Z` (`zulu`: `local` is UTC)
    /// or its offset to `out`.
    static func append(local: LocalDateTime, offset: Int, nanoseconds: Int32, zulu: Bool, to out: inout [UInt8]) {
        let written: Bool = withUnsafeTemporaryAllocation(of: UInt8.self, capacity: maximumCount) { b in
            guard let base = b.baseAddress,
                let count = write(local: local, offset: offset, nanoseconds: nanoseconds, zulu: zulu, to: base)
            else { return false }
            out.append(contentsOf: UnsafeBufferPointer(start: base, count: count))
            return true
        }
        if !written {
            out.append(contentsOf: outOfRange(local: local, offset: offset, nanoseconds: nanoseconds, zulu: zulu).utf8)
        }
    }

    /// Appends `append(local:offset:nanoseconds:zulu:to:)`'s text to a byte sink.
    static func append(local: LocalDateTime, offset: Int, nanoseconds: Int32, zulu: Bool = false, to out: inout ByteSink) {
        out.reserve(maximumCount)
        let written = out.writeUnchecked { base in
            write(local: local, offset: offset, nanoseconds: nanoseconds, zulu: zulu, to: base) ?? 0
        }
        if written == 0 { out.append(text: outOfRange(local: local, offset: offset, nanoseconds: nanoseconds, zulu: zulu)) }
    }

    /// Appends `format(_:nanoseconds:in:)`'s text to a byte sink.
    static func append(_ seconds: Int64, nanoseconds: Int32, in zone: Zone, to out: inout ByteSink) {
        let w = written(seconds, in: zone)
        append(local: w.local, offset: w.offset, nanoseconds: nanoseconds, zulu: w.zulu, to: &out)
    }

    /// "00" through "99", two bytes each: a two-digit number is one look-up.
    private static let digitPairs: StaticString = """
        00010203040506070809101112131415161718192021222324252627282930313233343536373839\
        40414243444546474849505152535455565758596061626364656667686970717273747576777879\
        8081828384858687888990919293949596979899
        """

    /// The most bytes `write` stores: 25 plus a dot and nine fraction digits.
    private static let maximumCount = 35

    /// The text of a year outside 0...9999 (built as a `String`: rare).
    private static func outOfRange(local: LocalDateTime, offset: Int, nanoseconds: Int32, zulu: Bool) -> String {
        var text = format(local: local, offset: offset)
        if nanoseconds != 0, let sign = text.lastIndex(where: { $0 == "+" || $0 == "-" }) {
            text.insert(contentsOf: fraction(nanoseconds), at: sign)
        }
        if zulu { text = text.dropLast(6) + "Z" }
        return text
    }

    /// Stores the text of a wall time in years 0...9999 at `b` (room for
    /// `maximumCount` bytes) and returns its length; nil for other years.
    private static func write(
        local: LocalDateTime, offset: Int, nanoseconds: Int32, zulu: Bool, to b: UnsafeMutablePointer<UInt8>
    ) -> Int? {
        let year = local.date.year
        guard (0...9999).contains(year) else { return nil }
        let time = local.secondOfDay
        let magnitude = abs(offset) / 60
        // Fraction digits: nine, less the trailing zeros (none when whole).
        var fraction = Int(min(max(nanoseconds, 0), 999_999_999))
        var digits = fraction == 0 ? 0 : 9
        while digits > 0, fraction % 10 == 0 {
            fraction /= 10
            digits -= 1
        }
        let pairs = digitPairs.utf8Start
        @inline(__always) func put2(_ v: Int, at i: Int) {
            if v >= 0 && v < 100 {
                b[i] = pairs[2 &* v]
                b[i + 1] = pairs[2 &* v &+ 1]
            } else {
                b[i] = UInt8(truncatingIfNeeded: 0x30 &+ v / 10 % 10)
                b[i + 1] = UInt8(truncatingIfNeeded: 0x30 &+ v % 10)
            }
        }
        put2(year / 100, at: 0)
        put2(year % 100, at: 2)
        b[4] = 0x2D
        put2(local.date.month, at: 5)
        b[7] = 0x2D
        put2(local.date.day, at: 8)
        b[10] = 0x54
        put2(time / 3600, at: 11)
        b[13] = 0x3A
        put2(time / 60 % 60, at: 14)
        b[16] = 0x3A
        put2(time % 60, at: 17)
        var i = 19
        if digits > 0 {
            b[19] = 0x2E
            var rest = fraction
            for k in stride(from: 19 + digits, to: 19, by: -1) {
                b[k] = UInt8(truncatingIfNeeded: 0x30 &+ rest % 10)
                rest /= 10
            }
            i = 20 + digits
        }
        if zulu {
            b[i] = 0x5A
            return i + 1
        }
        b[i] = offset < 0 ? 0x2D : 0x2B
        put2(magnitude / 60, at: i + 1)
        b[i + 3] = 0x3A
        put2(magnitude % 60, at: i + 4)
        return i + 6
    }

    private static func pad2(_ v: Int) -> String { v < 10 && v >= 0 ? "0\(v)" : "\(v)" }

    /// `.75` for 750,000,000 ns: a point and the digits needed (out-of-range
    /// values are clamped to 0…999,999,999).
    static func fraction(_ nanoseconds: Int32) -> String {
        var value = Int(min(max(nanoseconds, 0), 999_999_999))
        var digits = 9
        while digits > 1, value % 10 == 0 {
            value /= 10
            digits -= 1
        }
        let text = String(value)
        return "." + String(repeating: "0", count: digits - text.count) + text
    }

    private static func offsetText(_ offset: Int) -> String {
        let magnitude = abs(offset) / 60
        return (offset < 0 ? "-" : "+") + pad2(magnitude / 60) + ":" + pad2(magnitude % 60)
    }
}

extension Timestamp {
    /// 0000-01-01T00:00:00Z, the first instant RFC 3339 can write in UTC.
    public static let firstRFC3339Second: Int64 = -62_167_219_200
    /// 9999-12-31T23:59:59Z, the last whole second RFC 3339 can write in UTC.
    public static let lastRFC3339Second: Int64 = 253_402_300_799

    /// Whether the instant lies in the years 0000–9999 in UTC, the range
    /// events may carry (docs/rule-language.md §9; an instant written `0000-01-01T00:00:00+23:59`
    /// is in the year −1 in UTC and is refused).
    public var isInRFC3339Years: Bool {
        (Self.firstRFC3339Second...Self.lastRFC3339Second).contains(seconds)
    }

    /// Whether `formatted(in: zone)` writes the instant with a four-digit
    /// year (0000–9999), as RFC 3339 requires.
    public func isFormattable(in zone: Zone) -> Bool {
        // Two days or more inside the years in UTC, no zone's offset (at
        // most 18 hours in Foundation's zones) can move the wall time out
        // of them: no offset look-up or calendar arithmetic for an
        // ordinary instant.
        if seconds > Self.firstRFC3339Second &+ 2 &* 86_400 && seconds < Self.lastRFC3339Second &- 2 &* 86_400 {
            return true
        }
        return (0...9999).contains(RFC3339.written(seconds, in: zone).local.date.year)
    }

    /// The wall-clock time the text was written in (the instant seen at its own offset).
    public var writtenLocal: LocalDateTime {
        LocalDateTime(secondsSince1970: seconds &+ Int64(offset))
    }

    /// The timestamp as RFC 3339 in `zone`, with its fraction of a second when not zero.
    public func formatted(in zone: Zone) -> String {
        RFC3339.format(seconds, nanoseconds: nanoseconds, in: zone)
    }
}
