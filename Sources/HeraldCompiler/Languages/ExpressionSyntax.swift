import HeraldSyntax

/// Parses and type-checks `where` expressions (docs/rule-language.md §8, `Grammar/expression.ebnf`).
///
/// The text is tokenized, parsed by recursive descent into a located syntax
/// tree, then checked against a `FieldScope`. Syntax errors stop at the first
/// one (`expression-syntax`); type problems are all reported, each at the
/// offending token, without cascading from an unknown field.
public enum ExpressionSyntax {
    /// The built-in functions, as written.
    public static let functionNames = ExpressionFunction.allNames

    /// How deeply parentheses, lists, calls and `not` may nest.
    public static let maximumNesting = 64

    /// Parses `text` and checks it against `scope`: unknown paths
    /// (`unknown-field`), unrelated comparisons and non-bool results
    /// (`type-mismatch`), status/enum literals not in their list
    /// (`unknown-status`), syntax errors (`expression-syntax`), each at the
    /// offending token (Unicode-scalar indices into `text`). Returns the
    /// checked expression when there is no error. `key` names the rule key
    /// the text stands under (`where`, `cancel_if`) in messages.
    public static func check(_ text: String, scope: FieldScope, key: String = "where") -> (RuleExpression?, [LocalIssue]) {
        let s = ScalarLexing.scalars(of: text)
        let syntax: ExpressionNode
        switch parse(s) {
        case .failure(let issue): return (nil, [issue])
        case .success(let node): syntax = node
        }
        var checker = ExpressionChecker(s: s, scope: scope)
        let top = checker.check(syntax)
        switch top.type {
        case .bool, .unknown: break
        default:
            checker.mismatch(
                "a `\(key)` condition must be bool, but this is \(top.type.name) ('\(checker.excerpt(syntax))')",
                syntax.from, syntax.to)
        }
        let hasError = checker.issues.contains { $0.severity == .error }
        return (hasError ? nil : top.expression, LocalIssue.capped(checker.issues))
    }

    /// Parses `text` for syntax only: the located syntax tree, or the first
    /// `expression-syntax` issue.
    static func parse(_ s: [Unicode.Scalar]) -> Result<ExpressionNode, LocalIssue> {
        let tokens: [ExpressionToken]
        switch ExpressionLexer.tokenize(s) {
        case .failure(let issue): return .failure(issue)
        case .success(let t): tokens = t
        }
        guard !tokens.isEmpty else {
            return .failure(LocalIssue(
                code: .expressionSyntax, message: "the condition is empty; write e.g. client.accepts_sms",
                from: 0, to: s.count))
        }
        var parser = ExpressionParser(s: s, tokens: tokens)
        do {
            return .success(try parser.parseAll())
        } catch {
            return .failure(error)
        }
    }
}

extension ExpressionFunction {
    /// Every function name, in the order messages list them.
    static let allNames = ["has", "startsWith", "endsWith", "contains", "lower"]
}

// MARK: - Tokens

/// A token of a `where` expression with its scalar range.
struct ExpressionToken {
    /// What the token is.
    enum Kind: Equatable {
        /// A dotted name (`client.email`, `has`).
        case path([String])
        /// A quoted string, decoded.
        case string(String)
        /// A decimal number.
        case number(Double)
        /// A reserved word.
        case word(Word)
        /// Punctuation or an operator.
        case symbol(Symbol)
    }

    /// Reserved words (only as single names, never inside a dotted path).
    enum Word: String {
        case and, or, not, `in`, `true`, `false`, null
    }

    /// Operators and punctuation.
    enum Symbol: String {
        case equal = "==", notEqual = "!=", less = "<", lessOrEqual = "<=", greater = ">", greaterOrEqual = ">="
        case andAnd = "&&", orOr = "||", bang = "!"
        case openParen = "(", closeParen = ")", openBracket = "[", closeBracket = "]", comma = ","
    }

    var kind: Kind
    var from: Int
    var to: Int
}

