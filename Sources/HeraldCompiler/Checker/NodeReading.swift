import HeraldSyntax

/// A mapping whose keys were checked against the keys its schema allows.
/// Unknown keys have been reported; a key given twice keeps its first value.
struct KeyedMapping {
    /// The mapping node (or the null node standing for an empty mapping).
    let node: Node
    /// The pairs by key text, first occurrence.
    private var pairs: [String: Node.Pair]
    /// Allowed keys that an unknown key looks like a misspelling of (`chanel`
    /// → `channel`): the unknown key is reported with its suggestion, so the
    /// allowed key is not reported missing on top of it.
    private(set) var misspelled: Set<String> = []

    init(node: Node, pairs: [String: Node.Pair], misspelled: Set<String> = []) {
        self.node = node
        self.pairs = pairs
        self.misspelled = misspelled
    }

    /// Whether `key` is written, or an unknown key was reported as its misspelling.
    func mentions(_ key: String) -> Bool {
        pairs[key] != nil || misspelled.contains(key)
    }

    /// The value under `key`, if the key is written and its value is not null.
    subscript(key: String) -> Node? {
        guard let value = pairs[key]?.value, !value.isNull else { return nil }
        return value
    }

    /// The key node of `key`, if written (even with a null value).
    func keyNode(_ key: String) -> Node? { pairs[key]?.key }

    /// The pair of `key`, if written (even with a null value).
    func pair(_ key: String) -> Node.Pair? { pairs[key] }

    /// Where a missing key is reported: the mapping's first key (so the report points
    /// at the mapping), or `fallback` (the owner's key) for an empty mapping.
    func anchor(orElse fallback: Node?) -> SourceRange {
        if let first = node.pairs?.first { return located(first.key.range, in: node.range) }
        return fallback?.range ?? node.range
    }
}

extension Diagnostic {
    /// `unknown-key`: a key the schema does not allow, with a suggestion or,
    /// when the list is short, the keys that are allowed.
    static func unknownKey(_ key: String, in context: String, known: [String], at range: SourceRange) -> Diagnostic {
        let suggestion = Suggestion.hint(for: key, in: known)
        let tail: String
        if !suggestion.isEmpty {
            tail = suggestion
        } else if known.count <= 8 {
            tail = "; expected one of: " + known.joined(separator: ", ")
        } else {
            tail = ""
        }
        return .error(.unknownKey, "unknown key '\(key)' in \(context)\(tail)", at: range)
    }

    /// `wrong-type`: a value of the wrong shape or text.
    static func wrongType(_ message: String, at range: SourceRange) -> Diagnostic {
        .error(.wrongType, message, at: range)
    }

    /// `missing-key`: a required key is absent.
    static func missingKey(_ message: String, at range: SourceRange) -> Diagnostic {
        .error(.missingKey, message, at: range)
    }
}

/// `inner` when it lies within `outer`; otherwise (a key merged in or copied
/// from an anchor elsewhere) `outer` itself when it is on one line (an alias
/// such as `- *base`), else the start of `outer`, where the mapping is written.
func located(_ inner: SourceRange, in outer: SourceRange) -> SourceRange {
    if inner.file == outer.file && outer.start <= inner.start && inner.end <= outer.end { return inner }
    if outer.start.line == outer.end.line { return outer }
    return SourceRange(file: outer.file, at: outer.start)
}

/// How a node's value is quoted in messages: its text for a scalar, else its shape.
func describe(_ node: Node) -> String {
    if let s = node.scalar, !s.isNull { return "'\(s.text)'" }
    return node.kindDescription
}

extension RuleSetChecker {
    /// Checks that `node` is a mapping (null counts as empty) and that its keys
    /// are among `known`; reports unknown and non-scalar keys. Returns nil
    /// (after a `wrong-type`) when `node` is not a mapping.
    mutating func keyed(_ node: Node, known: [String], context: String, expected: String? = nil) -> KeyedMapping? {
        if node.isNull { return KeyedMapping(node: node, pairs: [:]) }
        guard let pairs = node.pairs else {
            report(.wrongType("\(context) must be \(expected ?? "a mapping"), not \(describe(node))", at: node.range))
            return nil
        }
        let keys = MappingKeys(pairs, known: known, context: context) { key, range in
            .unknownKey(key, in: context, known: known, at: range)
        }
        keys.diagnostics.forEach { report($0) }
        let misspelled = keys.unknownKeys.compactMap { Suggestion.closest(to: $0, in: known) }
        return KeyedMapping(node: node, pairs: keys.pairs, misspelled: Set(misspelled))
    }

