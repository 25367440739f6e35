import Foundation
import HeraldCompiler
import HeraldRuntime
import Testing

/// SPEC §7 and §8.1 steps 1–2: strict JSON, then the event schema.
@Suite("Event decoding")
struct EngineDecodingTests {
    static let runtime = EngineSupport.runtime(rules: "  []\n")

    static func reject(_ line: [UInt8]) -> DecisionRecord? {
        var state = RuntimeState()
        let records = runtime.process(line: line, lineNumber: 7, state: &state)
        return records.first { $0.decision == .reject }
    }

    static let valid = EngineSupport.event("e1")

    @Test("a valid event is accepted and produces no record without rules")
    func validEvent() {
        #expect(Self.reject(Array(Self.valid.utf8)) == nil)
    }

    @Test(
        "text that is not JSON is malformed-json with its line number",
        arguments: [
            #"{"id": "x",}"#, #"{"id": "x"} x"#, #"{"id": 'x'}"#, #"{"id": "\x"}"#, #"{"id": "\u12G4"}"#,
            #"{"id": "a"#, #"{"id": 01}"#, #"{"id": 1.}"#, #"{"id": -}"#, #"{"id": tru}"#, #"{"a": [1, 2}"#,
            #"{id: 1}"#, #"{"a": NaN}"#, #"{"a": Infinity}"#, "{\"a\": \"tab\there\"}", #"{"a" 1}"#, #"{"a": 1"#,
            #"{"a": 1e}"#, #"{"a": .5}"#, #"{"a": +1}"#, "{\"a\": 1}\u{0}", #"{"a": [,]}"#, #"{"a": {"b"}}"#,
            #"{}{}"#, #"["#, #"{"a": nul}"#,
        ])
    func malformed(line: String) {
        let record = Self.reject(Array(line.utf8))
        #expect(record?.reason == "malformed-json")
        #expect(record?.line == 7)
        #expect(record?.event == nil)
        #expect(record?.message?.isEmpty == false)
    }

