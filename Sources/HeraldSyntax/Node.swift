/// A YAML node with its source range. The tree is plain data: anchors and
/// aliases are already resolved (an alias is a copy of its anchor's node, with
/// the alias's own range), and merge keys (`<<`) are already applied.
///
/// Scalars are *not* typed here: a scalar keeps its text and its style, and the
/// compiler interprets it by the schema of the key it stands under (so `on`,
/// `no`, `off` stay strings where strings are expected).
public struct Node: Sendable, Hashable {
    /// The shape of a node.
    public enum Kind: Sendable, Hashable {
        /// A scalar with its text (after YAML unescaping/folding).
        case scalar(Scalar)
        /// A sequence of nodes.
        case sequence([Node])
        /// A mapping, in source order. Keys are usually scalars.
        case mapping([Pair])
    }

    /// A key/value pair of a mapping.
    public struct Pair: Sendable, Hashable {
        /// The key node.
        public var key: Node
        /// The value node.
        public var value: Node

        /// Creates a pair.
        public init(key: Node, value: Node) {
            self.key = key
            self.value = value
        }
    }

    /// The node's shape and content.
    public var kind: Kind
    /// Where the node stands in the file (for an alias: where the alias stands).
    public var range: SourceRange

    /// Creates a node.
    public init(kind: Kind, range: SourceRange) {
        self.kind = kind
        self.range = range
    }
}

/// A YAML scalar: its text, its style and a map from text positions back to
/// the source, so that errors inside an expression or template (even in a
/// block scalar) point at the offending character.
public struct Scalar: Sendable, Hashable {
    /// How the scalar was written.
    public enum Style: Sendable, Hashable {
        /// Unquoted.
        case plain
        /// `'…'`
        case singleQuoted
        /// `"…"`
        case doubleQuoted
        /// `|`
        case literal
        /// `>`
        case folded
    }

    /// The scalar's value text.
    public var text: String
    /// How it was written.
    public var style: Style
    /// Explicit tag, if any (e.g. `!!str`), as libyaml reports it.
    public var tag: String?
    /// Where the position map comes from: computed on demand from the file's
    /// source (parsed scalars), or given.
    var map: PositionMap

    /// For each Unicode scalar of `text` (by index), its source position.
    /// Has `text.unicodeScalars.count + 1` entries (the last one is just past
    /// the end). Empty when the mapping could not be computed; then
    /// `position(ofScalarAt:)` falls back to the node start.
    ///
    /// Parsed scalars do not store this map: it is computed from the file's
    /// source each time it is read (O(length of the scalar)), so read it once
    /// and keep the array when you need several positions.
    public var positions: [SourcePosition] {
        get { map.positions(text: text, style: style) }
        set { map = .given(newValue) }
    }

    /// Creates a scalar.
    public init(text: String, style: Style, tag: String? = nil, positions: [SourcePosition] = []) {
        self.text = text
        self.style = style
        self.tag = tag
        self.map = .given(positions)
    }

    /// Creates a parsed scalar whose positions are computed on demand.
    init(text: String, style: Style, tag: String?, map: PositionMap) {
        self.text = text
        self.style = style
        self.tag = tag
        self.map = map
    }

    /// Whether this is a plain scalar that YAML reads as null (`~`, `null`,
    /// `Null`, `NULL`, or empty).
    public var isNull: Bool {
        style == .plain && tag == nil && ["", "~", "null", "Null", "NULL"].contains(text)
    }
}

extension Node {
    /// The scalar, if this node is one.
    public var scalar: Scalar? {
        if case .scalar(let s) = kind { return s }
        return nil
    }

    /// The scalar text, if this node is a scalar.
    public var text: String? { scalar?.text }

    /// The items, if this node is a sequence.
    public var items: [Node]? {
        if case .sequence(let items) = kind { return items }
        return nil
    }

    /// The pairs, if this node is a mapping.
    public var pairs: [Pair]? {
        if case .mapping(let pairs) = kind { return pairs }
        return nil
    }