/// Splits a `where` text into tokens.
enum ExpressionLexer {
    private static func syntax(_ message: String, _ from: Int, _ to: Int) -> LocalIssue {
        LocalIssue(code: .expressionSyntax, message: message, from: from, to: to)
    }

    /// The tokens of `s`, or the first lexical error.
    static func tokenize(_ s: [Unicode.Scalar]) -> Result<[ExpressionToken], LocalIssue> {
        var tokens: [ExpressionToken] = []
        tokens.reserveCapacity(s.count / 3)
        var i = 0
        let n = s.count
        while i < n {
            let c = s[i]
            if ScalarLexing.isSpace(c) {
                i += 1
                continue
            }
            // Dispatch on the token's first character, as swift-syntax's lexer does.
            let scanned: Result<ExpressionToken, LocalIssue>
            if ScalarLexing.isIdentifierStart(c) {
                scanned = wordOrPath(s, at: i)
            } else if ScalarLexing.isDigit(c) || (c == "-" && i + 1 < n && ScalarLexing.isDigit(s[i + 1])) {
                scanned = number(s, at: i)
            } else if c == "\"" || c == "'" {
                scanned = string(s, at: i)
            } else {
                scanned = symbol(s, at: i)
            }
            switch scanned {
            case .success(let token):
                tokens.append(token)
                i = token.to
            case .failure(let issue):
                return .failure(issue)
            }
        }
        return .success(tokens)
    }

    /// A keyword (`and`, `in`, `true`, …) or a field path at `i`.
    private static func wordOrPath(_ s: [Unicode.Scalar], at i: Int) -> Result<ExpressionToken, LocalIssue> {
        let path = ScalarLexing.scanPath(s, at: i)
        if path.danglingDot {
            return .failure(syntax(
                "incomplete field path '\(ScalarLexing.text(s, i, path.end))': a name must follow '.'", i, path.end))
        }
        if path.components.count == 1, let word = ExpressionToken.Word(rawValue: path.components[0]) {
            return .success(ExpressionToken(kind: .word(word), from: i, to: path.end))
        }
        return .success(ExpressionToken(kind: .path(path.components), from: i, to: path.end))
    }

    /// A decimal number (`3`, `-2.5`) at `i`.
    private static func number(_ s: [Unicode.Scalar], at i: Int) -> Result<ExpressionToken, LocalIssue> {
        let n = s.count
        var j = i + 1
        while j < n, ScalarLexing.isDigit(s[j]) { j += 1 }
        if j + 1 < n, s[j] == ".", ScalarLexing.isDigit(s[j + 1]) {
            j += 1
            while j < n, ScalarLexing.isDigit(s[j]) { j += 1 }
        }
        if j < n, ScalarLexing.isIdentifierPart(s[j]) || s[j] == "." {
            var k = j
            while k < n, ScalarLexing.isIdentifierPart(s[k]) || s[k] == "." { k += 1 }
            return .failure(syntax("invalid number '\(ScalarLexing.text(s, i, k))': numbers are decimal, like 3 or 2.5", i, k))
        }
        guard let value = Double(ScalarLexing.text(s, i, j)), value.isFinite else {
            return .failure(syntax("the number '\(ScalarLexing.text(s, i, j))' is too large", i, j))
        }
        return .success(ExpressionToken(kind: .number(value), from: i, to: j))
    }

