import HeraldSyntax

/// Parses and checks template texts (docs/rule-language.md §4, `Grammar/template.ebnf`).
///
/// Tags: `{{ path }}`, `{{ path | filter }}`, `{{ path | filter: argument }}`
/// with filters chained left to right, blocks `{{#if path}} … {{else}} …
/// {{/if}}` (nestable), and `{{"literal"}}` (so `{{"{{"}}` writes `{{`).
/// Spaces are allowed inside the braces. Positions in issues are
/// Unicode-scalar indices into the text.
public enum TemplateSyntax {
    /// The filter names, in the order messages list them.
    public static let filterNames = ["default", "date", "upper", "lower", "truncate"]

    /// How deeply `{{#if}}` blocks may nest.
    public static let maximumNesting = 64

    /// Parses `text` for syntax only (`template-syntax`, `unknown-filter`,
    /// malformed filter arguments). Every template part is parsed, used or
    /// not. Returns the compiled text when there is no error.
    public static func parse(_ text: String) -> (TemplateText?, [LocalIssue]) {
        var parser = TemplateParser(ScalarLexing.scalars(of: text))
        let pieces = parser.parse()
        guard parser.issues.isEmpty else { return (nil, parser.issues) }
        return (TemplateText(source: text, segments: segments(pieces)), [])
    }

    /// Checks a template against one rule's scope: every path
    /// (`unknown-field`, with the scope's message), every filter against the
    /// type it gets (`type-mismatch` at the filter name), optional values
    /// printed without `default` and outside an `{{#if}}` on the same path
    /// (`optional-tag` warning at the path). `text` is the same source that
    /// was parsed (positions refer to it). A text with syntax errors
    /// (`template-syntax`) gets no further checks here: `parse` reports them.
    public static func check(_ text: String, scope: FieldScope) -> [LocalIssue] {
        var parser = TemplateParser(ScalarLexing.scalars(of: text))
        let pieces = parser.parse()
        if parser.issues.contains(where: { $0.code == .templateSyntax }) { return [] }
        var checker = TemplateChecker(scope: scope)
        checker.walk(pieces)
        return LocalIssue.capped(checker.issues)
    }

    /// Whether `text`, compiled by `parse` from a source without errors,
    /// passes every check of `check(_:scope:)` in `scope`. The checks are the
    /// same and run over the compiled segments, which carry no positions:
    /// lint asks this first, and parses the source again (`check`) only when
    /// there is an issue to place, instead of parsing every part once for
    /// each scope that uses it.
    public static func passes(_ text: TemplateText, scope: FieldScope) -> Bool {
        var checker = TemplateChecker(scope: scope)
        checker.walk(text.segments)
        return checker.issues.isEmpty
    }

    /// The literal text of `template`, without any value: the text segments
    /// concatenated, taking the longer branch of each `{{#if}}` block. Lint
    /// uses it to warn when the fixed text of an SMS alone needs more than one
    /// segment.
    public static func literalText(of template: TemplateText) -> String {
        literal(template.segments)
    }

    private static func literal(_ segments: [TemplateSegment]) -> String {
        var out = ""
        for segment in segments {
            switch segment {
            case .text(let t): out += t
            case .value: break
            case .conditional(_, let then, let otherwise):
                let a = literal(then), b = literal(otherwise)
                out += a.unicodeScalars.count >= b.unicodeScalars.count ? a : b
            }
        }
        return out
    }

    /// The model segments of parsed pieces (called only without errors).
    private static func segments(_ pieces: [TemplatePiece]) -> [TemplateSegment] {
        pieces.map { piece in
            switch piece {
            case .text(let t): return .text(t)
            case .value(let ref, let filters): return .value(ref.path, filters: filters.compactMap(\.filter))
            case .conditional(let ref, let then, let otherwise):
                return .conditional(ref.path, then: segments(then), else: segments(otherwise))
            }
        }
    }
}

// MARK: - Syntax tree