    /// Whether the node is a null scalar.
    public var isNull: Bool { scalar?.isNull ?? false }

    /// The value for a scalar key in a mapping (first match), if any.
    public subscript(key: String) -> Node? {
        pairs?.first { $0.key.text == key }?.value
    }

    /// A word for the node's shape, used in messages ("a mapping", "a list", "a scalar").
    public var kindDescription: String {
        switch kind {
        case .scalar(let s): return s.isNull ? "null" : "a scalar"
        case .sequence: return "a list"
        case .mapping: return "a mapping"
        }
    }

    /// The source range of the characters `from..<to` (Unicode-scalar indices
    /// into the scalar's text). Falls back to the whole node range when the
    /// scalar has no position map.
    public func range(ofScalarsFrom from: Int, to: Int) -> SourceRange {
        ranges(ofScalars: [(from, to)])[0]
    }

    /// `range(ofScalarsFrom:to:)` for many spans of the same scalar: the
    /// position map is built once, so the work is the scalar's length plus
    /// the number of spans (not their product).
    public func ranges(ofScalars spans: [(from: Int, to: Int)]) -> [SourceRange] {
        guard !spans.isEmpty else { return [] }
        guard let positions = scalar?.positions, !positions.isEmpty else { return spans.map { _ in range } }
        let last = positions.count - 1
        return spans.map { span in
            let a = positions[max(0, min(span.from, last))]
            let b = positions[max(0, min(max(span.to, span.from), last))]
            return SourceRange(file: range.file, start: a, end: b)
        }
    }
}

/// One YAML document of a file.
public struct Document: Sendable, Hashable {
    /// The root node (a null scalar for an empty document).
    public var root: Node

    /// Creates a document.
    public init(root: Node) {
        self.root = root
    }
}

extension Document {
    /// The value under `key` in the root mapping, as a streaming parse
    /// hands it over (`YAMLParser.parse(_:path:limits:streaming:to:)`): the
    /// items of a sequence, else the whole value; nothing without the key.
    public func parts(under key: String) -> [StreamedPart] {
        guard let value = root[key] else { return [] }
        if let items = value.items { return items.map { .item($0) } }
        return [.value(value)]
    }
}

/// A piece of the value under a document's top-level key, handed over by a
/// streaming parse as soon as it is complete.
public enum StreamedPart: Sendable {
    /// An item of the sequence under the key.
    case item(Node)
    /// The whole value under the key, when it is not a sequence (null, a
    /// scalar or a mapping).
    case value(Node)
}

/// A key written twice in one mapping. The parser keeps the first pair and
/// drops the later one; what the duplicate means is up to the reader (a
/// `yaml-syntax` error in general, `duplicate-name` where the keys are names).
public struct DuplicateKey: Sendable, Hashable {
    /// The key text.
    public var key: String
    /// The later key, the one dropped.
    public var range: SourceRange
    /// The first key of that text in the mapping (nil when it was a merge key `<<`).
    public var first: SourceRange?
    /// Where the mapping holding both keys starts (equal to the start of its
    /// node's range, unless the node is a copy made by an alias).
    public var mappingStart: SourcePosition

    /// Creates a duplicate-key record.
    public init(key: String, range: SourceRange, first: SourceRange?, mappingStart: SourcePosition) {
        self.key = key
        self.range = range
        self.first = first
        self.mappingStart = mappingStart
    }

    /// Whether the duplicate is a key of `mapping` itself (not of a mapping
    /// nested in it, and not of a copy of it made by an alias).
    public func isKey(of mapping: Node) -> Bool {
        mapping.pairs != nil && isKey(ofMappingAt: mapping.range)
    }

    /// Whether the duplicate is a key of the mapping whose node has this
    /// range: for readers that keep where a mapping stands, not the mapping.
    public func isKey(ofMappingAt mappingRange: SourceRange) -> Bool {
        mappingRange.file == range.file && mappingRange.start.offset == mappingStart.offset
    }

