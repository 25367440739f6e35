import Foundation
import HeraldCompiler
import HeraldRuntime
import HeraldSyntax
import HeraldTestSupport
import HeraldTesting
import Testing

@Suite("running test files")
struct TestRunnerTests {
    @Test("a test whose records match passes; the summary counts it")
    func passing() throws {
        let dir = try TemporaryDirectory(files: [
            "rules.yaml": shopRules,
            "ready.test.yaml": """
            tests:
              - name: ready during hours
                events:
                  - \(readyEvent())
                expect:
                  - {rule: wo-ready, decision: send, channel: sms, send_at: 2026-04-07T10:00:00-03:00, body: OS 1 pronta., segments: 1}
            """,
        ])
        let report = runTests(in: dir)
        #expect(report.passedCount == 1 && report.failedCount == 0)
        #expect(report.summary == "1 passed, 0 failed")
        #expect(report.exitStatus == 0)
        #expect(TestReportFormatter().text(for: report) == "1 passed, 0 failed\n")
    }

    @Test("send_at is compared as an instant, whatever offset it is written with")
    func instants() throws {
        let dir = try TemporaryDirectory(files: [
            "rules.yaml": shopRules,
            "t.test.yaml": """
            tests:
              - name: utc
                events: [\(readyEvent())]
                expect: [{rule: wo-ready, send_at: 2026-04-07T13:00:00Z}]
              - name: lisbon offset
                events: [\(readyEvent())]
                expect: [{rule: wo-ready, send_at: "2026-04-07T14:00:00+01:00"}]
              - name: one second off
                events: [\(readyEvent())]
                expect: [{rule: wo-ready, send_at: 2026-04-07T13:00:01Z}]
            """,
        ])
        let report = runTests(in: dir)
        #expect(report.results.map(\.passed) == [true, true, false])
        let text = TestReportFormatter().text(for: report)
        #expect(text.contains(#"send_at: want "2026-04-07T13:00:01Z""#))
        #expect(text.contains(#"got  "2026-04-07T10:00:00-03:00" (1s earlier)"#))
    }

    @Test("field: null asks for the field to be absent, for every field but decision")
    func nullMeansAbsent() throws {
        let dir = try TemporaryDirectory(files: [
            "rules.yaml": shopRules,
            "t.test.yaml": """
            tests:
              - name: an sms has no subject, html or reply_to
                events: [\(readyEvent())]
                expect: [{rule: wo-ready, subject: null, html: null, reply_to: null, attachments: null, late: null}]
              - name: but it has a body
                events: [\(readyEvent())]
                expect: [{rule: wo-ready, body: null}]
            """,
        ])
        let report = runTests(in: dir)
        #expect(report.results.map(\.passed) == [true, false])
        let bad = try TemporaryDirectory(files: [
            "rules.yaml": shopRules,
            "t.test.yaml": """
            tests:
              - name: x
                events: [\(readyEvent())]
                expect: [{decision: null}]
            """,
        ])
        let text = TestReportFormatter().text(for: runTests(in: bad))
        #expect(text.contains("'decision' needs a value"), "\(text)")
    }

