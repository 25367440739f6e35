import Foundation
import HeraldTestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

// `herald test` run as a subprocess: the example rule set's tests, a test
// changed to fail as a new user would see it, exit codes, --run, --junit.

/// The repository's `Rules/` directory.
private let repositoryRules = Repository.rules

@Suite("herald test")
struct TestCommandTests {
    @Test("the example rule set's tests all pass; the last line is the summary")
    func exampleRules() throws {
        let run = try Herald.run(["test", repositoryRules.path], in: FileManager.default.temporaryDirectory)
        #expect(run.status == 0, "\(run.stdout)")
        let last = run.stdout.split(separator: "\n").last.map(String.init) ?? ""
        #expect(last.range(of: #"^[1-9][0-9]* passed, 0 failed$"#, options: .regularExpression) != nil, "\(run.stdout)")
        #expect(run.stderr == "")
    }

    @Test("--verbose lists every test with its outcome, file and line, then the summary")
    func verbose() throws {
        let run = try Herald.run(["test", "--verbose", repositoryRules.path], in: FileManager.default.temporaryDirectory)
        #expect(run.status == 0)
        let lines = run.stdout.split(separator: "\n")
        let listed = lines.filter { $0.hasPrefix("PASS ") }
        let last = lines.last.map(String.init) ?? ""
        #expect(last.hasPrefix("\(listed.count) passed, 0 failed"), "\(run.stdout)")
        #expect(listed.allSatisfy { $0.contains(".test.yaml:") })
    }

    @Test("a test copied from Rules with a changed time fails, naming the file, the test, the field and both times")
    func changedTime() throws {
        let dir = try TemporaryDirectory(files: [:])
        try FileManager.default.copyItem(at: repositoryRules, to: dir.url.appendingPathComponent("Rules"))
        let testFile = dir.url.appendingPathComponent("Rules/shop/work-orders.test.yaml")
        let original = try String(contentsOf: testFile, encoding: .utf8)
        let line = "      - {rule: shop-wo-ready, decision: send, channel: sms, send_at: 2026-04-09T08:00:00-03:00}"
        let lineNumber = try #require(original.components(separatedBy: "\n").firstIndex(of: line)) + 1
        try original.replacingOccurrences(of: line, with: line.replacingOccurrences(of: "08:00:00", with: "07:30:00"))
            .write(to: testFile, atomically: true, encoding: .utf8)

        let run = try Herald.run(["test", "Rules"], in: dir.url)
        #expect(run.status == 1)
        #expect(run.stdout.contains("FAIL Rules/shop/work-orders.test.yaml:"))
        #expect(run.stdout.contains(": ready for pickup at night — SMS deferred to the next opening\n"))
        #expect(
            run.stdout.contains(
                """
                  Rules/shop/work-orders.test.yaml:\(lineNumber):9: expected record 1 differs from produced record 1 (rule shop-wo-ready, channel sms):
                      send_at: want "2026-04-09T07:30:00-03:00"
                               got  "2026-04-09T08:00:00-03:00" (30m later)
                """), "\(run.stdout)")
        #expect(run.stdout.hasSuffix(" passed, 1 failed\n"))
    }

    @Test("--run selects tests, --junit writes the XML file")
    func runAndJUnit() throws {
        let dir = try TemporaryDirectory(files: [
            "rules/r.yaml": shopRules,
            "rules/r.test.yaml": """
            tests:
              - name: ready during hours
                events: [\(readyEvent())]
                expect: [{rule: wo-ready, decision: send}]
              - name: ready, but wrong
                events: [\(readyEvent())]
                expect: []
            """,
        ])
        let selected = try Herald.run(["test", "rules", "--run", "during", "--junit", "out/junit.xml"], in: dir.url)
        #expect(selected.status == 2, "the --junit directory does not exist: \(selected.stderr)")
        #expect(selected.stdout.isEmpty, "refused before any test ran: \(selected.stdout)")
        #expect(selected.stderr.contains("cannot write 'out/junit.xml': no such directory 'out'"), "\(selected.stderr)")
        try FileManager.default.createDirectory(at: dir.url.appendingPathComponent("out"), withIntermediateDirectories: true)

        let passing = try Herald.run(["test", "rules", "--run", "during", "--junit", "out/junit.xml"], in: dir.url)
        #expect(passing.status == 0)
        #expect(passing.stdout == "1 passed, 0 failed\n")
        let xml = try String(contentsOf: dir.url.appendingPathComponent("out/junit.xml"), encoding: .utf8)
        #expect(xml.contains(#"<testcase name="ready during hours" classname="rules/r.test.yaml""#))
        #expect(!xml.contains("wrong"))

        let all = try Herald.run(["test", "rules"], in: dir.url)
        #expect(all.status == 1)
        #expect(all.stdout.hasSuffix("1 passed, 1 failed\n"))

        // Not onto a FIFO (it was replaced by a regular file): a usage error before any test runs.
        #expect(mkfifo(dir.url.appendingPathComponent("pipe").path, 0o644) == 0)
        let toFIFO = try Herald.run(["test", "rules", "--junit", "pipe"], in: dir.url)
        #expect(toFIFO.status == 2)
        #expect(toFIFO.stderr.contains("cannot write 'pipe': it is a FIFO"), "\(toFIFO.stderr)")
        #expect(toFIFO.stdout.isEmpty)
    }

    @Test("malformed test files exit 1 (findings); usage errors exit 2")
    func exitTwo() throws {
        let dir = try TemporaryDirectory(files: [
            "rules/r.yaml": shopRules,
            "rules/bad.test.yaml": "tests: [{name: a, events: [], expect: [{decison: send}]}]\n",
        ])
        let malformed = try Herald.run(["test", "rules"], in: dir.url)
        #expect(malformed.status == 1)
        #expect(
            malformed.stdout.hasPrefix(
                "rules/bad.test.yaml:1:41: error: unknown record field 'decison'; did you mean 'decision'? [unknown-field]\n"))
        #expect(malformed.stdout.hasSuffix("1 test file has errors (above); its tests did not run\n0 passed, 0 failed\n"))

        let badPattern = try Herald.run(["test", "rules", "--run", "(unclosed"], in: dir.url)
        #expect(badPattern.status == 2)
        #expect(badPattern.stderr.hasPrefix("herald: error: invalid regular expression '(unclosed'"))

        let missing = try Herald.run(["test", "nowhere"], in: dir.url)
        #expect(missing.status == 2)
        #expect(missing.stderr.hasPrefix("herald: error: no such file or directory: 'nowhere'"))
    }

    @Test("herald lint ignores *.test.yaml files")
    func lintIgnoresTests() throws {
        let dir = try TemporaryDirectory(files: ["rules/r.yaml": shopRules, "rules/r.test.yaml": "tests: not even valid for lint\n"])
        let run = try Herald.run(["lint", "rules"], in: dir.url)
        #expect(run.status == 0)
        #expect(run.stdout == "no problems in 1 file\n")
    }
}
