import HeraldRuntime
import Testing

@Suite("RFC 3339 timestamps")
struct TimeRFC3339Tests {
    @Test(
        "valid timestamps parse to their instant and written offset",
        arguments: [
            ("2026-04-07T13:00:00-03:00", Int64(1_775_577_600), Int32(0), Int32(-10_800)),
            ("2026-04-07t13:00:00-03:00", 1_775_577_600, 0, -10_800),
            ("2026-04-07T16:00:00Z", 1_775_577_600, 0, 0),
            ("2026-04-07T16:00:00z", 1_775_577_600, 0, 0),
            ("2026-04-07T16:00:00+00:00", 1_775_577_600, 0, 0),
            ("2026-04-07T16:00:00-00:00", 1_775_577_600, 0, 0),
            ("2026-04-07T13:00:00+05:45", 1_775_546_100, 0, 20_700),
            ("2024-02-29T23:59:59Z", 1_709_251_199, 0, 0),
            ("2000-02-29T12:00:00+14:00", 951_775_200, 0, 50_400),
            ("1970-01-01T00:00:00Z", 0, 0, 0),
            ("1969-12-31T23:59:59Z", -1, 0, 0),
            ("0001-01-01T00:00:00Z", -62_135_596_800, 0, 0),
            ("9999-12-31T23:59:59Z", 253_402_300_799, 0, 0),
            ("2026-04-07T16:00:00.5Z", 1_775_577_600, 500_000_000, 0),
            ("2026-04-07T16:00:00.123456789Z", 1_775_577_600, 123_456_789, 0),
            ("2026-04-07T16:00:00.1234567891234Z", 1_775_577_600, 123_456_789, 0),
        ])
    func valid(text: String, seconds: Int64, nanoseconds: Int32, offset: Int32) throws {
        let parsed = try #require(RFC3339.parse(text))
        #expect(parsed.seconds == seconds)
        #expect(parsed.nanoseconds == nanoseconds)
        #expect(parsed.offset == offset)
    }

    @Test(
        "invalid timestamps are rejected",
        arguments: [
            "", "2026-04-07", "2026-04-07T13:00:00", "2026-04-07T13:00Z", "2026-04-07 13:00:00Z",
            "2026-04-07T13:00:00+0300", "2026-04-07T13:00:00+03", "2026-04-07T13:00:00+24:00",
            "2026-04-07T13:00:00+03:60", "2026-13-07T13:00:00Z", "2026-00-07T13:00:00Z",
            "2026-04-31T13:00:00Z", "2026-02-29T13:00:00Z", "1900-02-29T13:00:00Z", "2026-04-00T13:00:00Z",
            "2026-04-07T24:00:00Z", "2026-04-07T13:60:00Z", "2026-04-07T13:00:60Z",
            "2026-04-07T13:00:00.Z", "2026-04-07T13:00:00Z ", " 2026-04-07T13:00:00Z", "2026-04-07X13:00:00Z",
            "26-04-07T13:00:00Z", "2026-4-07T13:00:00Z", "+2026-04-07T13:00:00Z", "2026-04-07T13:00:00ZZ",
            "2026-04-07T13:00:00-03:00x", "２026-04-07T13:00:00Z", "2026/04/07T13:00:00Z",
        ])
    func invalid(text: String) {
        #expect(RFC3339.parse(text) == nil)
    }

    @Test(
        "appending writes the same text as format for every two-digit field value and offset",
        arguments: ["UTC", "America/Sao_Paulo", "Asia/Kathmandu", "Pacific/Chatham"])
    func appendMatchesFormat(identifier: String) throws {
        let zone = try #require(Zone(identifier: identifier))
        // Steps of 5,917 s (37 mod 60) over 1900-2100: every second, minute and hour value.
        var checked = 0
        for seconds in stride(from: Int64(-2_208_988_800), to: 4_102_444_800, by: 7_919_961) {
            for step in stride(from: Int64(0), to: 86_400 * 31, by: 61 * 97) {
                let at = seconds + step
                var bytes: [UInt8] = []
                RFC3339.append(at, in: zone, to: &bytes)
                #expect(String(decoding: bytes, as: UTF8.self) == RFC3339.format(at, in: zone))
                checked += 1
            }
        }
        #expect(checked > 10_000)
    }

