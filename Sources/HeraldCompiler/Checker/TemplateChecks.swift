import HeraldSyntax

/// One text of a template (an SMS text, a subject, a body or an HTML body of
/// the base or of a locale variant), kept for checking against rule scopes.
struct TemplatePart {
    /// Identifies the part within the set, e.g. `ready/en/email.subject`.
    var id: String
    /// The scalar node holding the text (positions of issues refer to it).
    var node: Node
    /// Whether its paths and filters can be checked against a rule's scope:
    /// it is text and has no `template-syntax` error (an unknown filter
    /// leaves the rest of the text checkable).
    var checkable: Bool
    /// The compiled text when the part has no error (shared with the
    /// template's model): a scope it passes needs no second parse.
    var compiled: TemplateText? = nil
}

/// A template as checked.
struct CheckedTemplate {
    /// Where the key naming the template stands.
    var keyRange: SourceRange
    /// Whether the base has an SMS text (written, even if erroneous).
    var hasSMS = false
    /// Whether the base has an email part (written, even if erroneous).
    var hasEmail = false
    /// Every part, per channel, base and locale variants.
    var parts: [Channel: [TemplatePart]] = [:]
}

/// Templates (docs/rule-language.md §4): their shape and the syntax of every part, used or not.
extension RuleSetChecker {
    static let templateKeys = ["sms", "email", "locales"]
    static let variantKeys = ["sms", "email"]
    static let emailKeys = ["subject", "body", "html", "attach_report"]

    /// Checks every template.
    mutating func checkTemplates() {
        for section in templateSections {
            for pair in namedEntries(section, context: "'templates'", kind: .template) {
                let id = pair.key.text ?? ""
                let isFirst = define(id, kind: .template, at: pair.key.range)
                let (checked, model) = template(id, node: pair.value, owner: pair.key)
                if isFirst {
                    templates[id] = checked
                    // The model goes straight where the rule set takes it from, not into a
                    // checked template that would be copied at the end.
                    templateModels[id] = model
                }
            }
        }
        // A checked template keeps its scalars, not its mapping: the trees can go.
        templateSections = []
    }

    /// The template as checked, and its model when no part had an error.
    private mutating func template(_ id: String, node: Node, owner: Node) -> (CheckedTemplate, Template?) {
        var checked = CheckedTemplate(keyRange: owner.range)
        let context = "template '\(id)'"
        guard let mapping = keyed(node, known: Self.templateKeys, context: context) else { return (checked, nil) }
        var valid = true
        if !reportNullParts(mapping) { valid = false }
        checked.hasSMS = mapping["sms"] != nil
        checked.hasEmail = mapping["email"] != nil
        if !checked.hasSMS && !checked.hasEmail {
            valid = false
            // `emial:` is reported as an unknown key suggesting `email`.
            if !mapping.mentions("sms") && !mapping.mentions("email") {
                report(.missingKey("\(context) needs an 'sms' text or an 'email' part", at: mapping.anchor(orElse: owner)))
            }
        }
        let base = variant(mapping, prefix: id, context: context, into: &checked, valid: &valid)
        var locales: [String: TemplateVariant] = [:]
        if let localesNode = mapping["locales"] {
            for localePair in namedEntries(localesNode, context: "'locales' of \(context)") {
                let locale = localePair.key.text ?? ""
                let localeContext = "locale '\(locale)' of \(context)"
                guard let localeMapping = keyed(localePair.value, known: Self.variantKeys, context: localeContext) else {
                    valid = false
                    continue
                }
                if !reportNullParts(localeMapping) { valid = false }
                if localeMapping["sms"] == nil && localeMapping["email"] == nil {
                    valid = false
                    if !localeMapping.mentions("sms") && !localeMapping.mentions("email") {
                        report(.missingKey(
                            "\(localeContext) needs an 'sms' text or an 'email' part",
                            at: localeMapping.anchor(orElse: localePair.key)))
                    }
                }
                let v = variant(localeMapping, prefix: "\(id)/\(locale)", context: localeContext, into: &checked, valid: &valid)
                if locales[locale] == nil { locales[locale] = v }
            }
        }
        return (checked, valid ? Template(id: id, base: base, locales: locales) : nil)
    }

    /// `sms: null` (or an empty `sms:`) and `email: null` are not parts.
    /// Beside a real part a null one is simply absent (a locale then uses
    /// the base's); when no part is left, each null one is reported as a
    /// wrong type (the template would send empty messages). Returns whether
    /// nothing was reported.
    private mutating func reportNullParts(_ mapping: KeyedMapping) -> Bool {
        guard mapping["sms"] == nil && mapping["email"] == nil else { return true }
        var clean = true
        for (key, expected) in [("sms", "text"), ("email", "a mapping of subject and body")] {
            guard let pair = mapping.pair(key), pair.value.isNull else { continue }
            report(.wrongType("'\(key)' must be \(expected), not null", at: pair.value.text == "" ? pair.key.range : pair.value.range))
            clean = false
        }
        return clean
    }

