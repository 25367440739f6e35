import HeraldCompiler
import HeraldRuntime
import Testing

/// Field values for the renderer tests.
private let renderFields: [String: Value] = [
    "client.name": .string("Maria Souza"),
    "client.first_name": .string(""),
    "client.vip": .bool(true),
    "client.head_office": .bool(false),
    "work_order.number": .string("1001"),
    "work_order.summary": .string("Ecrã\npartido"),
    "work_order.device": .string("Straße <Ä> & \"o'clock\""),
    "work_order.total": .number(1234.5),
    "work_order.count": .number(3),
    "work_order.scheduled_for": .datetime(Timestamp(seconds: 1_775_664_000, offset: -10_800)),
]

private func renderLookup(_ path: FieldPath) -> Value? { renderFields[path.description] }

private func renderPath(_ dotted: String) -> FieldPath { FieldPath(dotted: dotted) }

private func renderSegments(
    _ segments: [TemplateSegment], _ escaping: TemplateRenderer.Escaping = .none, zone: String = "America/Sao_Paulo"
)
    -> String
{
    TemplateRenderer.render(
        TemplateText(source: "", segments: segments), escaping: escaping,
        zone: Zone(identifier: zone) ?? .utc, lookup: renderLookup)
}

@Suite("Template rendering")
struct RenderingTests {
    @Test(
        "values are written by type; absent values are empty",
        arguments: [
            (
                [TemplateSegment.text("Olá "), .value(renderPath("client.name"), filters: []), .text("!")],
                "Olá Maria Souza!"
            ),
            ([.value(renderPath("work_order.total"), filters: [])], "1234.5"),
            ([.value(renderPath("work_order.count"), filters: [])], "3"),
            ([.value(renderPath("client.vip"), filters: [])], "true"),
            ([.value(renderPath("client.head_office"), filters: [])], "false"),
            ([.value(renderPath("work_order.scheduled_for"), filters: [])], "2026-04-08T13:00:00-03:00"),
            ([.text("["), .value(renderPath("work_order.closed_at"), filters: []), .text("]")], "[]"),
        ])
    func values(segments: [TemplateSegment], expected: String) {
        #expect(renderSegments(segments) == expected)
    }

    @Test(
        "numbers: integers without .0, decimals in shortest form, no exponents",
        arguments: [
            (3.0, "3"), (-12.0, "-12"), (-0.0, "0"), (2.5, "2.5"), (0.1, "0.1"), (-0.25, "-0.25"),
            (1e-7, "0.0000001"), (1.5e-7, "0.00000015"), (1e15, "1000000000000000"),
            (1e20, "100000000000000000000"), (1.25e16, "12500000000000000"), (1234567.891, "1234567.891"),
        ])
    func numbers(number: Double, expected: String) {
        #expect(TemplateRenderer.format(number: number) == expected)
    }

    @Test(
        "filters: default, date, upper, lower, truncate",
        arguments: [
            ([TemplateFilter.default(.string("equipamento"))], "work_order.device", "Straße <Ä> & \"o'clock\""),
            ([.default(.string("equipamento"))], "work_order.missing", "equipamento"),
            // An empty string is a value: `default` replaces only an absent one.
            ([.default(.path(renderPath("client.name")))], "client.first_name", ""),
            ([.default(.string("Cliente"))], "client.first_name", ""),
            ([.default(.path(renderPath("client.name")))], "client.nickname", "Maria Souza"),
            ([.default(.path(renderPath("client.nobody")))], "work_order.missing", ""),
            ([.date(pattern: "dd/MM/yyyy HH:mm")], "work_order.scheduled_for", "08/04/2026 13:00"),
            ([.date(pattern: "dd/MM")], "work_order.missing", ""),
            ([.upper], "work_order.device", "STRASSE <Ä> & \"O'CLOCK\""),
            ([.lower], "work_order.device", "straße <ä> & \"o'clock\""),
            ([.upper], "work_order.missing", ""),
            ([.truncate(4)], "work_order.summary", "Ecrã"),
            ([.truncate(0)], "client.name", ""),
            ([.truncate(-3)], "client.name", ""),
            ([.truncate(100)], "client.name", "Maria Souza"),
            ([.default(.string("sem nome")), .upper, .truncate(3)], "work_order.missing", "SEM"),
            ([.truncate(5), .upper], "client.name", "MARIA"),
        ])
    func filters(filters: [TemplateFilter], field: String, expected: String) {
        #expect(renderSegments([.value(renderPath(field), filters: filters)]) == expected)
    }