    @Test(
        "outside the years 0000–9999 format and append write the same text",
        arguments: [Int64(253_402_387_200), -62_167_219_201, 400_000_000_000])
    func outOfRangeFormat(seconds: Int64) throws {
        let zone = try #require(Zone(identifier: "America/Sao_Paulo"))
        for nanoseconds: Int32 in [0, 250_000_000] {
            var bytes: [UInt8] = []
            RFC3339.append(seconds, nanoseconds: nanoseconds, in: zone, to: &bytes)
            let text = RFC3339.format(seconds, nanoseconds: nanoseconds, in: zone)
            #expect(String(decoding: bytes, as: UTF8.self) == text)
            // Not the four-digit year of the fast path.
            #expect(text.count > (nanoseconds == 0 ? 25 : 28) || text.hasPrefix("-"))
        }
    }

    @Test("a substring of a larger text parses")
    func substring() {
        let line = "\"occurred_at\": \"2026-04-07T13:00:00-03:00\","
        let start = line.index(line.startIndex, offsetBy: 16)
        let end = line.index(start, offsetBy: 25)
        #expect(RFC3339.parse(line[start..<end])?.seconds == 1_775_577_600)
    }

    @Test(
        "formatting uses the zone's offset at the instant, +00:00 for UTC",
        arguments: [
            (Int64(1_775_577_600), "America/Sao_Paulo", "2026-04-07T13:00:00-03:00"),
            (1_775_577_600, "UTC", "2026-04-07T16:00:00+00:00"),
            (1_775_577_600, "Europe/Lisbon", "2026-04-07T17:00:00+01:00"),
            (1_775_577_600, "Asia/Kathmandu", "2026-04-07T21:45:00+05:45"),
            (1_775_577_600, "Australia/Lord_Howe", "2026-04-08T02:30:00+10:30"),
            (1_792_216_800, "America/New_York", "2026-10-17T02:00:00-04:00"),
            (0, "UTC", "1970-01-01T00:00:00+00:00"),
            (-1, "UTC", "1969-12-31T23:59:59+00:00"),
            (253_402_300_799, "UTC", "9999-12-31T23:59:59+00:00"),
        ])
    func format(seconds: Int64, identifier: String, expected: String) throws {
        let zone = try #require(Zone(identifier: identifier))
        #expect(RFC3339.format(seconds, in: zone) == expected)
    }

    @Test(
        "parse then format in the written zone gives the text back",
        arguments: [
            ("2026-04-07T13:00:00-03:00", "America/Sao_Paulo"),
            ("2026-11-01T01:30:00-04:00", "America/New_York"),
            ("2026-11-01T01:30:00-05:00", "America/New_York"),
            ("2026-10-25T01:59:00+00:00", "Europe/Lisbon"),
        ])
    func roundTrip(text: String, identifier: String) throws {
        let zone = try #require(Zone(identifier: identifier))
        let parsed = try #require(RFC3339.parse(text))
        #expect(RFC3339.format(parsed.seconds, in: zone) == text)
    }

    @Test("timestamps compare as instants, whatever their offsets")
    func instantsCompare() throws {
        let a = try #require(RFC3339.parse("2026-04-07T13:00:00-03:00"))
        let b = try #require(RFC3339.parse("2026-04-07T16:00:00Z"))
        let c = try #require(RFC3339.parse("2026-04-07T16:00:00.001Z"))
        #expect(a == b)
        #expect(a.hashValue == b.hashValue)
        #expect(b < c)
        #expect(!(c < a))
    }

