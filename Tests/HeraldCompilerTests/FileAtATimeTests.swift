import Foundation
import HeraldCompiler
import HeraldSyntax
import HeraldTestSupport
import Testing

/// The compiler checks rules one file at a time, from a second parse of the
/// file, and keeps no syntax trees in its result (docs/architecture.md,
/// "Compiler memory"). These tests pin what that must not change: findings and
/// their places, the model, anchors shared between sections of a file.
@Suite("checking rules one file at a time")
struct FileAtATimeTests {
    static let first = """
        herald: 1
        templates:
          &name ready: {sms: "OS {{work_order.number}} pronta"}
        rules:
          - &base {id: early, on: work_order.created, channel: sms, template: later}
          - id: early
            on: work_order.created
            channel: sms
            template: later
          - <<: *base
            id: merged
            delay: 1h
          - id: by-alias
            on: work_order.status_changed
            to: []
            channel: sms
            template: *name
          - id: lost
            on: work_order.created
            delay: 2h
            channel: sms
            template: nowhere

        """
    static let second = """
        statuses:
          work_order: [open, ready_for_pickup]
        templates:
          later: {sms: "OS {{work_order.number}}"}
        rules:
          - id: late
            on: work_order.status_changed
            to: ready_for_pickup
            channel: sms
            template: later

        """

    @Test("findings keep their files, lines and columns; rules defined before their templates and statuses resolve")
    func findingsAndPlaces() {
        let result = compile([("a.yaml", Self.first), ("b.yaml", Self.second)])
        let places = result.diagnostics.map { "\($0.range.file):\($0.range.start.line):\($0.range.start.column) \($0.code)" }
        #expect(
            places == [
                "a.yaml:6:9 duplicate-name",
                "a.yaml:15:9 unreachable-rule",
                "a.yaml:22:15 unknown-template",
            ], "\(dump(result))")
        #expect(result.diagnostics.first?.message.hasSuffix("already defined at a.yaml:5") == true, "\(dump(result))")
    }

    @Test("the model is the same whatever the files' sizes: rules in declaration order, merge keys and aliases applied")
    func model() throws {
        let fixed = Self.first.replacingOccurrences(of: "template: nowhere", with: "template: later")
            .replacingOccurrences(of: "  - id: early\n    on: work_order.created\n    channel: sms\n    template: later\n", with: "")
        let result = compile([("a.yaml", fixed), ("b.yaml", Self.second)])
        let rules = try #require(result.ruleSet?.rules, "\(dump(result))")
        #expect(rules.map(\.id) == ["early", "merged", "by-alias", "lost", "late"])
        #expect(rules.map(\.index) == [0, 1, 2, 3, 4])
        #expect(rules[1].template == "later" && rules[1].delay == RuleDuration(days: 0, seconds: 3600))
        #expect(rules[2].template == "ready")
    }

    @Test("the result keeps each file's lines and parse findings, not its documents")
    func sourcesWithoutTrees() throws {
        let broken = "rules:\n  - id: x\n    on: [\n"
        let result = compile([("a.yaml", Self.first), ("b.yaml", broken)])
        let a = try #require(result.sources["a.yaml"])
        let b = try #require(result.sources["b.yaml"])
        #expect(a.documents.isEmpty && b.documents.isEmpty)
        #expect(a.lines == Self.first.split(separator: "\n", omittingEmptySubsequences: false).map { Substring($0) })
        #expect(b.diagnostics.map(\.code) == [.yamlSyntax])
    }

    @Test("a report carries the lines of the files its diagnostics point into, and only those")
    func reportLines() {
        let clean = "templates:\n  t: {sms: hi}\nrules:\n  - {id: r, on: work_order.created, channel: sms, template: t}\n"
        let result = compile([("clean.yaml", clean), ("a.yaml", Self.first), ("b.yaml", Self.second)])
        let report = DiagnosticReport(results: [result])
        #expect(Set(report.sourceLines.keys) == ["a.yaml"])
        #expect(report.sourceLines["a.yaml"]?[5] == "  - id: early")
    }

    @Test("a directory with many rule files gives the same findings as the same files compiled from memory")
    func directoryAndMemory() throws {
        var files: [(String, String)] = [("00.yaml", Self.second)]
        for n in 1...30 {
            files.append((String(format: "%02d.yaml", n), """
                rules:
                  - {id: r\(n), on: work_order.status_changed, to: ready_for_pickup, delay: \(n)m, channel: sms, template: later}
                  - {id: r\(n)-bad, on: work_order.status_changed, to: redy, delay: \(n)m, channel: sms, template: later}

                """))
        }
        let directory = try TemporaryDirectory(files: Dictionary(uniqueKeysWithValues: files))
        defer { directory.remove() }
        let fromDisk = Compiler.compile(path: directory.path)
        let fromMemory = compile(files.map { (directory.path + "/" + $0.0, $0.1) })
        #expect(fromDisk.diagnostics == fromMemory.diagnostics)
        #expect(fromDisk.diagnostics.count == 30, "\(dump(fromDisk))")
        #expect(fromDisk.diagnostics.allSatisfy { $0.code == .unknownStatus && $0.range.start.line == 3 })
    }

    @Test("templates share equal paths and filters, but each keeps its own bytes (é as one scalar or as e and an accent)")
    func sharedButOwnBytes() throws {
        let composed = "Caf\u{E9}", decomposed = "Cafe\u{301}"
        let text = { (word: String) in "{{client.name | default: \"\(word)\"}} {{work_order.number}}" }
        let set = """
            templates:
              a: {sms: '\(text(composed))'}
              b: {sms: '\(text(decomposed))'}
              c: {sms: '\(text(composed))'}
            rules:
              - {id: ra, on: work_order.created, channel: sms, template: a}
              - {id: rb, on: work_order.created, delay: 1m, channel: sms, template: b}
              - {id: rc, on: work_order.created, delay: 2m, channel: sms, template: c}

            """
        let result = compile(set)
        let templates = try #require(result.ruleSet?.templates, "\(dump(result))")
        func word(_ id: String) -> [UInt8]? {
            guard case .value(_, let filters)? = templates[id]?.base.sms?.segments.first,
                  case .default(.string(let word))? = filters.first
            else { return nil }
            return Array(word.utf8)
        }
        #expect(word("a") == Array(composed.utf8))
        #expect(word("b") == Array(decomposed.utf8))
        #expect(word("c") == Array(composed.utf8))
    }
}
