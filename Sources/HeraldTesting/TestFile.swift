public import HeraldModel
public import HeraldSyntax

/// A `*.test.yaml` file as read (docs/testing.md): which rule set it tests and its
/// tests, every part with its source position.
public struct TestFile: Sendable {
    /// The file's path as reported (the PATH argument joined with the path below it).
    public var path: String
    /// The rule set the tests run against: `rules:` resolved against the
    /// file's directory, or the file's directory itself.
    public var rulesPath: String
    /// Where `rules:` is written, if it is.
    public var rulesRange: SourceRange?
    /// The tests, in file order.
    public var tests: [TestCase]

    /// Creates a test file.
    public init(path: String, rulesPath: String, rulesRange: SourceRange? = nil, tests: [TestCase]) {
        self.path = path
        self.rulesPath = rulesPath
        self.rulesRange = rulesRange
        self.tests = tests
    }

    /// Types the events written as mappings by `schema` (the rule set's),
    /// as `YAMLToJSON.event(of:schema:diagnostics:)` does: they were read
    /// with YAML's core typing, before the rule set was known. An event
    /// that cannot be written as JSON was reported when the file was read
    /// and stays as it is.
    public mutating func typeEvents(by schema: Schema) {
        for t in tests.indices {
            for e in tests[t].events.indices where !tests[t].events[e].isRaw {
                var ignored: [Diagnostic] = []
                if let value = YAMLToJSON.event(of: tests[t].events[e].node, schema: schema, diagnostics: &ignored) {
                    tests[t].events[e].line = value.jsonText
                }
            }
        }
    }
}

/// One test: events fed to a fresh runtime state, and the records they must produce.
public struct TestCase: Sendable {
    /// The test's name (what `--run` matches).
    public var name: String
    /// Where the name is written.
    public var range: SourceRange
    /// The events, in order.
    public var events: [TestEvent]
    /// The records expected, in order.
    public var expect: [ExpectedRecord]

    /// Creates a test.
    public init(name: String, range: SourceRange, events: [TestEvent], expect: [ExpectedRecord]) {
        self.name = name
        self.range = range
        self.events = events
        self.expect = expect
    }
}

/// One event of a test, as the NDJSON line the runtime reads.
public struct TestEvent: Sendable {
    /// The event as one line of JSON.
    public var line: String
    /// The YAML node it was written as (to place messages about it).
    public var node: Node
    /// Whether the event was written as a string holding raw JSON text (sent
    /// as is, unchecked: for testing `malformed-json` and `invalid-event` rejects).
    public var isRaw: Bool

    /// Creates an event.
    public init(line: String, node: Node, isRaw: Bool) {
        self.line = line
        self.node = node
        self.isRaw = isRaw
    }
}

/// An expected decision record: the fields a produced record must have.
/// Fields not listed may hold anything.
public struct ExpectedRecord: Sendable {
    /// The listed fields, in the order written.
    public var fields: [ExpectedField]
    /// Where the record is written.
    public var range: SourceRange

    /// Creates an expected record.
    public init(fields: [ExpectedField], range: SourceRange) {
        self.fields = fields
        self.range = range
    }

    /// The value listed for `name`, if any.
    public subscript(name: String) -> JSONValue? {
        fields.first { $0.name == name }?.value
    }

    /// The listed fields as one line of JSON, for messages.
    public var jsonText: String {
        JSONValue.object(fields.map { JSONValue.Member($0.name, $0.value) }).jsonText
    }
}

/// One field of an expected record.
public struct ExpectedField: Sendable {
    /// The record field (`send_at`, `rule`, …).
    public var name: String
    /// The value it must have (`null` also matches an absent field).
    public var value: JSONValue
    /// Where the field is written (its key).
    public var range: SourceRange
    /// Where its value is written, if known.
    public var valueRange: SourceRange?

    /// Creates a field.
    public init(name: String, value: JSONValue, range: SourceRange, valueRange: SourceRange? = nil) {
        self.name = name
        self.value = value
        self.range = range
        self.valueRange = valueRange
    }
}
