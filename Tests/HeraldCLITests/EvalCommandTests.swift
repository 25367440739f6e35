import Foundation
import HeraldTestSupport
import Testing

// `herald eval` run as a subprocess (SPEC §10.3): events from a file, from
// `-` or from standard input when absent; records only on stdout; exit codes.

/// A small rule set with locations, a reminder and every channel check.
let evalRules = """
    herald: 1
    statuses:
      work_order: [open, in_repair, ready]
    calendars:
      shop:
        timezone: America/Sao_Paulo
        hours: {mon-fri: "08:00-18:00"}
    locations:
      centro: {calendar: shop, reply_to: centro@acme.example}
      fechado: {calendar: shop, notifications: false}
    templates:
      t:
        sms: "OS {{work_order.number}} {{work_order.scheduled_for | date: \\"dd/MM HH:mm\\" | default: \\"-\\"}}"
        email:
          subject: "OS {{work_order.number}}"
          body: "Olá {{client.name}}"
          html: "<b>{{client.name}}</b>"
    rules:
      - id: ready
        on: work_order.status_changed
        to: ready
        channel: [sms, email]
        template: t
      - id: later
        on: work_order.created
        delay: 1d
        work_hours: defer
        channel: sms
        fallback: email
        template: t
      - id: visit
        remind: work_order.scheduled_for
        before: 1d
        channel: sms
        template: t

    """

/// Events exercising rejects, sends, skips, a cancel and a blank line; line 4 is blank, line 5 malformed.
let evalEvents = [
    #"{"id": "e1", "type": "work_order.status_changed", "occurred_at": "2026-04-07T10:00:00-03:00", "location": "centro", "work_order": {"id": "W1", "number": "1", "status": "ready", "previous_status": "in_repair"}, "client": {"id": "C", "name": "Ana <A>", "email": "ana@example.com", "phone": "+5511999990000", "accepts_email": true, "accepts_sms": false}}"#,
    #"{"id": "e2", "type": "work_order.created", "occurred_at": "2026-04-10T17:30:00-03:00", "location": "centro", "work_order": {"id": "W2", "number": "2", "status": "open", "scheduled_for": "2026-04-20T09:00:00-03:00"}, "client": {"id": "C", "name": "Ana", "phone": "+5511999990000", "accepts_sms": true}}"#,
    #"{"id": "e3", "type": "work_order.closed", "occurred_at": "2026-04-11T10:00:00-03:00", "location": "centro", "work_order": {"id": "W2", "number": "2", "status": "open"}, "client": {"id": "C", "name": "Ana", "phone": "+5511999990000", "accepts_sms": true}}"#,
    "",
    #"{"id": "e4", "type": "#,
    #"{"id": "e5", "type": "work_order.created", "occurred_at": "2026-04-10T17:30:00-03:00", "location": "bh", "work_order": {"id": "W5", "number": "5", "status": "open"}, "client": {"id": "C", "name": "Ana"}}"#,
    #"{"id": "e6", "type": "work_order.created", "occurred_at": "2026-04-10T17:30:00-03:00", "location": "fechado", "work_order": {"id": "W6", "number": "6", "status": "open"}, "client": {"id": "C", "name": "Ana"}}"#,
    #"{"id": "e1", "type": "work_order.created", "occurred_at": "2026-04-10T17:30:00-03:00", "location": "centro", "work_order": {"id": "W1", "number": "1", "status": "open"}, "client": {"id": "C", "name": "Ana"}}"#,
    #"{"id": "e7", "type": "work_order.created", "occurred_at": "2026-04-10T17:30:00-03:00", "location": "centro", "work_order": {"id": "W7", "number": "7", "status": "open"}, "client": {"id": "C"}}"#,
].joined(separator: "\n") + "\n"

/// The records expected for `evalEvents`, as `event decision rule channel reason send_at` (missing parts as `-`).
let evalExpected = [
    "e1 skip ready sms no-consent -",
    "e1 send ready email - 2026-04-07T10:00:00-03:00",
    "e2 send later sms - 2026-04-13T08:00:00-03:00",
    "e2 send visit sms - 2026-04-19T09:00:00-03:00",
    "e3 cancel visit sms closed -",
    "null reject - - malformed-json -",
    "e5 reject - - unknown-location -",
    "e6 skip later - location-inactive -",
    "e1 reject - - duplicate-event -",
    "e7 reject - - invalid-event -",
]