/// A field path inside a tag, with its range.
struct TemplatePathReference {
    var path: FieldPath
    var from: Int
    var to: Int
}

/// A parsed filter application with the range of its name.
struct TemplateFilterSyntax {
    /// The filter; nil for an unknown filter name (already reported).
    var filter: TemplateFilter?
    var name: String
    var nameFrom: Int
    var nameTo: Int
    /// The path argument of `default: path`, for checking.
    var pathArgument: TemplatePathReference?
}

extension TemplateFilterSyntax {
    /// A compiled filter as the checker reads it, at position 0 (a
    /// `default` with a path argument has that path as `pathArgument`, as
    /// the parser gives it).
    init(_ filter: TemplateFilter) {
        let name: String
        var argument: TemplatePathReference?
        switch filter {
        case .default(let value):
            name = "default"
            if case .path(let path) = value { argument = TemplatePathReference(path: path, from: 0, to: 0) }
        case .date: name = "date"
        case .upper: name = "upper"
        case .lower: name = "lower"
        case .truncate: name = "truncate"
        }
        self.init(filter: filter, name: name, nameFrom: 0, nameTo: 0, pathArgument: argument)
    }
}

/// A parsed piece of template text.
indirect enum TemplatePiece {
    case text(String)
    case value(TemplatePathReference, [TemplateFilterSyntax])
    case conditional(TemplatePathReference, then: [TemplatePiece], else: [TemplatePiece])
}

// MARK: - Parser

/// Parses template text into pieces, collecting syntax issues and
/// recovering after each bad tag.
struct TemplateParser {
    let s: [Unicode.Scalar]
    var issues: [LocalIssue] = []
    /// Names of unknown blocks opened (`#each`), whose own closing tags
    /// (`/each`) end them without a second report.
    private var unknownBlocks: Set<String> = []

    init(_ s: [Unicode.Scalar]) {
        self.s = s
    }

    /// An open `{{#if}}` block.
    private struct Block {
        var condition: TemplatePathReference
        var openFrom: Int
        var openTo: Int
        var then: [TemplatePiece] = []
        var otherwise: [TemplatePiece]?
        /// A block whose opening tag was malformed (reported already): it
        /// still pairs with its `{{/if}}` so that one mistake gives one issue.
        var broken = false
    }

    /// What one `{{ … }}` tag turned out to be.
    private enum Tag {
        case value(TemplatePathReference, [TemplateFilterSyntax], end: Int)
        case literal(String, end: Int)
        case openIf(TemplatePathReference, end: Int)
        case otherwise(end: Int)
        case endIf(end: Int)
        /// Reported already; go on at `resume`. A malformed `{{#if …}}` or
        /// `{{/if …}}` still opens or closes a block (`structure`).
        case failed(resume: Int, structure: Structure = .none)
    }

    /// The block structure a malformed tag still stands for.
    private enum Structure {
        case none, opens, closes
    }

    private mutating func syntax(_ message: String, _ from: Int, _ to: Int) {
        issues.append(LocalIssue(code: .templateSyntax, message: message, from: from, to: to))
    }

    private func isOpen(_ i: Int) -> Bool { i + 1 < s.count && s[i] == "{" && s[i + 1] == "{" }
    private func isClose(_ i: Int) -> Bool { i + 1 < s.count && s[i] == "}" && s[i + 1] == "}" }