    @Test("truncate counts characters, not code units")
    func truncateGraphemes() {
        let family = "👨‍👩‍👧x"
        let text = TemplateRenderer.render(
            TemplateText(source: "", segments: [.value(renderPath("f"), filters: [.truncate(1)])]), escaping: .none,
            zone: .utc, lookup: { _ in .string(family) })
        #expect(text == "👨‍👩‍👧")
    }

    @Test("the date filter uses the given zone")
    func dateInZone() {
        let segments = [
            TemplateSegment.value(renderPath("work_order.scheduled_for"), filters: [.date(pattern: "dd/MM HH:mm")])
        ]
        #expect(renderSegments(segments, zone: "Europe/Lisbon") == "08/04 17:00")
        #expect(renderSegments(segments, zone: "UTC") == "08/04 16:00")
    }

    @Test(
        "if: present and, for a bool, true",
        arguments: [
            ("client.vip", "yes"), ("client.head_office", "no"), ("work_order.closed_at", "no"),
            ("client.name", "yes"), ("client.first_name", "yes"), ("work_order.count", "yes"),
        ])
    func conditional(field: String, expected: String) {
        #expect(
            renderSegments([.conditional(renderPath(field), then: [.text("yes")], else: [.text("no")])]) == expected)
    }

    @Test("conditionals nest and render their values")
    func nestedConditionals() {
        let segments: [TemplateSegment] = [
            .conditional(
                renderPath("work_order.scheduled_for"),
                then: [
                    .text("Visita "),
                    .value(renderPath("work_order.scheduled_for"), filters: [.date(pattern: "dd/MM")]),
                    .conditional(renderPath("client.head_office"), then: [.text(" (sede)")], else: [.text(".")]),
                ],
                else: [.text("Sem visita.")])
        ]
        #expect(renderSegments(segments) == "Visita 08/04.")
    }

    @Test("html escapes values, not the template's own text")
    func htmlEscaping() {
        let segments: [TemplateSegment] = [
            .text("<p>Olá \"cliente\" & "), .value(renderPath("work_order.device"), filters: []), .text("</p>"),
        ]
        #expect(
            renderSegments(segments, .html) == "<p>Olá \"cliente\" & Straße &lt;Ä&gt; &amp; &quot;o&#39;clock&quot;</p>"
        )
        #expect(renderSegments(segments, .none) == "<p>Olá \"cliente\" & Straße <Ä> & \"o'clock\"</p>")
    }

    @Test(
        "a subject turns each line break (a CRLF is one) into one space (with the text around the value)",
        arguments: [
            ("Ecrã\npartido", "Ecrã partido pronta"),
            ("a\r\nb\rc\nd", "a b c d pronta"),
            ("a\n\nb", "a  b pronta"),
            ("a\r\n\r\nb", "a  b pronta"),
            ("\r", "  pronta"),  // the break's space and the literal one
            ("a\u{2028}\u{85}b\u{1B}[0m", "a  b[0m pronta"),
            ("sem quebras", "sem quebras pronta"),
        ])
    func subjectLineBreaks(value: String, expected: String) {
        let text = TemplateRenderer.render(
            TemplateText(source: "", segments: [.value(renderPath("s"), filters: []), .text(" pronta")]),
            escaping: .subject,
            zone: .utc, lookup: { _ in .string(value) })
        #expect(text == expected)
    }

    @Test("a subject folds the line breaks of the template's own text too")
    func subjectLiteralText() {
        #expect(
            renderSegments([.text("a\nb "), .value(renderPath("work_order.summary"), filters: [])], .subject)
                == "a b Ecrã partido")
    }
}

@Suite("Date patterns")
struct RenderingDatePatternTests {
    /// 2026-04-07T16:05:09Z: Tuesday 13:05:09 in São Paulo.
    static let afternoon: Int64 = 1_775_577_909
    /// 2026-04-07T03:00:00Z: midnight in São Paulo.
    static let midnight: Int64 = 1_775_530_800

