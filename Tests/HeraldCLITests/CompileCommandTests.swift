import Foundation
import HeraldTestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

// `herald compile [PATH] -o FILE` (SPEC §10.2) and `herald eval` on the file
// it writes: the same records as from the rule set, and damaged or foreign
// files refused with a clear message.

@Suite("herald compile")
struct CompileCommandTests {
    @Test("compile then eval --rules FILE gives byte-identical output to eval --rules PATH, with and without --explain")
    func sameRecords() throws {
        let dir = try TemporaryDirectory(files: ["rules/r.yaml": evalRules, "events.ndjson": evalEvents])
        let compile = try Herald.run(["compile", "rules", "-o", "rules.bundle"], in: dir)
        #expect(compile.status == 0, "\(compile.stderr)")
        #expect(compile.stdout.isEmpty || !compile.stdout.contains("{"), "no records on stdout")
        #expect(FileManager.default.fileExists(atPath: dir.url.appendingPathComponent("rules.bundle").path))
        for extra in [[], ["--explain"]] {
            let fromPath = try Herald.run(["eval", "--rules", "rules", "events.ndjson"] + extra, in: dir)
            let fromBundle = try Herald.run(["eval", "--rules", "rules.bundle", "events.ndjson"] + extra, in: dir)
            #expect(fromBundle.status == 0, "\(fromBundle.stderr)")
            #expect(fromBundle.stdout == fromPath.stdout)
            #expect(!fromBundle.stdout.isEmpty)
        }
    }

    @Test("the conformance fixtures give the same records from their compiled file", arguments: ["eval-shop", "eval-regions", "eval-features"])
    func fixtures(name: String) throws {
        let fixture = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("HeraldRuntimeTests/Fixtures/\(name)")
        let dir = try TemporaryDirectory(files: [:])
        try FileManager.default.createDirectory(at: dir.url, withIntermediateDirectories: true)
        let bundle = dir.url.appendingPathComponent("\(name).bundle").path
        let compile = try Herald.run(["compile", "rules", "-o", bundle], in: fixture)
        #expect(compile.status == 0, "\(compile.stderr)")
        let fromPath = try Herald.run(["eval", "--rules", "rules", "events.ndjson"], in: fixture)
        let fromBundle = try Herald.run(["eval", "--rules", bundle, "events.ndjson"], in: fixture)
        #expect(fromBundle.status == 0)
        #expect(fromBundle.stdout == fromPath.stdout)
    }

