import Foundation
import HeraldTestSupport
import Testing

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

// Paths that are neither regular files nor directories (FIFOs, devices,
// standard input) are refused at once; `herald test` stays inside the tree
// of its test files.

private let rules = """
    herald: 1
    statuses:
      work_order: [open, ready]
    templates:
      t: {sms: "OS {{work_order.number}}"}
    rules:
      - id: r
        on: work_order.status_changed
        channel: sms
        template: t

    """

private let test = """
    rules: RULES
    tests:
      - name: one
        events: []
        expect: []

    """

/// Runs `herald arguments` in `directory`, killing it (and recording an
/// issue) when it has not finished after `seconds`: a run that blocks on a
/// FIFO must fail the test, not hang it.
private func runBounded(
    _ arguments: [String], in directory: URL, seconds: Double = 20, sourceLocation: SourceLocation = #_sourceLocation
) throws -> Subprocess.Run {
    let run = try Herald.run(arguments, in: directory, timeout: seconds)
    if run.timedOut {
        Issue.record("herald \(arguments.joined(separator: " ")) ran for more than \(seconds) s", sourceLocation: sourceLocation)
    }
    return run
}

@Suite("paths that are not files or directories")
struct PathSafetyTests {
    @Test(
        "a device or standard input as a rule set is a usage error (exit 2) naming what it is",
        arguments: [
            (["lint", "/dev/zero"], "character device"),
            (["lint", "/dev/stdin"], "character device"),
            (["compile", "/dev/zero", "-o", "out.bundle"], "character device"),
            (["eval", "--rules", "/dev/zero"], "character device"),
            (["eval", "--rules", "/dev/stdin"], "character device"),
            (["test", "/dev/zero"], "character device"),
        ])
    func devices(arguments: [String], kind: String) throws {
        let dir = try TemporaryDirectory(files: ["rules/r.yaml": rules])
        let run = try runBounded(arguments, in: dir.url)
        #expect(run.status == 2, "\(run.stderr)")
        #expect(run.stderr.contains("not a regular file or directory"), "\(run.stderr)")
        #expect(run.stderr.contains(kind))
        #expect(!run.stderr.contains("permission"))
    }

    @Test("a FIFO as a rule set, a rule file in a directory, or a test file is refused without blocking")
    func fifos() throws {
        let dir = try TemporaryDirectory(files: ["rules/r.yaml": rules, "tests/t.test.yaml": test.replacingOccurrences(of: "RULES", with: "../rules")])
        #expect(mkfifo(dir.url.appendingPathComponent("pipe.yaml").path, 0o600) == 0)
        #expect(mkfifo(dir.url.appendingPathComponent("rules/z.yaml").path, 0o600) == 0)
        #expect(mkfifo(dir.url.appendingPathComponent("tests/p.test.yaml").path, 0o600) == 0)

        let direct = try runBounded(["lint", "pipe.yaml"], in: dir.url)
        #expect(direct.status == 2)
        #expect(direct.stderr.contains("'pipe.yaml': it is a FIFO (named pipe), not a regular file or directory"), "\(direct.stderr)")

        let inside = try runBounded(["lint", "rules"], in: dir.url)
        #expect(inside.status == 1)
        #expect(inside.stdout.contains("rules/z.yaml:1:1: error: cannot read 'rules/z.yaml': it is a FIFO"), "\(inside.stdout)")

        let tests = try runBounded(["test", "tests"], in: dir.url)
        #expect(tests.status == 1)
        #expect(tests.stdout.contains("cannot read 'tests/p.test.yaml': it is a FIFO"), "\(tests.stdout)")
    }

    @Test("a rule file that is a link to nothing is reported, not skipped; the same file given twice is linted once")
    func danglingLinkAndRepeats() throws {
        let dir = try TemporaryDirectory(files: ["rules/r.yaml": rules, "bad/.keep": ""])
        try FileManager.default.createSymbolicLink(atPath: dir.path("rules/gone.yaml"), withDestinationPath: "missing.yaml")
        let lint = try runBounded(["lint", "rules"], in: dir.url)
        #expect(lint.status == 1)
        #expect(lint.stdout.contains("rules/gone.yaml:1:1: error: cannot read 'rules/gone.yaml'"), "\(lint.stdout)")
        try FileManager.default.removeItem(atPath: dir.path("rules/gone.yaml"))
        try Data("herald: 1\nrules: 5\n".utf8).write(to: dir.url.appendingPathComponent("bad/bad.yaml"))
        let twice = try runBounded(["lint", "bad", "bad/bad.yaml", "bad/"], in: dir.url)
        #expect(twice.status == 1)
        #expect(twice.stdout.components(separatedBy: "error:").count == 2, "\(twice.stdout)")
        #expect(twice.stdout.hasSuffix("1 error, 0 warnings in 1 file\n"), "\(twice.stdout)")
    }