    /// The generic reading: a `yaml-syntax` error at the later key.
    public var diagnostic: Diagnostic {
        .error(.yamlSyntax, "duplicate key '\(key)'", at: range)
    }
}

/// The result of parsing one YAML file: its documents, any `yaml-syntax`
/// (or resource-limit) diagnostics, and the duplicate keys found. On a syntax
/// error the documents before the error are kept.
public struct ParsedFile: Sendable {
    /// The reported file path.
    public var path: String
    /// The documents parsed.
    public var documents: [Document]
    /// Problems found while parsing. Duplicate keys are not among them: they
    /// are in `duplicateKeys`, for the reader to report.
    public var diagnostics: [Diagnostic]
    /// Keys written twice in one mapping, in source order.
    public var duplicateKeys: [DuplicateKey]
    /// The file's text split into lines (without line terminators), for
    /// rendering source excerpts. A parsed file splits its text when this is
    /// read (each read splits it again: keep the array when reading many lines).
    public var lines: [Substring] {
        get {
            switch lineSource {
            case .given(let lines): lines
            case .source(let table): table.lines()
            }
        }
        set { lineSource = .given(newValue) }
    }

    /// Where `lines` come from: the file's text, kept by the parser's tables
    /// anyway, so a parsed rule set does not hold every line a second time.
    private var lineSource: LineSource

    private enum LineSource: Sendable {
        case given([Substring])
        case source(SourceTable)
    }

    /// Creates a parsed file.
    public init(
        path: String, documents: [Document], diagnostics: [Diagnostic], duplicateKeys: [DuplicateKey] = [],
        lines: [Substring]
    ) {
        self.path = path
        self.documents = documents
        self.diagnostics = diagnostics
        self.duplicateKeys = duplicateKeys
        self.lineSource = .given(lines)
    }

    /// The file parsed again from the text its parse kept: the same documents,
    /// diagnostics and duplicate keys as the first time, given the same `limits`. For readers that drop
    /// the documents once read and need part of them again later (a compiler
    /// that checks one file's rules at a time). A file made with given lines
    /// kept no text: it is returned as it is.
    public func parsedAgain(limits: YAMLParser.Limits = YAMLParser.Limits()) -> ParsedFile {
        guard case .source(let table) = lineSource else { return self }
        return YAMLParser.parse(again: table, path: path, limits: limits)
    }

    /// The file parsed again as `parsedAgain(limits:)` does, the values under
    /// the top-level `key` handed to `handle` as
    /// `YAMLParser.parse(_:path:limits:streaming:to:)` does. Without
    /// `keepingOthers`, the other top-level values are read (for their
    /// anchors, which are built) but not kept: for a reader that wants only
    /// what is handed over. A file that kept no text hands over what its
    /// documents hold.
    @discardableResult
    public func parsedAgain(
        limits: YAMLParser.Limits = YAMLParser.Limits(), streaming key: String, keepingOthers: Bool = true,
        to handle: (StreamedPart) -> Void
    ) -> ParsedFile {
        guard case .source(let table) = lineSource else {
            for document in documents { document.parts(under: key).forEach(handle) }
            return self
        }
        return YAMLParser.parse(
            again: table, path: path, limits: limits, streaming: key, keepingOthers: keepingOthers, to: handle)
    }

    /// Creates a parsed file whose lines are split from `source` when asked.
    init(path: String, documents: [Document], diagnostics: [Diagnostic], duplicateKeys: [DuplicateKey], source: SourceTable) {
        self.path = path
        self.documents = documents
        self.diagnostics = diagnostics
        self.duplicateKeys = duplicateKeys
        self.lineSource = .source(source)
    }

    /// The parse diagnostics with every duplicate key read as a `yaml-syntax`
    /// error, in source order: for readers that give duplicate keys no
    /// meaning of their own.
    public var syntaxDiagnostics: [Diagnostic] {
        guard !duplicateKeys.isEmpty else { return diagnostics }
        return (diagnostics + duplicateKeys.map(\.diagnostic)).sorted { $0.range.start.offset < $1.range.start.offset }
    }
}

