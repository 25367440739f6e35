import Foundation
import HeraldCompiler
import HeraldSyntax
import Testing

/// The answers lint gives to the mistakes a new user made (issue 12):
/// no cascade after a file that does not parse, time zones by city, one
/// error for a misspelt block, and a clear word when the file is not a rule
/// file at all.
@Suite("what a new user stumbled on")
struct NewUserStumbleTests {
    static let places = """
        calendars:
          hours: {timezone: America/Sao_Paulo, hours: {mon-fri: "08:00-18:00"}}
        locations:
          shop: {name: Shop, calendar: hours}

        """

    static let rules = """
        rules:
          - id: ready
            on: work_order.status_changed
            to: ready_for_pickup
            locations: [shop]
            channel: sms
            template: ready

        """

    static let templates = """
        statuses:
          work_order: [open, ready_for_pickup]
        templates:
          ready:
            sms: "OS {{work_order.number}} is ready"

        """

    @Test("a file that does not parse: only its error, with one note that follow-ups may be missing")
    func noCascadeAfterUnparsedFile() throws {
        let broken = Self.templates.replacingOccurrences(of: "  ready:\n", with: "  ready: [unclosed\n")
        let result = compile([("places.yaml", Self.places), ("rules.yaml", Self.rules), ("templates.yaml", broken)])
        #expect(codes(result) == ["yaml-syntax"], "\(dump(result))")
        let error = try #require(result.diagnostics.first)
        #expect(error.range.file == "templates.yaml")
        let note = try #require(error.notes.last)
        #expect(note.contains("may only follow from this and are not shown"), "\(note)")
        #expect(note.hasPrefix("2 more diagnostics"), "\(note)")
    }

    @Test("the same rule set with the file fixed compiles: the follow-ups were only follow-ups")
    func fixedFileCompiles() {
        let result = compile([("places.yaml", Self.places), ("rules.yaml", Self.rules), ("templates.yaml", Self.templates)])
        #expect(result.diagnostics.isEmpty, "\(dump(result))")
    }

    @Test("without a parse error, unknown names are reported as before")
    func unknownNamesStillReported() {
        let result = compile([("places.yaml", Self.places), ("rules.yaml", Self.rules)])
        #expect(codes(result).contains("unknown-template"), "\(dump(result))")
        #expect(result.diagnostics.allSatisfy { $0.notes.allSatisfy { !$0.contains("not shown") } })
    }

    @Test("other errors in files that parsed are still reported beside the parse error")
    func otherErrorsKept() {
        let rules = Self.rules.replacingOccurrences(of: "channel: sms", with: "channel: fax")
        let broken = Self.templates.replacingOccurrences(of: "  ready:\n", with: "  ready: [unclosed\n")
        let result = compile([("places.yaml", Self.places), ("rules.yaml", rules), ("templates.yaml", broken)])
        #expect(codes(result).sorted() == ["unknown-channel", "yaml-syntax"], "\(dump(result))")
    }

    func timeZoneMessage(_ zone: String) -> String {
        let result = compile("calendars:\n  hours: {timezone: \"\(zone)\", hours: {mon-fri: \"08:00-18:00\"}}\n")
        return result.diagnostics.first { $0.code == .invalidTimeZone }?.message ?? "(no invalid-time-zone)"
    }

    @Test("a misspelt template or calendar name is one error: the one it is closest to is not also reported unused")
    func noUnusedAfterTypo() {
        let result = compile(basicSet.replacingOccurrences(of: "  sms-only:", with: "  sms-onyl:") + """
            calendars:
              shop: {timezone: America/Sao_Paulo, hours: {mon-fri: "08:00-18:00"}}
            locations:
              centro: {calendar: shp}
            rules:
              - id: r
                on: work_order.created
                channel: sms
                template: sms-only

            """)
        #expect(Set(codes(result)).isSuperset(of: ["unknown-template", "unknown-calendar"]), "\(dump(result))")
        #expect(!codes(result).contains("unused-calendar"), "\(dump(result))")
        #expect(!result.diagnostics.contains { $0.code.rawValue == "unused-template" && $0.message.contains("sms-onyl") }, "\(dump(result))")
        // Names at the same distance: the one the error suggests (the first in order) is the one left out, every run.
        let tie = basicSet.replacingOccurrences(of: "  sms-only:", with: "  note-a2:\n    sms: \"x\"\n  note-a1:\n    sms: \"y\"\n  sms-only:")
            + "rules:\n  - id: r\n    on: work_order.created\n    channel: sms\n    template: note-a\n"
        for _ in 0..<5 {
            let r = compile(tie)
            #expect(r.diagnostics.contains { $0.code.rawValue == "unknown-template" && $0.message.contains("did you mean 'note-a1'?") }, "\(dump(r))")
            #expect(!r.diagnostics.contains { $0.code.rawValue == "unused-template" && $0.message.contains("'note-a1'") }, "\(dump(r))")
            #expect(r.diagnostics.contains { $0.code.rawValue == "unused-template" && $0.message.contains("'note-a2'") }, "\(dump(r))")
        }
    }

