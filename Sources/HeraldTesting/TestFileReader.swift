public import Foundation
public import HeraldCompiler
import HeraldRuntime
public import HeraldSyntax

/// Reads `*.test.yaml` files and checks their shape like rule files are
/// checked: unknown keys (with "did you mean"), wrong shapes, unknown record
/// fields, decisions and channels, malformed timestamps. Problems are
/// collected as diagnostics with positions; reading never throws or traps.
///
/// Checks that need the rule set (rule names, event validity) are
/// `TestFileReader.check(_:ruleSet:)`.
public enum TestFileReader {
    /// What reading one test file gave.
    public struct Reading: Sendable {
        /// The file, when its shape allows running it (there may still be
        /// diagnostics: then it must not be run).
        public var file: TestFile?
        /// Problems found, in reporting order.
        public var diagnostics: [Diagnostic]
        /// The file's lines, for source excerpts.
        public var lines: [Substring]

        /// Whether any diagnostic is an error (the file is malformed).
        public var hasErrors: Bool { diagnostics.contains { $0.severity == .error } }
    }

    /// The keys of a test file's top level.
    static let fileKeys = ["rules", "tests"]
    /// The keys of one test.
    static let testKeys = ["name", "events", "expect"]

    /// Reads the test file at `path` (the path is also the reported path).
    /// Only a regular file is read (a FIFO or a device is `unreadable-file`
    /// without being opened), and no more of it than the YAML size limit.
    public static func read(path: String) -> Reading {
        let start = SourcePosition(line: 1, column: 1, offset: 0)
        let limits = YAMLParser.Limits()
        switch RuleSetFiles.read(path, maxBytes: limits.maxBytes) {
        case .bytes(let data):
            return read(data, path: path)
        case .tooLarge(let size, let firstLine):
            let parsed = YAMLParser.tooLarge(path: path, size: size, firstLine: firstLine, limits: limits)
            return Reading(file: nil, diagnostics: parsed.diagnostics, lines: parsed.lines)
        case .unreadable(let reason):
            return Reading(
                file: nil,
                diagnostics: [.error(.unreadableFile, "cannot read '\(path)': \(reason)", at: SourceRange(file: path, at: start))],
                lines: [])
        }
    }

    /// Reads a test file's contents; `path` is the reported path, and the
    /// default rule set is the directory it names.
    public static func read(_ data: Data, path: String) -> Reading {
        let parsed = YAMLParser.parse(data, path: path)
        var reader = Reader(path: path)
        reader.diagnostics = parsed.syntaxDiagnostics
        let file = reader.file(parsed)
        // A value under a YAML anchor is read once per alias: report each
        // of its problems once.
        var seen: Set<Diagnostic> = []
        let diagnostics = reader.diagnostics.filter { seen.insert($0).inserted }
        return Reading(file: file, diagnostics: diagnostics.sorted(by: Diagnostic.reportingOrder), lines: parsed.lines)
    }

    /// Checks a well-shaped test file against the rule set it names: every
    /// expected `rule` must exist, and every event written as a mapping must
    /// be a valid event (the runtime's `invalid-event` message, placed at the
    /// offending value when it can be found).
    public static func check(_ file: TestFile, ruleSet: RuleSet) -> [Diagnostic] {
        check(file, ruleSet: ruleSet, runtime: Runtime(ruleSet: ruleSet))
    }

    static func check(_ file: TestFile, ruleSet: RuleSet, runtime: Runtime) -> [Diagnostic] {
        var diagnostics: [Diagnostic] = []
        // An event (or part of one) written once under a YAML anchor and
        // reused through aliases has one place in the file: its problem is
        // reported there once, however many tests use it. An alias of a
        // whole event is placed where the alias is, so events are told
        // apart by their JSON: each distinct one is checked once, at its
        // first use (the anchor).
        var checkedEvents: Set<String> = []
        var reported: Set<Diagnostic> = []
        let ruleIDs = ruleSet.rules.map(\.id)
        let known = Set(ruleIDs)
        for test in file.tests {
            for event in test.events where !event.isRaw && checkedEvents.insert(event.line).inserted {
                switch runtime.parse(line: event.line, lineNumber: 1) {
                case .blank, .event: break
                case .rejected(let record):
                    let message = record.message ?? record.reason ?? "rejected"
                    let diagnostic = Diagnostic.invalidEvent(message, at: locate(message: message, in: event.node))
                    if reported.insert(diagnostic).inserted { diagnostics.append(diagnostic) }
                }
            }
            for record in test.expect {
                guard let field = record.fields.first(where: { $0.name == "rule" }), case .string(let id) = field.value else {
                    continue
                }
                if !known.contains(id) {
                    let diagnostic = Diagnostic.unknownRule(id, in: file.rulesPath, known: ruleIDs, at: valueRange(of: field))
                    if reported.insert(diagnostic).inserted { diagnostics.append(diagnostic) }
                }
            }
        }
        return diagnostics.sorted(by: Diagnostic.reportingOrder)
    }

