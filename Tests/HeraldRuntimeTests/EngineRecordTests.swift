import Foundation
import HeraldCompiler
import HeraldRuntime
import Testing

/// SPEC §9: the JSON form of decision records.
@Suite("Decision records")
struct EngineRecordTests {
    @Test(
        "each decision writes exactly its fields, in table order",
        arguments: [
            (
                DecisionRecord(event: nil, decision: .reject, reason: "malformed-json", message: "bad", line: 12),
                #"{"event":null,"decision":"reject","reason":"malformed-json","message":"bad","line":12}"#
            ),
            (
                DecisionRecord(event: "e1", decision: .skip, rule: "r", reason: "no-consent", message: "m", channel: .sms),
                #"{"event":"e1","decision":"skip","rule":"r","reason":"no-consent","message":"m","channel":"sms"}"#
            ),
            (
                DecisionRecord(event: "e1", decision: .cancel, rule: "r", reason: "closed", channel: .sms, key: "r/W/sms"),
                #"{"event":"e1","decision":"cancel","rule":"r","reason":"closed","channel":"sms","key":"r/W/sms"}"#
            ),
            (
                DecisionRecord(event: "e1", decision: .none, rule: "r", reason: "where"),
                #"{"event":"e1","decision":"none","rule":"r","reason":"where"}"#
            ),
            (
                DecisionRecord(
                    event: "e1", decision: .send, rule: "r", channel: .sms, to: "+5511999990000", sendAt: "2026-04-07T10:00:00-03:00",
                    key: "r/e1/sms", body: "Olá", segments: 1, late: true),
                #"{"event":"e1","decision":"send","rule":"r","channel":"sms","to":"+5511999990000","send_at":"2026-04-07T10:00:00-03:00","key":"r/e1/sms","body":"Olá","segments":1,"late":true}"#
            ),
            (
                DecisionRecord(
                    event: "e1", decision: .send, rule: "r", channel: .email, to: "a@b.c", sendAt: "2026-04-07T10:00:00-03:00",
                    key: "r/e1/email", subject: "S", body: "B", html: "<p>", replyTo: "x@y.z",
                    attachments: [.init(url: "u", filename: "work-order-1.pdf")]),
                #"{"event":"e1","decision":"send","rule":"r","channel":"email","to":"a@b.c","send_at":"2026-04-07T10:00:00-03:00","key":"r/e1/email","subject":"S","body":"B","html":"<p>","reply_to":"x@y.z","attachments":[{"url":"u","content_type":"application/pdf","filename":"work-order-1.pdf"}]}"#
            ),
        ])
    func fields(record: DecisionRecord, json: String) throws {
        #expect(record.jsonLine == json)
        let decoded = try JSONDecoder().decode(DecisionRecord.self, from: Data(json.utf8))
        var expected = record
        expected.sendAtSeconds = decoded.sendAtSeconds
        #expect(decoded == expected)
        let encoded = try JSONEncoder().encode(record)
        let a = try JSONSerialization.jsonObject(with: encoded) as? NSDictionary
        let b = try JSONSerialization.jsonObject(with: Data(json.utf8)) as? NSDictionary
        #expect(a == b)
    }

    @Test("strings are escaped for JSON and UTF-8 is kept as is")
    func escaping() throws {
        let text = "quote \" backslash \\ newline \n return \r tab \t bell \u{7} nul \u{0} é 😀 \u{2028}"
        let record = DecisionRecord(event: text, decision: .reject, reason: "invalid-event", message: text)
        let line = record.jsonLine
        #expect(line.contains(#"quote \" backslash \\ newline \n return \r tab \t bell \u0007 nul \u0000 é 😀"#))
        #expect(!line.contains("\n"))
        let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
        #expect(object?["event"] as? String == text)
    }

    /// `NDJSONWriter` writes a line's event id as JSON once and reuses it
    /// for the line's other sends, and each rule's `"rule"` member as kept
    /// at compile time: event ids that need escapes, one after another,
    /// come out as each record writes them alone.
    @Test("NDJSON sends of consecutive events with escaped ids are written as their records write them")
    func writerEventAndRuleIDs() {
        let runtime = EngineSupport.runtime(
            rules: """
                  - id: r.one
                    on: work_order.status_changed
                    channel: [sms, email]
                    template: t
                  - id: plain
                    on: work_order.status_changed
                    channel: [email, sms]
                    template: t

                """)
        let ids = ["e\"1\\x", "e2", "e\u{e9}\n3", "e2"]
        let lines = ids.map { EngineSupport.event($0) }
        var writer = NDJSONWriter(capacity: 64)
        var state = RuntimeState()
        var otherState = RuntimeState()
        var expected = ""
        for (n, line) in lines.enumerated() {
            Array(line.utf8).withUnsafeBytes { writer.process(line: $0, lineNumber: n + 1, runtime: runtime, state: &state) }
            for record in runtime.process(line: line, lineNumber: n + 1, state: &otherState) { expected += record.jsonLine + "\n" }
        }
        let written = writer.withBytes { String(decoding: $0, as: UTF8.self) }
        #expect(written == expected)
        // Three events of four send on both channels for both rules; the repeat is a reject.
        #expect(written.components(separatedBy: #""decision":"send""#).count - 1 == 12)
        #expect(written.contains(#"{"event":"e\"1\\x","decision":"send","rule":"r.one","#))
    }
}

/// SPEC §10.2: compiled bundles.
@Suite("Rule bundles")
struct EngineBundleTests {
    @Test("a bundle round-trips the rule set and evaluates the same")
    func roundTrip() throws {
        let ruleSet = EngineSupport.ruleSet(
            EngineSupport.base + """
                rules:
                  - id: r
                    on: work_order.status_changed
                    where: work_order.priority in ["urgent", "normal"] or client.vip
                    channel: [email, sms]
                    template: t

                """)
        let data = try RuleBundle.encode(ruleSet)
        #expect(RuleBundle.isBundle(data))
        let decoded = try RuleBundle.decode(data).get()
        #expect(decoded == ruleSet)
        let event = EngineSupport.event("e1", workOrder: ["priority": "urgent"])
        #expect(EngineSupport.run(Runtime(ruleSet: decoded), [event]) == EngineSupport.run(Runtime(ruleSet: ruleSet), [event]))
    }

    @Test("a bundle from another Herald version or format is refused with a clear message")
    func otherVersion() throws {
        var data = try RuleBundle.encode(RuleSet())
        let versionStart = RuleBundle.magic.count + 6
        data[versionStart] = UInt8(ascii: "9")
        guard case .failure(let error) = RuleBundle.decode(data) else {
            Issue.record("a bundle of another version was accepted")
            return
        }
        #expect(error.description.contains("recompile"))
        var format = try RuleBundle.encode(RuleSet())
        format[RuleBundle.magic.count] = 99
        #expect((try? RuleBundle.decode(format).get()) == nil)
    }

    @Test("text that is not a bundle, or a truncated bundle, is refused without crashing")
    func notABundle() throws {
        #expect(!RuleBundle.isBundle(Data("rules:\n".utf8)))
        #expect((try? RuleBundle.decode(Data("rules:\n".utf8)).get()) == nil)
        let data = try RuleBundle.encode(RuleSet())
        for cut in [RuleBundle.magic.count, RuleBundle.magic.count + 3, RuleBundle.magic.count + 7, data.count - 2] {
            #expect((try? RuleBundle.decode(data.prefix(cut)).get()) == nil)
        }
    }
}