    @Test("-o onto a FIFO or a directory is a usage error and leaves it as it is; onto a link it writes the file the link names")
    func outputKinds() throws {
        let dir = try TemporaryDirectory(files: ["rules/r.yaml": evalRules, "target.bundle": "old"])
        let fifo = dir.url.appendingPathComponent("pipe").path
        #expect(mkfifo(fifo, 0o644) == 0)
        let toFIFO = try Herald.run(["compile", "rules", "-o", "pipe"], in: dir)
        #expect(toFIFO.status == 2)
        #expect(toFIFO.stderr.contains("cannot write 'pipe': it is a FIFO (named pipe), not a regular file"), "\(toFIFO.stderr)")
        var info = stat()
        #expect(lstat(fifo, &info) == 0 && info.st_mode & S_IFMT == S_IFIFO, "the FIFO was replaced")
        let toDirectory = try Herald.run(["compile", "rules", "-o", "rules"], in: dir)
        #expect(toDirectory.status == 2)
        #expect(toDirectory.stderr.contains("cannot write 'rules': it is a directory"), "\(toDirectory.stderr)")

        try FileManager.default.createSymbolicLink(atPath: dir.path("link.bundle"), withDestinationPath: "target.bundle")
        let toLink = try Herald.run(["compile", "rules", "-o", "link.bundle"], in: dir)
        #expect(toLink.status == 0, "\(toLink.stderr)")
        #expect(try FileManager.default.destinationOfSymbolicLink(atPath: dir.path("link.bundle")) == "target.bundle")
        #expect(try Data(contentsOf: dir.url.appendingPathComponent("target.bundle")) != Data("old".utf8))
        let eval = try Herald.run(["eval", "--rules", "link.bundle", "-"], in: dir, input: Data(evalEvents.utf8))
        #expect(eval.status == 0, "\(eval.stderr)")

        // A link to a file not made yet, in a folder that exists: the file is made.
        try FileManager.default.createDirectory(atPath: dir.path("build"), withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(atPath: dir.path("next.bundle"), withDestinationPath: "build/new.bundle")
        let toNew = try Herald.run(["compile", "rules", "-o", "next.bundle"], in: dir)
        #expect(toNew.status == 0, "\(toNew.stderr)")
        #expect(FileManager.default.fileExists(atPath: dir.path("build/new.bundle")))
        #expect(try FileManager.default.destinationOfSymbolicLink(atPath: dir.path("next.bundle")) == "build/new.bundle")
    }

    @Test("PATH defaults to Rules")
    func defaultPath() throws {
        let dir = try TemporaryDirectory(files: ["Rules/r.yaml": evalRules, "events.ndjson": evalEvents])
        let compile = try Herald.run(["compile", "-o", "out.bundle"], in: dir)
        #expect(compile.status == 0, "\(compile.stderr)")
        let run = try Herald.run(["eval", "--rules", "out.bundle", "events.ndjson"], in: dir)
        #expect(summary(records(run.stdout)) == evalExpected)
    }

    @Test("rules that do not compile: exit 1, diagnostics on stderr, no file written")
    func errors() throws {
        let broken = evalRules.replacingOccurrences(of: "to: ready\n", with: "to: redy\n")
        let dir = try TemporaryDirectory(files: ["rules/r.yaml": broken])
        let run = try Herald.run(["compile", "rules", "-o", "out.bundle"], in: dir)
        #expect(run.status == 1)
        #expect(run.stderr.contains("rules/r.yaml:"))
        #expect(run.stderr.contains("unknown-status"))
        #expect(!FileManager.default.fileExists(atPath: dir.url.appendingPathComponent("out.bundle").path))
    }

    @Test(
        "usage errors exit 2: no -o, a missing PATH, an unknown flag",
        arguments: [["compile", "rules"], ["compile", "missing", "-o", "x.bundle"], ["compile", "rules", "-o", "x.bundle", "--bogus"]])
    func usage(arguments: [String]) throws {
        let dir = try TemporaryDirectory(files: ["rules/r.yaml": evalRules])
        let run = try Herald.run(arguments, in: dir)
        #expect(run.status == 2)
        #expect(!run.stderr.isEmpty)
    }

    /// Compiles `evalRules` and returns the workspace and the bundle's bytes.
    static func compiled() throws -> (TemporaryDirectory, Data) {
        let dir = try TemporaryDirectory(files: ["rules/r.yaml": evalRules, "events.ndjson": evalEvents])
        let run = try Herald.run(["compile", "rules", "-o", "good.bundle"], in: dir)
        #expect(run.status == 0)
        return (dir, try Data(contentsOf: dir.url.appendingPathComponent("good.bundle")))
    }

    @Test(
        "a damaged compiled file is refused: exit 1, a message naming the file on stderr, nothing on stdout",
        arguments: ["truncated", "garbage-payload", "flipped-payload", "empty-payload"])
    func damaged(kind: String) throws {
        let (dir, good) = try Self.compiled()
        let payloadStart = good.firstIndex(of: UInt8(ascii: "{")) ?? good.count / 2
        var bad = good
        switch kind {
        case "truncated": bad = good.prefix(good.count / 2)
        case "garbage-payload": bad = good.prefix(payloadStart) + Data("not json at all".utf8)
        case "flipped-payload": bad[payloadStart] = UInt8(ascii: "[")
        default: bad = good.prefix(payloadStart)
        }
        try bad.write(to: dir.url.appendingPathComponent("bad.bundle"))
        let run = try Herald.run(["eval", "--rules", "bad.bundle", "events.ndjson"], in: dir)
        #expect(run.status == 1)
        #expect(run.stdout == "")
        #expect(run.stderr.contains("bad.bundle"))
    }

    @Test("a compiled file of another Herald version is refused with a message saying to recompile")
    func otherVersion() throws {
        let (dir, good) = try Self.compiled()
        // The header: 14 bytes of magic, the format (4), the version's length (2)
        // and its text (docs/runtime.md); change the version's last character.
        guard good.count > 20, case let length = Int(good[good.startIndex + 18]) | Int(good[good.startIndex + 19]) << 8,
            length > 0, good.count > 20 + length
        else {
            Issue.record("no header in the compiled file")
            return
        }
        var other = good
        let last = other.startIndex + 20 + length - 1
        other[last] = other[last] == UInt8(ascii: "9") ? UInt8(ascii: "8") : UInt8(ascii: "9")
        try other.write(to: dir.url.appendingPathComponent("other.bundle"))
        let run = try Herald.run(["eval", "--rules", "other.bundle", "events.ndjson"], in: dir)
        #expect(run.status == 1)
        #expect(run.stdout == "")
        #expect(run.stderr.contains("recompile"), "\(run.stderr)")
    }

    @Test("a foreign binary file given as --rules is refused with exit 1, not evaluated")
    func foreign() throws {
        let dir = try TemporaryDirectory(files: ["events.ndjson": evalEvents])
        try Data([0x7F, 0x45, 0x4C, 0x46, 0x02, 0x01, 0x01, 0x00, 0xFF, 0xFE, 0x00, 0x00, 0x01]).write(
            to: dir.url.appendingPathComponent("foreign.bin"))
        let run = try Herald.run(["eval", "--rules", "foreign.bin", "events.ndjson"], in: dir)
        #expect(run.status == 1)
        #expect(run.stdout == "")
        #expect(run.stderr.contains("foreign.bin"))
    }
}
