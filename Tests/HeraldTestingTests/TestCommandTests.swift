import Foundation
import HeraldCompiler
import HeraldTesting
import Testing

// `herald test` run as a subprocess: the example rule set's tests, a test
// changed to fail as a new user would see it, exit codes, --run, --junit.

/// The repository's `Rules/` directory.
private let repositoryRules = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    .appendingPathComponent("Rules")

@Suite("herald test")
struct TestCommandTests {
    @Test("the example rule set's tests all pass; the last line is the summary")
    func exampleRules() throws {
        let run = try HeraldProcess.run(["test", repositoryRules.path], in: FileManager.default.temporaryDirectory)
        #expect(run.status == 0, "\(run.stdout)")
        let last = run.stdout.split(separator: "\n").last.map(String.init) ?? ""
        #expect(last.range(of: #"^[1-9][0-9]* passed, 0 failed$"#, options: .regularExpression) != nil, "\(run.stdout)")
        #expect(run.stderr == "")
    }

    @Test("--verbose lists every test with its outcome, file and line, then the summary")
    func verbose() throws {
        let run = try HeraldProcess.run(["test", "--verbose", repositoryRules.path], in: FileManager.default.temporaryDirectory)
        #expect(run.status == 0)
        let lines = run.stdout.split(separator: "\n")
        let listed = lines.filter { $0.hasPrefix("PASS ") }
        let last = lines.last.map(String.init) ?? ""
        #expect(last.hasPrefix("\(listed.count) passed, 0 failed"), "\(run.stdout)")
        #expect(listed.allSatisfy { $0.contains(".test.yaml:") })
    }

    @Test("a test copied from Rules with a changed time fails, naming the file, the test, the field and both times")
    func changedTime() throws {
        let dir = try TempDirectory(files: [:])
        try FileManager.default.copyItem(at: repositoryRules, to: dir.url.appendingPathComponent("Rules"))
        let testFile = dir.url.appendingPathComponent("Rules/shop/work-orders.test.yaml")
        let original = try String(contentsOf: testFile, encoding: .utf8)
        let line = "      - {rule: shop-wo-ready, decision: send, channel: sms, send_at: 2026-04-09T08:00:00-03:00}"
        let lineNumber = try #require(original.components(separatedBy: "\n").firstIndex(of: line)) + 1
        try original.replacingOccurrences(of: line, with: line.replacingOccurrences(of: "08:00:00", with: "07:30:00"))
            .write(to: testFile, atomically: true, encoding: .utf8)

        let run = try HeraldProcess.run(["test", "Rules"], in: dir.url)
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
        let dir = try TempDirectory(files: [
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
        let selected = try HeraldProcess.run(["test", "rules", "--run", "during", "--junit", "out/junit.xml"], in: dir.url)
        #expect(selected.status == 2, "the --junit directory does not exist: \(selected.stderr)")
        try FileManager.default.createDirectory(at: dir.url.appendingPathComponent("out"), withIntermediateDirectories: true)

        let passing = try HeraldProcess.run(["test", "rules", "--run", "during", "--junit", "out/junit.xml"], in: dir.url)
        #expect(passing.status == 0)
        #expect(passing.stdout == "1 passed, 0 failed\n")
        let xml = try String(contentsOf: dir.url.appendingPathComponent("out/junit.xml"), encoding: .utf8)
        #expect(xml.contains(#"<testcase name="ready during hours" classname="rules/r.test.yaml""#))
        #expect(!xml.contains("wrong"))

        let all = try HeraldProcess.run(["test", "rules"], in: dir.url)
        #expect(all.status == 1)
        #expect(all.stdout.hasSuffix("1 passed, 1 failed\n"))
    }

    @Test("usage errors and malformed test files exit 2")
    func exitTwo() throws {
        let dir = try TempDirectory(files: [
            "rules/r.yaml": shopRules,
            "rules/bad.test.yaml": "tests: [{name: a, events: [], expect: [{decison: send}]}]\n",
        ])
        let malformed = try HeraldProcess.run(["test", "rules"], in: dir.url)
        #expect(malformed.status == 2)
        #expect(
            malformed.stdout.hasPrefix(
                "rules/bad.test.yaml:1:41: error: unknown record field 'decison'; did you mean 'decision'? [unknown-field]\n"))
        #expect(malformed.stdout.hasSuffix("1 test file has errors (above); its tests did not run\n0 passed, 0 failed\n"))

        let badPattern = try HeraldProcess.run(["test", "rules", "--run", "(unclosed"], in: dir.url)
        #expect(badPattern.status == 2)
        #expect(badPattern.stderr.hasPrefix("herald: error: invalid regular expression '(unclosed'"))

        let missing = try HeraldProcess.run(["test", "nowhere"], in: dir.url)
        #expect(missing.status == 2)
        #expect(missing.stderr.hasPrefix("herald: error: no such file or directory: 'nowhere'"))
    }

    @Test("herald lint ignores *.test.yaml files")
    func lintIgnoresTests() throws {
        let dir = try TempDirectory(files: ["rules/r.yaml": shopRules, "rules/r.test.yaml": "tests: not even valid for lint\n"])
        let run = try HeraldProcess.run(["lint", "rules"], in: dir.url)
        #expect(run.status == 0)
        #expect(run.stdout == "no problems in 1 file\n")
    }
}

/// Runs the built `herald` executable.
enum HeraldProcess {
    struct Run {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    struct NotFound: Error, CustomStringConvertible {
        var looked: [String]
        var description: String { "no herald executable next to the tests; looked in \(looked)" }
    }