/// Parses NDJSON output into objects; records an issue for a line that is not a JSON object.
func records(_ stdout: String, sourceLocation: SourceLocation = #_sourceLocation) -> [[String: Any]] {
    stdout.split(separator: "\n", omittingEmptySubsequences: true).compactMap { line in
        guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] else {
            Issue.record("not a JSON object: \(line)", sourceLocation: sourceLocation)
            return nil
        }
        return object
    }
}

func summary(_ records: [[String: Any]]) -> [String] {
    records.filter { $0["decision"] as? String != "none" }.map { r in
        ["event", "decision", "rule", "channel", "reason", "send_at"].map { key in
            if key == "event", r[key] is NSNull { return "null" }
            return r[key] as? String ?? "-"
        }.joined(separator: " ")
    }
}

@Suite("herald eval")
struct EvalCommandTests {
    @Test("an events file: records in order on stdout, nothing on stderr, exit 0 whatever the events")
    func eventsFile() throws {
        let dir = try TemporaryDirectory(files: ["rules/r.yaml": evalRules, "events.ndjson": evalEvents])
        let run = try Herald.run(["eval", "--rules", "rules", "events.ndjson"], in: dir)
        #expect(run.status == 0)
        #expect(run.stderr == "")
        let got = records(run.stdout)
        #expect(summary(got) == evalExpected)
        #expect(got.first(where: { $0["reason"] as? String == "malformed-json" })?["line"] as? Int == 5)
        #expect(got.first(where: { $0["channel"] as? String == "email" })?["html"] as? String == "<b>Ana &lt;A&gt;</b>")
        #expect(run.stdout.hasSuffix("\n"))
    }

    @Test("'-' and no EVENTS argument both read standard input, with the same records as a file")
    func standardInput() throws {
        let dir = try TemporaryDirectory(files: ["rules/r.yaml": evalRules, "events.ndjson": evalEvents])
        let file = try Herald.run(["eval", "--rules", "rules", "events.ndjson"], in: dir)
        let dash = try Herald.run(["eval", "--rules", "rules", "-"], in: dir, input: Data(evalEvents.utf8))
        let absent = try Herald.run(["eval", "--rules", "rules"], in: dir, input: Data(evalEvents.utf8))
        #expect(dash.status == 0 && absent.status == 0)
        #expect(dash.stdout == file.stdout)
        #expect(absent.stdout == file.stdout)
    }

    @Test("--explain adds none records only, before or after the EVENTS argument")
    func explain() throws {
        let dir = try TemporaryDirectory(files: ["rules/r.yaml": evalRules, "events.ndjson": evalEvents])
        let plain = records(try Herald.run(["eval", "--rules", "rules", "events.ndjson"], in: dir).stdout)
        for arguments in [["eval", "--explain", "--rules", "rules", "events.ndjson"], ["eval", "--rules", "rules", "events.ndjson", "--explain"]] {
            let run = try Herald.run(arguments, in: dir)
            #expect(run.status == 0)
            let explained = records(run.stdout)
            #expect(summary(explained) == summary(plain))
            let none = explained.filter { $0["decision"] as? String == "none" }
            #expect(!none.isEmpty)
            #expect(none.allSatisfy { Set($0.keys) == ["event", "decision", "rule", "reason", "message"] })
            #expect(none.contains { $0["event"] as? String == "e2" && $0["rule"] as? String == "ready" && $0["reason"] as? String == "trigger" })
        }
    }

    @Test("line numbers count blank lines and CRLF endings; a last line without newline is read")
    func lineNumbers() throws {
        let dir = try TemporaryDirectory(files: ["rules/r.yaml": evalRules])
        let input = "\r\n\n  \n{bad\r\n\r\n{\"x\": }\n{not either"
        let run = try Herald.run(["eval", "--rules", "rules", "-"], in: dir, input: Data(input.utf8))
        #expect(run.status == 0)
        let got = records(run.stdout)
        #expect(got.map { $0["line"] as? Int } == [4, 6, 7])
        #expect(got.allSatisfy { $0["event"] is NSNull && $0["reason"] as? String == "malformed-json" && ($0["message"] as? String)?.isEmpty == false })
    }

