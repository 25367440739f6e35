/// A field reference such as `work_order.status` or `location.vars.phone`.
public struct FieldPath: Sendable, Hashable, Codable, CustomStringConvertible {
    /// The dotted components, e.g. `["location", "vars", "phone"]`.
    public var components: [String]

    /// Creates a path from its components.
    public init(_ components: [String]) {
        self.components = components
    }

    /// Creates a path from dotted text.
    public init(dotted: String) {
        self.components = dotted.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
    }

    /// The dotted text.
    public var description: String { components.joined(separator: ".") }

    /// The entity named by the first component, if any.
    public var entity: Entity? { components.first.flatMap(Entity.init(rawValue:)) }
}

/// A literal value in an expression.
public enum Literal: Sendable, Hashable, Codable {
    /// A quoted string.
    case string(String)
    /// A number, kept as its decimal text and value.
    case number(Double)
    /// `true` / `false`.
    case bool(Bool)
    /// `null`.
    case null
}

/// A comparison operator of `where` (docs/rule-language.md §8).
public enum ComparisonOperator: String, Sendable, Hashable, Codable {
    /// `==`
    case equal = "=="
    /// `!=`
    case notEqual = "!="
    /// `<`
    case less = "<"
    /// `<=`
    case lessOrEqual = "<="
    /// `>`
    case greater = ">"
    /// `>=`
    case greaterOrEqual = ">="
    /// `in`
    case isIn = "in"
    /// `not in`
    case notIn = "not in"
}

/// A built-in function of `where` (docs/rule-language.md §8).
public enum ExpressionFunction: String, Sendable, Hashable, Codable {
    /// `has(path)`: the value is present (not absent, not null).
    case has
    /// `startsWith(text, prefix)`
    case startsWith
    /// `endsWith(text, suffix)`
    case endsWith
    /// `contains(text-or-list, item)`
    case contains
    /// `lower(text)`
    case lower
}

/// A checked `where` expression. Type checking has happened already; the
/// runtime evaluates this tree directly (no parsing at run time).
public indirect enum RuleExpression: Sendable, Hashable, Codable {
    /// A literal.
    case literal(Literal)
    /// A field reference.
    case path(FieldPath)
    /// `[a, b, …]`
    case list([RuleExpression])
    /// `not x`
    case not(RuleExpression)
    /// `a and b` (short-circuit)
    case and(RuleExpression, RuleExpression)
    /// `a or b` (short-circuit)
    case or(RuleExpression, RuleExpression)
    /// `a OP b`
    case compare(ComparisonOperator, RuleExpression, RuleExpression)
    /// `f(args…)`
    case call(ExpressionFunction, [RuleExpression])
}