    /// A quoted string at `i`.
    private static func string(_ s: [Unicode.Scalar], at i: Int) -> Result<ExpressionToken, LocalIssue> {
        switch ScalarLexing.scanString(s, at: i) {
        case .value(let v, let end):
            return .success(ExpressionToken(kind: .string(v), from: i, to: end))
        case .unterminated:
            return .failure(syntax("unterminated string: the closing \(s[i] == "\"" ? "\"" : "'") is missing", i, s.count))
        case .badEscape(let from, let to):
            return .failure(syntax(
                "unknown escape '\(ScalarLexing.text(s, from, to))' in a string; the escapes are \\\\, \\\", \\' and \\n",
                from, to))
        }
    }

    /// An operator or punctuation at `i`: two characters first (`==`, `&&`),
    /// then one; a lone `=`, `&` or `|` says what to write instead.
    private static func symbol(_ s: [Unicode.Scalar], at i: Int) -> Result<ExpressionToken, LocalIssue> {
        let c = s[i]
        let next: Unicode.Scalar? = i + 1 < s.count ? s[i + 1] : nil
        let two: ExpressionToken.Symbol?
        switch (c, next) {
        case ("=", "="): two = .equal
        case ("!", "="): two = .notEqual
        case ("<", "="): two = .lessOrEqual
        case (">", "="): two = .greaterOrEqual
        case ("&", "&"): two = .andAnd
        case ("|", "|"): two = .orOr
        default: two = nil
        }
        if let two { return .success(ExpressionToken(kind: .symbol(two), from: i, to: i + 2)) }
        let one: ExpressionToken.Symbol
        switch c {
        case "<": one = .less
        case ">": one = .greater
        case "!": one = .bang
        case "(": one = .openParen
        case ")": one = .closeParen
        case "[": one = .openBracket
        case "]": one = .closeBracket
        case ",": one = .comma
        case "=": return .failure(syntax("'=' is not an operator; write '==' to compare", i, i + 1))
        case "&": return .failure(syntax("'&' is not an operator; write '&&' or 'and'", i, i + 1))
        case "|": return .failure(syntax("'|' is not an operator; write '||' or 'or'", i, i + 1))
        default:
            return .failure(syntax("unexpected character \(ScalarLexing.describe(c)) in the condition", i, i + 1))
        }
        return .success(ExpressionToken(kind: .symbol(one), from: i, to: i + 1))
    }
}

// MARK: - Syntax tree

/// A located node of a parsed `where` expression.
struct ExpressionNode {
    /// What the node is.
    indirect enum Kind {
        case literal(Literal)
        case path([String])
        case list([ExpressionNode])
        case not(ExpressionNode)
        /// `a and b and …` (`isAnd`) or `a or b or …`, two or more operands.
        case chain(isAnd: Bool, operands: [ExpressionNode])
        case compare(ComparisonOperator, ExpressionNode, ExpressionNode)
        /// A call with the name's range (the name may be unknown).
        case call(name: String, nameFrom: Int, nameTo: Int, arguments: [ExpressionNode])
    }

    var kind: Kind
    /// Whether the node is a bare field path.
    var isPath: Bool {
        if case .path = kind { return true }
        return false
    }
    /// First scalar (including an opening parenthesis around it).
    var from: Int
    /// Just past the last scalar.
    var to: Int
}

/// Recursive-descent parser over the tokens (grammar in docs/rule-language.md §8).
struct ExpressionParser {
    let s: [Unicode.Scalar]
    let tokens: [ExpressionToken]
    var position = 0
    var depth = 0

    init(s: [Unicode.Scalar], tokens: [ExpressionToken]) {
        self.s = s
        self.tokens = tokens
    }

    private func syntax(_ message: String, _ from: Int, _ to: Int) -> LocalIssue {
        LocalIssue(code: .expressionSyntax, message: message, from: from, to: to)
    }

    private var current: ExpressionToken? { position < tokens.count ? tokens[position] : nil }

    private func describe(_ t: ExpressionToken) -> String {
        "'\(ScalarLexing.excerpt(s, t.from, t.to))'"
    }

    /// The error for a value that was expected but not found.
    private func expectedValue() -> LocalIssue {
        if let t = current {
            return syntax("expected a value, but found \(describe(t))", t.from, t.to)
        }
        let last = tokens[tokens.count - 1]
        return syntax("the condition ends too early, after \(describe(last)); a value must follow", last.from, last.to)
    }

    private mutating func enter(_ t: ExpressionToken) throws(LocalIssue) {
        depth += 1
        if depth > ExpressionSyntax.maximumNesting {
            throw syntax(
                "the condition is nested too deeply (more than \(ExpressionSyntax.maximumNesting) levels)", t.from, t.to)
        }
    }

