import Foundation
import HeraldCompiler
import HeraldRuntime
import Testing

/// A generated, benchmark-like stream (templates with every filter, blocks,
/// escaping, locales, SMS in GSM-7 and UCS-2, reminders, delays, work hours,
/// regions, rejects) whose full NDJSON output is kept in
/// `Fixtures/golden/output.ndjson`: any change to a record's bytes fails here.
/// Regenerate (only for an intended change) with `HERALD_UPDATE_GOLDEN=1`.
@Suite("Golden output of a generated stream")
struct EngineGoldenTests {
    static let rules = EngineSupport.base.replacingOccurrences(of: "templates:\n", with: """
        templates:
          g0:
            sms: "Olá {{client.first_name | default: client.name}}, a OS {{work_order.number}} está {{work_order.status}}."
            email:
              subject: "OS {{work_order.number}}: {{work_order.status | upper}} {{client.name}}"
              body: "Olá {{client.name}},\\nsua OS {{work_order.number}} mudou. {{location.vars.portal}} {{work_order.total}} {{work_order.items}} {{client.vip}}"
              html: "<p>Olá {{client.name}} &amp; {{work_order.summary | default: \\"sem resumo\\"}}</p>{{#if client.vip}}<b>VIP</b>{{else}}<i>normal</i>{{/if}}"
              attach_report: true
            locales:
              en:
                sms: "Hi {{client.name | lower}}, WO {{work_order.number}} is {{work_order.status}} [{{work_order.priority | default: \\"7\\"}}] €"
              pt-PT:
                email:
                  subject: "Ordem {{work_order.number}}"
                  body: "Caro {{client.name | truncate: 5}}{{#if work_order.pickup_at}}, levantamento {{work_order.pickup_at | date: \\"EEEE dd/MM/yyyy HH:mm:ss ZZZZZ a D\\"}}{{/if}}"
          g1:
            sms: "OS {{work_order.number}} {{#if work_order.pickup_at}}retirada {{work_order.pickup_at}} {{work_order.pickup_at | date: \\"dd/MM HH:mm\\"}}{{else}}sem data{{/if}} {{work_order.summary}} {{client.name}} {{client.name}} {{client.name}} {{client.name}} {{client.name}} {{client.name}} {{client.name}}"
            email:
              subject: "{{work_order.summary | default: client.name}}"
              body: "{{work_order.summary}}|{{work_order.total | default: \\"0\\"}}|{{client.email}}"
          g2:
            sms: "Lembrete {{work_order.number}} {{work_order.pickup_at | date: \\"yy-M-d h:m:s EEE MMM\\"}} {{location.name}}"
            email:
              subject: "Lembrete {{work_order.number}}"
              body: "Retirada {{work_order.pickup_at}} em {{location.name}}"

        """)
        + """
        rules:
          - id: g-ready
            on: work_order.status_changed
            to: ready
            channel: [sms, email]
            template: g0
          - id: g-repair
            on: work_order.status_changed
            to: in_repair
            from: [open]
            where: client.vip or work_order.priority == "urgent"
            channel: email
            fallback: sms
            delay: 1h30m
            template: g1
          - id: g-defer
            on: work_order.status_changed
            to: [delivered, open]
            channel: sms
            work_hours: defer
            delay: 1d
            template: g1
          - id: g-drop
            on: work_order.created
            channel: [email, sms]
            work_hours: drop
            template: g0
          - id: g-north
            on: work_order.created
            regions: [north]
            channel: email
            template: g1
          - id: g-remind
            remind: work_order.pickup_at
            before: 1d
            channel: [sms, email]
            work_hours: defer
            template: g2
          - id: g-closed
            on: work_order.closed
            locations: [lisboa, norte]
            channel: email
            delay: 2w
            template: g0

        """