    mutating func parse() -> [TemplatePiece] {
        var top: [TemplatePiece] = []
        var blocks: [Block] = []
        var text = ScalarLexing.TextBuilder()

        func append(_ piece: TemplatePiece, _ top: inout [TemplatePiece], _ blocks: inout [Block]) {
            guard !blocks.isEmpty else {
                top.append(piece)
                return
            }
            if blocks[blocks.count - 1].otherwise != nil {
                blocks[blocks.count - 1].otherwise?.append(piece)
            } else {
                blocks[blocks.count - 1].then.append(piece)
            }
        }
        func flush(_ text: inout ScalarLexing.TextBuilder, _ top: inout [TemplatePiece], _ blocks: inout [Block]) {
            if text.isEmpty { return }
            append(.text(text.string), &top, &blocks)
            text.removeAll()
        }

        var i = 0
        while i < s.count {
            guard isOpen(i) else {
                text.append(s[i])
                i += 1
                continue
            }
            let tag = parseTag(at: i)
            if case .literal(let value, let end) = tag {
                text.append(value)
                i = end
                continue
            }
            flush(&text, &top, &blocks)
            switch tag {
            case .literal: break
            case .value(let ref, let filters, let end):
                append(.value(ref, filters), &top, &blocks)
                i = end
            case .openIf(let ref, let end):
                if blocks.count >= TemplateSyntax.maximumNesting {
                    syntax("{{#if}} blocks are nested too deeply (more than \(TemplateSyntax.maximumNesting) levels)", i, end)
                    return top
                }
                blocks.append(Block(condition: ref, openFrom: i, openTo: end))
                i = end
            case .otherwise(let end):
                if blocks.isEmpty {
                    syntax("{{else}} outside an {{#if}} block", i, end)
                } else if blocks[blocks.count - 1].otherwise != nil {
                    syntax("a second {{else}} in the same {{#if \(blocks[blocks.count - 1].condition.path)}} block", i, end)
                } else {
                    blocks[blocks.count - 1].otherwise = []
                }
                i = end
            case .endIf(let end):
                if let block = blocks.popLast() {
                    if block.broken {
                        i = end
                        continue
                    }
                    append(.conditional(block.condition, then: block.then, else: block.otherwise ?? []), &top, &blocks)
                } else {
                    syntax("{{/if}} without an open {{#if}} block", i, end)
                }
                i = end
            case .failed(let resume, let structure):
                switch structure {
                case .none: break
                case .opens:
                    var block = Block(condition: TemplatePathReference(path: FieldPath([]), from: i, to: i), openFrom: i, openTo: i)
                    block.broken = true
                    blocks.append(block)
                case .closes:
                    if let block = blocks.popLast(), !block.broken {
                        append(.conditional(block.condition, then: block.then, else: block.otherwise ?? []), &top, &blocks)
                    }
                }
                i = max(resume, i + 2)
            }
        }
        flush(&text, &top, &blocks)
        for block in blocks where !block.broken {
            syntax(
                "unclosed {{#if \(block.condition.path)}}: the {{/if}} that ends it is missing", block.openFrom, block.openTo)
        }
        return top
    }

    /// Reports `message` at `from..<to` inside the tag opened at `tagStart`,
    /// unless the tag never closes: then reports the unclosed `{{` at its
    /// opening braces. Returns where parsing goes on.
    private mutating func fail(_ message: String, _ from: Int, _ to: Int, tagStart: Int) -> Tag {
        var k = max(from, tagStart + 2)
        while k < s.count {
            if isClose(k) {
                syntax(message, from, max(to, from))
                return .failed(resume: k + 2)
            }
            if isOpen(k) { break }
            k += 1
        }
        syntax("unclosed '{{': the tag has no closing '}}'", tagStart, tagStart + 2)
        return .failed(resume: k)
    }

    private func describe(at i: Int) -> String {
        i < s.count ? ScalarLexing.describe(s[i]) : "the end of the text"
    }

    private func identifierEnd(from i: Int) -> Int {
        var k = i
        while k < s.count, ScalarLexing.isIdentifierPart(s[k]) { k += 1 }
        return k
    }

    /// Parses the tag whose `{{` is at `start`.
    private mutating func parseTag(at start: Int) -> Tag {
        let j = ScalarLexing.skipSpaces(s, from: start + 2)
        guard j < s.count else { return fail("", j, j, tagStart: start) }
        if isClose(j) {
            return fail("empty tag '{{}}': write a field path, e.g. {{client.name}}", start, j + 2, tagStart: start)
        }
        // Dispatch on the tag's first character, as a lexer does on a token.
        switch s[j] {
        case "#": return openingTag(at: j, tagStart: start)
        case "/": return closingTag(at: j, tagStart: start)
        case "\"", "'": return literalTag(at: j, tagStart: start)
        default: return valueTag(at: j, tagStart: start)
        }
    }