    /// `expr`, then the end of the text.
    mutating func parseAll() throws(LocalIssue) -> ExpressionNode {
        let node = try parseOr()
        if let t = current {
            var message = "unexpected \(describe(t)) after the end of the condition"
            if case .path(let c) = t.kind, c.count == 1 {
                message += ScalarLexing.hint(for: c[0], in: ["and", "or", "not", "in"])
            } else if case .symbol(.closeParen) = t.kind {
                message = "unexpected ')': there is no '(' to close"
            } else if case .symbol(.closeBracket) = t.kind {
                message = "unexpected ']': there is no '[' to close"
            }
            throw syntax(message, t.from, t.to)
        }
        return node
    }

    private mutating func parseOr() throws(LocalIssue) -> ExpressionNode {
        var operands = [try parseAnd()]
        while let t = current, t.kind == .word(.or) || t.kind == .symbol(.orOr) {
            position += 1
            operands.append(try parseAnd())
        }
        return chain(isAnd: false, operands)
    }

    private mutating func parseAnd() throws(LocalIssue) -> ExpressionNode {
        var operands = [try parseNot()]
        while let t = current, t.kind == .word(.and) || t.kind == .symbol(.andAnd) {
            position += 1
            operands.append(try parseNot())
        }
        return chain(isAnd: true, operands)
    }

    private func chain(isAnd: Bool, _ operands: [ExpressionNode]) -> ExpressionNode {
        if operands.count == 1 { return operands[0] }
        return ExpressionNode(
            kind: .chain(isAnd: isAnd, operands: operands), from: operands[0].from, to: operands[operands.count - 1].to)
    }

    private mutating func parseNot() throws(LocalIssue) -> ExpressionNode {
        if let t = current, t.kind == .word(.not) || t.kind == .symbol(.bang) {
            position += 1
            try enter(t)
            let operand = try parseNot()
            depth -= 1
            return ExpressionNode(kind: .not(operand), from: t.from, to: operand.to)
        }
        return try parseComparison()
    }

    private func comparisonOperator(at index: Int) -> (ComparisonOperator, tokens: Int)? {
        guard index < tokens.count else { return nil }
        switch tokens[index].kind {
        case .symbol(.equal): return (.equal, 1)
        case .symbol(.notEqual): return (.notEqual, 1)
        case .symbol(.less): return (.less, 1)
        case .symbol(.lessOrEqual): return (.lessOrEqual, 1)
        case .symbol(.greater): return (.greater, 1)
        case .symbol(.greaterOrEqual): return (.greaterOrEqual, 1)
        case .word(.in): return (.isIn, 1)
        case .word(.not):
            if index + 1 < tokens.count, tokens[index + 1].kind == .word(.in) { return (.notIn, 2) }
            return nil
        default: return nil
        }
    }

    private mutating func parseComparison() throws(LocalIssue) -> ExpressionNode {
        let left = try parsePrimary()
        guard let (op, count) = comparisonOperator(at: position) else { return left }
        position += count
        let right = try parsePrimary()
        if let (_, n) = comparisonOperator(at: position) {
            let t = tokens[position], end = tokens[position + n - 1].to
            throw syntax(
                "comparisons cannot be chained: '\(ScalarLexing.text(s, t.from, end))' follows a comparison; join them with 'and'",
                t.from, end)
        }
        return ExpressionNode(kind: .compare(op, left, right), from: left.from, to: right.to)
    }

