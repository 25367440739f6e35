import Foundation
import HeraldSyntax
import HeraldTesting
import Testing

@Suite("test files are checked like rule files")
struct TestFileReaderTests {
    private func problems(_ text: String) -> [String] {
        TestFileReader.read(Data(text.utf8), path: "t.test.yaml").diagnostics.map {
            "\($0.range.start.line):\($0.range.start.column): \($0.message) [\($0.code)]"
        }
    }

    @Test(
        "malformed test files give diagnostics with positions",
        arguments: [
            ("tets: []\n", "1:1: unknown key 'tets' in a test file; did you mean 'tests'? [unknown-key]"),
            ("rules: ..\n", "1:1: a test file needs 'tests' [missing-key]"),
            ("", "1:1: a test file needs 'tests' [missing-key]"),
            ("- a\n", "1:1: a test file must be a mapping with 'tests', not a list [wrong-type]"),
            ("tests: {a: 1}\n", "1:8: 'tests' must be a list of tests, not a mapping [wrong-type]"),
            ("rules: [a]\ntests: []\n", "1:8: 'rules' must be the path of a rule set, not a list [wrong-type]"),
            ("tests:\n  - events: []\n    expect: []\n", "2:5: a test needs 'name' [missing-key]"),
            ("tests:\n  - name: a\n    events: []\n", "2:5: test 'a' needs 'expect' (write 'expect: []' when its events should produce no records) [missing-key]"),
            ("tests:\n  - name: a\n    expect: []\n", "2:5: test 'a' needs 'events' [missing-key]"),
            ("tests:\n  - name: a\n    evnts: []\n    events: []\n    expect: []\n", "3:5: unknown key 'evnts' in a test; did you mean 'events'? [unknown-key]"),
            ("tests:\n  - name: a\n    events: [[1]]\n    expect: []\n",
             "3:14: an event must be a mapping (or a string holding one line of raw JSON), not a list [wrong-type]"),
            ("tests:\n  - name: a\n    events: [{id: .nan}]\n    expect: []\n", "3:19: '.nan' is a YAML number that JSON cannot hold [wrong-type]"),
            ("tests:\n  - name: a\n    events: []\n    expect: [{rule: x, sendat: 2026-04-07T10:00:00Z}]\n",
             "4:24: unknown record field 'sendat'; did you mean 'send_at'? [unknown-field]"),
            ("tests:\n  - name: a\n    events: []\n    expect: [{decision: sent}]\n", "4:25: unknown decision 'sent'; did you mean 'send'? [unknown-decision]"),
            ("tests:\n  - name: a\n    events: []\n    expect: [{decision: none}]\n",
             "4:25: 'none' records (--explain) are not produced by tests; list only send, skip, cancel and reject records [unknown-decision]"),
            ("tests:\n  - name: a\n    events: []\n    expect: [{channel: mail}]\n", "4:24: unknown channel 'mail'; did you mean 'email'? [unknown-channel]"),
            ("tests:\n  - name: a\n    events: []\n    expect: [{decision: skip, send_at: 2026-04-07T10:00:00Z}]\n",
             "4:31: 'skip' records have no 'send_at' field (only send records do) [unknown-field]"),
            ("tests:\n  - name: a\n    events: []\n    expect: [{send_at: 2026-04-07 10:00}]\n",
             "4:24: 'send_at' must be an RFC 3339 timestamp with offset (2026-04-07T13:00:00-03:00), not '2026-04-07 10:00' [wrong-type]"),
            ("tests:\n  - name: a\n    events: []\n    expect: [{segments: two}]\n", "4:25: 'segments' must be a whole number, not 'two' [wrong-type]"),
            ("tests:\n  - name: a\n    events: []\n    expect: [{late: yes}]\n", "4:21: 'late' must be true or false, not 'yes' [wrong-type]"),
            ("tests:\n  - name: a\n    events: []\n    expect: [send]\n",
             "4:14: an expected record must be a mapping of record fields, not 'send' [wrong-type]"),
            ("tests:\n  - {name: a, events: [], expect: []}\n  - {name: a, events: [], expect: []}\n",
             "3:12: a test named 'a' is already defined at line 2 [duplicate-name]"),
            ("tests: [\n", "2:1: did not find expected node content while parsing a flow node [yaml-syntax]"),
            ("tests: []\ntests: []\n", "2:1: duplicate key 'tests' [yaml-syntax]"),
        ])
    func malformed(text: String, expected: String) {
        let found = problems(text)
        #expect(found.contains(expected), "\(found)")
    }

    @Test("every problem of a file is reported in one run, in file order")
    func all() {
        let found = problems("tets: []\ntests:\n  - name: a\n    events: []\n    expect: [{decision: sent, chanel: sms}]\n")
        #expect(found.count == 3)
        #expect(found.map { $0.prefix(4) } == ["1:1:", "5:25", "5:31"])
    }

    @Test("a well-formed file is read with its tests, events as JSON lines and expected fields")
    func wellFormed() throws {
        let reading = TestFileReader.read(
            Data(
                """
                rules: ../rules
                tests:
                  - name: ready
                    events:
                      - {id: e1, occurred_at: 2026-04-07T13:00:00-03:00, n: 3, ok: true, none: ~, phone: "+55"}
                      - '{"raw": true}'
                    expect:
                      - {rule: wo-ready, event: null, late: false, segments: 2, to: +5511999990000}

                """.utf8), path: "Rules/tests/a.test.yaml")
        #expect(reading.diagnostics.isEmpty)
        let file = try #require(reading.file)
        #expect(file.rulesPath == "Rules/rules")
        let test = try #require(file.tests.first)
        #expect(test.name == "ready" && test.range.start.line == 3)
        #expect(
            test.events.map(\.line) == [
                #"{"id":"e1","occurred_at":"2026-04-07T13:00:00-03:00","n":3,"ok":true,"none":null,"phone":"+55"}"#,
                #"{"raw": true}"#,
            ])
        #expect(test.events.map(\.isRaw) == [false, true])
        let record = try #require(test.expect.first)
        #expect(record["event"] == .null)
        #expect(record["late"] == .bool(false))
        #expect(record["segments"] == .number("2"))
        #expect(record["to"] == .string("+5511999990000"), "string fields keep the text: typed by the key, not by YAML")
    }
}
