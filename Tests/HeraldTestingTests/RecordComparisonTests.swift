import HeraldSyntax
import HeraldTesting
import Testing

@Suite("comparing expected and produced records")
struct RecordComparisonTests {
    private let here = SourceRange(file: "t", at: SourcePosition(line: 1, column: 1, offset: 0))

    private func expected(_ fields: [(String, JSONValue)]) -> ExpectedRecord {
        ExpectedRecord(fields: fields.map { ExpectedField(name: $0.0, value: $0.1, range: here) }, range: here)
    }

    private func record(_ json: String) -> JSONValue {
        JSONValue.parse(json) ?? .null
    }

    @Test("listed fields are compared, unlisted fields are free")
    func listedOnly() {
        let got = record(#"{"event":"e1","decision":"send","rule":"r","channel":"sms","segments":1}"#)
        #expect(RecordComparison.differences(expected([("rule", .string("r"))]), got).isEmpty)
        #expect(
            RecordComparison.differences(expected([("rule", .string("r")), ("channel", .string("email"))]), got)
                == [FieldDifference(name: "channel", want: .string("email"), got: .string("sms"))])
    }

    @Test(
        "field values match by meaning",
        arguments: [
            ("send_at", JSONValue.string("2026-04-07T13:00:00Z"), JSONValue?.some(.string("2026-04-07T10:00:00-03:00")), true),
            ("send_at", .string("2026-04-07T13:00:00Z"), .string("2026-04-07T13:00:00-03:00"), false),
            ("late", .bool(false), nil, true),
            ("late", .bool(true), nil, false),
            ("event", .null, .null, true),
            ("event", .null, nil, true),
            ("to", .string("x"), nil, false),
            ("segments", .number("2"), .number("2.0"), true),
            ("body", .string("a"), .string("a "), false),
        ])
    func matching(name: String, want: JSONValue, got: JSONValue?, same: Bool) {
        #expect(RecordComparison.matches(name, want: want, got: got) == same)
    }

    @Test("alignment keeps matches and reports missing, extra and differing records in order")
    func alignment() {
        let a = record(#"{"rule":"a","decision":"send"}"#)
        let b = record(#"{"rule":"b","decision":"send"}"#)
        let c = record(#"{"rule":"c","decision":"skip"}"#)
        let wantA = expected([("rule", .string("a"))])
        let wantB = expected([("rule", .string("b"))])
        let wantBSkip = expected([("rule", .string("b")), ("decision", .string("skip"))])

        #expect(RecordComparison.align(expected: [wantA, wantB], actual: [a, b]) == [.match(expected: 0, actual: 0), .match(expected: 1, actual: 1)])
        #expect(RecordComparison.align(expected: [wantA, wantB], actual: [b]) == [.missing(expected: 0), .match(expected: 1, actual: 0)])
        #expect(RecordComparison.align(expected: [wantB], actual: [a, b, c]) == [.extra(actual: 0), .match(expected: 0, actual: 1), .extra(actual: 2)])
        #expect(
            RecordComparison.align(expected: [wantA, wantBSkip], actual: [a, b]) == [
                .match(expected: 0, actual: 0),
                .differs(expected: 1, actual: 1, fields: [FieldDifference(name: "decision", want: .string("skip"), got: .string("send"))]),
            ])
        #expect(RecordComparison.align(expected: [], actual: []) == [])
        #expect(RecordComparison.align(expected: [], actual: [a]) == [.extra(actual: 0)])
    }

    @Test("records from the runtime's JSON round-trip through JSONValue")
    func json() {
        let text = #"{"event":null,"decision":"send","body":"Olá \"Maria\"\n\u0001","segments":1,"late":true,"attachments":[{"url":"u"}]}"#
        let value = JSONValue.parse(text)
        #expect(value?["body"] == .string("Olá \"Maria\"\n\u{1}"))
        #expect(value.flatMap { JSONValue.parse($0.jsonText) } == value)
        #expect(JSONValue.parse("{\"a\":1,}") == nil)
        #expect(JSONValue.parse("[1] x") == nil)
    }
}