    @Test("'rules: /dev/stdin' in a test file is refused at the rules key")
    func rulesFromStandardInput() throws {
        let dir = try TemporaryDirectory(files: ["t.test.yaml": test.replacingOccurrences(of: "RULES", with: "/dev/stdin")])
        let run = try runBounded(["test", "t.test.yaml"], in: dir.url)
        #expect(run.status == 1)
        #expect(run.stdout.contains("t.test.yaml:1:8: error: cannot use the rule set 'rules: /dev/stdin': it is a character device"), "\(run.stdout)")
    }

    @Test("a rules: path that leaves the test file's repository is refused unless given on the command line")
    func staysInsideTheTree() throws {
        let outside = try TemporaryDirectory(files: ["rules/r.yaml": rules])
        let repo = try TemporaryDirectory(files: [
            ".git/HEAD": "ref: refs/heads/main\n",
            "rules/r.yaml": rules,
            "tests/in.test.yaml": test.replacingOccurrences(of: "RULES", with: "../rules"),
            "tests/out.test.yaml": test.replacingOccurrences(of: "RULES", with: outside.url.appendingPathComponent("rules").path),
            "tests/up.test.yaml": test.replacingOccurrences(of: "RULES", with: "../../" + outside.url.lastPathComponent + "/rules"),
        ])
        try FileManager.default.createSymbolicLink(
            at: repo.url.appendingPathComponent("linked"), withDestinationURL: outside.url.appendingPathComponent("rules"))
        try Data(test.replacingOccurrences(of: "RULES", with: "../linked").utf8)
            .write(to: repo.url.appendingPathComponent("tests/link.test.yaml"))

        let inside = try runBounded(["test", "tests/in.test.yaml"], in: repo.url)
        #expect(inside.status == 0, "\(inside.stdout)")

        for name in ["out", "up", "link"] {
            let run = try runBounded(["test", "tests/\(name).test.yaml"], in: repo.url)
            #expect(run.status == 1, "\(name): \(run.stdout)")
            #expect(run.stdout.contains("lies outside this test's tree"), "\(name): \(run.stdout)")
            let allowed = try runBounded(
                ["test", "tests/\(name).test.yaml", "--allow-rules", outside.url.appendingPathComponent("rules").path], in: repo.url)
            #expect(allowed.status == 0, "\(name): \(allowed.stdout)")
        }
    }

    @Test("outside a git checkout, SPEC §10.4's rules: ../ works from the folder herald test runs in; farther out is refused")
    func withoutRepository() throws {
        let outside = try TemporaryDirectory(files: ["rules/r.yaml": rules])
        let dir = try TemporaryDirectory(files: [
            "Rules/r.yaml": rules,
            "Rules/tests/up.test.yaml": test.replacingOccurrences(of: "RULES", with: "../"),
            "Rules/tests/out.test.yaml": test.replacingOccurrences(of: "RULES", with: outside.url.appendingPathComponent("rules").path),
        ])
        // Only if no folder above the temporary one is a git checkout.
        var folder = dir.url.resolvingSymlinksInPath()
        while folder.path != "/" {
            if FileManager.default.fileExists(atPath: folder.appendingPathComponent(".git").path) { return }
            folder.deleteLastPathComponent()
        }
        let up = try runBounded(["test", "Rules/tests/up.test.yaml"], in: dir.url)
        #expect(up.status == 0, "\(up.stdout)")
        let out = try runBounded(["test", "Rules/tests/out.test.yaml"], in: dir.url)
        #expect(out.status == 1, "\(out.stdout)")
        #expect(out.stdout.contains("lies outside this test's tree"), "\(out.stdout)")
        // Run from the tests folder itself, ../ leaves it.
        let inside = try runBounded(["test", "up.test.yaml"], in: dir.url.appendingPathComponent("Rules/tests"))
        #expect(inside.status == 1, "\(inside.stdout)")
        // A test file outside the current folder does not get the current folder.
        let elsewhere = try TemporaryDirectory(files: [
            "tests/far.test.yaml": test.replacingOccurrences(of: "RULES", with: dir.url.appendingPathComponent("Rules").path)
        ])
        let far = try runBounded(["test", elsewhere.url.appendingPathComponent("tests/far.test.yaml").path], in: dir.url)
        #expect(far.status == 1, "\(far.stdout)")
        #expect(far.stdout.contains("lies outside this test's tree"), "\(far.stdout)")
    }
}
