/// How serious a finding is.
public enum Severity: String, Sendable, Hashable, Codable, Comparable {
    /// The rule set cannot be used as it is.
    case error
    /// The rule set works, but probably not as intended.
    case warning

    /// Errors sort before warnings.
    public static func < (lhs: Severity, rhs: Severity) -> Bool {
        lhs == .error && rhs == .warning
    }
}

/// A diagnostic's stable kebab-case code, e.g. `unknown-status`: the same
/// string in every output format and in the table of docs/rule-language.md
/// (section 12). Each module declares the codes it emits as static members
/// (`yamlSyntax` here, the rule-set checks' codes in HeraldCompiler), so
/// checks and tests name a code, not a string.
public struct DiagnosticCode: RawRepresentable, Hashable, Comparable, Sendable, Codable, CustomStringConvertible {
    /// The code as written in reports.
    public let rawValue: String

    /// The code written `rawValue`.
    public init(rawValue: String) {
        self.rawValue = rawValue
    }

    /// The code as written in reports.
    public var description: String { rawValue }

    /// Codes sort by their text.
    public static func < (lhs: DiagnosticCode, rhs: DiagnosticCode) -> Bool {
        lhs.rawValue < rhs.rawValue
    }

    /// The file is not well-formed YAML (error).
    public static let yamlSyntax = DiagnosticCode(rawValue: "yaml-syntax")
}

/// A finding about a rule file: a value with a stable code, a message and the
/// source range it is about. Checkers collect these; they never throw them.
public struct Diagnostic: Sendable, Hashable, Codable {
    /// Error or warning.
    public var severity: Severity
    /// Stable kebab-case code, e.g. `unknown-status` (docs/rule-language.md, section 12).
    public var code: DiagnosticCode
    /// Human-readable message; ends with `; did you mean 'X'?` where a close name exists.
    public var message: String
    /// Where the problem is.
    public var range: SourceRange
    /// Extra lines shown below the message (e.g. "first defined here").
    public var notes: [String]

    /// Creates a diagnostic.
    public init(_ severity: Severity, code: DiagnosticCode, message: String, range: SourceRange, notes: [String] = []) {
        self.severity = severity
        self.code = code
        self.message = message
        self.range = range
        self.notes = notes
    }

    /// Creates an error.
    public static func error(_ code: DiagnosticCode, _ message: String, at range: SourceRange) -> Diagnostic {
        Diagnostic(.error, code: code, message: message, range: range)
    }

    /// Creates a warning.
    public static func warning(_ code: DiagnosticCode, _ message: String, at range: SourceRange) -> Diagnostic {
        Diagnostic(.warning, code: code, message: message, range: range)
    }
}

extension Diagnostic {
    /// The order diagnostics are reported in: file, line, column, then code.
    public static func reportingOrder(_ a: Diagnostic, _ b: Diagnostic) -> Bool {
        if a.range.file != b.range.file { return a.range.file < b.range.file }
        if a.range.start.line != b.range.start.line { return a.range.start.line < b.range.start.line }
        if a.range.start.column != b.range.start.column { return a.range.start.column < b.range.start.column }
        if a.severity != b.severity { return a.severity < b.severity }
        return a.code < b.code
    }
}
