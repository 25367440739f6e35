import HeraldSyntax

/// A JSON value whose objects keep their keys in the order written, so the
/// JSON and SARIF outputs have a stable, documented key order.
enum JSONValue {
    case string(String)
    case int(Int)
    case bool(Bool)
    case null
    case array([JSONValue])
    case object([(String, JSONValue)])

    /// The serialized value: two-space indentation when `pretty`, else one line.
    func serialized(pretty: Bool) -> String {
        var out = ""
        write(to: &out, pretty: pretty, depth: 0)
        return out
    }

    private func write(to out: inout String, pretty: Bool, depth: Int) {
        switch self {
        case .string(let s): JSONStringLiteral.append(s, to: &out)
        case .int(let n): out += String(n)
        case .bool(let b): out += b ? "true" : "false"
        case .null: out += "null"
        case .array(let items):
            if items.isEmpty {
                out += "[]"
                return
            }
            out += "["
            for (i, item) in items.enumerated() {
                if i > 0 { out += "," }
                Self.newline(&out, pretty: pretty, depth: depth + 1)
                item.write(to: &out, pretty: pretty, depth: depth + 1)
            }
            Self.newline(&out, pretty: pretty, depth: depth)
            out += "]"
        case .object(let members):
            if members.isEmpty {
                out += "{}"
                return
            }
            out += "{"
            for (i, (key, value)) in members.enumerated() {
                if i > 0 { out += "," }
                Self.newline(&out, pretty: pretty, depth: depth + 1)
                JSONStringLiteral.append(key, to: &out)
                out += pretty ? ": " : ":"
                value.write(to: &out, pretty: pretty, depth: depth + 1)
            }
            Self.newline(&out, pretty: pretty, depth: depth)
            out += "}"
        }
    }

    private static func newline(_ out: inout String, pretty: Bool, depth: Int) {
        guard pretty else { return }
        out += "\n" + String(repeating: "  ", count: depth)
    }
}

/// The JSON format: an array of
/// `{file, line, column, end_line, end_column, severity, code, message}`,
/// in that key order, 1-based, columns in characters (Unicode scalars),
/// `end_*` just past the last character.
struct JSONRenderer {
    var options: DiagnosticFormatter.Options

    func render(_ report: DiagnosticReport) -> String {
        JSONValue.array(report.diagnostics.map(Self.object(for:))).serialized(pretty: options.prettyJSON) + "\n"
    }

    static func object(for diagnostic: Diagnostic) -> JSONValue {
        let range = ReportedRange(diagnostic.range)
        return .object([
            ("file", .string(diagnostic.range.file)),
            ("line", .int(range.line)),
            ("column", .int(range.column)),
            ("end_line", .int(range.endLine)),
            ("end_column", .int(range.endColumn)),
            ("severity", .string(diagnostic.severity.rawValue)),
            ("code", .string(diagnostic.code.rawValue)),
            ("message", .string(diagnostic.message)),
        ])
    }
}