    /// `{{#if path}}` (or an unknown block, read as one) from its `#` at `j`.
    private mutating func openingTag(at j: Int, tagStart start: Int) -> Tag {
        let nameEnd = identifierEnd(from: j + 1)
        let name = ScalarLexing.text(s, j + 1, nameEnd)
        guard name == "if" else {
            let message = name.isEmpty
                ? "expected 'if' after '#': blocks are written {{#if path}} … {{/if}}"
                : "unknown block '#\(name)': the only block is {{#if path}} … {{else}} … {{/if}}\(Suggestion.hint(for: "#" + name, in: ["#if"]))"
            // Read as an opening block, so its {{else}} and {{/if}} are
            // not reported a second time.
            if !name.isEmpty { unknownBlocks.insert(name) }
            return opening(fail(message, j, max(nameEnd, j + 1), tagStart: start))
        }
        let p = ScalarLexing.skipSpaces(s, from: nameEnd)
        guard p > nameEnd || isClose(p) || p == s.count else {
            return opening(fail("write a space between '#if' and the field path", nameEnd, nameEnd + 1, tagStart: start))
        }
        guard p < s.count, ScalarLexing.isIdentifierStart(s[p]) else {
            if isClose(p) {
                return opening(fail("{{#if}} needs a field path, e.g. {{#if client.email}}", start, p + 2, tagStart: start))
            }
            return opening(fail("expected a field path after '#if', but found \(describe(at: p))", p, p + 1, tagStart: start))
        }
        let ref: TemplatePathReference
        switch path(at: p, tagStart: start) {
        case .ok(let r): ref = r
        case .failed(let resume): return .failed(resume: resume, structure: .opens)
        }
        let q = ScalarLexing.skipSpaces(s, from: ref.to)
        guard isClose(q) else {
            return opening(fail(
                "expected '}}' after {{#if \(ref.path), but found \(describe(at: q)); {{#if}} takes one field path and no filters",
                q, q + 1, tagStart: start))
        }
        return .openIf(ref, end: q + 2)
    }

    /// `{{/if}}` (or the closing tag of an unknown block) from its `/` at `j`.
    private mutating func closingTag(at j: Int, tagStart start: Int) -> Tag {
        let nameEnd = identifierEnd(from: j + 1)
        let name = ScalarLexing.text(s, j + 1, nameEnd)
        if name != "if", unknownBlocks.contains(name) {
            let q = ScalarLexing.skipSpaces(s, from: nameEnd)
            if isClose(q) { return .failed(resume: q + 2, structure: .closes) }
        }
        guard name == "if" else {
            return fail(
                "unknown closing tag '/\(name)': blocks end with {{/if}}", j, max(nameEnd, j + 1), tagStart: start)
        }
        let q = ScalarLexing.skipSpaces(s, from: nameEnd)
        guard isClose(q) else {
            let tag = fail("expected '}}' after '/if', but found \(describe(at: q))", q, q + 1, tagStart: start)
            if case .failed(let resume, _) = tag { return .failed(resume: resume, structure: .closes) }
            return tag
        }
        return .endIf(end: q + 2)
    }

    /// `{{"text"}}` from its opening quote at `j`.
    private mutating func literalTag(at j: Int, tagStart start: Int) -> Tag {
        var j = j
        let c = s[j]
        let value: String
        switch ScalarLexing.scanString(s, at: j) {
        case .value(let v, let end):
            value = v
            j = end
        case .unterminated:
            return fail("unterminated quoted text: the closing \(ScalarLexing.describe(c)) is missing", j, j + 1, tagStart: start)
        case .badEscape(let from, let to):
            return fail(
                "unknown escape '\(ScalarLexing.text(s, from, to))'; the escapes are \\\\, \\\", \\' and \\n",
                from, to, tagStart: start)
        }
        let q = ScalarLexing.skipSpaces(s, from: j)
        guard isClose(q) else {
            if q < s.count, s[q] == "|" {
                return fail("a quoted literal tag takes no filters", q, q + 1, tagStart: start)
            }
            return fail("expected '}}' after the quoted text, but found \(describe(at: q))", q, q + 1, tagStart: start)
        }
        return .literal(value, end: q + 2)
    }

