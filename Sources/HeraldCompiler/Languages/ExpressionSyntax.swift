/// Parses and type-checks `where` expressions (SPEC §6, `Grammar/expression.ebnf`).
///
/// TODO(languages helper): implement.
public enum ExpressionSyntax {
    /// Parses `text` and checks it against `scope`: unknown paths
    /// (`unknown-field`), unrelated comparisons and non-bool results
    /// (`type-mismatch`), status/enum literals not in their list
    /// (`unknown-status`), syntax errors (`expression-syntax`), each at the
    /// offending token. Returns the checked expression when there is no error.
    public static func check(_ text: String, scope: FieldScope) -> (Expression?, [LocalIssue]) {
        (nil, [LocalIssue(code: "expression-syntax", message: "not implemented", from: 0, to: 0)])
    }
}
