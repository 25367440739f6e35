import HeraldSyntax

/// Statuses (docs/rule-language.md §2.2) and custom fields (§2.3).
extension RuleSetChecker {
    /// Entities that have a status list.
    static let statusEntities: [Entity] = [.workOrder, .lead]
    /// Entities that may declare custom fields.
    static let fieldEntities: [Entity] = [.workOrder, .client, .lead, .csr]
    /// Type names of custom fields.
    static let typeNames = ["string", "int", "decimal", "bool", "datetime", "email", "phone", "enum", "status"]

    /// Checks every `statuses:` section: one list per entity across the set,
    /// unique non-empty names.
    mutating func checkStatuses() {
        for section in statusSections {
            for pair in namedEntries(section, context: "'statuses'", kind: .statusList) {
                let name = pair.key.text ?? ""
                guard let entity = Entity(rawValue: name), Self.statusEntities.contains(entity) else {
                    report(.unknownKey(name, in: "'statuses'", known: Self.statusEntities.map(\.rawValue), at: pair.key.range))
                    continue
                }
                let isFirst = define(name, kind: .statusList, at: pair.key.range)
                guard let items = list(pair.value, for: name, what: "the statuses of \(name)") else { continue }
                var values: [String] = []
                var local = Definitions()
                for (text, node) in items {
                    guard !text.isEmpty else {
                        report(.wrongType("a status name must not be empty", at: node.range))
                        continue
                    }
                    if let first = local.define(text, kind: .status(entity), at: node.range) {
                        report(.duplicateName(text, kind: .status(entity), first: first, at: node.range))
                        continue
                    }
                    values.append(text)
                }
                if isFirst { schema.statuses[entity] = values }
            }
        }
    }

    /// Checks every `fields:` section: custom fields per entity, each defined
    /// once, not shadowing a built-in field, with a known type.
    mutating func checkFields() {
        for section in fieldSections {
            for entityPair in namedEntries(section, context: "'fields'") {
                let entityName = entityPair.key.text ?? ""
                guard let entity = Entity(rawValue: entityName), Self.fieldEntities.contains(entity) else {
                    report(.unknownKey(entityName, in: "'fields'", known: Self.fieldEntities.map(\.rawValue), at: entityPair.key.range))
                    continue
                }
                for fieldPair in namedEntries(entityPair.value, context: "'fields' of \(entityName)", kind: .field(entity)) {
                    checkField(fieldPair, of: entity)
                }
            }
        }
    }

    private mutating func checkField(_ pair: Node.Pair, of entity: Entity) {
        let name = pair.key.text ?? ""
        let keyRange = pair.key.range
        guard isIdentifier(name) else {
            report(.wrongType("field name '\(name)' must be letters, digits and '_', not starting with a digit", at: keyRange))
            return
        }
        if Schema.builtIn[entity]?.contains(where: { $0.name == name }) == true {
            report(.error(.duplicateName, "field '\(name)' of \(entity.rawValue) is a built-in field and cannot be redefined", at: keyRange))
            return
        }
        let isFirst = define(name, kind: .field(entity), at: keyRange)
        guard let spec = fieldSpec(name, entity: entity, node: pair.value, owner: pair.key) else { return }
        if isFirst { schema.customFields[entity, default: [:]][name] = spec }
    }

    /// `string` or `{type: enum, values: [...], required: true}`.
    private mutating func fieldSpec(_ name: String, entity: Entity, node: Node, owner: Node) -> FieldSpec? {
        let context = "field '\(name)' of \(entity.rawValue)"
        var typeNode = node
        var required = false
        var valuesNode: Node?
        if node.scalar == nil || node.isNull {
            guard let mapping = keyed(node, known: ["type", "required", "values"], context: context,
                                      expected: "a type name or a mapping with 'type'")
            else { return nil }
            guard let t = self.required("type", in: mapping, context: context, owner: owner) else { return nil }
            typeNode = t
            if let r = mapping["required"] { required = bool(r, for: "required") ?? false }
            valuesNode = mapping["values"]
            if let v = valuesNode, typeNode.text != "enum" {
                report(.error(
                    .unknownKey, "key 'values' of \(context) is only allowed with type enum",
                    at: mapping.keyNode("values")?.range ?? v.range))
                valuesNode = nil
            }
        }
        guard let typeName = string(typeNode, for: "type") else { return nil }
        let type: FieldType
        switch typeName {
        case "string": type = .string
        case "int": type = .int
        case "decimal": type = .decimal
        case "bool": type = .bool
        case "datetime": type = .datetime
        case "email": type = .email
        case "phone": type = .phone
        case "status":
            guard Self.statusEntities.contains(entity) else {
                report(.wrongType("type 'status' is only available for fields of work_order and lead", at: typeNode.range))
                return nil
            }
            type = .status(entity)
        case "enum":
            guard let valuesNode else {
                report(.missingKey("\(context) has type enum but no 'values'", at: typeNode.range))
                return nil
            }
            guard let values = enumValues(valuesNode, entity: entity, field: name) else { return nil }
            type = .enumeration(values)
        default:
            var message = "unknown type '\(typeName)' of \(context)"
            let hint = Suggestion.hint(for: typeName, in: Self.typeNames)
            message += hint.isEmpty ? "; expected one of: " + Self.typeNames.joined(separator: ", ") : hint
            report(.wrongType(message, at: typeNode.range))
            return nil
        }
        return FieldSpec(name: name, type: type, optional: !required, custom: true)
    }

    private mutating func enumValues(_ node: Node, entity: Entity, field: String) -> [String]? {
        guard let items = list(node, for: "values") else { return nil }
        guard !items.isEmpty else {
            report(.wrongType("'values' of field \(entity.rawValue).\(field) must list at least one value", at: node.range))
            return nil
        }
        var local = Definitions()
        var values: [String] = []
        for (text, item) in items {
            if let first = local.define(text, kind: .enumValue(entity, field), at: item.range) {
                report(.duplicateName(text, kind: .enumValue(entity, field), first: first, at: item.range))
                continue
            }
            values.append(text)
        }
        return values
    }
}

/// Whether `text` is a name usable in a field path: ASCII letters, digits and
/// `_`, not starting with a digit.
func isIdentifier(_ text: String) -> Bool {
    guard let first = text.utf8.first, !(48...57).contains(first) else { return false }
    return text.utf8.allSatisfy { c in
        (65...90).contains(c) || (97...122).contains(c) || (48...57).contains(c) || c == 95
    }
}
