import Foundation
import HeraldCompiler
import HeraldSyntax
import HeraldTestSupport
import Testing

/// Hostile rule files cost time in proportion to their size, never more:
/// aliases, many unknown names, very long names, directories full of files.
@Suite("bounded work")
struct BoundedWorkTests {
    static func seconds(_ body: () -> Void) -> Double {
        let elapsed = ContinuousClock().measure(body).components
        return Double(elapsed.seconds) + Double(elapsed.attoseconds) / 1e18
    }

    static func whereRule(unknownFields n: Int) -> String {
        let condition = (0..<n).map { "client.f\($0) == 1" }.joined(separator: " && ")
        return """
            statuses:
              work_order: [open, closed]
            templates:
              t: {sms: "hi"}
            rules:
              - id: r
                on: work_order.created
                channel: sms
                template: t
                where: "\(condition)"

            """
    }

    @Test("a 2 MB scalar aliased 3,000 times is refused with a yaml-syntax diagnostic, quickly")
    func aliasedTemplates() {
        let big = String(repeating: "x", count: 2 * 1024 * 1024)
        var text = "templates:\n  t0: &big {sms: \"\(big)\"}\n"
        for i in 1..<3000 { text += "  t\(i): *big\n" }
        var result: CompilationResult?
        let time = Self.seconds { result = compile(text) }
        #expect(time < 10, "debug build: \(time) s")
        let syntax = result?.diagnostics.filter { $0.code == .yamlSyntax } ?? []
        #expect(syntax.count == 1)
        #expect(syntax.first?.message.contains("refused alias '*big'") == true)
    }

    @Test("a where with thousands of unknown fields takes time in proportion to their number")
    func manyUnknownFields() {
        var small: CompilationResult?
        var large: CompilationResult?
        let t1 = Self.seconds { small = compile(Self.whereRule(unknownFields: 500)) }
        let t2 = Self.seconds { large = compile(Self.whereRule(unknownFields: 4000)) }
        // Reported up to LocalIssue.maximumPerScalar per value, the last saying how many more.
        #expect(small?.diagnostics.filter { $0.code == .unknownField }.count == 100)
        #expect(large?.diagnostics.filter { $0.code == .unknownField }.count == 100)
        #expect(large?.diagnostics.contains { $0.message.hasSuffix("(and 3900 more problems in this value, not listed)") } == true)
        // Eight times the fields: linear work is about 8 times the time; quadratic would be 64.
        #expect(t2 < max(t1, 0.05) * 24, "500 fields: \(t1) s, 4000 fields: \(t2) s")
        #expect(t2 < 5, "4000 fields: \(t2) s")
    }

    @Test("a time zone name of 5 million characters is invalid-time-zone without a suggestion, quickly")
    func hugeTimeZone() {
        let zone = String(repeating: "A", count: 5_000_000)
        let text = """
            calendars:
              c:
                timezone: \(zone)
                hours: {mon: "08:00-12:00"}

            """
        var result: CompilationResult?
        let time = Self.seconds { result = compile(text) }
        #expect(time < 5, "\(time) s")
        let diagnostic = result?.diagnostics.first { $0.code == .invalidTimeZone }
        #expect(diagnostic != nil)
        #expect(diagnostic?.message.contains("did you mean") == false)
    }

    @Test("names longer than the suggestion limit get no suggestion; shorter ones still do")
    func suggestionCap() {
        let candidates = ["America/Sao_Paulo", "Europe/Lisbon"]
        #expect(Suggestion.closest(to: "America/Sao_Paolo", in: candidates) == "America/Sao_Paulo")
        #expect(Suggestion.closest(to: String(repeating: "a", count: Suggestion.maximumLength + 1), in: ["a"]) == nil)
        let long = String(repeating: "ab", count: 1_000_000)
        let time = Self.seconds { _ = Suggestion.closest(to: long, in: Array(repeating: long + "c", count: 500)) }
        #expect(time < 1, "\(time) s")
        #expect(Suggestion.distance(String(repeating: "a", count: 1000), "a", limit: 2) == 3)
    }

    @Test("a directory walk stops past its bound on files or bytes, with unreadable-file at the root")
    func walkBounds() throws {
        let directory = try TemporaryDirectory("walk")
        defer { directory.remove() }
        let root = directory.url
        for i in 0..<12 {
            try Data("templates:\n  t\(i): {sms: \"hello\"}\n".utf8).write(to: root.appendingPathComponent("f\(i).yaml"))
        }
        let byFiles = Compiler.compile(path: root.path, walkLimits: .init(maxFiles: 10))
        #expect(byFiles.ruleSet == nil)
        #expect(byFiles.diagnostics.contains { $0.code == .unreadableFile && $0.message.contains("more than 10 files") })
        #expect(byFiles.fileCount == 10)
        let byBytes = Compiler.compile(path: root.path, walkLimits: .init(maxTotalBytes: 100))
        #expect(byBytes.diagnostics.contains { $0.code == .unreadableFile && $0.message.contains("more than 100 bytes") })
        let unbounded = Compiler.compile(path: root.path)
        #expect(!unbounded.diagnostics.contains { $0.code == .unreadableFile })
        #expect(unbounded.fileCount == 12)
    }
}