    /// The `sms` / `email` parts of the base or of a locale variant.
    private mutating func variant(
        _ mapping: KeyedMapping, prefix: String, context: String, into checked: inout CheckedTemplate, valid: inout Bool
    ) -> TemplateVariant {
        var result = TemplateVariant()
        if let smsNode = mapping["sms"] {
            let (part, parsed) = self.part(smsNode, id: "\(prefix)/sms", key: "sms")
            checked.parts[.sms, default: []].append(part)
            if let parsed {
                result.sms = parsed
                let segments = SMSSegments.count(TemplateSyntax.literalText(of: parsed))
                if segments > 1 {
                    report(.warning(
                        .smsTooLong,
                        "the SMS text of \(context) needs \(segments) segments before any value is filled in",
                        at: smsNode.range))
                }
            } else {
                valid = false
            }
        }
        if let emailNode = mapping["email"] {
            let emailContext = "the email part of \(context)"
            guard let email = keyed(emailNode, known: Self.emailKeys, context: emailContext) else {
                valid = false
                return result
            }
            var texts: [String: TemplateText] = [:]
            for key in ["subject", "body", "html"] {
                let node = key == "html" ? email[key] : required(key, in: email, context: emailContext, owner: mapping.keyNode("email"))
                guard let node else {
                    if key != "html" { valid = false }
                    continue
                }
                let (part, parsed) = self.part(node, id: "\(prefix)/email.\(key)", key: key)
                checked.parts[.email, default: []].append(part)
                if let parsed { texts[key] = parsed } else { valid = false }
            }
            var attach = false
            if let a = email["attach_report"] {
                if let b = bool(a, for: "attach_report") { attach = b } else { valid = false }
            }
            if let subject = texts["subject"], let body = texts["body"] {
                result.email = EmailTemplate(subject: subject, body: body, html: texts["html"], attachReport: attach)
            }
        }
        return result
    }

    /// Parses one template text, reporting its syntax issues: the part, and
    /// its text when it has no error.
    private mutating func part(_ node: Node, id: String, key: String) -> (TemplatePart, TemplateText?) {
        guard let text = string(node, for: key) else {
            return (TemplatePart(id: id, node: node, checkable: false), nil)
        }
        let (parsed, issues) = TemplateSyntax.parse(text)
        var failed = false
        for diagnostic in LocalIssue.diagnostics(issues, in: node) {
            report(diagnostic)
            if diagnostic.severity == .error { failed = true }
        }
        let checkable = !issues.contains { $0.code == .templateSyntax }
        let compiled = failed ? nil : parsed.map { interned($0) }
        return (TemplatePart(id: id, node: node, checkable: checkable, compiled: compiled), compiled)
    }

    /// `text` with each field path and filter list shared with the equal
    /// ones of the texts checked before: thousands of templates name the same
    /// few paths (`work_order.number`), and each is an array of its own.
    /// Only ASCII ones are shared: `String` equality holds between different
    /// bytes of the same characters (`é` as one scalar or two), and a
    /// template must keep its own bytes.
    private mutating func interned(_ text: TemplateText) -> TemplateText {
        TemplateText(source: text.source, segments: text.segments.map { interned($0) })
    }

    private mutating func interned(_ segment: TemplateSegment) -> TemplateSegment {
        switch segment {
        case .text:
            return segment
        case .value(let path, let filters):
            let shared = filters.isEmpty || !isASCII(filters) ? filters : caches.filterLists.insert(filters).memberAfterInsert
            return .value(interned(path), filters: shared)
        case .conditional(let path, let then, let otherwise):
            return .conditional(interned(path), then: then.map { interned($0) }, else: otherwise.map { interned($0) })
        }
    }

    private mutating func interned(_ path: FieldPath) -> FieldPath {
        guard path.components.allSatisfy(isASCII) else { return path }
        return caches.paths.insert(path).memberAfterInsert
    }
}

private func isASCII(_ text: String) -> Bool {
    // Over the contiguous bytes (a small string's too): iterating the UTF-8
    // view goes through the string's storage for each byte.
    text.utf8.withContiguousStorageIfAvailable { bytes in bytes.allSatisfy { $0 < 0x80 } }
        ?? text.utf8.allSatisfy { $0 < 0x80 }
}

/// Whether every text in the filters (literals and paths) is ASCII.
private func isASCII(_ filters: [TemplateFilter]) -> Bool {
    filters.allSatisfy { filter in
        switch filter {
        case .default(.string(let text)), .date(pattern: let text): isASCII(text)
        case .default(.path(let path)): path.components.allSatisfy(isASCII)
        case .default(.int), .upper, .lower, .truncate: true
        }
    }
}