    private mutating func parsePrimary() throws(LocalIssue) -> ExpressionNode {
        guard let t = current else { throw expectedValue() }
        switch t.kind {
        case .string(let v):
            position += 1
            return ExpressionNode(kind: .literal(.string(v)), from: t.from, to: t.to)
        case .number(let v):
            position += 1
            return ExpressionNode(kind: .literal(.number(v)), from: t.from, to: t.to)
        case .word(.true), .word(.false):
            position += 1
            return ExpressionNode(kind: .literal(.bool(t.kind == .word(.true))), from: t.from, to: t.to)
        case .word(.null):
            position += 1
            return ExpressionNode(kind: .literal(.null), from: t.from, to: t.to)
        case .path(let components):
            position += 1
            if let open = current, open.kind == .symbol(.openParen) {
                position += 1
                try enter(open)
                let (arguments, close) = try parseItems(closing: .closeParen, opener: open, what: "'(' of \(components.joined(separator: "."))(…)")
                depth -= 1
                return ExpressionNode(
                    kind: .call(name: components.joined(separator: "."), nameFrom: t.from, nameTo: t.to, arguments: arguments),
                    from: t.from, to: close)
            }
            return ExpressionNode(kind: .path(components), from: t.from, to: t.to)
        case .symbol(.openBracket):
            position += 1
            try enter(t)
            let (items, close) = try parseItems(closing: .closeBracket, opener: t, what: "'['")
            depth -= 1
            return ExpressionNode(kind: .list(items), from: t.from, to: close)
        case .symbol(.openParen):
            position += 1
            try enter(t)
            var inner = try parseOr()
            depth -= 1
            guard let close = current else {
                throw syntax("'(' is never closed: ')' is missing", t.from, t.to)
            }
            guard close.kind == .symbol(.closeParen) else {
                throw syntax("expected ')' to close the '(', but found \(describe(close))", close.from, close.to)
            }
            position += 1
            inner.from = t.from
            inner.to = close.to
            return inner
        default:
            throw expectedValue()
        }
    }

    /// `[expr {"," expr}]` up to the closing symbol; returns the items and
    /// the index just past the closing symbol.
    private mutating func parseItems(
        closing: ExpressionToken.Symbol, opener: ExpressionToken, what: String
    ) throws(LocalIssue) -> ([ExpressionNode], Int) {
        var items: [ExpressionNode] = []
        if let t = current, t.kind == .symbol(closing) {
            position += 1
            return (items, t.to)
        }
        while true {
            guard current != nil else {
                throw syntax("\(what) is never closed: '\(closing.rawValue)' is missing", opener.from, opener.to)
            }
            items.append(try parseOr())
            guard let t = current else {
                throw syntax("\(what) is never closed: '\(closing.rawValue)' is missing", opener.from, opener.to)
            }
            if t.kind == .symbol(closing) {
                position += 1
                return (items, t.to)
            }
            guard t.kind == .symbol(.comma) else {
                throw syntax("expected ',' or '\(closing.rawValue)', but found \(describe(t))", t.from, t.to)
            }
            position += 1
        }
    }
}

// MARK: - Type checking

/// The static type of an expression node.
enum StaticType: Equatable {
    /// string, email or phone (the name).
    case text(String)
    /// A status of an entity.
    case status(Entity)
    /// A custom enum with its values.
    case enumeration([String])
    /// int, decimal or a number literal (the name).
    case number(String)
    case bool
    case datetime
    /// A string literal, with its value (checked against status/enum lists).
    case literal(String)
    case null
    case list
    /// Unknown (after an unknown field): raises no further diagnostic.
    case unknown

    init(_ t: FieldType) {
        switch t {
        case .string, .email, .phone: self = .text(t.name)
        case .int, .decimal: self = .number(t.name)
        case .bool: self = .bool
        case .datetime: self = .datetime
        case .status(let e): self = .status(e)
        case .enumeration(let v): self = .enumeration(v)
        }
    }

    /// How the type is written in messages.
    var name: String {
        switch self {
        case .text(let n), .number(let n): return n
        case .status(let e): return "status of \(e.rawValue)"
        case .enumeration: return "enum"
        case .bool: return "bool"
        case .datetime: return "datetime"
        case .literal: return "string"
        case .null: return "null"
        case .list: return "list"
        case .unknown: return "unknown"
        }
    }

    /// Text at run time (string, email, phone, status, enum, string literal).
    var isTextual: Bool {
        switch self {
        case .text, .status, .enumeration, .literal: return true
        default: return false
        }
    }
}

/// A checked node: its type and the model expression.
struct TypedExpression {
    var type: StaticType
    var expression: RuleExpression
}

/// Type-checks a parsed expression against a scope, collecting issues.
struct ExpressionChecker {
    let s: [Unicode.Scalar]
    let scope: FieldScope
    var issues: [LocalIssue] = []