    /// Runs `herald arguments` in `directory`, without a terminal or colour.
    static func run(_ arguments: [String], in directory: URL) throws -> Run {
        let process = Process()
        process.executableURL = try executable()
        process.arguments = arguments
        process.currentDirectoryURL = directory
        var environment = ProcessInfo.processInfo.environment
        environment["NO_COLOR"] = "1"
        process.environment = environment
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("herald-test-run-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: scratch) }
        let out = scratch.appendingPathComponent("stdout"), err = scratch.appendingPathComponent("stderr")
        try Data().write(to: out)
        try Data().write(to: err)
        let outHandle = try FileHandle(forWritingTo: out), errHandle = try FileHandle(forWritingTo: err)
        process.standardOutput = outHandle
        process.standardError = errHandle
        process.standardInput = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        try outHandle.close()
        try errHandle.close()
        return Run(
            status: process.terminationStatus,
            stdout: String(decoding: try Data(contentsOf: out), as: UTF8.self),
            stderr: String(decoding: try Data(contentsOf: err), as: UTF8.self))
    }

    /// `$HERALD_BIN`, else `herald` in the build products directory holding the tests.
    static func executable() throws -> URL {
        if let path = ProcessInfo.processInfo.environment["HERALD_BIN"] { return URL(fileURLWithPath: path) }
        var starts = Bundle.allBundles.map(\.bundleURL)
        if let first = CommandLine.arguments.first { starts.append(URL(fileURLWithPath: first)) }
        var looked: [String] = []
        for start in starts {
            var directory = start.deletingLastPathComponent()
            for _ in 0..<4 {
                let candidate = directory.appendingPathComponent("herald")
                var isDirectory: ObjCBool = false
                if FileManager.default.fileExists(atPath: candidate.path, isDirectory: &isDirectory), !isDirectory.boolValue,
                    FileManager.default.isExecutableFile(atPath: candidate.path)
                {
                    return candidate
                }
                looked.append(directory.path)
                directory = directory.deletingLastPathComponent()
            }
        }
        throw NotFound(looked: looked)
    }
}

@Suite("the example rule set's tests")
struct ExampleCoverageTests {
    @Test("every rule in Rules is expected to send in some test under Rules")
    func everyRuleCovered() throws {
        let compiled = Compiler.compile(path: repositoryRules.path)
        let ruleSet = try #require(compiled.ruleSet, "Rules does not compile")
        var covered = Set<String>()
        for path in TestRunner.testFiles(in: repositoryRules.path) {
            let file = try #require(TestFileReader.read(path: path).file)
            for test in file.tests {
                for record in test.expect where record["decision"] == .string("send") {
                    if case .string(let rule)? = record["rule"] { covered.insert(rule) }
                }
            }
        }
        let uncovered = ruleSet.rules.map(\.id).filter { !covered.contains($0) }
        #expect(uncovered.isEmpty, "rules without a test that expects them to send: \(uncovered)")
    }
}