    @Test(
        "format(asGiven:) writes a timestamp in the offset its text carried, a zero offset as Z",
        arguments: [
            ("2026-04-07T13:00:00+02:00", "2026-04-07T13:00:00+02:00"),
            ("2026-04-07T11:00:00Z", "2026-04-07T11:00:00Z"),
            ("2026-04-07T11:00:00+00:00", "2026-04-07T11:00:00Z"),
            ("2026-04-07T07:30:00.500-03:30", "2026-04-07T07:30:00.5-03:30"),
            ("2026-12-31T23:59:59.123456789+14:00", "2026-12-31T23:59:59.123456789+14:00"),
        ])
    func formatAsGiven(text: String, written: String) throws {
        let parsed = try #require(RFC3339.parse(text))
        #expect(RFC3339.format(asGiven: parsed) == written)
        #expect(RFC3339.parse(written) == parsed)
    }

    /// `RFC3339.parse` reads `YYYY-MM-DDTHH:MM:SS` a word at a time; this
    /// checks it byte by byte against a plain reading: every byte of that
    /// prefix replaced by each of the 256 values, in texts with `Z`, an
    /// offset and a fraction.
    @Test("every byte of the date and time replaced by every value: parsed exactly when a plain reading accepts it")
    func everyByteOfThePrefix() {
        /// The plain reading: digits where digits go, `-`, `T`/`t`, `:`,
        /// field ranges; the instant from the fields.
        func reference(_ text: [UInt8], suffixOffset: Int) -> Int64? {
            let digitPlaces = [0, 1, 2, 3, 5, 6, 8, 9, 11, 12, 14, 15, 17, 18]
            guard digitPlaces.allSatisfy({ (0x30...0x39).contains(text[$0]) }), text[4] == 0x2D, text[7] == 0x2D,
                text[10] == 0x54 || text[10] == 0x74, text[13] == 0x3A, text[16] == 0x3A
            else { return nil }
            func number(_ at: Int, _ count: Int) -> Int { (at..<at + count).reduce(0) { $0 * 10 + Int(text[$1] - 0x30) } }
            let (year, month, day) = (number(0, 4), number(5, 2), number(8, 2))
            let (hour, minute, second) = (number(11, 2), number(14, 2), number(17, 2))
            let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
            let lengths = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
            guard (1...12).contains(month), (1...lengths[month - 1]).contains(day), hour < 24, minute < 60, second < 60
            else { return nil }
            // Days since 1970 counted by years and months (no shared formula).
            var days = 0
            if year >= 1970 {
                for y in 1970..<year { days += (y % 4 == 0 && (y % 100 != 0 || y % 400 == 0)) ? 366 : 365 }
            } else {
                for y in year..<1970 { days -= (y % 4 == 0 && (y % 100 != 0 || y % 400 == 0)) ? 366 : 365 }
            }
            days += lengths[..<(month - 1)].reduce(0, +) + day - 1
            return Int64(days) * 86_400 + Int64(hour * 3600 + minute * 60 + second) - Int64(suffixOffset)
        }
        let texts: [(String, Int)] = [
            ("2026-04-07T13:05:09Z", 0), ("1999-12-31t23:59:58-03:00", -10_800), ("2024-02-29T00:00:00.25+05:45", 20_700),
        ]
        var accepted = 0
        for (text, offset) in texts {
            let original = Array(text.utf8)
            for place in 0..<19 {
                for value in 0...255 {
                    var bytes = original
                    bytes[place] = UInt8(value)
                    let parsed = bytes.withUnsafeBufferPointer { RFC3339.parse(utf8: $0) }
                    let expected = reference(bytes, suffixOffset: offset)
                    #expect(parsed?.seconds == expected, "\(String(decoding: bytes, as: UTF8.self))")
                    if expected != nil { accepted += 1 }
                }
            }
        }
        // Each place accepts its own byte and, at digits, a few others.
        #expect(accepted > 3 * 19)
    }
}