    /// `{{path | filter…}}` or `{{else}}` from the character at `j`.
    private mutating func valueTag(at j: Int, tagStart start: Int) -> Tag {
        let c = s[j]
        guard ScalarLexing.isIdentifierStart(c) else {
            return fail(
                "unexpected \(ScalarLexing.describe(c)) after '{{': a tag holds a field path, #if, else, /if or a quoted text",
                j, j + 1, tagStart: start)
        }
        let ref: TemplatePathReference
        switch path(at: j, tagStart: start) {
        case .ok(let r): ref = r
        case .failed(let resume): return .failed(resume: resume)
        }
        if ref.path.components == ["else"] {
            let q = ScalarLexing.skipSpaces(s, from: ref.to)
            guard isClose(q) else {
                return fail(
                    "expected '}}' after 'else', but found \(describe(at: q)); to test another value, nest an {{#if}}",
                    q, q + 1, tagStart: start)
            }
            return .otherwise(end: q + 2)
        }
        var filters: [TemplateFilterSyntax] = []
        var q = ScalarLexing.skipSpaces(s, from: ref.to)
        while true {
            if isClose(q) { return .value(ref, filters, end: q + 2) }
            guard q < s.count, s[q] == "|" else {
                if q < s.count, s[q] == "}" {
                    return fail("a tag ends with '}}', not '}'", q, q + 1, tagStart: start)
                }
                return fail("expected '|' or '}}' after \(ref.path), but found \(describe(at: q))", q, q + 1, tagStart: start)
            }
            let bar = q
            q = ScalarLexing.skipSpaces(s, from: q + 1)
            guard q < s.count, ScalarLexing.isIdentifierStart(s[q]) else {
                return fail(
                    "expected a filter name after '|' (filters are \(TemplateSyntax.filterNames.joined(separator: ", ")))",
                    bar, bar + 1, tagStart: start)
            }
            let nameEnd = identifierEnd(from: q)
            switch filter(nameFrom: q, nameTo: nameEnd, tagStart: start) {
            case .failed(let resume): return .failed(resume: resume)
            case .ok(let (f, end)):
                filters.append(f)
                q = ScalarLexing.skipSpaces(s, from: end)
            }
        }
    }

    /// `tag` (a failure inside `{{#if …}}`) as still opening a block.
    private func opening(_ tag: Tag) -> Tag {
        if case .failed(let resume, _) = tag { return .failed(resume: resume, structure: .opens) }
        return tag
    }

    /// A part of a tag, or where to go on after reporting a problem in it.
    private enum Step<T> {
        case ok(T)
        case failed(resume: Int)
    }

    /// `fail`, as a `Step`.
    private mutating func failing<T>(_ message: String, _ from: Int, _ to: Int, tagStart: Int) -> Step<T> {
        if case .failed(let resume, _) = fail(message, from, to, tagStart: tagStart) { return .failed(resume: resume) }
        return .failed(resume: to)
    }

    /// Scans a field path at `i` (an identifier start).
    private mutating func path(at i: Int, tagStart: Int) -> Step<TemplatePathReference> {
        let scanned = ScalarLexing.scanPath(s, at: i)
        if scanned.danglingDot {
            return failing(
                "incomplete field path '\(ScalarLexing.text(s, i, scanned.end))': a name must follow '.'", i, scanned.end,
                tagStart: tagStart)
        }
        return .ok(TemplatePathReference(path: FieldPath(scanned.components), from: i, to: scanned.end))
    }