    /// The range of the value of an expected field (the key's range is what is stored).
    private static func valueRange(of field: ExpectedField) -> SourceRange { field.valueRange ?? field.range }

    /// Where a runtime message `path: text` points in the event's YAML: the
    /// value at that path, or the innermost mapping on the way (for a
    /// missing field).
    static func locate(message: String, in node: Node) -> SourceRange {
        guard let colon = message.range(of: ": ") else { return node.range }
        let path = message[..<colon.lowerBound]
        guard !path.contains(" ") else { return node.range }
        var current = node
        for component in path.split(separator: ".") {
            guard let pair = current.pairs?.first(where: { $0.key.text == String(component) }) else { return current.range }
            current = pair.value
        }
        return current.range
    }
}

/// The state of reading one file.
private struct Reader {
    let path: String
    var diagnostics: [Diagnostic] = []

    init(path: String) {
        self.path = path
    }

    mutating func report(_ d: Diagnostic) { diagnostics.append(d) }

    /// The directory holding the file, as reported (`.` for a bare name).
    var directory: String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        let dir = String(path[..<slash])
        return dir.isEmpty ? "/" : dir
    }

    mutating func file(_ parsed: ParsedFile) -> TestFile? {
        let start = SourceRange(file: path, at: SourcePosition(line: 1, column: 1, offset: 0))
        if parsed.documents.count > 1 {
            report(.wrongType("a test file holds one YAML document, not \(parsed.documents.count)", at: parsed.documents[1].root.range))
        }
        guard let root = parsed.documents.first?.root, !root.isNull else {
            if parsed.diagnostics.isEmpty { report(.missingTestKey("tests", in: "a test file", at: start)) }
            return nil
        }
        guard let pairs = keyed(root, known: TestFileReader.fileKeys, context: "a test file", what: "a mapping with 'tests'")
        else { return nil }

        var rulesPath = directory
        var rulesRange: SourceRange?
        if let rules = pairs["rules"] {
            rulesRange = rules.value.range
            if let text = rules.value.scalar, !text.isNull, !text.text.isEmpty {
                rulesPath = TestPaths.resolve(text.text, from: directory)
            } else {
                report(.wrongType("'rules' must be the path of a rule set, not \(describe(rules.value))", at: rules.value.range))
            }
        }

        var tests: [TestCase] = []
        if let list = pairs["tests"] {
            if let items = list.value.items {
                var firstLine: [String: Int] = [:]
                for item in items {
                    guard let test = test(item) else { continue }
                    if let line = firstLine[test.name] {
                        report(.duplicateTestName(test.name, firstAt: line, at: test.range))
                    } else {
                        firstLine[test.name] = test.range.start.line
                    }
                    tests.append(test)
                }
            } else if !list.value.isNull {
                report(.wrongType("'tests' must be a list of tests, not \(describe(list.value))", at: list.value.range))
            }
        } else {
            report(.missingTestKey("tests", in: "a test file", at: root.pairs?.first?.key.range ?? root.range))
        }
        return TestFile(path: path, rulesPath: rulesPath, rulesRange: rulesRange, tests: tests)
    }

    mutating func test(_ node: Node) -> TestCase? {
        guard let pairs = keyed(node, known: TestFileReader.testKeys, context: "a test", what: "a mapping with name, events and expect")
        else { return nil }
        let anchor = node.pairs?.first?.key.range ?? node.range
        var name: String?
        var nameRange = anchor
        if let pair = pairs["name"] {
            nameRange = pair.value.range
            if let s = pair.value.scalar, !s.isNull, !s.text.isEmpty {
                name = s.text
            } else {
                report(.wrongType("a test's 'name' must be text, not \(describe(pair.value))", at: pair.value.range))
            }
        } else {
            report(.missingTestKey("name", in: "a test", at: anchor))
        }
        let label = name.map { "test '\($0)'" } ?? "a test"

        var events: [TestEvent] = []
        if let pair = pairs["events"] {
            if let items = pair.value.items {
                for item in items { if let e = event(item) { events.append(e) } }
            } else if !pair.value.isNull {
                report(.wrongType("'events' must be a list of events, not \(describe(pair.value))", at: pair.value.range))
            }
        } else {
            report(.missingTestKey("events", in: label, at: anchor))
        }

        var expect: [ExpectedRecord] = []
        if let pair = pairs["expect"] {
            if let items = pair.value.items {
                for item in items { if let r = record(item) { expect.append(r) } }
            } else if !pair.value.isNull {
                report(
                    .wrongType(
                        "'expect' must be a list of records ('expect: []' for none), not \(describe(pair.value))",
                        at: pair.value.range))
            }
        } else {
            report(
                .error(
                    .missingKey, "\(label) needs 'expect' (write 'expect: []' when its events should produce no records)",
                    at: anchor))
        }
        guard let name else { return nil }
        return TestCase(name: name, range: nameRange, events: events, expect: expect)
    }

    /// An event: a mapping (converted to JSON with YAML 1.2 core typing) or
    /// a string holding a raw NDJSON line.
    mutating func event(_ node: Node) -> TestEvent? {
        switch node.kind {
        case .mapping:
            guard let value = YAMLToJSON.value(of: node, diagnostics: &diagnostics) else { return nil }
            return TestEvent(line: value.jsonText, node: node, isRaw: false)
        case .scalar(let s) where !s.isNull:
            guard !s.text.contains("\n") && !s.text.contains("\r") else {
                report(.wrongType("an event written as text must be one line of JSON", at: node.range))
                return nil
            }
            return TestEvent(line: s.text, node: node, isRaw: true)
        default:
            report(
                .wrongType(
                    "an event must be a mapping (or a string holding one line of raw JSON), not \(describe(node))",
                    at: node.range))
            return nil
        }
    }

    /// An expected record: a mapping of record fields.
    mutating func record(_ node: Node) -> ExpectedRecord? {
        guard let pairs = node.pairs else {
            report(.wrongType("an expected record must be a mapping of record fields, not \(describe(node))", at: node.range))
            return nil
        }
        var fields: [ExpectedField] = []
        var kinds: [(RecordField, Node.Pair)] = []
        for pair in pairs {
            guard let key = pair.key.scalar, !key.isNull else {
                report(.wrongType("record fields must be names, not \(describe(pair.key))", at: pair.key.range))
                continue
            }
            guard let field = RecordField(rawValue: key.text) else {
                report(.unknownRecordField(key.text, at: pair.key.range))
                continue
            }
            guard let value = value(pair.value, for: field) else { continue }
            var expected = ExpectedField(name: field.rawValue, value: value, range: pair.key.range)
            expected.valueRange = pair.value.range
            fields.append(expected)
            kinds.append((field, pair))
        }
        if let decision = fields.first(where: { $0.name == "decision" })?.value.stringValue {
            for (field, pair) in kinds where !field.decisions.contains(decision) {
                report(.fieldNotInDecision(field, decision: decision, at: pair.key.range))
            }
        }
        // Kept even with bad fields (the file is malformed then and does not
        // run), so that the checks against the rule set still see its rule.
        return ExpectedRecord(fields: fields, range: node.range)
    }

    /// The value of an expected field, typed by the field (docs/rule-language.md §1: by the
    /// key it stands under, not by YAML guessing).
    mutating func value(_ node: Node, for field: RecordField) -> JSONValue? {
        let name = field.rawValue
        if node.isNull {
            // `field: null` asks for the field to be absent (docs/testing.md):
            // an email without `html`, a send without `reply_to`. Every
            // record has a decision, so that one needs a value.
            guard field != .decision else {
                report(.wrongType("'\(name)' needs a value: every record has one", at: node.range))
                return nil
            }
            return .null
        }
        switch field.valueKind {
        case .text, .textOrNull:
            guard let s = node.scalar else {
                report(.wrongType("'\(name)' must be text, not \(describe(node))", at: node.range))
                return nil
            }
            return .string(s.text)
        case .timestamp:
            guard let s = node.scalar, RFC3339.parse(s.text) != nil else {
                report(
                    .wrongType(
                        "'\(name)' must be an RFC 3339 timestamp with offset (2026-04-07T13:00:00-03:00), not \(describe(node))",
                        at: node.range))
                return nil
            }
            return .string(s.text)
        case .integer:
            guard let s = node.scalar, let n = Int(s.text), n >= 0 else {
                report(.wrongType("'\(name)' must be a whole number, not \(describe(node))", at: node.range))
                return nil
            }
            return .number(String(n))
        case .boolean:
            switch node.scalar?.text {
            case "true"?, "True"?, "TRUE"?: return .bool(true)
            case "false"?, "False"?, "FALSE"?: return .bool(false)
            default:
                report(.wrongType("'\(name)' must be true or false, not \(describe(node))", at: node.range))
                return nil
            }
        case .decision:
            guard let s = node.scalar else {
                report(.wrongType("'decision' must be one of send, skip, cancel, reject, not \(describe(node))", at: node.range))
                return nil
            }
            guard RecordField.decisions.contains(s.text) else {
                report(.unknownDecision(s.text, at: node.range))
                return nil
            }
            return .string(s.text)
        case .channel:
            guard let s = node.scalar else {
                report(.wrongType("'channel' must be email or sms, not \(describe(node))", at: node.range))
                return nil
            }
            guard Channel(rawValue: s.text) != nil else {
                report(.unknownTestChannel(s.text, at: node.range))
                return nil
            }
            return .string(s.text)
        case .attachments:
            guard let items = node.items else {
                report(.wrongType("'attachments' must be a list of {url, content_type, filename}, not \(describe(node))", at: node.range))
                return nil
            }
            var values: [JSONValue] = []
            for item in items {
                guard let pairs = item.pairs else {
                    report(.wrongType("an attachment must be a mapping of url, content_type, filename, not \(describe(item))", at: item.range))
                    return nil
                }
                var members: [JSONValue.Member] = []
                for pair in pairs {
                    guard let key = pair.key.text, RecordField.attachmentMembers.contains(key) else {
                        report(
                            .unknownTestKey(
                                pair.key.text ?? describe(pair.key), in: "an attachment", known: RecordField.attachmentMembers,
                                at: pair.key.range))
                        return nil
                    }
                    guard let s = pair.value.scalar, !s.isNull else {
                        report(.wrongType("'\(key)' must be text, not \(describe(pair.value))", at: pair.value.range))
                        return nil
                    }
                    members.append(JSONValue.Member(key, .string(s.text)))
                }
                values.append(.object(members))
            }
            return .array(values)
        }
    }

    /// The pairs of a mapping by key after checking the keys against
    /// `known`; nil (after a `wrong-type`) when `node` is not a mapping.
    mutating func keyed(_ node: Node, known: [String], context: String, what: String) -> [String: Node.Pair]? {
        guard let pairs = node.pairs else {
            report(.wrongType("\(context) must be \(what), not \(describe(node))", at: node.range))
            return nil
        }
        let keys = MappingKeys(pairs, known: known, context: context) { key, range in
            .unknownTestKey(key, in: context, known: known, at: range)
        }
        diagnostics += keys.diagnostics
        return keys.pairs
    }
}

