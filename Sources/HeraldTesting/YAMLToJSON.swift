import HeraldModel
import HeraldSyntax

/// Turns YAML nodes into JSON values the way a YAML 1.2 reader with the core
/// schema would: unquoted `true`/`false`, numbers and `null` (`~`, empty) are
/// typed; everything else, and anything quoted or tagged `!!str`, is a string.
/// So `occurred_at: 2026-04-07T13:00:00-03:00` stays a string, while
/// `accepts_sms: true` is a bool and `total: 1200.50` a number.
enum YAMLToJSON {
    /// The JSON value of `node`, reporting what JSON cannot hold (`.inf`,
    /// a non-scalar key) to `diagnostics`; nil after such a report.
    static func value(of node: Node, diagnostics: inout [Diagnostic]) -> JSONValue? {
        switch node.kind {
        case .scalar(let scalar):
            return value(of: scalar, at: node.range, diagnostics: &diagnostics)
        case .sequence(let items):
            var values: [JSONValue] = []
            var ok = true
            for item in items {
                if let v = value(of: item, diagnostics: &diagnostics) { values.append(v) } else { ok = false }
            }
            return ok ? .array(values) : nil
        case .mapping(let pairs):
            return object(pairs, diagnostics: &diagnostics) { _, node, diagnostics in value(of: node, diagnostics: &diagnostics) }
        }
    }

    /// The JSON object of a mapping's `pairs`, each member's value given by
    /// `member(key, value node, diagnostics)`; nil when a key is not a plain
    /// name (reported) or a member gave nil.
    private static func object(
        _ pairs: [Node.Pair], diagnostics: inout [Diagnostic],
        _ member: (String, Node, inout [Diagnostic]) -> JSONValue?
    ) -> JSONValue? {
        var members: [JSONValue.Member] = []
        var ok = true
        for pair in pairs {
            guard let key = pair.key.scalar else {
                diagnostics.append(.wrongType("a key in an event must be a plain name, not \(pair.key.kindDescription)", at: pair.key.range))
                ok = false
                continue
            }
            if let v = member(key.text, pair.value, &diagnostics) {
                members.append(JSONValue.Member(key.text, v))
            } else {
                ok = false
            }
        }
        return ok ? .object(members) : nil
    }

    /// An event written as a mapping, its scalars typed by the schema of
    /// the field they stand under (SPEC §1: "YAML scalars are typed by the
    /// schema of the key they stand under"): under a text or datetime field
    /// (`work_order.number`, `client.phone`, a status, `occurred_at`) an
    /// unquoted `1001` or `+5511999990000` is that text, not a number. A
    /// field the schema does not know, and a number or bool field, keep the
    /// core typing of `value(of:diagnostics:)` (so `accepts_sms: maybe`
    /// stays text, and the runtime rejects it with its message).
    static func event(of node: Node, schema: Schema, diagnostics: inout [Diagnostic]) -> JSONValue? {
        guard case .mapping(let pairs) = node.kind else { return value(of: node, diagnostics: &diagnostics) }
        return object(pairs, diagnostics: &diagnostics) { key, node, diagnostics in
            if let spec = schema.field(.event, key) { return value(of: node, as: spec.type, diagnostics: &diagnostics) }
            // A section (`work_order`, `client`, …): its fields typed by the entity's schema.
            guard let entity = Entity(rawValue: key), entity != .event, case .mapping(let fields) = node.kind else {
                return value(of: node, diagnostics: &diagnostics)
            }
            return object(fields, diagnostics: &diagnostics) { name, node, diagnostics in
                guard let spec = schema.field(entity, name) else { return value(of: node, diagnostics: &diagnostics) }
                return value(of: node, as: spec.type, diagnostics: &diagnostics)
            }
        }
    }

