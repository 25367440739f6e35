/// Turns libyaml events into located `Node` trees: resolves aliases (as copies
/// with the alias's own range), applies merge keys, records duplicate keys,
/// and enforces the resource limits.
struct TreeBuilder {
    /// Whether to go on reading events.
    enum Outcome {
        case proceed
        case stop
    }

    private let source: SourceText
    private let path: String
    private let limits: YAMLParser.Limits

    /// Completed documents.
    private(set) var documents: [Document] = []
    /// Problems found so far.
    private(set) var diagnostics: [Diagnostic] = []
    /// Keys written twice in one mapping, found so far.
    private(set) var duplicateKeys: [DuplicateKey] = []

    private var stack: [Frame] = []
    private var root: Node?
    private var documentStart = SourcePosition(line: 1, column: 1, offset: 0)
    private var anchors: [String: Anchored] = [:]
    /// Nodes produced by alias expansion so far in the file.
    private var expandedNodes = 0
    /// Scalar bytes reached through aliases so far in the file.
    private var expandedBytes = 0
    /// The top-level key whose values are handed to `sink` instead of kept
    /// (`YAMLParser.parse(_:path:limits:streaming:to:)`).
    private let streamKey: String?
    private let sink: ((StreamedPart) -> Void)?
    /// Whether the other top-level values are read but not kept (only what
    /// an anchor names is built, for its aliases).
    private let discardsOthers: Bool
    /// Whether the current document's value under `streamKey` was streamed
    /// item by item (else it is handed over whole when the root is done).
    private var streamedInDocument = false

    init(
        source: SourceText, path: String, limits: YAMLParser.Limits, streaming streamKey: String? = nil,
        keepingOthers: Bool = true, to sink: ((StreamedPart) -> Void)? = nil
    ) {
        self.source = source
        self.path = path
        self.limits = limits
        self.streamKey = streamKey
        self.sink = sink
        self.discardsOthers = streamKey != nil && !keepingOthers
    }

    /// An anchored node, the number of nodes it stands for and the bytes of
    /// the scalars (keys and values) in it, aliases expanded.
    private struct Anchored {
        var node: Node
        var count: Int
        var bytes: Int
    }

    /// A collection being built.
    private struct Frame {
        var isMapping: Bool
        var flow: Bool
        var start: SourcePosition
        var lastEnd: SourcePosition
        /// libyaml column of the collection start event.
        var startColumn: Int
        /// libyaml column of the first key (mappings), the block indentation.
        var firstChildColumn: Int?
        var anchor: String?
        /// Whether this is the sequence under `streamKey` in a document's
        /// root mapping: its items go to the sink as each is complete.
        var streams = false
        /// Whether this collection is inside a top-level value that is read
        /// but not kept: its children are counted, not stored.
        var discards = false
        var items: [Node] = []
        var pairs: [Node.Pair] = []
        /// Pairs merged in by `<<`, with the index in `pairs` they stand at.
        var merges: [(index: Int, pairs: [Node.Pair])] = []
        var pendingKey: PendingKey?
        /// Texts of the scalar keys written in this mapping.
        var keys = KeySet()
        /// Nodes in this subtree, aliases expanded.
        var count = 1
        /// Scalar bytes in this subtree, aliases expanded.
        var bytes = 0
    }

    private enum PendingKey {
        case key(Node)
        case merge
        case duplicate
    }

    // MARK: Events