    @Test(
        "invalid UTF-8 is malformed-json",
        arguments: [
            [0xFF], [0xC0, 0xAF], [0xED, 0xA0, 0x80], [0xE2, 0x82], [0xF4, 0x90, 0x80, 0x80], [0x80], [0xF8, 0x88, 0x80, 0x80],
        ] as [[UInt8]])
    func invalidUTF8(bytes: [UInt8]) {
        let line = Array(#"{"note": "a"#.utf8) + bytes + Array(#"b"}"#.utf8)
        #expect(Self.reject(line)?.reason == "malformed-json")
    }

    @Test("nesting deeper than the limit is malformed-json, moderate nesting is fine")
    func depth() {
        let deep = #"{"x": "# + String(repeating: "[", count: 300) + String(repeating: "]", count: 300) + "}"
        #expect(Self.reject(Array(deep.utf8))?.reason == "malformed-json")
        var event = Self.valid
        event.removeLast()
        event += #", "x": "# + String(repeating: "[", count: 50) + String(repeating: "]", count: 50) + "}"
        #expect(Self.reject(Array(event.utf8)) == nil)
    }

    @Test("escapes: keys with escapes match, surrogate pairs decode, lone surrogates are tolerated")
    func escapes() {
        var state = RuntimeState()
        let line = #"{"\u0069d": "\ud83d\ude00-\u00e9", "type": "lead.created", "occurred_at": "2026-04-07T10:00:00Z", "location": "centro", "x": "\ud800", "lead": {"id": "L", "name": "N", "status": "new"}, "client": {"id": "C", "name": "\"Q\"\n"}}"#
        guard case .event(let event) = Self.runtime.parse(line: line, lineNumber: 1) else {
            Issue.record("not parsed: \(Self.runtime.parse(line: line, lineNumber: 1))")
            return
        }
        #expect(event.id == "😀-é")
        #expect(event.value(FieldPath(dotted: "client.name")) == .string("\"Q\"\n"))
        #expect(Self.runtime.process(event: event, state: &state).isEmpty)
    }

    @Test(
        "an enum value matches by its text: as written, escaped, or canonically equivalent; another value is invalid-event",
        arguments: [
            (#""caf\u00e9""#, true), ("\"caf\u{E9}\"", true), ("\"cafe\u{301}\"", true), (#""cafe\u0301""#, true),
            (#""matte""#, true), (#""m\u0061tte""#, true), (#""cafe""#, false), (#""Matte""#, false), (#""""#, false),
        ])
    func enumValues(value: String, accepted: Bool) {
        let yaml = """
            herald: 1
            fields:
              work_order:
                finish: {type: enum, values: [café, matte]}
            templates:
              t:
                sms: "{{work_order.finish}}"
            rules:
              - id: r
                on: work_order.created
                channel: sms
                template: t
            """
        let runtime = Runtime(ruleSet: EngineSupport.ruleSet(yaml))
        let line = EngineSupport.event("e1", "work_order.created").replacingOccurrences(
            of: #""status":"ready""#, with: #""status":"ready","finish":"# + value)
        #expect(line.contains("finish"))
        var state = RuntimeState()
        let records = runtime.process(line: line, lineNumber: 1, state: &state)
        // The NDJSON writer (member order learned from a first line) decides alike.
        var writer = NDJSONWriter(capacity: 64)
        var streamState = RuntimeState()
        for (k, text) in [EngineSupport.event("e0", "work_order.created"), line].enumerated() {
            Array(text.utf8).withUnsafeBytes { writer.process(line: $0, lineNumber: k + 1, runtime: runtime, state: &streamState) }
        }
        let streamed = writer.withBytes { String(decoding: $0, as: UTF8.self) }.split(separator: "\n").last.map(String.init)
        if accepted {
            #expect(records.map(\.decision) == [.send])
            #expect(streamed?.contains(#""decision":"send""#) == true)
        } else {
            #expect(records.map(\.reason) == ["invalid-event"])
            #expect(records.first?.message?.hasPrefix("work_order.finish: expected one of café, matte, got ") == true)
            #expect(streamed?.contains("work_order.finish: expected one of café, matte") == true)
        }
    }

    @Test(
        "a client flag is true or false; a cut literal is malformed-json, a string or number invalid-event, on both paths",
        arguments: [
            ("true", nil), ("false", nil), (" false ", nil), ("tru", "malformed-json"), ("fals", "malformed-json"),
            ("t", "malformed-json"), ("falsey", "malformed-json"), ("trueish", "malformed-json"), (#""true""#, "invalid-event"),
            ("1", "invalid-event"), ("null", nil),
        ] as [(String, String?)])
    func clientFlags(json: String, reason: String?) {
        let line = EngineSupport.event("e1").replacingOccurrences(of: #""accepts_sms":true"#, with: #""accepts_sms":"# + json)
        #expect(line.contains("accepts_sms\":" + json))
        #expect(Self.reject(Array(line.utf8))?.reason == reason)
        // After a line that taught the writer the member order.
        var writer = NDJSONWriter(capacity: 64)
        var state = RuntimeState()
        for (k, text) in [EngineSupport.event("e0"), line].enumerated() {
            Array(text.utf8).withUnsafeBytes { writer.process(line: $0, lineNumber: k + 1, runtime: Self.runtime, state: &state) }
        }
        let text = writer.withBytes { String(decoding: $0, as: UTF8.self) }
        if let reason {
            #expect(text.contains(#""reason":"\#(reason)""#))
        } else {
            #expect(!text.contains(#""decision":"reject""#))
        }
    }

    @Test("blank lines produce no record")
    func blank() {
        var state = RuntimeState()
        #expect(Self.runtime.process(line: "   \r", lineNumber: 1, state: &state).isEmpty)
        #expect(Self.runtime.process(line: "", lineNumber: 2, state: &state).isEmpty)
    }

    typealias Mutation = @Sendable (inout [String: Any]) -> Void

    static func mutated(_ change: Mutation) -> [UInt8] {
        guard let object = try? JSONSerialization.jsonObject(with: Data(valid.utf8)) as? [String: Any] else { return [] }
        var copy = object
        change(&copy)
        return Array((try? JSONSerialization.data(withJSONObject: copy, options: [.sortedKeys])) ?? Data())
    }

    /// A JSON value that can live in a `Sendable` test argument.
    indirect enum J: Sendable {
        case s(String), n(Double), i(Int), b(Bool), null, a([J]), o([String: J])

        var any: Any {
            switch self {
            case .s(let v): return v
            case .n(let v): return v
            case .i(let v): return v
            case .b(let v): return v
            case .null: return NSNull()
            case .a(let v): return v.map(\.any)
            case .o(let v): return v.mapValues(\.any)
            }
        }
    }

    static func nested(_ key: String, _ field: String, _ value: J?) -> Mutation {
        { object in
            var inner = object[key] as? [String: Any] ?? [:]
            inner[field] = value?.any
            object[key] = inner
        }
    }

    static let invalidCases: [(String, Mutation)] = [
        ("client: required", { $0["client"] = nil }),
        ("client: required", { $0["client"] = NSNull() }),
        ("client: expected an object, got 3", { $0["client"] = 3 }),
        ("client: expected an object, got an array", { $0["client"] = [1] }),
        ("work_order: required", { $0["work_order"] = nil }),
        ("work_order.status: expected a string, got 3", nested("work_order", "status", .i(3))),
        ("work_order.status: required", nested("work_order", "status", nil)),
        ("work_order.number: required", nested("work_order", "number", .null)),
        (#"work_order.priority: expected one of low, normal, urgent, got "high""#, nested("work_order", "priority", .s("high"))),
        (
            #"occurred_at: expected an RFC 3339 datetime with offset, got "2026-04-07T10:00:00""#,
            { $0["occurred_at"] = "2026-04-07T10:00:00" }
        ),
        ("occurred_at: required", { $0["occurred_at"] = nil }),
        ("id: expected a string, got 5", { $0["id"] = 5 }),
        ("id: required", { $0["id"] = nil }),
        ("type: required", { $0["type"] = nil }),
        ("location: expected a string, got 5", { $0["location"] = 5 }),
        (#"client.accepts_sms: expected true or false, got "yes""#, nested("client", "accepts_sms", .s("yes"))),
        ("client.vip: expected true or false, got 1", nested("client", "vip", .i(1))),
        ("client.email: expected a string, got an object", nested("client", "email", .o(["a": .i(1)]))),
        ("client.name: required", nested("client", "name", nil)),
        ("work_order.items: expected an int, got 2.5", nested("work_order", "items", .n(2.5))),
        (#"work_order.total: expected a number, got "12""#, nested("work_order", "total", .s("12"))),
        (
            #"work_order.scheduled_for: expected an RFC 3339 datetime with offset, got "tomorrow""#,
            nested("work_order", "scheduled_for", .s("tomorrow"))
        ),
        ("lead: required", { $0["type"] = "lead.created" }),
        ("csr: required", { $0["type"] = "csr.accepted" }),
    ]

    @Test("an invalid event names the offending path", arguments: invalidCases.indices)
    func invalid(index: Int) {
        let (message, change) = Self.invalidCases[index]
        let record = Self.reject(Self.mutated(change))
        #expect(record?.reason == "invalid-event")
        #expect(record?.message == message)
    }

    @Test("an unknown type is invalid-event naming the type")
    func unknownType() {
        let record = Self.reject(Self.mutated { $0["type"] = "work_order.deleted" })
        #expect(record?.reason == "invalid-event")
        #expect(record?.message?.hasPrefix("type: unknown event type 'work_order.deleted'") == true)
    }

    @Test("an invalid event keeps its id; a missing or non-string id is null")
    func invalidEventID() {
        #expect(Self.reject(Self.mutated { $0["client"] = nil })?.event == "e1")
        #expect(Self.reject(Self.mutated { $0["id"] = 5 })?.event == nil)
    }

    @Test("JSON that is not an object is invalid-event", arguments: ["[]", "\"x\"", "3", "null", "true"])
    func notAnObject(line: String) {
        let record = Self.reject(Array(line.utf8))
        #expect(record?.reason == "invalid-event")
        #expect(record?.event == nil)
    }

    @Test(
        "null counts as absent, undeclared fields are ignored, other entities are not checked",
        arguments: [
            nested("work_order", "scheduled_for", .null),
            nested("work_order", "previous_status", .null),
            nested("client", "accepts_email", .null),
            nested("work_order", "unknown_field", .o(["deep": .a([.i(1), .i(2), .o(["x": .null])])])),
            nested("work_order", "status", .s("not-in-the-list")),
            nested("work_order", "items", .n(3.0)),
            nested("work_order", "total", .n(1e3)),
            { $0["lead"] = ["id": 5] },
            { $0["extra"] = ["anything": true] },
            { $0["location"] = NSNull() },
        ] as [Mutation])
    func accepted(change: Mutation) {
        let record = Self.reject(Self.mutated(change))
        // A null location is absent: in a rule set with locations that is unknown-location, not invalid-event.
        #expect(record == nil || record?.reason == "unknown-location")
    }
}

/// `NDJSONWriter` learns the order of a stream's member names and compares
/// each name with the expected one before it scans it (`KeyOrder`): the
/// records must be those of each line decoded on its own, whatever the
/// order, and when the order changes, names are unknown, escaped, repeated
/// or cut short.
@Suite("Event decoding: learned member order")
struct EngineKeyOrderTests {
    /// A small deterministic generator (SplitMix64), so a failure repeats.
    struct Generator: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    /// `"name": value` pairs written as JSON text in the order given.
    static func object(_ members: [(String, String)], spaced: Bool) -> String {
        let separator = spaced ? ", " : ","
        return "{" + members.map { "\"\($0.0)\"" + (spaced ? " : " : ":") + $0.1 }.joined(separator: separator) + "}"
    }

    /// Line `k` of the stream: mostly one fixed order (as one producer
    /// writes), then runs of other orders and every awkward member name.
    static func line(_ k: Int, _ random: inout Generator) -> String {
        var client: [(String, String)] = [
            ("id", "\"C-\(k % 7)\""), ("name", "\"Maria \(k)\""), ("email", "\"m\(k)@example.com\""),
            ("phone", "\"+55119999\(String(format: "%05d", k))\""), ("accepts_email", k % 5 == 0 ? "false" : "true"),
            ("accepts_sms", k % 3 == 0 ? "false" : "true"), ("language", k % 4 == 0 ? "\"en\"" : "\"pt-BR\""),
        ]
        var workOrder: [(String, String)] = [
            ("id", "\"WO-\(k % 11)\""), ("number", "\"\(1000 + k)\""), ("status", "\"ready\""),
            ("previous_status", "\"in_repair\""), ("total", "\(k).5"), ("items", "\(k % 9)"),
        ]
        var top: [(String, String)] = [
            ("id", "\"ev-\(k)\""), ("type", "\"work_order.status_changed\""),
            ("occurred_at", "\"2026-04-07T10:\(String(format: "%02d", k % 60)):00-03:00\""), ("location", "\"centro\""),
        ]
        let phase = (k / 40) % 4
        if phase == 1 {
            client.shuffle(using: &random)
            workOrder.shuffle(using: &random)
        }
        if phase == 3 && k % 2 == 0 {
            top.shuffle(using: &random)
            client.reverse()
        }
        switch k % 13 {
        case 1: client.insert(("zz_unknown", "[1, {\"email\": 2}]"), at: 2)
        case 2: client.insert(("emai", "\"x\""), at: 1)
        case 3: client.append(("email", "\"second@example.com\""))  // repeated: the last one counts
        case 4: workOrder[0] = ("\\u0069d", workOrder[0].1)  // "id", escaped
        case 5: top.append(("extra", "{\"id\": \"nested\", \"client\": {}}"))
        case 6: client.insert(("email2", "\"y\""), at: 0)
        case 7: client[0] = ("i\\\"d", client[0].1)  // a name with an escaped quote
        default: break
        }
        top.append(("work_order", object(workOrder, spaced: k % 2 == 1)))
        top.append(("client", object(client, spaced: k % 2 == 1)))
        if phase == 2 { top.reverse() }
        var text = object(top, spaced: k % 3 == 0)
        switch k % 29 {
        case 9: text = String(text.prefix(text.count / 2))  // cut short
        case 10: text = text.replacingOccurrences(of: "\"email\"", with: "\"email\" x")  // no colon
        case 11: text = text.replacingOccurrences(of: "\"phone\"", with: "\"phone")  // unterminated name
        // The bytes before a value, learned from earlier lines, do not fit:
        // more whitespace than is kept, a longer name that starts alike,
        // whitespace of another kind.
        case 12: text = text.replacingOccurrences(of: "\"number\"", with: "\"number\"" + String(repeating: "\t", count: 30))
        case 13: text = text.replacingOccurrences(of: "\"status\"", with: "\"statuses\"")
        case 14: text = text.replacingOccurrences(of: ", \"", with: ",\t\"")
        default: break
        }
        return text
    }

    @Test("the records of a stream are those of each line read on its own, whatever its member order")
    func learnedOrderDecodesAsAlone() {
        let runtime = Runtime(ruleSet: EngineSupport.ruleSet(EngineGoldenTests.rules))
        var random = Generator(state: 42)
        let lines = (0..<400).map { Self.line($0, &random) }
        var writer = NDJSONWriter(capacity: 64)
        var streamState = RuntimeState()
        var alone: [UInt8] = []
        var aloneState = RuntimeState()
        for (k, line) in lines.enumerated() {
            Array(line.utf8).withUnsafeBytes {
                writer.process(line: $0, lineNumber: k + 1, runtime: runtime, state: &streamState)
                // A new writer for each line: nothing learned.
                runtime.process(line: $0, lineNumber: k + 1, state: &aloneState, appendingJSONTo: &alone)
            }
        }
        let text = writer.withBytes { String(decoding: $0, as: UTF8.self) }
        let streamed = text.split(separator: "\n"), expected = String(decoding: alone, as: UTF8.self).split(separator: "\n")
        #expect(streamed.count == expected.count)
        if let k = streamed.indices.first(where: { $0 < expected.count && streamed[$0] != expected[$0] }) {
            Issue.record("record \(k + 1) differs:\n\(streamed[k])\nread alone:\n\(expected[k])")
        }
        // Every kind of line occurred: sends, malformed lines, the repeated email.
        #expect(text.contains("\"decision\":\"send\""))
        #expect(text.contains("malformed-json"))
        #expect(text.contains("second@example.com"))
        #expect(text.contains("m1@example.com"))
        #expect(text.contains("work_order.status: required"))
    }
}