    /// `node` as a value of a field of `type`: an unquoted, untagged scalar
    /// under a text or datetime field is its text (`null`, `~` and nothing
    /// still mean no value); anything else is typed as `value(of:diagnostics:)` types it.
    static func value(of node: Node, as type: FieldType, diagnostics: inout [Diagnostic]) -> JSONValue? {
        guard type.isText || type == .datetime, case .scalar(let scalar) = node.kind, scalar.tag == nil, scalar.style == .plain
        else { return value(of: node, diagnostics: &diagnostics) }
        switch scalar.text {
        case "", "~", "null", "Null", "NULL": return .null
        default: return .string(scalar.text)
        }
    }

    /// The core-schema type of one scalar.
    static func value(of scalar: Scalar, at range: SourceRange, diagnostics: inout [Diagnostic]) -> JSONValue? {
        if let tag = scalar.tag {
            if tag == "!" || tag.hasSuffix(":str") || tag == "!!str" { return .string(scalar.text) }
            if !(tag.hasPrefix("tag:yaml.org,2002:") || tag.hasPrefix("!!")) {
                diagnostics.append(.wrongType("the tag '\(tag)' has no JSON meaning; write the value without it", at: range))
                return nil
            }
        } else if scalar.style != .plain {
            return .string(scalar.text)
        }
        let text = scalar.text
        switch text {
        case "", "~", "null", "Null", "NULL": return .null
        case "true", "True", "TRUE": return .bool(true)
        case "false", "False", "FALSE": return .bool(false)
        case ".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF", "-.inf", "-.Inf", "-.INF", ".nan", ".NaN", ".NAN":
            diagnostics.append(.wrongType("'\(text)' is a YAML number that JSON cannot hold", at: range))
            return nil
        default:
            if let n = number(text) { return .number(n) }
            if let n = radixInteger(text) {
                guard let n else {
                    diagnostics.append(.wrongType("the number '\(text)' is too large", at: range))
                    return nil
                }
                return .number(n)
            }
            return .string(text)
        }
    }

    /// JSON text for a YAML 1.2 core decimal int or float
    /// (`[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?`), else nil.
    static func number(_ text: String) -> String? {
        var s = Substring(text)
        var sign = ""
        if let first = s.first, first == "-" || first == "+" {
            if first == "-" { sign = "-" }
            s = s.dropFirst()
        }
        let isDigit: (Character) -> Bool = { $0.isASCII && $0.isNumber }
        let integerPart = s.prefix(while: isDigit)
        s = s.dropFirst(integerPart.count)
        var fraction: Substring? = nil
        if s.first == "." {
            s = s.dropFirst()
            let digits = s.prefix(while: isDigit)
            fraction = digits
            s = s.dropFirst(digits.count)
        }
        guard !integerPart.isEmpty || !(fraction ?? "").isEmpty else { return nil }
        var exponent = ""
        if let e = s.first, e == "e" || e == "E" {
            s = s.dropFirst()
            var expSign = ""
            if let c = s.first, c == "-" || c == "+" {
                expSign = String(c)
                s = s.dropFirst()
            }
            let digits = s.prefix(while: isDigit)
            guard !digits.isEmpty else { return nil }
            s = s.dropFirst(digits.count)
            exponent = "e" + expSign + digits
        }
        guard s.isEmpty else { return nil }
        var integer = String(integerPart.drop { $0 == "0" })
        if integer.isEmpty { integer = "0" }
        var result = sign + integer
        if let fraction, !fraction.isEmpty { result += "." + fraction }
        return result + exponent
    }

    /// Decimal text for a YAML 1.2 core `0o…` or `0x…` int; `.some(nil)` when
    /// it is one but does not fit 64 bits; nil when it is not one.
    static func radixInteger(_ text: String) -> String?? {
        let radix: Int
        if text.hasPrefix("0o") {
            radix = 8
        } else if text.hasPrefix("0x") {
            radix = 16
        } else {
            return nil
        }
        let digits = text.dropFirst(2)
        guard !digits.isEmpty, digits.allSatisfy({ $0.isASCII && $0.isHexDigit && (radix == 16 || ("0"..."7").contains($0)) })
        else { return nil }
        guard let value = UInt64(digits, radix: radix) else { return .some(nil) }
        return .some(String(value))
    }
}