    /// A filter argument as written.
    private enum Argument {
        case string(String)
        case int(Int)
        case path(TemplatePathReference)
    }

    /// Parses the filter whose name is at `nameFrom..<nameTo` and its
    /// argument; returns it and the index after it.
    private mutating func filter(nameFrom: Int, nameTo: Int, tagStart: Int) -> Step<(TemplateFilterSyntax, Int)> {
        let name = ScalarLexing.text(s, nameFrom, nameTo)

        let argument: Argument?
        let argumentFrom: Int, argumentTo: Int
        switch filterArgument(of: name, after: nameTo, tagStart: tagStart) {
        case .failed(let resume): return .failed(resume: resume)
        case .ok(let scanned): (argument, argumentFrom, argumentTo) = scanned
        }
        let end = argumentTo

        let spelled = ScalarLexing.text(s, argumentFrom, argumentTo)
        var result = TemplateFilterSyntax(filter: nil, name: name, nameFrom: nameFrom, nameTo: nameTo, pathArgument: nil)
        switch name {
        case "default":
            switch argument {
            case .string(let v)?: result.filter = .default(.string(v))
            case .path(let ref)?:
                result.filter = .default(.path(ref.path))
                result.pathArgument = ref
            case .int?:
                return failing("invalid argument '\(spelled)' of 'default'\(argumentAdvice(name))", argumentFrom, argumentTo, tagStart: tagStart)
            case nil:
                return failing("the 'default' filter needs an argument\(argumentAdvice(name))", nameFrom, nameTo, tagStart: tagStart)
            }
        case "date":
            switch argument {
            case .string(let v)?:
                if v.isEmpty {
                    return failing("the date pattern is empty\(argumentAdvice(name))", argumentFrom, argumentTo, tagStart: tagStart)
                }
                result.filter = .date(pattern: v)
            case nil:
                return failing("the 'date' filter needs a pattern\(argumentAdvice(name))", nameFrom, nameTo, tagStart: tagStart)
            default:
                return failing("invalid argument '\(spelled)' of 'date'\(argumentAdvice(name))", argumentFrom, argumentTo, tagStart: tagStart)
            }
        case "upper", "lower":
            guard argument == nil else {
                return failing("the '\(name)' filter takes no argument", argumentFrom, argumentTo, tagStart: tagStart)
            }
            result.filter = name == "upper" ? .upper : .lower
        case "truncate":
            switch argument {
            case .int(let n)?:
                if n < 1 {
                    return failing("truncate needs at least 1 character\(argumentAdvice(name))", argumentFrom, argumentTo, tagStart: tagStart)
                }
                result.filter = .truncate(n)
            case nil:
                return failing("the 'truncate' filter needs a length\(argumentAdvice(name))", nameFrom, nameTo, tagStart: tagStart)
            default:
                return failing("invalid argument '\(spelled)' of 'truncate'\(argumentAdvice(name))", argumentFrom, argumentTo, tagStart: tagStart)
            }
        default:
            issues.append(LocalIssue(
                code: .unknownFilter,
                message: "unknown filter '\(name)' (filters are \(TemplateSyntax.filterNames.joined(separator: ", ")))\(ScalarLexing.hint(for: name, in: TemplateSyntax.filterNames))",
                from: nameFrom, to: nameTo))
        }
        return .ok((result, end))
    }

