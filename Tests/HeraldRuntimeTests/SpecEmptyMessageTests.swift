import Foundation
import HeraldCompiler
import HeraldRuntime
import Testing

private typealias S = EngineSupport

/// SPEC §8.2 check 2: after deliverability, a rendered SMS body, email
/// subject or email body that is empty or only whitespace gives the channel
/// a `skip` with reason `empty-message`, before timing and duplicates.
@Suite("SPEC §8.2 empty-message")
struct SpecEmptyMessageTests {
    /// A runtime whose template `t` has the given SMS text and email subject and body.
    static func runtime(
        sms: String = "\"OS {{work_order.number}}\"", subject: String = "\"OS {{work_order.number}}\"",
        body: String = "\"Olá {{client.name}}\"", _ lines: String...
    ) -> Runtime {
        let yaml = S.base.replacingOccurrences(
            of: "  t:\n    sms: \"OS {{work_order.number}}\"\n    email:\n      subject: \"OS {{work_order.number}}\"\n      body: \"Olá {{client.name}}\"",
            with: "  t:\n    sms: \(sms)\n    email:\n      subject: \(subject)\n      body: \(body)")
        precondition(yaml != S.base || (sms.contains("OS") && subject.contains("OS") && body.contains("Olá")))
        return Runtime(ruleSet: S.ruleSet(yaml + "rules:\n  - id: r\n" + lines.map { "    \($0)\n" }.joined()))
    }

    /// `decision reason channel` per record.
    static func summary(_ records: [DecisionRecord]) -> [String] {
        records.map { "\($0.decision.rawValue) \($0.reason ?? "-") \($0.channel?.rawValue ?? "-")" }
    }

    @Test(
        "an SMS body that renders empty or only whitespace is skipped; text is sent",
        arguments: [
            (nil, "skip empty-message sms"),
            ("", "skip empty-message sms"),
            ("  \n\t ", "skip empty-message sms"),
            ("\u{A0}\u{2003}", "skip empty-message sms"),
            ("Ana", "send - sms"),
            (" . ", "send - sms"),
        ] as [(String?, String)])
    func smsBody(firstName: String?, expected: String) throws {
        let runtime = Self.runtime(
            sms: "\" {{client.first_name | default: \\\"\\\"}} \"", "on: work_order.status_changed", "channel: sms", "template: t")
        let client: [String: Any] = firstName.map { ["first_name": $0] } ?? [:]
        let records = S.run(runtime, [S.event("e1", client: client)])
        #expect(Self.summary(records) == [expected])
        if expected.hasPrefix("skip") {
            #expect(records.first?.message == "the SMS body of template 't' renders empty or only whitespace")
            #expect(records.first?.decisionReason == .emptyMessage)
        }
    }

    @Test("an email subject that renders blank, or only characters a header drops, is skipped")
    func emailSubject() {
        let runtime = Self.runtime(
            subject: "\"{{client.first_name | default: \\\"\\\"}}\"", "on: work_order.status_changed", "channel: email",
            "template: t")
        let records = S.run(
            runtime,
            [
                S.event("e1", client: ["first_name": "\r\n"]), S.event("e2", client: ["first_name": "\u{7}\u{202E}"]),
                S.event("e3", client: ["first_name": "Ana"]),
            ])
        #expect(Self.summary(records) == ["skip empty-message email", "skip empty-message email", "send - email"])
        #expect(records.first?.message == "the email subject of template 't' renders empty or only whitespace")
    }

    @Test("an email body whose only text is in an {{#if}} that does not hold is skipped")
    func emailBody() {
        let runtime = Self.runtime(
            body: "\"{{#if client.vip}}VIP{{/if}}\"", "on: work_order.status_changed", "channel: email", "template: t")
        let records = S.run(runtime, [S.event("e1", client: ["vip": false]), S.event("e2", client: ["vip": true])])
        #expect(Self.summary(records) == ["skip empty-message email", "send - email"])
        #expect(records.first?.message == "the email body of template 't' renders empty or only whitespace")
    }

