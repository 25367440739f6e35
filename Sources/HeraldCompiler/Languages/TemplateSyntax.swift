/// Parses and checks template texts (SPEC §4, `Grammar/template.ebnf`).
///
/// TODO(languages helper): implement.
public enum TemplateSyntax {
    /// Parses `text` for syntax only (`template-syntax`, `unknown-filter`,
    /// malformed filter arguments). Every template part is parsed, used or not.
    public static func parse(_ text: String) -> (TemplateText?, [LocalIssue]) {
        (nil, [LocalIssue(code: "template-syntax", message: "not implemented", from: 0, to: 0)])
    }

    /// Checks a parsed template against one rule's scope: every path
    /// (`unknown-field`), every filter against the type it gets
    /// (`type-mismatch`), optional values printed without `default` or an
    /// `{{#if}}` guard (`optional-tag` warning). `text` is the same source
    /// that was parsed (positions refer to it).
    public static func check(_ text: String, scope: FieldScope) -> [LocalIssue] {
        []
    }
}