    /// The optional `: argument` of the filter `name` whose name ends at
    /// `nameTo`, dispatched on its first character: quoted text, a whole
    /// number or a field path. Returns it with its span (`nameTo` twice when
    /// there is none).
    private mutating func filterArgument(of name: String, after nameTo: Int, tagStart: Int)
        -> Step<(Argument?, Int, Int)>
    {
        var argument: Argument?
        var argumentFrom = nameTo, argumentTo = nameTo
        var end = nameTo
        let colon = ScalarLexing.skipSpaces(s, from: nameTo)
        if colon < s.count, s[colon] == ":" {
            let a = ScalarLexing.skipSpaces(s, from: colon + 1)
            argumentFrom = a
            guard a < s.count else {
                return failing("expected an argument after ':'", colon, colon + 1, tagStart: tagStart)
            }
            let c = s[a]
            if c == "\"" || c == "'" {
                switch ScalarLexing.scanString(s, at: a) {
                case .value(let v, let e):
                    argument = .string(v)
                    end = e
                case .unterminated:
                    return failing("unterminated quoted text: the closing \(ScalarLexing.describe(c)) is missing", a, a + 1, tagStart: tagStart)
                case .badEscape(let from, let to):
                    return failing(
                        "unknown escape '\(ScalarLexing.text(s, from, to))'; the escapes are \\\\, \\\", \\' and \\n",
                        from, to, tagStart: tagStart)
                }
            } else if ScalarLexing.isDigit(c) {
                switch numberArgument(of: name, at: a, tagStart: tagStart) {
                case .failed(let resume): return .failed(resume: resume)
                case .ok(let (value, e)):
                    argument = .int(value)
                    end = e
                }
            } else if ScalarLexing.isIdentifierStart(c) {
                let scanned = ScalarLexing.scanPath(s, at: a)
                if scanned.danglingDot {
                    return failing(
                        "incomplete field path '\(ScalarLexing.text(s, a, scanned.end))': a name must follow '.'", a,
                        scanned.end, tagStart: tagStart)
                }
                argument = .path(TemplatePathReference(path: FieldPath(scanned.components), from: a, to: scanned.end))
                end = scanned.end
            } else {
                return failing(
                    "expected an argument after '\(name):', but found \(describe(at: a))\(argumentAdvice(name))", a, a + 1,
                    tagStart: tagStart)
            }
            argumentTo = end
        }
        return .ok((argument, argumentFrom, argumentTo))
    }

    /// A whole-number argument at `a` (a digit): its value and end.
    private mutating func numberArgument(of name: String, at a: Int, tagStart: Int) -> Step<(Int, Int)> {
        var e = a, value = 0, overflow = false
        while e < s.count, ScalarLexing.isDigit(s[e]) {
            let (m, o1) = value.multipliedReportingOverflow(by: 10)
            let (v, o2) = m.addingReportingOverflow(Int(s[e].value - 0x30))
            overflow = overflow || o1 || o2
            value = v
            e += 1
        }
        if e < s.count, ScalarLexing.isIdentifierPart(s[e]) || s[e] == "." {
            while e < s.count, ScalarLexing.isIdentifierPart(s[e]) || s[e] == "." { e += 1 }
            return failing(
                "invalid argument '\(ScalarLexing.text(s, a, e))' of '\(name)'\(argumentAdvice(name))", a, e, tagStart: tagStart)
        }
        if overflow { return failing("the number '\(ScalarLexing.text(s, a, e))' is too large", a, e, tagStart: tagStart) }
        return .ok((value, e))
    }

    /// How to write the argument of a known filter, as a message suffix.
    private func argumentAdvice(_ name: String) -> String {
        switch name {
        case "default": return "; write default: \"text\" or default: a.field"
        case "date": return "; write date: \"dd/MM/yyyy HH:mm\""
        case "truncate": return "; write truncate: N with a whole number N ≥ 1"
        default: return ""
        }
    }
}

// MARK: - Checker

/// Checks parsed pieces against a scope.
struct TemplateChecker {
    let scope: FieldScope
    var issues: [LocalIssue] = []
    /// Paths of the enclosing `{{#if}}` blocks whose `then` branch we are in.
    private var guarded: [FieldPath] = []

    init(scope: FieldScope) {
        self.scope = scope
    }

    private mutating func resolve(_ ref: TemplatePathReference) -> FieldSpec? {
        switch scope.resolve(ref.path) {
        case .field(let spec): return spec
        case .unknown(let message):
            issues.append(LocalIssue(code: .unknownField, message: message, from: ref.from, to: ref.to))
            return nil
        }
    }