    /// Event `k` of the stream: varied values, some escaping, some invalid lines.
    static func line(_ k: Int) -> String {
        let locations = ["centro", "norte", "lisboa", "fechado"]
        let statuses = ["open", "in_repair", "ready", "delivered"]
        let types = ["work_order.status_changed", "work_order.status_changed", "work_order.created", "work_order.closed"]
        switch k % 97 {
        case 13: return "{\"id\": \"bad-\(k)\", \"type\": "
        case 14: return ""
        case 15: return "{\"id\": \"ev-\(k - 1)\", \"type\": \"work_order.created\"}"
        case 16: return EngineSupport.event("ev-\(k - 30)", location: "centro")
        case 17: return EngineSupport.event("ev-\(k)", location: "nowhere")
        default: break
        }
        let names = ["Maria", "Zoë \"Q\" O'Neil", "Ana\\Bia", "Line\nBreak\r\nDone", "Tab\there", "<José & Cia>", "Ctl\u{01}x", "😀 Emoji", "[Curly] {braces}~"]
        let name = names[k % names.count]
        var workOrder: [String: Any] = [
            "id": "WO-\(k % 37)", "number": "\(10_000 + k)", "status": statuses[k % 4],
            "previous_status": statuses[(k / 4) % 4], "priority": ["low", "normal", "urgent"][k % 3],
        ]
        if k % 5 != 0 { workOrder["pickup_at"] = "2026-04-\(10 + k % 9)T\(10 + k % 8):\(k % 6)5:00-03:00" }
        if k % 3 == 0 { workOrder["summary"] = k % 2 == 0 ? "Tela <quebrada> & \"bateria\"" : "" }
        if k % 4 == 1 { workOrder["total"] = Double(k) / 8 }
        if k % 6 == 2 { workOrder["items"] = k % 40 }
        if k % 7 == 3 { workOrder["report_url"] = "https://acme.example/r/\(k).pdf" }
        var client: [String: Any] = [
            "id": "C-\(k % 11)", "name": name, "vip": k % 2 == 0,
            "language": ["pt-BR", "en-US", "pt-PT", "en", "fr"][k % 5],
        ]
        if k % 9 != 4 { client["email"] = k % 13 == 5 ? "not an email" : "c\(k)@example.com" }
        if k % 8 != 6 { client["phone"] = k % 17 == 3 ? "12345" : "+55119\(10_000_000 + k)" }
        client["accepts_email"] = k % 10 != 7
        client["accepts_sms"] = k % 12 != 9
        if k % 3 == 1 { client["first_name"] = k % 2 == 0 ? "" : "Primeiro" }
        if k % 4 == 2 { client["region"] = k % 8 == 2 ? "north" : "off" }
        let hour = 5 + (k * 7) % 19
        let day = 6 + (k / 50) % 14
        return EngineSupport.event(
            "ev-\(k)", types[(k / 3) % 4], at: "2026-04-\(day < 10 ? "0" : "")\(day)T\(hour < 10 ? "0" : "")\(hour):\(k % 60 < 10 ? "0" : "")\(k % 60):00-03:00",
            location: locations[(k / 2) % 4], workOrder: workOrder, client: client)
    }

    static let eventCount = 1_200