/// How a scalar gets its position map. Parsed scalars keep only what is
/// needed to recompute it (a reference to the file's shared tables and a few
/// numbers), not one `SourcePosition` per character.
enum PositionMap: Sendable, Hashable {
    /// A map given as is (possibly empty: no map).
    case given([SourcePosition])
    /// A one-line scalar written exactly as its value (plain, or quoted
    /// without escapes): one column per character from the token start.
    case verbatim(ScalarOrigin)
    /// Any other scalar: `ScalarLocator` runs (again) over its source; no
    /// map when its reading is not the scalar's text.
    case located(ScalarOrigin)

    /// The map for a scalar of this text and style.
    func positions(text: String, style: Scalar.Style) -> [SourcePosition] {
        switch self {
        case .given(let positions):
            return positions
        case .verbatim(let origin):
            let start = origin.table.cursor(atIndex: Int(origin.startIndex), yamlColumn: 0).position
            let skip = style == .plain ? 0 : 1
            var column = start.column + skip
            var offset = start.offset + skip
            var positions: [SourcePosition] = []
            positions.reserveCapacity(text.utf8.count + 1)
            for b in text.utf8 {
                if b & 0xC0 != 0x80 {
                    positions.append(SourcePosition(line: start.line, column: column, offset: offset))
                    column += 1
                }
                offset += 1
            }
            positions.append(SourcePosition(line: start.line, column: column, offset: offset))
            return positions
        case .located(let origin):
            let cursor = origin.table.cursor(atIndex: Int(origin.startIndex), yamlColumn: Int(origin.yamlColumn))
            let located = ScalarLocator.locate(
                style: style, from: cursor, endIndex: Int(origin.endIndex), hasProperties: origin.hasProperties,
                parentIndent: Int(origin.parentIndent), expectedCount: text.utf8.count)
            guard let located, located.reads(text) else { return [] }
            return located.positions
        }
    }
}

/// Where a parsed scalar's event starts and ends in its file, and how
/// `ScalarLocator` read it: enough to recompute its position map.
struct ScalarOrigin: Sendable, Hashable {
    /// The file's tables.
    let table: SourceTable
    /// libyaml character index where the scalar event starts.
    let startIndex: UInt32
    /// libyaml character index where it ends.
    let endIndex: UInt32
    /// libyaml's 0-based column at the start.
    let yamlColumn: Int32
    /// The enclosing block indentation the locator used (block scalars).
    let parentIndent: Int32
    /// Whether an anchor or tag stands before the scalar.
    let hasProperties: Bool

    /// An origin, or nil when a number does not fit (then the caller stores
    /// the map itself).
    init?(table: SourceTable, startIndex: Int, endIndex: Int, yamlColumn: Int, parentIndent: Int, hasProperties: Bool) {
        guard let start = UInt32(exactly: startIndex), let end = UInt32(exactly: endIndex),
            let column = Int32(exactly: yamlColumn), let indent = Int32(exactly: parentIndent)
        else { return nil }
        self.table = table
        self.startIndex = start
        self.endIndex = end
        self.yamlColumn = column
        self.parentIndent = indent
        self.hasProperties = hasProperties
    }

    static func == (lhs: ScalarOrigin, rhs: ScalarOrigin) -> Bool {
        lhs.table === rhs.table && lhs.startIndex == rhs.startIndex && lhs.endIndex == rhs.endIndex
            && lhs.yamlColumn == rhs.yamlColumn && lhs.parentIndent == rhs.parentIndent
            && lhs.hasProperties == rhs.hasProperties
    }

    func hash(into hasher: inout Hasher) {
        hasher.combine(ObjectIdentifier(table))
        hasher.combine(startIndex)
        hasher.combine(endIndex)
    }
}
