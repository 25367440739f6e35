import HeraldCompiler
public import HeraldSyntax

// The diagnostics of test files. Codes are the rule language's
// (docs/rule-language.md, section 12) where one fits; the test-only codes are
// `unknown-rule`, `unknown-decision` and `invalid-event` (listed in docs/testing.md).

extension DiagnosticCode {
    /// A test record names a decision that does not exist (error).
    public static let unknownDecision = DiagnosticCode(rawValue: "unknown-decision")
    /// A test record names a rule the rule set does not have (error).
    public static let unknownRule = DiagnosticCode(rawValue: "unknown-rule")
    /// A test event that is not a valid event (error).
    public static let invalidEvent = DiagnosticCode(rawValue: "invalid-event")
}

extension Diagnostic {
    /// `unknown-key`: a key a test file does not allow, with a suggestion or the allowed keys.
    static func unknownTestKey(_ key: String, in context: String, known: [String], at range: SourceRange) -> Diagnostic {
        let suggestion = Suggestion.hint(for: key, in: known)
        let tail = suggestion.isEmpty ? "; expected one of: " + known.joined(separator: ", ") : suggestion
        return .error(.unknownKey, "unknown key '\(key)' in \(context)\(tail)", at: range)
    }

    /// `missing-key`: a required key is absent.
    static func missingTestKey(_ key: String, in context: String, at range: SourceRange) -> Diagnostic {
        .error(.missingKey, "\(context) needs '\(key)'", at: range)
    }

    /// `wrong-type`: a value of the wrong shape or text.
    static func wrongType(_ message: String, at range: SourceRange) -> Diagnostic {
        .error(.wrongType, message, at: range)
    }

    /// `unknown-field`: an expected record lists a field records do not have.
    static func unknownRecordField(_ name: String, at range: SourceRange) -> Diagnostic {
        let hint = Suggestion.hint(for: name, in: RecordField.allCases.map(\.rawValue))
        let tail = hint.isEmpty ? "; record fields are: " + RecordField.allCases.map(\.rawValue).joined(separator: ", ") : hint
        return .error(.unknownField, "unknown record field '\(name)'\(tail)", at: range)
    }

    /// `unknown-field`: a field that records of the expected decision never carry.
    static func fieldNotInDecision(_ field: RecordField, decision: String, at range: SourceRange) -> Diagnostic {
        let carriers = RecordField.decisions.filter { field.decisions.contains($0) }.joined(separator: ", ")
        return .error(
            .unknownField, "'\(decision)' records have no '\(field.rawValue)' field (only \(carriers) records do)", at: range)
    }

    /// `unknown-decision`: a decision a test cannot expect.
    static func unknownDecision(_ value: String, at range: SourceRange) -> Diagnostic {
        if value == "none" {
            return .error(
                .unknownDecision,
                "'none' records (--explain) are not produced by tests; list only send, skip, cancel and reject records",
                at: range)
        }
        let hint = Suggestion.hint(for: value, in: RecordField.decisions)
        let tail = hint.isEmpty ? "; expected one of: " + RecordField.decisions.joined(separator: ", ") : hint
        return .error(.unknownDecision, "unknown decision '\(value)'\(tail)", at: range)
    }

    /// `unknown-channel`: a channel other than email or sms.
    static func unknownTestChannel(_ value: String, at range: SourceRange) -> Diagnostic {
        let hint = Suggestion.hint(for: value, in: Channel.allCases.map(\.rawValue))
        let tail = hint.isEmpty ? "; expected email or sms" : hint
        return .error(.unknownChannel, "unknown channel '\(value)'\(tail)", at: range)
    }

    /// `unknown-rule`: an expected record names a rule the rule set does not define.
    static func unknownRule(_ id: String, in rulesPath: String, known: [String], at range: SourceRange) -> Diagnostic {
        .error(.unknownRule, "unknown rule '\(id)' in the rule set '\(rulesPath)'\(Suggestion.hint(for: id, in: known))", at: range)
    }

    /// `invalid-event`: the runtime would reject the event as invalid (docs/rule-language.md §9).
    static func invalidEvent(_ message: String, at range: SourceRange) -> Diagnostic {
        .error(.invalidEvent, "invalid event: \(message)", at: range)
    }

    /// `duplicate-name`: two tests of a file share a name.
    static func duplicateTestName(_ name: String, firstAt line: Int, at range: SourceRange) -> Diagnostic {
        .error(.duplicateName, "a test named '\(name)' is already defined at line \(line)", at: range)
    }
}