    init(s: [Unicode.Scalar], scope: FieldScope) {
        self.s = s
        self.scope = scope
    }

    /// The source text of `node`, shortened for messages.
    func excerpt(_ node: ExpressionNode) -> String {
        ScalarLexing.excerpt(s, node.from, node.to)
    }

    /// `'text' (type)` for messages.
    private func operand(_ node: ExpressionNode, _ type: StaticType) -> String {
        "\(excerpt(node)) (\(type.name))"
    }

    /// Records a `type-mismatch`.
    mutating func mismatch(_ message: String, _ from: Int, _ to: Int) {
        issues.append(LocalIssue(code: .typeMismatch, message: message, from: from, to: to))
    }

    mutating func check(_ node: ExpressionNode) -> TypedExpression {
        switch node.kind {
        case .literal(let l):
            let type: StaticType
            switch l {
            case .string(let v): type = .literal(v)
            case .number: type = .number("number")
            case .bool: type = .bool
            case .null: type = .null
            }
            return TypedExpression(type: type, expression: .literal(l))

        case .path(let components):
            let path = FieldPath(components)
            switch scope.resolve(path) {
            case .field(let spec):
                return TypedExpression(type: StaticType(spec.type), expression: .path(path))
            case .unknown(let message):
                issues.append(LocalIssue(code: .unknownField, message: message, from: node.from, to: node.to))
                return TypedExpression(type: .unknown, expression: .path(path))
            }

        case .list(let items):
            let checked = items.map { check($0) }
            return TypedExpression(type: .list, expression: .list(checked.map(\.expression)))

        case .not(let inner):
            let operand = check(inner)
            requireBool(operand.type, inner, what: "'not' needs a bool")
            return TypedExpression(type: .bool, expression: .not(operand.expression))

        case .chain(let isAnd, let operands):
            var expressions: [RuleExpression] = []
            expressions.reserveCapacity(operands.count)
            for o in operands {
                let typed = check(o)
                requireBool(typed.type, o, what: "'\(isAnd ? "and" : "or")' needs bool operands")
                expressions.append(typed.expression)
            }
            return TypedExpression(type: .bool, expression: Self.join(expressions[...], isAnd: isAnd))

        case .compare(let op, let leftNode, let rightNode):
            let left = check(leftNode)
            if op == .isIn || op == .notIn {
                return checkMembership(op, leftNode, left, rightNode, whole: node)
            }
            let right = check(rightNode)
            switch op {
            case .equal, .notEqual:
                checkRelated(leftNode, left.type, rightNode, right.type, mismatchFrom: node.from, to: node.to)
            default:
                checkOrdered(op, leftNode, left.type, rightNode, right.type, whole: node)
            }
            return TypedExpression(type: .bool, expression: .compare(op, left.expression, right.expression))

        case .call(let name, let nameFrom, let nameTo, let arguments):
            return checkCall(name, nameFrom, nameTo, arguments, whole: node)
        }
    }

    /// Joins chained operands: left-deep for the usual short chains,
    /// balanced for long ones (keeps the tree shallow; `and`/`or` are
    /// associative and evaluation order stays left to right).
    static func join(_ e: ArraySlice<RuleExpression>, isAnd: Bool) -> RuleExpression {
        let make: (RuleExpression, RuleExpression) -> RuleExpression = isAnd ? { .and($0, $1) } : { .or($0, $1) }
        if e.count == 1, let only = e.first { return only }
        if e.count <= 16 {
            var result = e[e.startIndex]
            for x in e.dropFirst() { result = make(result, x) }
            return result
        }
        let mid = e.startIndex + e.count / 2
        return make(join(e[..<mid], isAnd: isAnd), join(e[mid...], isAnd: isAnd))
    }

    private mutating func requireBool(_ type: StaticType, _ node: ExpressionNode, what: String) {
        switch type {
        case .bool, .unknown: return
        default: mismatch("\(what), but \(operand(node, type)) is not bool", node.from, node.to)
        }
    }