    @Test(
        "renderFields, names, literals and quotes",
        arguments: [
            ("yyyy-MM-dd HH:mm:ss", "2026-04-07 13:05:09"),
            ("dd/MM/yyyy HH:mm", "07/04/2026 13:05"),
            ("d/M/yy", "7/4/26"),
            ("y", "2026"),
            ("EEE, d MMM yyyy", "Tue, 7 Apr 2026"),
            ("EEEE, MMMM d", "Tuesday, April 7"),
            ("EEEEE MMMMM", "T A"),
            ("h:mm a", "1:05 PM"),
            ("hh 'o''clock' a", "01 o'clock PM"),
            ("''HH''", "'13'"),
            ("HH'h'mm", "13h05"),
            ("yyyy-MM-dd'T'HH:mm:ssXXX", "2026-04-07T13:05:09-03:00"),
            ("yyyy-MM-ddTHH", "2026-04-07T13"),
            ("Z", "-0300"), ("ZZZZ", "GMT-03:00"), ("ZZZZZ", "-03:00"),
            ("X", "-03"), ("XX", "-0300"), ("XXX", "-03:00"), ("xx", "-0300"),
            ("D", "97"), ("m:s", "5:9"), ("H:mm:ss.SSS", "13:05:09.000"),
            ("yyyy年MM月dd日", "2026年04月07日"),
            ("HH 'h", "13 h"),
            ("", ""),
        ])
    func patterns(pattern: String, expected: String) {
        let zone = Zone(identifier: "America/Sao_Paulo") ?? .utc
        #expect(DatePattern.format(Self.afternoon, in: zone, pattern: pattern) == expected)
    }

    @Test(
        "the other fields of Unicode TR 35: era, ISO weeks, quarters, day periods, GMT formats, zone ids",
        arguments: [
            ("G GGGG GGGGG", "AD Anno Domini A"), ("u r U", "2026 2026 2026"),
            ("YYYY-'W'ww-e", "2026-W15-2"), ("w W F", "15 2 1"), ("eeee ccc c", "Tuesday Tue 2"),
            ("Q QQ QQQ QQQQ q", "2 02 Q2 2nd quarter 2"), ("A", "47109000"), ("g", "61137"),
            ("b B bbbbb", "PM in the afternoon p"),
            ("O OOOO z zzzz", "GMT-3 GMT-03:00 GMT-3 GMT-03:00"),
            ("v vvvv", "Sao Paulo Time Sao Paulo Time"), ("V VV VVV VVVV", "unk America/Sao_Paulo Sao Paulo Sao Paulo Time"),
            ("jJC", "jJC"),
        ])
    func tr35Fields(pattern: String, expected: String) {
        let zone = Zone(identifier: "America/Sao_Paulo") ?? .utc
        #expect(DatePattern.format(Self.afternoon, in: zone, pattern: pattern) == expected)
    }

    @Test(
        "ISO weeks across the year's edges, and zones without a city",
        arguments: [
            ("2027-01-01T12:00:00Z", "YYYY-'W'ww W", "2026-W53 0"), ("2024-12-30T12:00:00Z", "YYYY-'W'ww e", "2025-W01 1"),
            ("2026-01-04T12:00:00Z", "YYYY ww", "2026 01"), ("2026-12-31T12:00:00Z", "YYYY ww", "2026 53"),
            ("2026-04-07T12:00:00Z", "v O VVV VVVV B", "GMT GMT Unknown City GMT noon"),
            ("2026-04-07T00:00:00Z", "b B", "midnight midnight"),
        ])
    func isoWeeks(instant: String, pattern: String, expected: String) throws {
        let t = try #require(RFC3339.parse(Substring(instant)))
        #expect(DatePattern.format(t, in: .utc, pattern: pattern) == expected)
    }

    @Test(
        "midnight on 12- and 24-hour clocks",
        arguments: [
            ("h a", "12 AM"), ("K", "0"), ("H", "0"), ("HH", "00"), ("k", "24"),
        ])
    func midnight(pattern: String, expected: String) {
        let zone = Zone(identifier: "America/Sao_Paulo") ?? .utc
        #expect(DatePattern.format(Self.midnight, in: zone, pattern: pattern) == expected)
    }

    @Test(
        "offsets of UTC and of a zone with minutes",
        arguments: [
            ("UTC", "XXX", "Z"), ("UTC", "xxx", "+00:00"), ("UTC", "Z", "+0000"), ("UTC", "ZZZZ", "GMT"),
            ("Asia/Kathmandu", "X", "+0545"), ("Asia/Kathmandu", "XXX", "+05:45"),
        ])
    func offsets(identifier: String, pattern: String, expected: String) throws {
        let zone = try #require(Zone(identifier: identifier))
        #expect(DatePattern.format(Self.afternoon, in: zone, pattern: pattern) == expected)
    }
}