    @Test("each channel is checked on its own: a blank SMS does not stop the email")
    func perChannel() {
        let runtime = Self.runtime(
            sms: "\"{{client.first_name | default: \\\"\\\"}}\"", "on: work_order.status_changed", "channel: [sms, email]",
            "template: t")
        #expect(Self.summary(S.run(runtime, [S.event("e1")])) == ["skip empty-message sms", "send - email"])
    }

    @Test("a blank message comes after deliverability and before timing; it does not bring in the fallback")
    func order() {
        let blank = "\"{{client.first_name | default: \\\"\\\"}}\""
        // Deliverability first: no phone is no-address, blank or not.
        let sms = Self.runtime(sms: blank, "on: work_order.status_changed", "channel: sms", "template: t")
        #expect(Self.summary(S.run(sms, [S.event("e1", client: ["phone": S.Remove()])])) == ["skip no-address sms"])
        // Before timing: outside working hours with `drop` is still empty-message.
        let dropped = Self.runtime(
            sms: blank, "on: work_order.status_changed", "work_hours: drop", "channel: sms", "template: t")
        #expect(
            Self.summary(S.run(dropped, [S.event("e1", at: "2026-04-07T22:00:00-03:00")])) == ["skip empty-message sms"])
        // The SMS could deliver: the email fallback is not tried.
        let fallback = Self.runtime(
            sms: blank, "on: work_order.status_changed", "channel: sms", "fallback: email", "template: t")
        #expect(Self.summary(S.run(fallback, [S.event("e1")])) == ["skip empty-message sms"])
    }

    @Test("a reminder whose message would be blank plans nothing, and is planned once the value is there")
    func reminder() {
        let runtime = Self.runtime(
            sms: "\"{{client.first_name | default: \\\"\\\"}}\"", "remind: work_order.pickup_at", "before: 1h", "channel: sms",
            "template: t")
        var state = RuntimeState()
        let first = S.run(
            runtime, [S.event("e1", workOrder: ["pickup_at": "2026-04-09T15:00:00-03:00"])], state: &state)
        #expect(Self.summary(first) == ["skip empty-message sms"])
        #expect(state.reminders.values.allSatisfy { $0.values.allSatisfy(\.sends.isEmpty) })
        let second = S.run(
            runtime, [S.event("e2", workOrder: ["pickup_at": "2026-04-09T16:00:00-03:00"], client: ["first_name": "Ana"])],
            state: &state)
        #expect(Self.summary(second) == ["send - sms"])
    }

    @Test("the NDJSON output writes the same skip as the records")
    func ndjsonAgrees() throws {
        let runtime = Self.runtime(
            sms: "\"{{client.first_name | default: \\\"\\\"}}\"", "on: work_order.status_changed", "channel: [sms, email]",
            "template: t")
        let line = S.event("e1")
        var state = RuntimeState()
        let records = runtime.process(line: line, lineNumber: 1, state: &state)
        var other = RuntimeState()
        var bytes: [UInt8] = []
        Array(line.utf8).withUnsafeBytes {
            runtime.process(line: $0, lineNumber: 1, state: &other, appendingJSONTo: &bytes)
        }
        #expect(String(decoding: bytes, as: UTF8.self) == records.map { $0.jsonLine + "\n" }.joined())
        #expect(records.first?.jsonLine.contains("\"reason\":\"empty-message\"") == true)
    }

    @Test("literal text outside {{#if}} means a part is never blank; whitespace or text inside {{#if}} does not")
    func staticText() throws {
        func program(_ source: String) throws -> Bool {
            let runtime = Self.runtime(sms: source, "on: work_order.status_changed", "channel: sms", "template: t")
            let records = S.run(runtime, [S.event("e1", client: ["vip": false])])
            return records.first?.reason == "empty-message"
        }
        #expect(try program("\"OS\"") == false)
        #expect(try program("\"  \\n \"") == true)
        #expect(try program("\"{{#if client.vip}}VIP{{else}} {{/if}}\"") == true)
        #expect(try program("\"{{#if client.vip}}VIP{{else}}-{{/if}}\"") == false)
    }
}
