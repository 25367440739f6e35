public import HeraldSyntax

/// A problem found inside one scalar's text (an expression, a template, a
/// duration, an hours string), located by Unicode-scalar indices into that
/// text. The document checker turns it into a `Diagnostic` with the scalar
/// node's position map, so carets point at the offending token even inside
/// block scalars.
public struct LocalIssue: Error, Sendable, Hashable {
    /// Error or warning.
    public var severity: Severity
    /// Stable code (docs/rule-language.md, section 12).
    public var code: DiagnosticCode
    /// Human-readable message.
    public var message: String
    /// First Unicode-scalar index of the offending token.
    public var from: Int
    /// Index just past the offending token.
    public var to: Int

    /// Creates an issue.
    public init(_ severity: Severity = .error, code: DiagnosticCode, message: String, from: Int, to: Int) {
        self.severity = severity
        self.code = code
        self.message = message
        self.from = from
        self.to = to
    }

    /// The diagnostic for this issue inside `node` (a scalar node).
    public func diagnostic(in node: Node) -> Diagnostic {
        Diagnostic(severity, code: code, message: message, range: node.range(ofScalarsFrom: from, to: to))
    }

    /// The diagnostics for several issues inside one scalar node, its
    /// position map built once (linear in the text plus the issues).
    public static func diagnostics(_ issues: [LocalIssue], in node: Node) -> [Diagnostic] {
        let ranges = node.ranges(ofScalars: issues.map { ($0.from, $0.to) })
        return zip(issues, ranges).map { Diagnostic($0.severity, code: $0.code, message: $0.message, range: $1) }
    }
}

extension LocalIssue {
    /// The most problems reported for one scalar (an expression, a
    /// template part): past it, the last one kept says how many more there
    /// are, so that one pathological value cannot flood a report (issue 14).
    public static let maximumPerScalar = 100

    /// `issues` capped at `maximumPerScalar`.
    public static func capped(_ issues: [LocalIssue]) -> [LocalIssue] {
        guard issues.count > maximumPerScalar else { return issues }
        var kept = Array(issues.prefix(maximumPerScalar))
        let more = issues.count - maximumPerScalar
        kept[kept.count - 1].message += " (and \(more) more problem\(more == 1 ? "" : "s") in this value, not listed)"
        return kept
    }
}
