import Foundation
import HeraldCompiler
import HeraldRuntime
import HeraldTestSupport
import Testing

/// The runtime never crashes on input, and every record it writes has the
/// fields SPEC §9 requires for its decision.
@Suite("Runtime robustness")
struct EngineFuzzTests {
    static let runtime = EngineSupport.runtime(
        rules: """
              - id: any
                on: work_order.status_changed
                channel: [email, sms]
                template: t
              - id: fallback
                on: work_order.status_changed
                to: ready
                channel: sms
                fallback: email
                template: t
              - id: later
                on: work_order.created
                delay: 1d
                work_hours: defer
                channel: sms
                template: t
              - id: visit
                remind: work_order.scheduled_for
                before: 2h
                work_hours: defer
                channel: [sms, email]
                template: t
              - id: leads
                on: lead.created
                where: client.vip or lower(client.name) == "ana"
                channel: email
                template: lead

            """)

    static func check(_ record: DecisionRecord) {
        let json = record.jsonLine
        let object = (try? JSONSerialization.jsonObject(with: Data(json.utf8))) as? [String: Any]
        #expect(object != nil, "record is not JSON: \(json)")
        if let reason = record.reason { #expect(record.decisionReason?.rawValue == reason, "undeclared reason: \(json)") }
        guard let object else { return }
        #expect(object.keys.contains("event"))
        #expect(object["decision"] as? String == record.decision.rawValue)
        switch record.decision {
        case .send:
            for key in ["rule", "channel", "to", "send_at", "key", "body"] { #expect(object[key] != nil, "send without \(key): \(json)") }
            if record.channel == .email { #expect(object["subject"] != nil) }
            if record.channel == .sms { #expect(object["segments"] != nil) }
            #expect(object["reason"] == nil)
        case .skip:
            for key in ["rule", "reason", "message"] { #expect(object[key] != nil, "skip without \(key): \(json)") }
        case .cancel:
            for key in ["rule", "reason", "channel", "key"] { #expect(object[key] != nil, "cancel without \(key): \(json)") }
        case .reject:
            for key in ["reason", "message"] { #expect(object[key] != nil, "reject without \(key): \(json)") }
            #expect(object["line"] != nil, "reject without line: \(json)")
        case .none:
            for key in ["rule", "reason", "message"] { #expect(object[key] != nil, "none without \(key): \(json)") }
        }
        if object["late"] != nil { #expect(object["late"] as? Bool == true) }
    }

    @Test("arbitrary bytes never crash the runtime", arguments: 0..<4)
    func randomBytes(seed: Int) {
        var random = SeededGenerator(seed: UInt64(seed) &* 7919 &+ 1)
        var state = RuntimeState()
        let alphabet = Array(#"{}[]":,\ntrufalsn0123456789-+.eE"abcé"#.utf8) + [0x00, 0x1F, 0x7F, 0x80, 0xC3, 0xED, 0xF4, 0xFF]
        for i in 0..<2_000 {
            let count = random.below(80)
            let bytes = (0..<count).map { _ in random.below(4) == 0 ? UInt8(random.below(256)) : random.pick(alphabet) }
            for record in Self.runtime.process(line: bytes, lineNumber: i + 1, state: &state, explain: i % 2 == 0) {
                Self.check(record)
            }
        }
    }

    /// A random JSON value, sometimes of the kind an event field expects.
    static func value(_ r: inout SeededGenerator, depth: Int) -> String {
        switch r.below(depth > 3 ? 6 : 9) {
        case 0: return "null"
        case 1: return r.below(2) == 0 ? "true" : "false"
        case 2: return r.pick(["0", "-1", "2.5", "1e3", "12345678901234567890", "-0.0"])
        case 3: return r.pick([#""""#, #""x""#, #""ready""#, #""urgent""#, #""\u00e9\n""#, #""\ud800""#, #""+5511999990000""#])
        case 4: return r.pick([#""a@b.c""#, #""2026-04-07T10:00:00-03:00""#, #""2026-04-08T09:00:00Z""#, #""2026-13-40T99:00:00Z""#])
        case 5: return r.pick([#""centro""#, #""fechado""#, #""work_order.created""#, #""work_order.closed""#, #""lead.created""#])
        case 6: return "[" + (0..<r.below(3)).map { _ in value(&r, depth: depth + 1) }.joined(separator: ",") + "]"
        default:
            return "{" + (0..<r.below(5)).map { _ in "\"\(r.pick(fieldNames))\": \(value(&r, depth: depth + 1))" }
                .joined(separator: ",") + "}"
        }
    }

    static let fieldNames = [
        "id", "name", "status", "previous_status", "scheduled_for", "email", "phone", "accepts_email", "accepts_sms",
        "priority", "items", "total", "vip", "region", "language", "number", "report_url", "x",
    ]

    @Test("random JSON and random events never crash; records have their fields", arguments: 0..<4)
    func randomEvents(seed: Int) {
        var random = SeededGenerator(seed: UInt64(seed) &+ 42)
        var state = RuntimeState()
        var seen: Set<String> = []
        defer {
            // The generator must reach evaluation, not only rejections.
            #expect(seen.isSuperset(of: ["send", "skip", "reject", "none"]), "decisions seen: \(seen.sorted())")
        }
        for i in 0..<1_500 {
            let type = random.pick(Trigger.allCases.map(\.rawValue) + ["nope"])
            var members = [
                #""id": "e\#(random.below(300))""#, #""type": "\#(type)""#,
                #""occurred_at": \#(random.pick([#""2026-04-0\#(1 + random.below(9))T1\#(random.below(10)):00:00-03:00""#, Self.value(&random, depth: 2)]))"#,
                #""location": \#(random.pick([#""centro""#, #""lisboa""#, #""fechado""#, Self.value(&random, depth: 2)]))"#,
            ]
            let client = #"{"id": "C", "name": "Ana", "email": "a@b.c", "phone": "+5511999990000", "accepts_email": true, "accepts_sms": \#(random.below(2) == 0), "vip": \#(Self.value(&random, depth: 3))}"#
            members.append(#""client": \#(random.below(8) == 0 ? Self.value(&random, depth: 1) : client)"#)
            let wo = #"{"id": "WO-\#(random.below(5))", "number": "1", "status": "\#(random.pick(["open", "ready", "mystery"]))", "scheduled_for": \#(random.pick([#""2026-04-0\#(1 + random.below(9))T1\#(random.below(10)):00:00-03:00""#, "null", Self.value(&random, depth: 3)]))}"#
            members.append(#""work_order": \#(random.below(8) == 0 ? Self.value(&random, depth: 1) : wo)"#)
            members.append(#""lead": {"id": "L", "name": "N", "status": "new"}"#)
            members.append(#""csr": {"id": "R", "number": "1"}"#)
            if random.below(3) == 0 { members.append("\"\(random.pick(Self.fieldNames))\": \(Self.value(&random, depth: 1))") }
            let line = "{" + members.shuffled(using: &random).joined(separator: ", ") + "}"
            let records = Self.runtime.process(line: line, lineNumber: i + 1, state: &state, explain: i % 3 == 0)
            for record in records {
                Self.check(record)
                seen.insert(record.decision.rawValue)
            }
            let random2 = Self.value(&random, depth: 0)
            for record in Self.runtime.process(line: random2, lineNumber: i + 1, state: &state) { Self.check(record) }
        }
    }
}

extension EngineFuzzTests {
    @Test("--explain only adds none records: without them the output is the same", arguments: 0..<3)
    func explainAddsOnlyNone(seed: Int) {
        var random = SeededGenerator(seed: UInt64(seed) &+ 99)
        var plain = RuntimeState()
        var explained = RuntimeState()
        var total = 0
        for i in 0..<800 {
            let wo = random.below(6)
            let status = random.pick(["open", "in_repair", "ready", "delivered", "mystery"])
            let previous = random.pick(["open", "in_repair", "ready", "delivered"])
            let scheduled = random.pick(["null", #""2026-04-0\#(1 + random.below(9))T1\#(random.below(10)):00:00-03:00""#])
            let type = random.pick(["work_order.status_changed", "work_order.created", "work_order.closed", "lead.created"])
            let line = #"{"id": "x\#(i)", "type": "\#(type)", "occurred_at": "2026-04-0\#(1 + random.below(9))T1\#(random.below(10)):00:00-03:00", "location": "\#(random.pick(["centro", "lisboa", "fechado"]))", "work_order": {"id": "W\#(wo)", "number": "\#(wo)", "status": "\#(status)", "previous_status": "\#(previous)", "scheduled_for": \#(scheduled)}, "lead": {"id": "L", "name": "N", "status": "new"}, "client": {"id": "C", "name": "Ana", "email": "a@b.c", "phone": "+5511999990000", "accepts_email": true, "accepts_sms": \#(random.below(3) != 0), "vip": \#(random.below(2) == 0)}}"#
            let a = Self.runtime.process(line: line, lineNumber: i + 1, state: &plain)
            let b = Self.runtime.process(line: line, lineNumber: i + 1, state: &explained, explain: true)
            #expect(a == b.filter { $0.decision != .none }, "line \(i + 1): \(line)")
            total += a.count
        }
        #expect(plain == explained)
        #expect(total > 100)
    }
}