    static var goldenURL: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/golden/output.ndjson")
    }

    /// The NDJSON output of the whole stream through `process(line:)` and `appendJSON(to:)`.
    static func ndjson(_ runtime: Runtime, explain: Bool = false) -> [UInt8] {
        var state = RuntimeState()
        var out: [UInt8] = []
        var records: [DecisionRecord] = []
        for k in 0..<eventCount {
            records.removeAll(keepingCapacity: true)
            Array(line(k).utf8).withUnsafeBytes {
                runtime.process(line: $0, lineNumber: k + 1, state: &state, explain: explain, into: &records)
            }
            for r in records {
                r.appendJSON(to: &out)
                out.append(0x0A)
            }
        }
        return out
    }

    @Test("the NDJSON output of the generated stream is byte for byte the golden file")
    func golden() throws {
        let runtime = Runtime(ruleSet: EngineSupport.ruleSet(Self.rules))
        let output = Self.ndjson(runtime)
        if ProcessInfo.processInfo.environment["HERALD_UPDATE_GOLDEN"] == "1" {
            // Also writes the inputs, so that `herald eval --rules rules.yaml
            // events.ndjson` of another build can be compared with the golden file.
            let directory = Self.goldenURL.deletingLastPathComponent()
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            try Data(output).write(to: Self.goldenURL)
            try Data(Self.rules.utf8).write(to: directory.appendingPathComponent("rules.yaml"))
            let events = (0..<Self.eventCount).map(Self.line).joined(separator: "\n") + "\n"
            try Data(events.utf8).write(to: directory.appendingPathComponent("events.ndjson"))
        }
        let golden = try [UInt8](Data(contentsOf: Self.goldenURL))
        #expect(output.count > 100_000, "the stream should produce many records")
        if output != golden {
            let got = String(decoding: output, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false)
            let want = String(decoding: golden, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false)
            let first = zip(got, want).enumerated().first { $0.element.0 != $0.element.1 }?.offset ?? min(got.count, want.count)
            Issue.record(
                "line \(first + 1) differs (\(got.count) vs \(want.count) lines):\n got: \(first < got.count ? got[first] : "<none>")\nwant: \(first < want.count ? want[first] : "<none>")")
        }
        let text = String(decoding: output, as: UTF8.self)
        for needle in ["\"decision\":\"send\"", "\"decision\":\"skip\"", "\"decision\":\"cancel\"", "\"decision\":\"reject\"",
            "\"late\":true", "\"attachments\":", "\"html\":", "\"reply_to\":", "\"segments\":2", "\\u0001", "\\\"", "\\\\"]
        {
            #expect(text.contains(needle), "the stream should exercise \(needle)")
        }
    }

    @Test("the NDJSON writer path gives the same bytes as appendJSON on each record", arguments: [false, true])
    func writerMatches(explain: Bool) {
        let runtime = Runtime(ruleSet: EngineSupport.ruleSet(Self.rules))
        let expected = Self.ndjson(runtime, explain: explain)
        var state = RuntimeState()
        var writer = NDJSONWriter(capacity: 64)
        var viaRuntime: [UInt8] = []
        var otherState = RuntimeState()
        for k in 0..<Self.eventCount {
            Array(Self.line(k).utf8).withUnsafeBytes {
                writer.process(line: $0, lineNumber: k + 1, runtime: runtime, state: &state, explain: explain)
                runtime.process(line: $0, lineNumber: k + 1, state: &otherState, explain: explain, appendingJSONTo: &viaRuntime)
            }
        }
        let written = writer.withBytes { [UInt8]($0) }
        #expect(written.count > 100_000)
        #expect(written == expected)
        #expect(viaRuntime == expected)
    }

    @Test("pre-parsed events give the same records as NDJSON lines, and their fields survive a JSON round trip")
    func preParsedMatches() throws {
        let runtime = Runtime(ruleSet: EngineSupport.ruleSet(Self.rules))
        let expected = Self.ndjson(runtime, explain: true)
        var state = RuntimeState()
        var out: [UInt8] = []
        for k in 0..<Self.eventCount {
            switch runtime.parse(line: Self.line(k), lineNumber: k + 1) {
            case .blank: break
            case .rejected(let record):
                record.appendJSON(to: &out)
                out.append(0x0A)
            case .event(let event):
                for record in runtime.process(event: event, state: &state, explain: true, lineNumber: k + 1) {
                    record.appendJSON(to: &out)
                    out.append(0x0A)
                    let decoded = try JSONDecoder().decode(DecisionRecord.self, from: Data(record.jsonLine.utf8))
                    #expect(decoded == record)
                    if record.channel == .sms, record.decision == .send {
                        // Counted while rendering; must agree with the compiler's count of the whole text.
                        #expect(record.segments == SMSSegments.count(record.body ?? ""), "\(record.body ?? "")")
                    }
                    #expect(String(decoding: try JSONEncoder().encode(decoded), as: UTF8.self).count > 10)
                }
            }
        }
        #expect(out == expected)
    }
}
