import Foundation
import HeraldCompiler
import HeraldRuntime
import Testing

/// The JSON reader and writer look at eight bytes at a time; a character
/// that needs attention must be found at every offset within and across words.
@Suite("JSON strings read and written a word at a time")
struct JSONWordScanTests {
    static let runtime = EngineSupport.runtime(rules: "  []\n")

    /// Special characters with their JSON escape.
    static let specials: [(text: String, escaped: String)] = [
        ("\"", "\\\""), ("\\", "\\\\"), ("\n", "\\n"), ("\u{1}", "\\u0001"), ("\u{1F}", "\\u001f"), ("é", "é"), ("€", "€"),
        ("😀", "😀"), ("~", "~"), (" ", " "),
    ]

    static func text(_ offset: Int, _ special: String) -> String {
        String(repeating: "a", count: offset) + special + String(repeating: "b", count: 9 - offset % 5)
    }

    @Test("a record's JSON escapes each special character wherever it falls", arguments: 0..<19)
    func writer(offset: Int) throws {
        for (special, escaped) in Self.specials {
            let text = Self.text(offset, special)
            let record = DecisionRecord(event: text, decision: .reject, reason: "r", message: text + text)
            let expected = Self.text(offset, escaped)
            #expect(
                record.jsonLine == "{\"event\":\"\(expected)\",\"decision\":\"reject\",\"reason\":\"r\",\"message\":\"\(expected + expected)\"}")
            let decoded = try JSONDecoder().decode(DecisionRecord.self, from: Data(record.jsonLine.utf8))
            #expect(decoded.message == text + text)
        }
    }

    @Test("an event's strings decode wherever a special character falls", arguments: 0..<19)
    func reader(offset: Int) {
        for (special, escaped) in Self.specials {
            let text = Self.text(offset, special)
            let line = """
                {"id": "\(Self.text(offset, escaped))", "type": "lead.created", "occurred_at": "2026-04-07T10:00:00Z", "location": "centro", \
                "lead": {"id": "L", "name": "N", "status": "new"}, "client": {"id": "C", "name": "\(Self.text(offset, escaped))"}}
                """
            guard case .event(let event) = Self.runtime.parse(line: line, lineNumber: 1) else {
                Issue.record("not parsed: \(line)")
                continue
            }
            #expect(event.id == text)
            #expect(event.value(FieldPath(dotted: "client.name")) == .string(text))
        }
        // Raw control characters and a missing closing quote stay errors at every offset.
        for bad in ["\u{1}", "\t"] {
            let line = #"{"id": ""# + Self.text(offset, bad) + #"", "type": "lead.created"}"#
            guard case .rejected(let record) = Self.runtime.parse(line: line, lineNumber: 1) else {
                Issue.record("accepted: \(line)")
                continue
            }
            #expect(record.reason == "malformed-json")
        }
        let open = #"{"id": ""# + String(repeating: "a", count: offset)
        guard case .rejected(let record) = Self.runtime.parse(line: open, lineNumber: 1) else {
            Issue.record("accepted: \(open)")
            return
        }
        #expect(record.reason == "malformed-json")
    }
}

/// Member names and custom enum values are matched on their bytes at decode time.
@Suite("Decode-time look-ups")
struct DecodeLookupTests {
    static let runtime = EngineSupport.runtime(rules: "  []\n")

    static func line(_ members: String) -> String {
        """
        {"id": "e", "type": "work_order.created", "occurred_at": "2026-04-07T10:00:00Z", "location": "centro", \
        "work_order": {"id": "W", "number": "1", "status": "open"\(members)}, "client": {"id": "C", "name": "N"}}
        """
    }

    @Test(
        "enum values match exactly, through escapes, or as equal text; other text is invalid",
        arguments: [
            (#""urgent""#, "urgent"), (#""\u0075rgent""#, "urgent"), (#""low""#, "low"), (#""Urgent""#, nil),
            (#""urgen""#, nil), (#""urgentt""#, nil), (#""""#, nil),
        ] as [(String, String?)])
    func enumValues(json: String, expected: String?) {
        switch Self.runtime.parse(line: Self.line(#", "priority": "# + json), lineNumber: 1) {
        case .event(let event):
            #expect(expected != nil, "accepted \(json)")
            #expect(event.value(FieldPath(dotted: "work_order.priority")) == expected.map { .string($0) })
        case .rejected(let record):
            #expect(expected == nil, "rejected \(json): \(record.message ?? "")")
            #expect(record.reason == "invalid-event")
        case .blank:
            Issue.record("blank")
        }
    }

    @Test("statuses and event types decode the same whether or not they are among the known values", arguments: [
        (#""open""#, "open"), (#""ready""#, "ready"), (#""\u006fpen""#, "open"), (#""opened""#, "opened"), (#""ope""#, "ope"),
        (#""""#, ""), (#""Open""#, "Open"),
    ])
    func statuses(json: String, expected: String) {
        for type in ["work_order.created", "work_order.creat\\u0065d"] {
            let line = """
                {"id": "e", "type": "\(type)", "occurred_at": "2026-04-07T10:00:00Z", "location": "centro", \
                "work_order": {"id": "W", "number": "1", "status": \(json)}, "client": {"id": "C", "name": "N"}}
                """
            guard case .event(let event) = Self.runtime.parse(line: line, lineNumber: 1) else {
                Issue.record("not parsed: \(line)")
                continue
            }
            #expect(event.trigger == .workOrderCreated)
            #expect(event.value(FieldPath(dotted: "work_order.status")) == .string(expected))
        }
    }

    @Test("unknown members are skipped, known ones found whatever their neighbours")
    func members() {
        let line = Self.line(#", "priorit": 1, "priorityy": [], "prio": {}, "prioritx": 2, "qriority": 3, "numbex": 4, "pickup_ay": 5, "priority": "low", "x": null"#)
        guard case .event(let event) = Self.runtime.parse(line: line, lineNumber: 1) else {
            Issue.record("not parsed")
            return
        }
        #expect(event.value(FieldPath(dotted: "work_order.priority")) == .string("low"))
        #expect(event.value(FieldPath(dotted: "work_order.number")) == .string("1"))
    }
}