    /// Consumes one event.
    mutating func handle(_ event: YAMLEvent) -> Outcome {
        if let top = stack.indices.last, stack[top].firstChildColumn == nil {
            switch event.kind {
            case .sequenceEnd, .mappingEnd: break
            default: stack[top].firstChildColumn = event.start.column
            }
        }
        switch event.kind {
        case .streamStart, .streamEnd:
            return .proceed
        case .documentStart:
            documentStart = source.position(ofIndex: event.start.index)
            root = nil
            anchors.removeAll(keepingCapacity: true)
            stack.removeAll()
            streamedInDocument = false
            return .proceed
        case .documentEnd:
            let node = root ?? Node(
                kind: .scalar(Scalar(text: "", style: .plain, positions: [documentStart])),
                range: SourceRange(file: path, at: documentStart))
            documents.append(Document(root: node))
            root = nil
            return .proceed
        case .alias(let name):
            let range = range(event.start, event.end)
            guard let anchored = anchors[name] else {
                diagnostics.append(.undefinedAlias(name, at: range))
                let null = Node(kind: .scalar(Scalar(text: "", style: .plain, positions: [range.start])), range: range)
                return add(null, count: 1, bytes: 0)
            }
            guard countExpansion(anchored.count, bytes: anchored.bytes, of: name, at: range) else { return .stop }
            var copy = anchored.node
            copy.range = range
            return add(copy, count: anchored.count, bytes: anchored.bytes)
        case .scalar(let value, let style, let anchor, let tag):
            if anchor == nil, stack.last?.discards == true { return skip(count: 1, bytes: value.utf8.count) }
            let node = scalarNode(value: value, style: style, anchor: anchor, tag: tag, event: event)
            let bytes = value.utf8.count
            if let anchor { anchors[anchor] = Anchored(node: node, count: 1, bytes: bytes) }
            return add(node, count: 1, bytes: bytes)
        case .sequenceStart(let anchor, _, let flow), .mappingStart(let anchor, _, let flow):
            let start = source.position(ofIndex: event.start.index)
            if stack.count >= limits.maxDepth {
                diagnostics.append(.tooDeep(limits.maxDepth, at: SourceRange(file: path, at: start)))
                return .stop
            }
            var isMapping = false
            if case .mappingStart = event.kind { isMapping = true }
            stack.append(
                Frame(
                    isMapping: isMapping, flow: flow, start: start, lastEnd: start,
                    startColumn: event.start.column, firstChildColumn: isMapping ? nil : event.start.column,
                    anchor: anchor, streams: !isMapping && startsStreamedValue,
                    discards: anchor == nil && (stack.last?.discards == true || startsDiscardedValue)))
            return .proceed
        case .sequenceEnd, .mappingEnd:
            guard let frame = stack.popLast() else { return .proceed }
            let end = frame.flow ? source.position(ofIndex: event.end.index) : frame.lastEnd
            let range = SourceRange(file: path, start: frame.start, end: max(end, frame.start))
            let node: Node
            // The trees of a large rule set are most of the compiler's
            // memory: arrays that grew by doubling are copied to their size.
            if frame.isMapping {
                node = Node(kind: .mapping(Self.trimmed(Self.applyMerges(frame))), range: range)
            } else {
                node = Node(kind: .sequence(Self.trimmed(frame.items)), range: range)
            }
            if let anchor = frame.anchor { anchors[anchor] = Anchored(node: node, count: frame.count, bytes: frame.bytes) }
            if frame.streams { streamedInDocument = true }
            if stack.isEmpty, let streamKey, !streamedInDocument, let sink {
                // The value came whole (an alias, a merge key, a mapping or a scalar).
                Document(root: node).parts(under: streamKey).forEach(sink)
            }
            return add(node, count: frame.count, bytes: frame.bytes)
        }
    }

    /// Whether a collection starting now is the value of `streamKey` in the
    /// document's root mapping (not of a duplicate key, which is dropped).
    private var startsStreamedValue: Bool {
        guard let streamKey, stack.count == 1, stack[0].isMapping, case .key(let key)? = stack[0].pendingKey else {
            return false
        }
        return key.scalar?.text == streamKey
    }

    /// Whether a collection starting now is a top-level value that is read
    /// but not kept: any but the value under `streamKey` or a merge key's.
    private var startsDiscardedValue: Bool {
        guard discardsOthers, stack.count == 1, stack[0].isMapping else { return false }
        switch stack[0].pendingKey {
        case .key(let key)?: return key.scalar?.text != streamKey
        case .duplicate?: return true
        case .merge?, nil: return false
        }
    }

