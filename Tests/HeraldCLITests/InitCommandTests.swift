import Foundation
import HeraldTestSupport
import Testing

// `herald init [DIR]` and `herald --version` (SPEC §10.5).

@Suite("herald init and --version")
struct InitCommandTests {
    @Test("init writes a rule set with a status change, a delayed follow-up and a reminder that lints clean and passes its tests")
    func initLintsAndTests() throws {
        let dir = try TemporaryDirectory(files: ["notes.txt": "a workspace"])
        let run = try Herald.run(["init"], in: dir)
        #expect(run.status == 0, "\(run.stderr)")
        let files = try FileManager.default.contentsOfDirectory(atPath: dir.url.appendingPathComponent("Rules").path).sorted()
        #expect(files == ["herald.yaml", "rules.test.yaml", "rules.yaml"])
        let rules = try String(contentsOf: dir.url.appendingPathComponent("Rules/rules.yaml"), encoding: .utf8)
        for part in ["on: work_order.status_changed", "delay:", "remind:", "templates:"] { #expect(rules.contains(part)) }
        let places = try String(contentsOf: dir.url.appendingPathComponent("Rules/herald.yaml"), encoding: .utf8)
        for part in ["statuses:", "calendars:", "locations:"] { #expect(places.contains(part)) }

        let lint = try Herald.run(["lint", "--warnings-as-errors", "Rules"], in: dir)
        #expect(lint.status == 0, "\(lint.stdout)")
        let test = try Herald.run(["test", "Rules"], in: dir)
        #expect(test.status == 0, "\(test.stdout)")
        #expect(test.stdout.contains("4 passed, 0 failed"))
    }

    @Test("init DIR writes into DIR, creating it; a non-empty DIR is refused and left as it was")
    func initDirectory() throws {
        let dir = try TemporaryDirectory(files: ["taken/notes.txt": "mine"])
        let ok = try Herald.run(["init", "new/rules"], in: dir)
        #expect(ok.status == 0, "\(ok.stderr)")
        #expect(FileManager.default.fileExists(atPath: dir.url.appendingPathComponent("new/rules/rules.yaml").path))
        let refused = try Herald.run(["init", "taken"], in: dir)
        #expect(refused.status == 1)
        #expect(refused.stderr.contains("not empty"))
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.url.appendingPathComponent("taken").path) == ["notes.txt"])
        // Running it twice refuses the second time.
        #expect(try Herald.run(["init", "new/rules"], in: dir).status == 1)
    }

    @Test("--version prints the version and exits 0")
    func version() throws {
        let dir = try TemporaryDirectory(files: ["notes.txt": "a workspace"])
        let run = try Herald.run(["--version"], in: dir)
        #expect(run.status == 0)
        #expect(run.stdout.trimmingCharacters(in: .whitespacesAndNewlines).split(separator: ".").count == 3)
    }
}