    /// `==` / `!=` (and list membership): the operands must be related.
    private mutating func checkRelated(
        _ a: ExpressionNode, _ ta: StaticType, _ b: ExpressionNode, _ tb: StaticType,
        mismatchFrom: Int, to mismatchTo: Int, inList: Bool = false
    ) {
        switch (ta, tb) {
        case (.unknown, _), (_, .unknown), (.null, _), (_, .null):
            return
        case (.status(let e), .literal(let v)):
            checkStatus(v, of: e, at: b)
        case (.literal(let v), .status(let e)):
            checkStatus(v, of: e, at: a)
        case (.enumeration(let values), .literal(let v)):
            checkEnumValue(v, values, owner: a, at: b)
        case (.literal(let v), .enumeration(let values)):
            checkEnumValue(v, values, owner: b, at: a)
        case (.status(let x), .status(let y)) where x == y:
            return
        case (.enumeration(let x), .enumeration(let y)) where Set(x) == Set(y):
            return
        case (.text, .text), (.text, .literal), (.literal, .text), (.literal, .literal),
            (.number, .number), (.bool, .bool), (.datetime, .datetime):
            return
        default:
            if inList {
                mismatch(
                    "cannot look for \(operand(a, ta)) in a list holding \(operand(b, tb))", mismatchFrom, mismatchTo)
            } else {
                mismatch("cannot compare \(operand(a, ta)) with \(operand(b, tb))", mismatchFrom, mismatchTo)
            }
        }
    }

    /// `<`, `<=`, `>`, `>=`: both numbers, both datetimes or both text.
    private mutating func checkOrdered(
        _ op: ComparisonOperator, _ a: ExpressionNode, _ ta: StaticType, _ b: ExpressionNode, _ tb: StaticType,
        whole: ExpressionNode
    ) {
        switch (ta, tb) {
        case (.unknown, _), (_, .unknown), (.number, .number), (.datetime, .datetime):
            return
        default:
            // Statuses and enum values have no order (their names' order is
            // not the workflow's): `in [...]` says which ones are meant.
            for (node, type) in [(a, ta), (b, tb)] {
                switch type {
                case .status, .enumeration:
                    // A literal that is no value of it is reported as well.
                    if ta.isTextual && tb.isTextual { checkRelated(a, ta, b, tb, mismatchFrom: whole.from, to: whole.to) }
                    mismatch(
                        "cannot order \(operand(node, type)) with '\(op.rawValue)': statuses and enum values have no order; list the ones you mean with 'in [...]'",
                        whole.from, whole.to)
                    return
                default: break
                }
            }
            if ta.isTextual && tb.isTextual {
                checkRelated(a, ta, b, tb, mismatchFrom: whole.from, to: whole.to)
                return
            }
            mismatch(
                "cannot compare \(operand(a, ta)) with \(operand(b, tb)) using '\(op.rawValue)': both sides must be numbers, datetimes or text",
                whole.from, whole.to)
        }
    }

    /// `x in [..]` / `x not in [..]`.
    private mutating func checkMembership(
        _ op: ComparisonOperator, _ leftNode: ExpressionNode, _ left: TypedExpression, _ rightNode: ExpressionNode,
        whole: ExpressionNode
    ) -> TypedExpression {
        if case .list(let items) = rightNode.kind {
            var elements: [RuleExpression] = []
            for item in items {
                let typed = check(item)
                checkRelated(leftNode, left.type, item, typed.type, mismatchFrom: item.from, to: item.to, inList: true)
                elements.append(typed.expression)
            }
            return TypedExpression(type: .bool, expression: .compare(op, left.expression, .list(elements)))
        }
        let right = check(rightNode)
        switch right.type {
        case .unknown, .list: break
        default:
            mismatch(
                "the right side of '\(op.rawValue)' must be a list such as [\"a\", \"b\"], but \(operand(rightNode, right.type)) is not a list",
                whole.from, whole.to)
        }
        return TypedExpression(type: .bool, expression: .compare(op, left.expression, right.expression))
    }