    @Test("invalid UTF-8 on one line is malformed-json for that line only")
    func invalidUTF8() throws {
        let dir = try TemporaryDirectory(files: ["rules/r.yaml": evalRules])
        let input = Data(#"{"id": "x"#.utf8) + Data([0xFF, 0xFE]) + Data("\"}\n".utf8) + Data(evalEvents.utf8)
        let run = try Herald.run(["eval", "--rules", "rules"], in: dir, input: input)
        #expect(run.status == 0)
        let got = summary(records(run.stdout))
        #expect(got.first == "null reject - - malformed-json -")
        #expect(Array(got.dropFirst()) == evalExpected)
    }

    @Test("an empty event stream writes nothing and exits 0")
    func empty() throws {
        let dir = try TemporaryDirectory(files: ["rules/r.yaml": evalRules])
        let run = try Herald.run(["eval", "--rules", "rules"], in: dir, input: Data())
        #expect(run.status == 0)
        #expect(run.stdout == "")
    }

    @Test("rules that do not compile: exit 1, diagnostics with file:line:col on stderr, nothing on stdout")
    func rulesDoNotCompile() throws {
        let broken = evalRules.replacingOccurrences(of: "to: ready\n", with: "to: redy\n")
        let dir = try TemporaryDirectory(files: ["rules/r.yaml": broken, "events.ndjson": evalEvents])
        let run = try Herald.run(["eval", "--rules", "rules", "events.ndjson"], in: dir)
        #expect(run.status == 1)
        #expect(run.stdout == "")
        #expect(run.stderr.contains("rules/r.yaml:"))
        #expect(run.stderr.contains("unknown-status"))
    }

    @Test("rules with warnings only still evaluate: exit 0 and records on stdout")
    func warningsOnly() throws {
        let warned = evalRules.replacingOccurrences(of: "rules:\n", with: "  unused:\n    sms: \"x\"\nrules:\n")
        let dir = try TemporaryDirectory(files: ["rules/r.yaml": warned, "events.ndjson": evalEvents])
        let run = try Herald.run(["eval", "--rules", "rules", "events.ndjson"], in: dir)
        #expect(run.status == 0)
        #expect(summary(records(run.stdout)) == evalExpected)
    }

    @Test(
        "usage errors exit 2 with a message on stderr and nothing on stdout",
        arguments: [
            ["eval"],
            ["eval", "events.ndjson"],
            ["eval", "--rules", "missing", "events.ndjson"],
            ["eval", "--rules", "rules", "missing.ndjson"],
            ["eval", "--rules", "rules", "rules"],  // a directory as the events file
            ["eval", "--rules", "rules", "events.ndjson", "--bogus"],
            ["eval", "--rules"],
        ])
    func usage(arguments: [String]) throws {
        let dir = try TemporaryDirectory(files: ["rules/r.yaml": evalRules, "events.ndjson": evalEvents])
        let run = try Herald.run(arguments, in: dir)
        #expect(run.status == 2)
        #expect(run.stdout == "")
        #expect(!run.stderr.isEmpty)
    }

    @Test("a single YAML file is a rule set too")
    func singleFile() throws {
        let dir = try TemporaryDirectory(files: ["r.yaml": evalRules, "events.ndjson": evalEvents])
        let run = try Herald.run(["eval", "--rules", "r.yaml", "events.ndjson"], in: dir)
        #expect(run.status == 0)
        #expect(summary(records(run.stdout)) == evalExpected)
    }

    @Test("the conformance fixtures evaluate as expected through the binary (listed fields, instants for send_at)",
        arguments: ["eval-shop", "eval-regions", "eval-features"])
    func conformance(name: String) throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("HeraldRuntimeTests/Fixtures/\(name)")
        let run = try Herald.run(["eval", "--rules", "rules", "events.ndjson"], in: root)
        #expect(run.status == 0)
        let got = records(run.stdout)
        let want = records(try String(contentsOf: root.appendingPathComponent("expected.ndjson"), encoding: .utf8))
        #expect(got.count == want.count)
        for (w, g) in zip(want, got) {
            for (key, value) in w {
                if key == "send_at" {
                    #expect(instant(value as? String) == instant(g[key] as? String), "\(key) of \(w)")
                } else {
                    #expect((value as? NSObject) == (g[key] as? NSObject), "\(key) of \(w)")
                }
            }
        }
    }
}

/// Seconds since 1970 of an RFC 3339 text.
func instant(_ text: String?) -> Double? {
    guard let text else { return nil }
    let formatter = ISO8601DateFormatter()
    formatter.formatOptions = [.withInternetDateTime]
    return formatter.date(from: text)?.timeIntervalSince1970
}