    /// Counts a child of a collection that discards its children.
    private mutating func skip(count: Int, bytes: Int) -> Outcome {
        let top = stack.count - 1
        stack[top].count += count
        stack[top].bytes += bytes
        if stack[top].isMapping { stack[top].pendingKey = stack[top].pendingKey == nil ? .duplicate : nil }
        return .proceed
    }

    /// Records a libyaml error.
    mutating func fail(_ problem: YAMLProblem) {
        let position: SourcePosition
        switch problem.location {
        case .mark(let mark): position = source.position(ofIndex: mark.index)
        case .byte(let offset): position = source.position(ofByte: offset)
        case .none: position = SourcePosition(line: 1, column: 1, offset: source.byteBase)
        }
        var notes: [String] = []
        if problem.problem.hasPrefix("did not find expected key")
            || problem.problem.hasPrefix("did not find expected '-' indicator")
        {
            notes.append("check the indentation of line \(position.line): it does not line up with the lines above it")
        }
        if let context = problem.context, let mark = problem.contextMark {
            let at = source.position(ofIndex: mark.index)
            let what = context.hasPrefix("while parsing ") ? String(context.dropFirst("while parsing ".count)) : context
            notes.append("\(what) starts at line \(at.line), column \(at.column)")
        }
        var message = problem.context.map { "\(problem.problem) \($0)" } ?? problem.problem
        // libyaml's words for the usual mistakes, said in the user's words
        // (its own text stays as a note).
        let byte = position.offset - source.byteBase
        let atTab = byte >= 0 && byte < source.bytes.count && source.bytes[byte] == 0x09
        if problem.problem.hasPrefix("did not find expected"),
            let quoted = Self.quotedValueFollowedByText(in: source.bytes, at: byte)
        {
            notes = ["libyaml: \(message)"]
            message =
                "the value of '\(quoted.key)' ends at its closing quote, so YAML cannot read the text after it: "
                + "quote the whole value, e.g. \(quoted.key): \(quoted.fix)"
        } else if atTab || problem.problem.contains("tab character") {
            notes.insert("libyaml: \(message)", at: 0)
            message = "tabs cannot indent YAML: use spaces (a tab is at line \(position.line), column \(position.column))"
        } else if problem.problem.hasPrefix("mapping values are not allowed"),
            let value = Self.valueHoldingColon(in: source.bytes, at: byte)
        {
            notes.insert("libyaml: \(message)", at: 0)
            message =
                "the value of '\(value.key)' holds ': ', which YAML reads as the start of a nested key: "
                + "quote the whole value, e.g. \(value.key): \(value.fix)"
        } else if problem.problem.hasPrefix("mapping values are not allowed"), Self.isKeyAlone(in: source.bytes, at: byte) {
            notes.insert("libyaml: \(message)", at: 0)
            message = "this key is indented deeper than the key above it: indent it like the keys beside it"
        } else if problem.problem.hasPrefix("mapping values are not allowed") {
            notes.insert("libyaml: \(message)", at: 0)
            message =
                "this key is indented deeper than the key above it, or a value holds ': ' "
                + "(indent the key like the keys beside it, or quote the whole value)"
        }
        var diagnostic = Diagnostic.yamlSyntax(message, at: SourceRange(file: path, at: position))
        diagnostic.notes = notes
        diagnostics.append(diagnostic)
    }

    /// The text of `byte`'s line before it.
    static func textBefore(_ byte: Int, onItsLine bytes: [UInt8]) -> String {
        var lineStart = byte
        while lineStart > 0, bytes[lineStart - 1] != 0x0A { lineStart -= 1 }
        return String(decoding: bytes[lineStart..<byte], as: UTF8.self)
    }

