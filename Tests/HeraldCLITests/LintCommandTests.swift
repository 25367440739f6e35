import Foundation
import HeraldTestSupport
import Testing

// `herald lint` run as a subprocess on small rule sets written to a temporary
// directory: exit codes, output formats, stdout/stderr separation.

private let cleanRules = """
    herald: 1
    statuses:
      work_order: [open, in_repair, ready_for_pickup]
    templates:
      ready:
        sms: "OS {{work_order.number}} pronta."
    rules:
      - id: wo-ready
        on: work_order.status_changed
        to: ready_for_pickup
        channel: sms
        template: ready

    """

/// The same with a misspelled status on line 10, column 9.
private let misspelledStatus = cleanRules.replacingOccurrences(of: "to: ready_for_pickup", with: "to: ready_for_pikcup")

/// Clean but for a template no rule uses: one warning, no error.
private let unusedTemplate = cleanRules.replacingOccurrences(
    of: "rules:\n", with: "  old:\n    sms: \"Bem-vindo!\"\nrules:\n")

@Suite("herald lint")
struct LintCommandTests {
    @Test("a clean rule set exits 0 and prints only the summary")
    func clean() throws {
        let dir = try TemporaryDirectory(files: ["rules/r.yaml": cleanRules])
        let run = try Herald.run(["lint", "rules"], in: dir)
        #expect(run.status == 0)
        #expect(run.stdout == "no problems in 1 file\n")
        #expect(run.stderr == "")
    }