    mutating func walk(_ pieces: [TemplatePiece]) {
        for piece in pieces {
            switch piece {
            case .text: break
            case .conditional(let ref, let then, let otherwise):
                _ = resolve(ref)
                guarded.append(ref.path)
                walk(then)
                guarded.removeLast()
                walk(otherwise)
            case .value(let ref, let filters):
                checkValue(ref, filters)
            }
        }
    }

    /// Walks compiled segments: the same checks as over pieces, with every
    /// issue at position 0 (for `TemplateSyntax.passes`, which only asks
    /// whether there is one).
    mutating func walk(_ segments: [TemplateSegment]) {
        for segment in segments {
            switch segment {
            case .text: break
            case .conditional(let path, let then, let otherwise):
                _ = resolve(TemplatePathReference(path: path, from: 0, to: 0))
                guarded.append(path)
                walk(then)
                guarded.removeLast()
                walk(otherwise)
            case .value(let path, let filters):
                checkValue(TemplatePathReference(path: path, from: 0, to: 0), filters.map(TemplateFilterSyntax.init))
            }
        }
    }

    /// Where a possible value of a filter chain comes from, named in
    /// messages (spelled out only when there is one to write).
    private enum Source {
        case value(FieldPath)
        case defaultPath(FieldPath)
        case defaultText

        var what: String {
            switch self {
            case .value(let path): return "\(path)"
            case .defaultPath(let path): return "the default \(path)"
            case .defaultText: return "the default text"
            }
        }
    }

    /// The types a value may have at a point of its filter chain, each with
    /// where it comes from.
    private typealias Possible = [(type: FieldType, source: Source)]

    private mutating func checkValue(_ ref: TemplatePathReference, _ filters: [TemplateFilterSyntax]) {
        let spec = resolve(ref)
        var possible: Possible? = spec.map { [($0.type, .value(ref.path))] }
        var optional = spec.map { $0.optional && !scope.presentFields.contains(ref.path) && !guarded.contains(ref.path) }
            ?? false
        for f in filters {
            guard let filter = f.filter else {
                possible = nil  // unknown filter, reported by parse
                continue
            }
            switch filter {
            case .default(let argument):
                optional = false
                switch argument {
                case .path:
                    if let argRef = f.pathArgument, let argSpec = resolve(argRef) {
                        possible?.append((argSpec.type, .defaultPath(argRef.path)))
                    } else {
                        possible = nil
                    }
                case .string, .int:
                    possible?.append((.string, .defaultText))
                }
            case .date:
                if let p = possible {
                    require(p, f, accepts: { $0 == .datetime }, takes: "a datetime")
                    possible = p.map { (.string, $0.source) }
                }
            case .upper, .lower, .truncate:
                if let p = possible {
                    require(p, f, accepts: \.isText, takes: "text (string, email, phone, status or enum)")
                    possible = p.map { (.string, $0.source) }
                }
            }
        }
        if optional, possible != nil {
            issues.append(LocalIssue(
                .warning, code: .optionalTag,
                message: "'\(ref.path)' is optional and prints nothing when absent; add '| default: …' or put it inside {{#if \(ref.path)}} … {{/if}}",
                from: ref.from, to: ref.to))
        }
    }

    private mutating func require(
        _ possible: Possible, _ f: TemplateFilterSyntax, accepts: (FieldType) -> Bool, takes: String
    ) {
        guard possible.contains(where: { !accepts($0.type) }) else { return }
        var seen: Set<String> = []
        let bad = possible.filter { !accepts($0.type) && seen.insert($0.source.what).inserted }
        let list = bad.map { "\($0.source.what) (\($0.type.name))" }.joined(separator: " and ")
        issues.append(LocalIssue(
            code: .typeMismatch,
            message: "filter '\(f.name)' does not apply to \(list); it takes \(takes)",
            from: f.nameFrom, to: f.nameTo))
    }
}