    /// The named entries of a mapping section (`calendars`, `templates`, …):
    /// each key must be a non-empty scalar. Null counts as empty. With `kind`,
    /// a key the YAML parser found twice in this mapping is a `duplicate-name`.
    mutating func namedEntries(_ node: Node, context: String, kind: NameKind? = nil) -> [Node.Pair] {
        if node.isNull { return [] }
        guard let pairs = node.pairs else {
            report(.wrongType("\(context) must be a mapping of names, not \(describe(node))", at: node.range))
            return []
        }
        if let kind { namedMappings.append(NamedMapping(range: node.range, kind: kind)) }
        var result: [Node.Pair] = []
        for pair in pairs {
            guard let key = pair.key.scalar, !key.isNull, !key.text.isEmpty else {
                report(.wrongType("names in \(context) must be text, not \(describe(pair.key))", at: pair.key.range))
                continue
            }
            result.append(pair)
        }
        return result
    }

    /// The text of a scalar where a string is expected (`true`, `no`, `3` are
    /// all strings here). Reports `wrong-type` for a list, mapping or null.
    mutating func string(_ node: Node, for key: String) -> String? {
        guard let s = node.scalar, !s.isNull else {
            report(.wrongType("'\(key)' must be text, not \(describe(node))", at: node.range))
            return nil
        }
        return s.text
    }

    /// A bool: `true`/`false` (also `True`, `TRUE`, `False`, `FALSE`); YAML 1.1
    /// words such as `yes`/`on` are not accepted.
    mutating func bool(_ node: Node, for key: String) -> Bool? {
        if let s = node.scalar {
            switch s.text {
            case "true", "True", "TRUE": return true
            case "false", "False", "FALSE": return false
            default: break
            }
        }
        report(.wrongType("'\(key)' must be true or false, not \(describe(node))", at: node.range))
        return nil
    }

    /// One scalar or a list of scalars (`to: open`, `to: [open, closed]`), each
    /// with its node. Reports `wrong-type` for other shapes and non-scalar items.
    mutating func oneOrList(_ node: Node, for key: String) -> [(text: String, node: Node)]? {
        if let s = node.scalar, !s.isNull {
            return [(s.text, node)]
        }
        guard let items = node.items else {
            report(.wrongType("'\(key)' must be a name or a list of names, not \(describe(node))", at: node.range))
            return nil
        }
        var result: [(text: String, node: Node)] = []
        for item in items {
            guard let s = item.scalar, !s.isNull else {
                report(.wrongType("items of '\(key)' must be names, not \(describe(item))", at: item.range))
                continue
            }
            result.append((s.text, item))
        }
        return result
    }

    /// A list of scalars (`closed: [...]`, `values: [...]`). `what` names the
    /// value in messages (default: the key, quoted).
    mutating func list(_ node: Node, for key: String, what: String? = nil) -> [(text: String, node: Node)]? {
        guard node.items != nil else {
            report(.wrongType("\(what ?? "'\(key)'") must be a list, not \(describe(node))", at: node.range))
            return nil
        }
        return oneOrList(node, for: key)
    }

    /// Reports a required key that is absent or null (not when an unknown key
    /// was reported as its misspelling). Returns its value if present.
    mutating func required(_ key: String, in mapping: KeyedMapping, context: String, owner: Node?) -> Node? {
        if let value = mapping[key] { return value }
        if mapping.misspelled.contains(key) { return nil }
        if let keyNode = mapping.keyNode(key) {
            report(.missingKey("'\(key)' of \(context) has no value", at: keyNode.range))
        } else {
            report(.missingKey("\(context) is missing required key '\(key)'", at: mapping.anchor(orElse: owner)))
        }
        return nil
    }
}