    private mutating func checkStatus(_ value: String, of entity: Entity, at node: ExpressionNode) {
        guard let list = scope.schema.statuses[entity] else {
            issues.append(LocalIssue(
                code: .unknownStatus,
                message: "unknown status '\(value)' of \(entity.rawValue): no statuses are declared for \(entity.rawValue)",
                from: node.from, to: node.to))
            return
        }
        if list.contains(value) { return }
        issues.append(LocalIssue(
            code: .unknownStatus,
            message: "unknown status '\(value)' of \(entity.rawValue)\(Suggestion.hint(for: value, in: list))",
            from: node.from, to: node.to))
    }

    private mutating func checkEnumValue(
        _ value: String, _ values: [String], owner: ExpressionNode, at node: ExpressionNode
    ) {
        if values.contains(value) { return }
        let of: String
        if case .path(let c) = owner.kind { of = c.joined(separator: ".") } else { of = "the enum" }
        issues.append(LocalIssue(
            code: .unknownStatus,
            message: "unknown value '\(value)' of \(of) (values: \(values.joined(separator: ", ")))\(Suggestion.hint(for: value, in: values))",
            from: node.from, to: node.to))
    }

    private mutating func checkCall(
        _ name: String, _ nameFrom: Int, _ nameTo: Int, _ arguments: [ExpressionNode], whole: ExpressionNode
    ) -> TypedExpression {
        guard let function = ExpressionFunction(rawValue: name) else {
            issues.append(LocalIssue(
                code: .expressionSyntax,
                message: "unknown function '\(name)' (functions are \(ExpressionFunction.allNames.joined(separator: ", ")))\(ScalarLexing.hint(for: name, in: ExpressionFunction.allNames))",
                from: nameFrom, to: nameTo))
            for a in arguments { _ = check(a) }
            return TypedExpression(type: .unknown, expression: .literal(.null))
        }
        let resultType: StaticType = function == .lower ? .text("string") : .bool
        let arity = function == .has || function == .lower ? 1 : 2

        // has(path): the argument must be a field path.
        if function == .has, arguments.count == 1, !arguments[0].isPath {
            _ = check(arguments[0])
            mismatch(
                "has() takes a field path, e.g. has(client.email), not '\(excerpt(arguments[0]))'",
                arguments[0].from, arguments[0].to)
            return TypedExpression(type: .bool, expression: .literal(.null))
        }

        // contains(list, x): membership like `x in list`.
        if function == .contains, arguments.count == 2, case .list(let items) = arguments[0].kind {
            let needle = check(arguments[1])
            var elements: [RuleExpression] = []
            for item in items {
                let typed = check(item)
                checkRelated(arguments[1], needle.type, item, typed.type, mismatchFrom: item.from, to: item.to, inList: true)
                elements.append(typed.expression)
            }
            return TypedExpression(type: .bool, expression: .call(.contains, [.list(elements), needle.expression]))
        }

        let typed = arguments.map { check($0) }
        if function == .lower, typed.contains(where: { $0.type == .unknown }) {
            return TypedExpression(type: .unknown, expression: .literal(.null))
        }
        guard arguments.count == arity else {
            let shape: String
            switch function {
            case .has: shape = "has(path)"
            case .lower: shape = "lower(text)"
            case .contains: shape = "contains(text, part) or contains(list, item)"
            case .startsWith: shape = "startsWith(text, prefix)"
            case .endsWith: shape = "endsWith(text, suffix)"
            }
            mismatch(
                "\(name)() takes \(arity) argument\(arity == 1 ? "" : "s"), but got \(arguments.count): write \(shape)",
                whole.from, whole.to)
            return TypedExpression(type: resultType, expression: .literal(.null))
        }
        if function != .has {
            for (node, t) in zip(arguments, typed) {
                if t.type.isTextual || t.type == .unknown { continue }
                let expected = function == .contains && node.from == arguments[0].from ? "text or a list" : "text"
                mismatch("\(name)() takes \(expected) here, but \(operand(node, t.type)) is not text", node.from, node.to)
            }
        }
        return TypedExpression(type: resultType, expression: .call(function, typed.map(\.expression)))
    }
}
