import HeraldCompiler
import HeraldSyntax

// The diagnostics of test files. Codes are SPEC §11's where one fits; the
// test-only codes are `unknown-rule`, `unknown-decision` and `invalid-event`
// (listed in docs/testing.md).

extension Diagnostic {
    /// `unknown-key`: a key a test file does not allow, with a suggestion or the allowed keys.
    static func unknownTestKey(_ key: String, in context: String, known: [String], at range: SourceRange) -> Diagnostic {
        let suggestion = Suggestion.hint(for: key, in: known)
        let tail = suggestion.isEmpty ? "; expected one of: " + known.joined(separator: ", ") : suggestion
        return .error("unknown-key", "unknown key '\(key)' in \(context)\(tail)", at: range)
    }

    /// `missing-key`: a required key is absent.
    static func missingTestKey(_ key: String, in context: String, at range: SourceRange) -> Diagnostic {
        .error("missing-key", "\(context) needs '\(key)'", at: range)
    }

    /// `wrong-type`: a value of the wrong shape or text.
    static func wrongType(_ message: String, at range: SourceRange) -> Diagnostic {
        .error("wrong-type", message, at: range)
    }

    /// `unknown-field`: an expected record lists a field records do not have.
    static func unknownRecordField(_ name: String, at range: SourceRange) -> Diagnostic {
        let hint = Suggestion.hint(for: name, in: RecordField.allCases.map(\.rawValue))
        let tail = hint.isEmpty ? "; record fields are: " + RecordField.allCases.map(\.rawValue).joined(separator: ", ") : hint
        return .error("unknown-field", "unknown record field '\(name)'\(tail)", at: range)
    }

    /// `unknown-field`: a field that records of the expected decision never carry.
    static func fieldNotInDecision(_ field: RecordField, decision: String, at range: SourceRange) -> Diagnostic {
        let carriers = RecordField.decisions.filter { field.decisions.contains($0) }.joined(separator: ", ")
        return .error(
            "unknown-field", "'\(decision)' records have no '\(field.rawValue)' field (only \(carriers) records do)", at: range)
    }

    /// `unknown-decision`: a decision a test cannot expect.
    static func unknownDecision(_ value: String, at range: SourceRange) -> Diagnostic {
        if value == "none" {
            return .error(
                "unknown-decision",
                "'none' records (--explain) are not produced by tests; list only send, skip, cancel and reject records",
                at: range)
        }
        let hint = Suggestion.hint(for: value, in: RecordField.decisions)
        let tail = hint.isEmpty ? "; expected one of: " + RecordField.decisions.joined(separator: ", ") : hint
        return .error("unknown-decision", "unknown decision '\(value)'\(tail)", at: range)
    }

    /// `unknown-channel`: a channel other than email or sms.
    static func unknownTestChannel(_ value: String, at range: SourceRange) -> Diagnostic {
        let hint = Suggestion.hint(for: value, in: Channel.allCases.map(\.rawValue))
        let tail = hint.isEmpty ? "; expected email or sms" : hint
        return .error("unknown-channel", "unknown channel '\(value)'\(tail)", at: range)
    }

    /// `unknown-rule`: an expected record names a rule the rule set does not define.
    static func unknownRule(_ id: String, in rulesPath: String, known: [String], at range: SourceRange) -> Diagnostic {
        .error("unknown-rule", "unknown rule '\(id)' in the rule set '\(rulesPath)'\(Suggestion.hint(for: id, in: known))", at: range)
    }

    /// `invalid-event`: the runtime would reject the event as invalid (SPEC §7).
    static func invalidEvent(_ message: String, at range: SourceRange) -> Diagnostic {
        .error("invalid-event", "invalid event: \(message)", at: range)
    }

    /// `duplicate-name`: two tests of a file share a name.
    static func duplicateTestName(_ name: String, firstAt line: Int, at range: SourceRange) -> Diagnostic {
        .error("duplicate-name", "a test named '\(name)' is already defined at line \(line)", at: range)
    }
}
