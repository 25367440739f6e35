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
    /// For each Unicode scalar of `text` (by index), its source position.
    /// Has `text.unicodeScalars.count + 1` entries (the last one is just past
    /// the end). Empty when the mapping could not be computed; then
    /// `position(ofScalarAt:)` falls back to the node start.
    public var positions: [SourcePosition]

    /// Creates a scalar.
    public init(text: String, style: Style, tag: String? = nil, positions: [SourcePosition] = []) {
        self.text = text
        self.style = style
        self.tag = tag
        self.positions = positions
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
        guard let s = scalar, !s.positions.isEmpty else { return range }
        let last = s.positions.count - 1
        let a = s.positions[max(0, min(from, last))]
        let b = s.positions[max(0, min(max(to, from), last))]
        return SourceRange(file: range.file, start: a, end: b)
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

/// The result of parsing one YAML file: its documents and any `yaml-syntax`
/// (or resource-limit) diagnostics. On a syntax error the documents before the
/// error are kept.
public struct ParsedFile: Sendable {
    /// The reported file path.
    public var path: String
    /// The documents parsed.
    public var documents: [Document]
    /// Problems found while parsing.
    public var diagnostics: [Diagnostic]
    /// The file's text split into lines (without line terminators), for
    /// rendering source excerpts.
    public var lines: [Substring]

    /// Creates a parsed file.
    public init(path: String, documents: [Document], diagnostics: [Diagnostic], lines: [Substring]) {
        self.path = path
        self.documents = documents
        self.diagnostics = diagnostics
        self.lines = lines
    }
}