    /// Whether the line at `byte` holds only indentation and a key before it.
    static func isKeyAlone(in bytes: [UInt8], at byte: Int) -> Bool {
        guard byte > 0, byte <= bytes.count else { return false }
        let before = textBefore(byte, onItsLine: bytes)
        return before.wholeMatch(of: #/\s+(?:-\s+)?[A-Za-z_][A-Za-z0-9_.-]*/#) != nil
    }

    /// When the line at `byte` reads `key: value` and the error (a `: ` that
    /// YAML takes for a nested key) is inside the value: the key and the
    /// whole value quoted.
    static func valueHoldingColon(in bytes: [UInt8], at byte: Int) -> (key: String, fix: String)? {
        guard byte > 0, byte < bytes.count else { return nil }
        let before = textBefore(byte, onItsLine: bytes)
        guard let match = before.firstMatch(of: #/^\s*(?:-\s+)?([A-Za-z_][A-Za-z0-9_.-]*):\s+([^\s"'!&*|>#\[{].*)$/#)
        else { return nil }
        let valueStart = byte - match.output.2.utf8.count
        return (String(match.output.1), quotedWhole(bytes, from: valueStart, lineOf: byte))
    }

    /// The text from `start` to the end of the line of `byte` (without a
    /// trailing comment or spaces), quoted so that YAML reads it as one
    /// string.
    static func quotedWhole(_ bytes: [UInt8], from start: Int, lineOf byte: Int) -> String {
        var lineEnd = byte
        while lineEnd < bytes.count, bytes[lineEnd] != 0x0A, bytes[lineEnd] != 0x0D { lineEnd += 1 }
        var end = lineEnd
        var inQuote: UInt8? = nil
        var i = start
        while i < lineEnd {
            let b = bytes[i]
            if let q = inQuote {
                if b == q { inQuote = nil }
            } else if b == 0x22 || b == 0x27 {
                inQuote = b
            } else if b == 0x23, i > start, bytes[i - 1] == 0x20 || bytes[i - 1] == 0x09 {
                end = i
                break
            }
            i += 1
        }
        while end > start, bytes[end - 1] == 0x20 || bytes[end - 1] == 0x09 { end -= 1 }
        let value = String(decoding: bytes[start..<end], as: UTF8.self)
        if !value.contains("'") { return "'\(value)'" }
        if !value.contains("\"") { return "\"\(value)\"" }
        return "'" + value.split(separator: "'", omittingEmptySubsequences: false).joined(separator: "''") + "'"
    }

    /// When the line at `byte` reads `key: "quoted" more text` and the error
    /// is at the text after the quote (`where: "en" == client.language`):
    /// the key and the whole value quoted so that YAML reads it as one.
    static func quotedValueFollowedByText(in bytes: [UInt8], at byte: Int) -> (key: String, fix: String)? {
        guard byte > 0, byte < bytes.count, bytes[byte] != 0x0A, bytes[byte] != 0x0D else { return nil }
        let before = textBefore(byte, onItsLine: bytes)
        guard let match = before.wholeMatch(of: #/\s*(?:-\s+)?([A-Za-z_][A-Za-z0-9_.-]*):\s+("[^"]*"|'[^']*')(\s+)/#)
        else { return nil }
        let valueStart = byte - match.output.2.utf8.count - match.output.3.utf8.count
        return (String(match.output.1), quotedWhole(bytes, from: valueStart, lineOf: byte))
    }

    // MARK: Building

    private func range(_ start: YAMLMark, _ end: YAMLMark) -> SourceRange {
        SourceRange(file: path, start: source.position(ofIndex: start.index), end: source.position(ofIndex: end.index))
    }

    /// Adds the `n` nodes and the scalar bytes an alias stands for to the
    /// file's counts of what alias expansion produced; false (with a
    /// diagnostic) past either limit. What is written out is bounded by
    /// `maxBytes` instead: together the two bound the text the compiler reads.
    private mutating func countExpansion(_ n: Int, bytes: Int, of alias: String, at range: SourceRange) -> Bool {
        expandedNodes += n
        guard expandedNodes <= limits.maxNodes else {
            diagnostics.append(.tooManyNodes(limits.maxNodes, at: range))
            return false
        }
        expandedBytes += bytes
        guard expandedBytes <= limits.maxAliasedBytes else {
            diagnostics.append(.tooManyAliasedBytes(limits.maxAliasedBytes, alias: alias, bytes: bytes, at: range))
            return false
        }
        return true
    }

    /// The indentation libyaml had when it scanned a block scalar here, most
    /// likely first: the enclosing block collections' columns, then -1.
    private var indentCandidates: [Int] {
        var result: [Int] = []
        for frame in stack.reversed() where !frame.flow {
            let column = frame.firstChildColumn ?? frame.startColumn
            if !result.contains(column) { result.append(column) }
            if !result.contains(frame.startColumn) { result.append(frame.startColumn) }
        }
        result.append(-1)
        return result
    }

    private func scalarNode(
        value: String, style: Scalar.Style, anchor: String?, tag: String?, event: YAMLEvent
    ) -> Node {
        let hasProperties = anchor != nil || tag != nil
        if style == .plain, value.isEmpty {
            let markRange = range(event.start, event.end)
            let scalar = Scalar(text: value, style: style, tag: tag, positions: [markRange.end])
            return Node(kind: .scalar(scalar), range: markRange)
        }
        let cursor = source.cursor(atIndex: event.start.index, yamlColumn: event.start.column)
        if !hasProperties, style == .plain || style == .singleQuoted || style == .doubleQuoted,
            event.start.line == event.end.line,
            let node = verbatimScalar(value: value, style: style, tag: tag, at: cursor.position, event: event)
        {
            return node
        }
        if !hasProperties, style == .singleQuoted || style == .doubleQuoted,
            let origin = ScalarOrigin(
                table: source.table, startIndex: event.start.index, endIndex: event.end.index,
                yamlColumn: event.start.column, parentIndent: -1, hasProperties: false)
        {
            // A quoted scalar has one reading, and its token is the event's
            // range: the locator runs when a diagnostic asks for a position
            // inside it (`PositionMap.located`), not for every one read.
            let node = Node(
                kind: .scalar(Scalar(text: value, style: style, tag: tag, map: .located(origin))),
                range: range(event.start, event.end))
            assert(isLocatorsNode(node, value: value, style: style, from: cursor, event: event))
            return node
        }
        let candidates = style == .literal || style == .folded ? indentCandidates : [-1]
        for parentIndent in candidates {
            guard
                let located = ScalarLocator.locate(
                    style: style, from: cursor, endIndex: event.end.index, hasProperties: hasProperties,
                    parentIndent: parentIndent, expectedCount: value.utf8.count),
                located.reads(value)
            else { continue }
            let map: PositionMap
            if let origin = ScalarOrigin(
                table: source.table, startIndex: event.start.index, endIndex: event.end.index,
                yamlColumn: event.start.column, parentIndent: parentIndent, hasProperties: hasProperties)
            {
                map = .located(origin)
            } else {
                map = .given(located.positions)
            }
            let scalar = Scalar(text: value, style: style, tag: tag, map: map)
            return Node(kind: .scalar(scalar), range: SourceRange(file: path, start: located.start, end: located.end))
        }
        return Node(kind: .scalar(Scalar(text: value, style: style, tag: tag)), range: range(event.start, event.end))
    }

    /// Whether `node`, a quoted scalar made without running the locator, has
    /// the range the locator gives: its token's when it reads the value, the
    /// event's when it does not. Asserted in debug builds, so every test that
    /// parses a quoted scalar checks it.
    private func isLocatorsNode(
        _ node: Node, value: String, style: Scalar.Style, from cursor: SourceCursor, event: YAMLEvent
    ) -> Bool {
        guard
            let located = ScalarLocator.locate(
                style: style, from: cursor, endIndex: event.end.index, hasProperties: false, parentIndent: -1,
                expectedCount: value.utf8.count),
            located.reads(value)
        else { return node.range == range(event.start, event.end) }
        return node.range == SourceRange(file: path, start: located.start, end: located.end)
    }

    /// The fast path for a one-line scalar written exactly as its value (plain,
    /// or quoted without escapes): positions advance one column per character,
    /// so the scalar keeps only where it starts (`PositionMap.verbatim`).
    private func verbatimScalar(
        value: String, style: Scalar.Style, tag: String?, at start: SourcePosition, event: YAMLEvent
    ) -> Node? {
        let quoted = style != .plain
        let first = start.offset - source.byteBase + (quoted ? 1 : 0)
        var value = value
        let characters = value.withUTF8 { v -> Int? in
            let bytes = source.bytes
            let count = v.count
            guard first >= 0, first + count + (quoted ? 1 : 0) <= bytes.count else { return nil }
            if quoted, bytes[first + count] != bytes[first - 1] { return nil }
            var characters = 0
            for k in 0..<count {
                let b = v[k]
                guard bytes[first + k] == b else { return nil }
                if quoted, b == 0x27 || b == 0x22 || b == 0x5C { return nil }
                if b & 0xC0 != 0x80 { characters += 1 }
            }
            return characters
        }
        guard let characters,
            let origin = ScalarOrigin(
                table: source.table, startIndex: event.start.index, endIndex: event.end.index,
                yamlColumn: event.start.column, parentIndent: -1, hasProperties: false)
        else { return nil }
        let skip = quoted ? 2 : 0
        let end = SourcePosition(
            line: start.line, column: start.column + characters + skip, offset: start.offset + value.utf8.count + skip)
        let scalar = Scalar(text: value, style: style, tag: tag, map: .verbatim(origin))
        return Node(kind: .scalar(scalar), range: SourceRange(file: path, start: start, end: end))
    }

    /// Puts a finished node into its parent (or makes it the document root).
    private mutating func add(_ node: Node, count: Int, bytes: Int) -> Outcome {
        guard let top = stack.indices.last else {
            root = node
            return .proceed
        }
        if stack[top].discards { return skip(count: count, bytes: bytes) }
        stack[top].count += count
        stack[top].bytes += bytes
        if node.range.end > stack[top].lastEnd { stack[top].lastEnd = node.range.end }
        guard stack[top].isMapping else {
            if stack[top].streams {
                sink?(.item(node))
                // An anchored list keeps its items for its aliases.
                if stack[top].anchor == nil { return .proceed }
            }
            stack[top].items.append(node)
            return .proceed
        }
        switch stack[top].pendingKey {
        case nil:
            stack[top].pendingKey = Self.key(node, in: &stack[top], duplicates: &duplicateKeys)
        case .key(let key)?:
            stack[top].pairs.append(Node.Pair(key: key, value: node))
            stack[top].pendingKey = nil
        case .merge?:
            if let pairs = mergedPairs(node) {
                stack[top].merges.append((stack[top].pairs.count, pairs))
            }
            stack[top].pendingKey = nil
        case .duplicate?:
            stack[top].pendingKey = nil
        }
        return .proceed
    }

    /// Classifies a key: a merge key, a duplicate (recorded), or an ordinary key.
    private static func key(_ node: Node, in frame: inout Frame, duplicates: inout [DuplicateKey]) -> PendingKey {
        guard let scalar = node.scalar else { return .key(node) }
        if frame.keys.contains(scalar.text) {
            let first = frame.pairs.first { $0.key.scalar?.text == scalar.text }?.key.range
            duplicates.append(DuplicateKey(key: scalar.text, range: node.range, first: first, mappingStart: frame.start))
            return .duplicate
        }
        frame.keys.insert(scalar.text)
        let isMerge =
            scalar.text == "<<" && scalar.style == .plain && (scalar.tag == nil || scalar.tag == "tag:yaml.org,2002:merge")
        return isMerge ? .merge : .key(node)
    }

    /// The pairs a `<<` value brings in, earlier mappings first; nil (with a
    /// diagnostic) when the value is not a mapping or a list of mappings.
    private mutating func mergedPairs(_ value: Node) -> [Node.Pair]? {
        switch value.kind {
        case .mapping(let pairs):
            return pairs
        case .sequence(let items):
            var result: [Node.Pair] = []
            for item in items {
                guard let pairs = item.pairs else {
                    diagnostics.append(.invalidMerge(at: item.range))
                    return nil
                }
                result.append(contentsOf: pairs)
            }
            return result
        case .scalar:
            diagnostics.append(.invalidMerge(at: value.range))
            return nil
        }
    }

    /// `list` in an allocation of its size when growing left much unused room.
    private static func trimmed<T>(_ list: [T]) -> [T] {
        guard list.capacity - list.count > 2 else { return list }
        return list.withUnsafeBufferPointer { Array($0) }
    }

    /// The mapping's pairs with merged pairs inserted where `<<` stood; keys
    /// written in the mapping win, then earlier merged keys.
    private static func applyMerges(_ frame: Frame) -> [Node.Pair] {
        guard !frame.merges.isEmpty else { return frame.pairs }
        var seen = frame.keys
        seen.makeHashed()
        var result: [Node.Pair] = []
        var next = 0
        func insertMerges(upTo index: Int) {
            while next < frame.merges.count, frame.merges[next].index <= index {
                for pair in frame.merges[next].pairs {
                    if let text = pair.key.text {
                        guard !seen.contains(text) else { continue }
                        seen.insert(text)
                    }
                    result.append(pair)
                }
                next += 1
            }
        }
        for (i, pair) in frame.pairs.enumerated() {
            insertMerges(upTo: i)
            result.append(pair)
        }
        insertMerges(upTo: frame.pairs.count)
        return result
    }
}

/// The key texts of one mapping: a short array while the mapping is small
/// (most are), a hash set beyond that.
private struct KeySet {
    private var small: [String] = []
    private var large: Set<String>?

    func contains(_ key: String) -> Bool {
        if let large { return large.contains(key) }
        return small.contains(key)
    }

    mutating func insert(_ key: String) {
        if large != nil {
            large?.insert(key)
            return
        }
        small.append(key)
        if small.count > 16 { makeHashed() }
    }

    mutating func makeHashed() {
        guard large == nil else { return }
        large = Set(small)
        small = []
    }
}

extension Diagnostic {
    /// A YAML syntax error (libyaml's message, or one of the checks below).
    static func yamlSyntax(_ message: String, at range: SourceRange) -> Diagnostic {
        .error(.yamlSyntax, message, at: range)
    }

    static func undefinedAlias(_ name: String, at range: SourceRange) -> Diagnostic {
        .yamlSyntax("found undefined alias '\(name)'", at: range)
    }

    static func invalidMerge(at range: SourceRange) -> Diagnostic {
        .yamlSyntax("a merge key '<<' takes a mapping or a list of mappings", at: range)
    }

    static func tooManyNodes(_ limit: Int, at range: SourceRange) -> Diagnostic {
        .yamlSyntax("the document expands to too many nodes (more than \(limit)) through its aliases", at: range)
    }

    static func tooManyAliasedBytes(_ limit: Int, alias: String, bytes: Int, at range: SourceRange) -> Diagnostic {
        .yamlSyntax(
            "refused alias '*\(alias)': its \(bytes) bytes of text would bring the text reached through aliases "
                + "past \(limit) bytes; write the text out or share less of it", at: range)
    }

    static func tooDeep(_ limit: Int, at range: SourceRange) -> Diagnostic {
        .yamlSyntax("the document nests collections deeper than \(limit) levels", at: range)
    }
}