    @Test("an error exits 1; text shows the SPEC §10.1 excerpt and the summary on stdout")
    func errorText() throws {
        let dir = try TemporaryDirectory(files: ["rules/r.yaml": misspelledStatus])
        let run = try Herald.run(["lint", "rules"], in: dir)
        #expect(run.status == 1)
        #expect(
            run.stdout.hasPrefix(
                """
                rules/r.yaml:10:9: error: unknown status 'ready_for_pikcup' of work_order; did you mean 'ready_for_pickup'? [unknown-status]
                   |
                10 |     to: ready_for_pikcup
                   |         ^~~~~~~~~~~~~~~~

                """))
        #expect(run.stdout.hasSuffix("\n1 error, 0 warnings in 1 file\n"))
        #expect(!run.stdout.contains("\u{1B}["), "no colour when stdout is not a terminal")
    }

    @Test("--format json writes only the JSON array to stdout and the summary to stderr")
    func json() throws {
        let dir = try TemporaryDirectory(files: ["rules/r.yaml": misspelledStatus])
        let run = try Herald.run(["lint", "--format", "json", "rules"], in: dir)
        #expect(run.status == 1)
        let array = try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [[String: Any]])
        let first = try #require(array.first)
        #expect(array.count == 1)
        #expect(first["file"] as? String == "rules/r.yaml")
        #expect(first["line"] as? Int == 10 && first["column"] as? Int == 9)
        #expect(first["end_line"] as? Int == 10 && first["end_column"] as? Int == 25)
        #expect(first["severity"] as? String == "error" && first["code"] as? String == "unknown-status")
        #expect(run.stderr == "1 error, 0 warnings in 1 file\n")
    }

    @Test("--format sarif writes a SARIF 2.1.0 log")
    func sarif() throws {
        let dir = try TemporaryDirectory(files: ["rules/r.yaml": misspelledStatus])
        let run = try Herald.run(["lint", "rules", "--format", "sarif"], in: dir)
        #expect(run.status == 1)
        let log = try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])
        #expect(log["version"] as? String == "2.1.0")
        let results = (log["runs"] as? [[String: Any]])?.first?["results"] as? [[String: Any]]
        #expect(results?.first?["ruleId"] as? String == "unknown-status")
    }

    @Test("--format github writes workflow commands")
    func github() throws {
        let dir = try TemporaryDirectory(files: ["rules/r.yaml": misspelledStatus])
        let run = try Herald.run(["lint", "rules", "--format", "github"], in: dir)
        #expect(run.status == 1)
        #expect(
            run.stdout
                == "::error file=rules/r.yaml,line=10,col=9::unknown status 'ready_for_pikcup' of work_order; did you mean 'ready_for_pickup'? [unknown-status]\n"
        )
    }

    @Test("warnings alone exit 0, and 1 with --warnings-as-errors")
    func warningsAsErrors() throws {
        let dir = try TemporaryDirectory(files: ["rules/r.yaml": unusedTemplate])
        let plain = try Herald.run(["lint", "--format", "json", "rules"], in: dir)
        #expect(plain.status == 0)
        #expect(plain.stdout.contains(#""code": "unused-template""#))
        #expect(plain.stdout.contains(#""severity": "warning""#))
        let strict = try Herald.run(["lint", "--warnings-as-errors", "rules"], in: dir)
        #expect(strict.status == 1)
        #expect(strict.stdout.hasSuffix("0 errors, 1 warning in 1 file\n"))
    }

    @Test("several paths are linted together, sorted, with their files counted; trailing slashes are dropped")
    func severalPaths() throws {
        let dir = try TemporaryDirectory(files: ["b/r.yaml": misspelledStatus, "a/r.yaml": misspelledStatus, "c.yaml": cleanRules])
        let run = try Herald.run(["lint", "--format", "json", "b/", "a", "c.yaml"], in: dir)
        #expect(run.status == 1)
        let array = try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [[String: Any]])
        #expect(array.compactMap { $0["file"] as? String } == ["a/r.yaml", "b/r.yaml"])
        #expect(run.stderr == "2 errors, 0 warnings in 3 files\n")
    }

    @Test("without a path, lints ./Rules")
    func defaultPath() throws {
        let dir = try TemporaryDirectory(files: ["Rules/r.yaml": misspelledStatus])
        let run = try Herald.run(["lint", "--format", "github"], in: dir)
        #expect(run.status == 1)
        #expect(run.stdout.hasPrefix("::error file=Rules/r.yaml,line=10,col=9::"))
    }

    @Test(
        "usage errors exit 2 with a one-line reason on stderr and nothing on stdout",
        arguments: [
            ["lint", "--no-such-flag", "rules"],
            ["lint", "does-not-exist"],
            ["lint", "rules", "--format", "xml"],
            ["lint"],  // no ./Rules here
        ])
    func usageErrors(arguments: [String]) throws {
        let dir = try TemporaryDirectory(files: ["rules/r.yaml": cleanRules])
        let run = try Herald.run(arguments, in: dir)
        #expect(run.status == 2)
        #expect(run.stdout == "")
        #expect(run.stderr.hasPrefix("herald: error: "))
        #expect(run.stderr.filter { $0 == "\n" }.count == 1, "one line: \(run.stderr)")
    }

    @Test(
        "an unknown option is reported as such, before a missing path or argument",
        arguments: [
            (["lint", "--formt", "json"], "Unknown option '--formt'"),
            (["lint", "-x"], "Unknown option '-x'"),
            (["eval", "--rulez", "rules", "events.ndjson"], "Unknown option '--rulez'"),
            (["compile", "--bogus"], "Unknown option '--bogus'"),
            (["test", "--verbos"], "Unknown option '--verbos'"),
            (["eval", "events.ndjson"], "missing --rules <path>"),
            (["compile", "rules"], "missing --output <file>"),
        ])
    func unknownOptionFirst(arguments: [String], expected: String) throws {
        let dir = try TemporaryDirectory(files: ["rules/r.yaml": cleanRules])
        let run = try Herald.run(arguments, in: dir)
        #expect(run.status == 2)
        #expect(run.stderr.contains(expected), "\(run.stderr)")
        #expect(!run.stderr.contains("'Rules'"), "\(run.stderr)")
    }

    @Test("the example rule set in Rules/ lints clean, without warnings")
    func exampleRules() throws {
        let run = try Herald.run(["lint", "--warnings-as-errors", "Rules"], in: Repository.root)
        #expect(run.status == 0, "\(run.stdout)")
        #expect(run.stdout.hasPrefix("no problems in "))
    }
}