    @Test("a differing field is named with want and got, at the expectation's position")
    func fieldDiff() throws {
        let dir = try TemporaryDirectory(files: [
            "rules.yaml": shopRules,
            "t.test.yaml": """
            tests:
              - name: ready at night
                events:
                  - \(readyEvent(at: "2026-04-07T20:00:00-03:00"))
                expect:
                  - {rule: wo-ready, decision: send, send_at: 2026-04-07T20:00:00-03:00}
            """,
        ])
        let report = runTests(in: dir)
        let file = dir.path("t.test.yaml")
        #expect(report.failedCount == 1 && report.exitStatus == 1)
        let text = TestReportFormatter().text(for: report)
        #expect(text.hasPrefix("FAIL \(file):2:11: ready at night\n"))
        #expect(
            text.contains(
                """
                  \(file):8:9: expected record 1 differs from produced record 1 (rule wo-ready, channel sms):
                      send_at: want "2026-04-07T20:00:00-03:00"
                               got  "2026-04-08T08:00:00-03:00" (12h later)
                """))
        #expect(text.contains("  records (- expected, + produced):\n    - {\"rule\":\"wo-ready\""))
        #expect(text.hasSuffix("\n0 passed, 1 failed\n"))
    }

    @Test("a missing record and an extra record are each reported")
    func missingAndExtra() throws {
        let dir = try TemporaryDirectory(files: [
            "rules.yaml": shopRules,
            "t.test.yaml": """
            tests:
              - name: too few
                events: [\(readyEvent(id: "a"))]
                expect:
                  - {event: a, rule: wo-ready}
                  - {event: b, rule: wo-ready}
              - name: too many
                events: [\(readyEvent(id: "a")), \(readyEvent(id: "b"))]
                expect:
                  - {event: a, rule: wo-ready}
            """,
        ])
        let report = runTests(in: dir)
        let file = dir.path("t.test.yaml")
        let text = TestReportFormatter().text(for: report)
        #expect(report.failedCount == 2)
        #expect(text.contains(#"  \#(file):8:9: expected record 2 was not produced: {"event":"b","rule":"wo-ready"}"#))
        #expect(text.contains(#"  produced record 2 was not expected: {"event":"b","decision":"send","rule":"wo-ready""#))
    }

    @Test("expect: [] fails when anything is produced, and passes when nothing is")
    func expectNothing() throws {
        let dir = try TemporaryDirectory(files: [
            "rules.yaml": shopRules,
            "t.test.yaml": """
            tests:
              - name: not ready
                events:
                  - {id: e1, type: work_order.status_changed, occurred_at: 2026-04-07T10:00:00-03:00, location: centro,
                     work_order: {id: W, number: "1", status: in_repair, previous_status: open}, client: {id: C, name: M}}
                expect: []
              - name: skip counts as produced
                events: [\(readyEvent(phone: "null"))]
                expect: []
            """,
        ])
        let report = runTests(in: dir)
        #expect(report.results.map(\.passed) == [true, false])
        #expect(TestReportFormatter().text(for: report).contains("(the test expects no records: 'expect: []')"))
    }

    @Test("reject records count as produced records and can be expected")
    func rejects() throws {
        let dir = try TemporaryDirectory(files: [
            "rules.yaml": shopRules,
            "t.test.yaml": """
            tests:
              - name: duplicate and unknown location
                events:
                  - \(readyEvent())
                  - \(readyEvent())
                  - {id: e2, type: work_order.created, occurred_at: 2026-04-07T10:00:00-03:00, location: norte,
                     work_order: {id: W, number: "1", status: open}, client: {id: C, name: M}}
                  - 'not json'
                expect:
                  - {event: e1, decision: send}
                  - {event: e1, decision: reject, reason: duplicate-event}
                  - {event: e2, decision: reject, reason: unknown-location}
                  - {event: null, decision: reject, reason: malformed-json, line: 4}
            """,
        ])
        let report = runTests(in: dir)
        #expect(report.passedCount == 1, "\(TestReportFormatter().text(for: report))")
    }

    @Test("each test starts from a fresh state: the same event id in two tests is not a duplicate")
    func freshState() throws {
        let dir = try TemporaryDirectory(files: [
            "rules.yaml": shopRules,
            "t.test.yaml": """
            tests:
              - name: first
                events: [\(readyEvent())]
                expect: [{decision: send}]
              - name: second
                events: [\(readyEvent())]
                expect: [{decision: send}]
            """,
        ])
        #expect(runTests(in: dir).passedCount == 2)
    }

    @Test("--run selects tests by a regular expression on their names")
    func filter() throws {
        let dir = try TemporaryDirectory(files: [
            "rules.yaml": shopRules,
            "t.test.yaml": """
            tests:
              - name: ready SMS
                events: [\(readyEvent())]
                expect: [{decision: send}]
              - name: ready email
                events: [\(readyEvent())]
                expect: []
              - name: reminder
                events: [\(readyEvent())]
                expect: []
            """,
        ])
        #expect(runTests(in: dir, pattern: "SMS$").results.map(\.name) == ["ready SMS"])
        #expect(runTests(in: dir, pattern: "^ready").results.map(\.name) == ["ready SMS", "ready email"])
        #expect(runTests(in: dir, pattern: "nothing matches").results.isEmpty)
        #expect(TestRunner.problem(withPattern: "(unclosed") != nil)
        #expect(TestRunner.problem(withPattern: "ready|remind") == nil)
    }

    @Test("rules: is resolved against the test file's directory; the default is that directory")
    func rulesPath() throws {
        let dir = try TemporaryDirectory(files: [
            "set/rules.yaml": shopRules,
            "set/default.test.yaml": "tests: [{name: a, events: [\(readyEvent())], expect: [{rule: wo-ready}]}]\n",
            "set/tests/relative.test.yaml": "rules: ..\ntests: [{name: b, events: [\(readyEvent())], expect: [{rule: wo-ready}]}]\n",
        ])
        let report = runTests(in: dir, ["set"])
        #expect(report.files.map(\.rulesPath) == [dir.path("set"), dir.path("set")])
        #expect(report.passedCount == 2, "\(TestReportFormatter().text(for: report))")
        #expect(TestPaths.resolve("..", from: "Rules/shop") == "Rules")
        #expect(TestPaths.resolve("../other/./x", from: "Rules/shop") == "Rules/other/x")
        #expect(TestPaths.resolve("/abs/rules", from: "Rules") == "/abs/rules")
        #expect(TestPaths.resolve("..", from: ".") == "..")
    }

    @Test("rules: may name a file written by herald compile")
    func bundle() throws {
        // A repository (`.git`), so that `../rules.bundle` stays inside the test's tree.
        let dir = try TemporaryDirectory(files: ["src/rules.yaml": shopRules, ".git/HEAD": "ref: refs/heads/main\n"])
        let ruleSet = try #require(Compiler.compile(path: dir.path("src")).ruleSet)
        try RuleBundle.encode(ruleSet).write(to: dir.url.appendingPathComponent("rules.bundle"))
        try dir.write("t/a.test.yaml", "rules: ../rules.bundle\ntests: [{name: a, events: [\(readyEvent())], expect: [{rule: wo-ready}]}]\n")
        let report = runTests(in: dir, ["t"])
        #expect(report.files.first?.rulesPath == dir.path("rules.bundle"))
        #expect(report.passedCount == 1, "\(TestReportFormatter().text(for: report))")

        // A damaged one: the advice is to compile again (lint does not read compiled files).
        var bytes = try Data(contentsOf: dir.url.appendingPathComponent("rules.bundle"))
        bytes[bytes.count - 3] ^= 0xFF
        try bytes.write(to: dir.url.appendingPathComponent("rules.bundle"))
        let damaged = TestReportFormatter().text(for: runTests(in: dir, ["t"]))
        #expect(damaged.contains("compile it again with 'herald compile'"), "\(damaged)")
        #expect(!damaged.contains("run 'herald lint"), "\(damaged)")
    }

    @Test("test files are found recursively, in byte order, hidden directories skipped")
    func discovery() throws {
        let dir = try TemporaryDirectory(files: [
            "b/x.test.yaml": "", "a/y.test.yml": "", "a/rules.yaml": "", ".hidden/z.test.yaml": "", "c.test.yaml": "",
        ])
        let root = dir.url.path
        #expect(TestRunner.testFiles(in: root) == ["\(root)/a/y.test.yml", "\(root)/b/x.test.yaml", "\(root)/c.test.yaml"])
    }

    @Test("a directory given with a trailing slash is joined like rule files are, without a double slash")
    func trailingSlash() throws {
        let dir = try TemporaryDirectory(files: ["t/a.test.yaml": ""])
        let root = dir.path("t") + "/"
        #expect(TestRunner.testFiles(in: root) == ["\(root)a.test.yaml"])
    }

    @Test("a rule set with errors fails its tests with exit 1, and its diagnostics are shown once")
    func brokenRules() throws {
        let dir = try TemporaryDirectory(files: [
            "rules.yaml": shopRules.replacingOccurrences(of: "to: ready_for_pickup", with: "to: ready_for_pikcup"),
            "a.test.yaml": "tests: [{name: a, events: [], expect: []}, {name: b, events: [], expect: []}]\n",
        ])
        let report = runTests(in: dir)
        #expect(report.failedCount == 2 && report.exitStatus == 1)
        let text = TestReportFormatter().text(for: report)
        #expect(text.components(separatedBy: "[unknown-status]").count == 2)
        #expect(text.contains("has errors, so its tests cannot run"))
    }

    @Test("a malformed test file exits 1, runs none of its tests, and the others still run")
    func malformedFile() throws {
        let dir = try TemporaryDirectory(files: [
            "rules.yaml": shopRules,
            "a.test.yaml": "tests:\n  - name: a\n    events: []\n    expects: []\n",
            "b.test.yaml": "tests: [{name: b, events: [], expect: []}]\n",
        ])
        let report = runTests(in: dir)
        #expect(report.exitStatus == 1)
        #expect(report.results.map(\.name) == ["b"])
        let text = TestReportFormatter().text(for: report)
        #expect(text.contains("\(dir.path("a.test.yaml")):4:5: error: unknown key 'expects' in a test; did you mean 'expect'? [unknown-key]"))
        #expect(text.contains("1 test file has errors (above); its tests did not run\n1 passed, 0 failed\n"))
    }

    @Test("an invalid event is reported with the runtime's message at the offending value")
    func invalidEvent() throws {
        let event = readyEvent().replacingOccurrences(of: "accepts_sms: true", with: "accepts_sms: maybe")
        let dir = try TemporaryDirectory(files: [
            "rules.yaml": shopRules,
            "t.test.yaml": """
            tests:
              - name: not a bool
                events:
                  - \(event)
                expect: []
            """,
        ])
        let report = runTests(in: dir)
        let problem = try #require(report.files.first?.diagnostics.first)
        #expect(problem.code == .invalidEvent)
        #expect(problem.message.hasPrefix("invalid event: client.accepts_sms:"), "\(problem.message)")
        // At the value: line 6 of the file is the event's third line, the one with the client.
        let clientLine = event.split(separator: "\n")[2]
        let column = clientLine.distance(from: clientLine.startIndex, to: clientLine.range(of: "maybe")!.lowerBound) + 1
        #expect(problem.range.start.line == 6 && problem.range.start.column == column, "\(problem.range.start)")
        #expect(report.exitStatus == 1)
    }

    @Test("event fields are typed by the schema (SPEC §1): an unquoted phone or number under a text field is that text")
    func eventsTypedBySchema() throws {
        let event = readyEvent(phone: "+5511999990000").replacingOccurrences(of: #"number: "1""#, with: "number: 1001")
        let dir = try TemporaryDirectory(files: [
            "rules.yaml": shopRules,
            "t.test.yaml": """
            tests:
              - name: unquoted phone and number
                events:
                  - \(event)
                expect:
                  - {rule: wo-ready, decision: send, channel: sms, to: "+5511999990000"}
            """,
        ])
        #expect(event.contains("phone: +5511999990000") && event.contains("number: 1001"))
        let report = runTests(in: dir)
        #expect(report.files.first?.diagnostics.isEmpty == true, "\(report.files.first?.diagnostics.map(\.message) ?? [])")
        #expect(report.results.map(\.passed) == [true])
    }

    @Test("expect: [] means nothing sent, skipped or cancelled (SPEC §10.4): a duplicate's reject does not fail it")
    func expectNothingAllowsRejects() throws {
        let dir = try TemporaryDirectory(files: [
            "rules.yaml": shopRules,
            "t.test.yaml": """
            tests:
              - name: a duplicate of an event that sends nothing
                events:
                  - &quiet {id: e1, type: work_order.status_changed, occurred_at: 2026-04-07T10:00:00-03:00, location: centro,
                     work_order: {id: W, number: "1", status: in_repair, previous_status: open}, client: {id: C, name: M}}
                  - *quiet
                expect: []
              - name: a list that names records still counts the reject
                events: [*quiet, *quiet]
                expect:
                  - {event: e1, decision: reject, reason: duplicate-event}
              - name: so one that leaves it out fails
                events: [\(readyEvent()), \(readyEvent())]
                expect:
                  - {event: e1, decision: send}
            """,
        ])
        let report = runTests(in: dir)
        #expect(report.results.map(\.passed) == [true, true, false])
    }

    @Test("an invalid event under a YAML anchor is reported once, at the anchor, however often it is reused")
    func invalidEventUnderAnchor() throws {
        let dir = try TemporaryDirectory(files: [
            "rules.yaml": shopRules,
            "t.test.yaml": """
            tests:
              - name: first
                events:
                  - &ready \(readyEvent().replacingOccurrences(of: "accepts_sms: true", with: "accepts_sms: maybe"))
                expect: []
              - name: again
                events: [*ready, *ready]
                expect: []
              - name: a client reused
                events:
                  - {id: e2, type: work_order.created, occurred_at: 2026-04-07T10:00:00-03:00, location: centro,
                     work_order: {id: WO-2, number: "2", status: open}, client: &maria {id: C-2, name: M, accepts_sms: maybe}}
                  - {id: e3, type: work_order.created, occurred_at: 2026-04-07T10:00:00-03:00, location: centro,
                     work_order: {id: WO-3, number: "3", status: open}, client: *maria}
                expect: []
            """,
        ])
        let problems = try #require(runTests(in: dir).files.first?.diagnostics)
        #expect(problems.count == 2, "\(problems.map(\.message))")
        #expect(problems.map(\.range.start.line) == [6, 14])
    }

    @Test("an expected record naming a rule that does not exist is an unknown-rule with a suggestion")
    func unknownRule() throws {
        let dir = try TemporaryDirectory(files: [
            "rules.yaml": shopRules,
            "t.test.yaml": "tests: [{name: a, events: [], expect: [{rule: wo-redy}]}]\n",
        ])
        let problem = try #require(runTests(in: dir).files.first?.diagnostics.first)
        #expect(problem.code == .unknownRule)
        #expect(problem.message.hasSuffix("did you mean 'wo-ready'?"))
        #expect(problem.range.start.line == 1 && problem.range.start.column == 47)
    }

    @Test("a rules: path that does not exist is a problem of the test file, at its value")
    func missingRules() throws {
        let dir = try TemporaryDirectory(files: ["t.test.yaml": "rules: ../nowhere\ntests: []\n"])
        let report = runTests(in: dir)
        let problem = try #require(report.files.first?.diagnostics.first)
        #expect(problem.code == .unreadableFile)
        #expect(problem.message.hasPrefix("no rule set at '\(dir.url.deletingLastPathComponent().path)/nowhere'"))
        #expect(problem.range.start.line == 1 && problem.range.start.column == 8)
        #expect(report.exitStatus == 1)
    }

    @Test("a path that does not exist is reported and exits 2")
    func missingPath() {
        let report = TestRunner().run(paths: ["/nonexistent/herald-tests"])
        #expect(report.exitStatus == 2)
        #expect(TestReportFormatter().text(for: report).hasPrefix("error: no such file or directory: '/nonexistent/herald-tests'"))
    }
}
