import Foundation
import HeraldTestSupport
import Testing

// `herald eval --state FILE` (SPEC §10.3): the state read when FILE exists,
// written back at the end; batches with a state file equal one stream.

@Suite("herald eval --state")
struct EvalStateTests {
    /// The records of a run as JSON lines without `line` and the `line N, `
    /// of malformed-json messages (batches number their lines from 1).
    static func withoutLines(_ stdout: String) -> [String] {
        records(stdout).map { record in
            var record = record
            record["line"] = nil
            if let message = record["message"] as? String, message.hasPrefix("line "), let comma = message.firstIndex(of: ",") {
                record["message"] = String(message[comma...])
            }
            let data = (try? JSONSerialization.data(withJSONObject: record, options: [.sortedKeys])) ?? Data()
            return String(decoding: data, as: UTF8.self)
        }
    }

    @Test("batches evaluated one after the other with a state file give the records of one stream")
    func batchesEqualOneStream() throws {
        let lines = evalEvents.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        // The second batch repeats e1 (a duplicate) and closes W2, whose reminder the first batch planned.
        let first = lines.prefix(2).joined(separator: "\n") + "\n"
        let second = lines.dropFirst(2).joined(separator: "\n")
        let dir = try TemporaryDirectory(files: [
            "rules/r.yaml": evalRules, "all.ndjson": evalEvents, "a.ndjson": first, "b.ndjson": second,
        ])
        let whole = try Herald.run(["eval", "--rules", "rules", "all.ndjson"], in: dir)
        #expect(whole.status == 0)

        let a = try Herald.run(["eval", "--rules", "rules", "a.ndjson", "--state", "state.json"], in: dir)
        #expect(a.status == 0, "\(a.stderr)")
        let stateText = try String(contentsOf: dir.url.appendingPathComponent("state.json"), encoding: .utf8)
        #expect(stateText.hasPrefix(#"{"format":"herald-state","#))
        let b = try Herald.run(["eval", "--state", "state.json", "--rules", "rules", "b.ndjson"], in: dir)
        #expect(b.status == 0, "\(b.stderr)")

        let batched = Self.withoutLines(a.stdout) + Self.withoutLines(b.stdout)
        #expect(batched == Self.withoutLines(whole.stdout))
        #expect(summary(records(b.stdout)).contains { $0.hasPrefix("e1 reject - - duplicate-event") })
        #expect(summary(records(b.stdout)).contains { $0.hasPrefix("e3 cancel visit sms closed") })

        // Without the state file the second batch would differ.
        let fresh = try Herald.run(["eval", "--rules", "rules", "b.ndjson"], in: dir)
        #expect(Self.withoutLines(fresh.stdout) != Self.withoutLines(b.stdout))
    }

    @Test(
        "a file that is not a Herald state is refused with exit 1 and left untouched",
        arguments: ["hello\n", #"{"processed_events": []}"#, "", #"{"format": "herald-state", "version": 99, "state": {}}"#])
    func refusesForeignFile(contents: String) throws {
        let dir = try TemporaryDirectory(files: ["rules/r.yaml": evalRules, "events.ndjson": evalEvents, "state.json": contents])
        let run = try Herald.run(["eval", "--rules", "rules", "events.ndjson", "--state", "state.json"], in: dir)
        #expect(run.status == 1)
        #expect(run.stdout.isEmpty)
        #expect(run.stderr.contains("state.json"))
        let after = try Data(contentsOf: dir.url.appendingPathComponent("state.json"))
        #expect(after == Data(contents.utf8))
    }

    @Test("rules that do not compile leave the state file as it was")
    func brokenRulesKeepState() throws {
        let dir = try TemporaryDirectory(files: ["rules/r.yaml": evalRules, "events.ndjson": evalEvents])
        #expect(try Herald.run(["eval", "--rules", "rules", "events.ndjson", "--state", "s.json"], in: dir).status == 0)
        let before = try Data(contentsOf: dir.url.appendingPathComponent("s.json"))
        try Data("rules: [{id: x}]\n".utf8).write(to: dir.url.appendingPathComponent("rules/r.yaml"))
        #expect(try Herald.run(["eval", "--rules", "rules", "events.ndjson", "--state", "s.json"], in: dir).status == 1)
        #expect(try Data(contentsOf: dir.url.appendingPathComponent("s.json")) == before)
    }

    @Test("a state file in a directory that does not exist is a usage error")
    func missingDirectory() throws {
        let dir = try TemporaryDirectory(files: ["rules/r.yaml": evalRules, "events.ndjson": evalEvents])
        let run = try Herald.run(["eval", "--rules", "rules", "events.ndjson", "--state", "nowhere/s.json"], in: dir)
        #expect(run.status == 2)
    }
}