    @Test("GMT-3 is explained as a fixed offset and zones at UTC−03:00 are suggested, not GMT")
    func fixedOffsets() {
        for zone in ["GMT-3", "UTC-03:00", "-0300", "GMT -3", "GMT-0300", "GMT-03:00"] {
            let message = timeZoneMessage(zone)
            #expect(message.contains("a fixed offset is not a time zone"), "\(zone): \(message)")
            #expect(message.contains("UTC−03:00"), "\(zone): \(message)")
            #expect(message.contains("'America/Sao_Paulo'"), "\(zone): \(message)")
            #expect(!message.contains("'GMT'") && !message.contains("'UTC'"), "\(zone): \(message)")
        }
        let india = timeZoneMessage("UTC+5:30")
        #expect(india.contains("'Asia/Kolkata'"), "\(india)")
        // IANA's own fixed-offset zones stay valid.
        #expect(timeZoneMessage("Etc/GMT+3") == "(no invalid-time-zone)")
    }

    @Test("an old or made-up area finds the zone of the same city")
    func zoneByCity() {
        #expect(timeZoneMessage("Brazil/Recife").hasSuffix("did you mean 'America/Recife'?"))
        #expect(timeZoneMessage("Sao Paulo").hasSuffix("did you mean 'America/Sao_Paulo'?"))
        #expect(timeZoneMessage("lisbon").hasSuffix("did you mean 'Europe/Lisbon'?"))
        #expect(timeZoneMessage("Europe/Lisbn").hasSuffix("did you mean 'Europe/Lisbon'?"))
    }

    @Test("{{#iff}} suggests #if and its {{else}} and {{/if}} are not reported again")
    func misspeltBlock() {
        let text = """
            templates:
              t:
                sms: "{{#iff work_order.number}}a{{else}}b{{/if}}"

            """
        let result = compile(text)
        let syntax = result.diagnostics.filter { $0.code == .templateSyntax }
        #expect(syntax.count == 1, "\(dump(result))")
        #expect(syntax.first?.message.hasSuffix("did you mean '#if'?") == true, "\(dump(result))")
    }

    @Test("an unknown block's own closing tag ends it without a second error")
    func unknownBlockClosedByItsOwnTag() {
        let result = compile("templates:\n  t:\n    sms: \"{{#each x}}a{{/each}}\"\n")
        #expect(result.diagnostics.filter { $0.code == .templateSyntax }.count == 1, "\(dump(result))")
    }

    func lintMessage(of name: String, contents: Data) throws -> Diagnostic {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("herald-kind-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent(name).path
        try contents.write(to: URL(fileURLWithPath: path))
        let result = Compiler.compile(path: path)
        #expect(result.diagnostics.count == 1)
        return try #require(result.diagnostics.first)
    }

    @Test("linting a compiled rule set, a test file or events says what the file is and which command takes it")
    func otherKindsOfFile() throws {
        let bundle = try lintMessage(of: "rules.herald", contents: Data(Compiler.compiledRuleSetMagic + [0, 1, 2]))
        #expect(bundle.message.contains("is a compiled rule set"), "\(bundle.message)")
        #expect(bundle.message.contains("herald eval --rules"), "\(bundle.message)")
        let test = try lintMessage(of: "shop.test.yaml", contents: Data("rules: .\ntests: []\n".utf8))
        #expect(test.message.contains("is a test file"), "\(test.message)")
        #expect(test.message.contains("herald test"), "\(test.message)")
        let events = try lintMessage(of: "events.ndjson", contents: Data("{\"id\": \"e1\"}\n".utf8))
        #expect(events.message.contains("is a file of events"), "\(events.message)")
        #expect(events.message.contains("herald eval"), "\(events.message)")
    }

    @Test("a rule file is still read as one, whatever its first bytes")
    func ruleFileIsRead() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("herald-kind-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("r.yaml").path
        try Data("{statuses: {work_order: [open]}}\n".utf8).write(to: URL(fileURLWithPath: path))
        let result = Compiler.compile(path: path)
        #expect(result.diagnostics.isEmpty, "\(dump(result))")
    }
}

/// Error texts a user reads never show Foundation's or a decoder's internals.
@Suite("error texts")
struct ErrorTextTests {
    @Test("file errors give the operating system's reason")
    func fileErrors() {
        do {
            _ = try Data(contentsOf: URL(fileURLWithPath: "/nonexistent/herald/x.yaml"))
            Issue.record("read did not fail")
        } catch {
            let text = ErrorText.describe(error)
            #expect(text == "no such file or directory", "\(text)")
        }
        do {
            try Data("x".utf8).write(to: URL(fileURLWithPath: "/proc/herald-cannot-write-here"))
            Issue.record("write did not fail")
        } catch {
            let text = ErrorText.describe(error)
            #expect(!text.contains("NSCocoaErrorDomain") && !text.contains("operation could not be completed"), "\(text)")
        }
    }

    struct Shape: Decodable {
        var name: String
        var items: [Int]
    }

    @Test("decoding errors say what is missing or wrong, and where, without DecodingError's dump")
    func decodingErrors() {
        func text(_ json: String) -> String {
            do {
                _ = try JSONDecoder().decode(Shape.self, from: Data(json.utf8))
                return "(decoded)"
            } catch {
                return ErrorText.describe(error)
            }
        }
        #expect(text("{\"items\": []}") == "'name' is missing")
        #expect(text("{\"name\": 1, \"items\": []}") == "a value at name is not text")
        #expect(text("{\"name\": \"a\", \"items\": [\"x\"]}") == "a value at items[0] is not a number")
        #expect(text("{") == "not valid JSON")
        for message in [text("{\"items\": []}"), text("{")] {
            #expect(!message.contains("DecodingError") && !message.contains("CodingKeys"), "\(message)")
        }
    }
}