/// How a node's value is quoted in messages: its text for a scalar, else its shape.
func describe(_ node: Node) -> String {
    if let s = node.scalar, !s.isNull { return "'\(s.text)'" }
    return node.kindDescription
}

/// Lexical path handling for test files and their rule sets.
public enum TestPaths {
    /// `relative` resolved against `directory` (an absolute `relative` stands
    /// alone), with `.` and `..` removed lexically: `Rules/shop` + `..` → `Rules`.
    public static func resolve(_ relative: String, from directory: String) -> String {
        if relative.hasPrefix("/") { return normalize(relative) }
        return normalize(directory == "." ? relative : directory + "/" + relative)
    }

    /// `a/./b/../c/` → `a/c`; `.` for an empty relative result.
    public static func normalize(_ path: String) -> String {
        let absolute = path.hasPrefix("/")
        var parts: [Substring] = []
        for part in path.split(separator: "/", omittingEmptySubsequences: true) {
            if part == "." { continue }
            if part == ".." {
                if let last = parts.last, last != ".." {
                    parts.removeLast()
                    continue
                }
                if absolute { continue }
            }
            parts.append(part)
        }
        let joined = parts.joined(separator: "/")
        if absolute { return "/" + joined }
        return joined.isEmpty ? "." : joined
    }
}
