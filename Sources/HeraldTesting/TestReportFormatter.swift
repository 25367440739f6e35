import HeraldCompiler
import HeraldRuntime
import HeraldSyntax

/// Renders a `TestRunReport` for people: problems of test files in lint's
/// text format, then each failing test with the file, the test name, what
/// differs (with the position of the expectation), a diff of expected and
/// produced records, and finally the line `N passed, N failed`.
public struct TestReportFormatter: Sendable {
    /// Wrap parts in ANSI colour codes.
    public var colored: Bool
    /// String values longer than this are shortened in record listings.
    public var maximumValueLength: Int

    /// Creates a formatter; the defaults give plain, reproducible text.
    public init(colored: Bool = false, maximumValueLength: Int = 72) {
        self.colored = colored
        self.maximumValueLength = maximumValueLength
    }

    /// Also lists every test, passed or failed, with its file and line.
    public var verbose = false

    /// The whole report, ending with the summary line and a line break.
    public func text(for report: TestRunReport) -> String {
        var out = ""
        if verbose {
            for file in report.files {
                for result in file.results {
                    let mark = result.passed ? paint("PASS", .bold) : paint("FAIL", .red)
                    out += "\(mark) \(file.path):\(result.range.start.line): \(result.name)\n"
                }
            }
            if !report.results.isEmpty { out += "\n" }
        }
        for problem in report.problems {
            out += paint("error:", .red) + " \(problem.message)\n\n"
        }
        var shownRuleSets = Set<String>()
        for file in report.files {
            if !file.diagnostics.isEmpty {
                out += diagnostics(file.diagnostics, lines: [file.path: file.sourceLines], fileCount: 1)
            }
            if let rulesPath = file.rulesPath, let failure = report.ruleSets.first(where: { $0.path == rulesPath }),
                !file.results.isEmpty, shownRuleSets.insert(rulesPath).inserted
            {
                out += paint("\(file.path): the rule set '\(rulesPath)' has errors, so its tests cannot run:", .bold) + "\n\n"
                out += diagnostics(failure.diagnostics, lines: failure.sourceLines, fileCount: failure.fileCount)
            }
            for result in file.results where !result.passed {
                out += failureText(result, in: file) + "\n"
            }
        }
        let malformed = report.malformedFiles.count
        if malformed > 0 {
            out += paint(
                "\(malformed) test file\(malformed == 1 ? " has" : "s have") errors (above); \(malformed == 1 ? "its" : "their") tests did not run",
                .red) + "\n"
        }
        if report.files.isEmpty && report.problems.isEmpty {
            out += "no test files (*.test.yaml) found\n"
        }
        out += paint(report.summary, .bold) + "\n"
        return out
    }

    /// One failing test: header, differences, diff; each line ends with a line break.
    public func failureText(_ result: TestResult, in file: TestFileReport) -> String {
        var out = paint("FAIL", .red) + " " + paint("\(position(result.range)): \(oneLine(result.name))", .bold) + "\n"
        switch result.outcome {
        case .passed:
            return ""
        case .ruleSetFailed(let rulesPath):
            if RuleBundle.isBundle(atPath: rulesPath) {
                // `herald lint` reads rule files, not compiled ones.
                out += "  the compiled rule set '\(rulesPath)' cannot be used (shown above); compile it again with 'herald compile'\n"
            } else {
                out += "  the rule set '\(rulesPath)' has errors (shown above); run 'herald lint \(rulesPath)'\n"
            }
        case .failed(let mismatch):
            out += differences(mismatch)
            out += diff(mismatch)
        }
        return out
    }

    /// A line per step that is not a match, with the expectation's position.
    func differences(_ m: RecordMismatch) -> String {
        var out = ""
        for step in m.steps {
            switch step {
            case .match: continue
            case .differs(let e, let a, let fields):
                let record = m.expected[e]
                out += "  \(position(record.range)): expected record \(e + 1) differs from produced record \(a + 1)"
                out += label(of: m.actual[a]) + ":\n"
                for field in fields {
                    let pad = String(repeating: " ", count: field.name.count + 2)
                    out += "      \(field.name): " + paint("want \(show(field.want))", .red) + "\n"
                    out += "      \(pad)" + paint("got  \(field.got.map(show) ?? "nothing (the record has no '\(field.name)')")", .green)
                    out += timeShift(field) + "\n"
                }
            case .missing(let e):
                let record = m.expected[e]
                out += "  \(position(record.range)): expected record \(e + 1) was not produced: \(record.jsonText)\n"
            case .extra(let a):
                out += "  produced record \(a + 1) was not expected: \(shortened(m.actual[a]).jsonText)\n"
            }
        }
        if m.expected.isEmpty {
            out += "  (the test expects no records: 'expect: []')\n"
        }
        return out
    }

    /// The records as a diff: `-` expected only, `+` produced only, a space for a match.
    func diff(_ m: RecordMismatch) -> String {
        var out = "  records (- expected, + produced):\n"
        for step in m.steps {
            switch step {
            case .match(_, let a):
                out += "      \(shortened(m.actual[a]).jsonText)\n"
            case .differs(let e, let a, _):
                out += paint("    - \(m.expected[e].jsonText)", .red) + "\n"
                out += paint("    + \(shortened(m.actual[a]).jsonText)", .green) + "\n"
            case .missing(let e):
                out += paint("    - \(m.expected[e].jsonText)", .red) + "\n"
            case .extra(let a):
                out += paint("    + \(shortened(m.actual[a]).jsonText)", .green) + "\n"
            }
        }
        if m.steps.isEmpty { out += "      (none)\n" }
        return out
    }

    /// ` (rule R, channel C)` for a produced record, when it has them.
    private func label(of record: JSONValue) -> String {
        var parts: [String] = []
        if let rule = record["rule"]?.stringValue { parts.append("rule \(rule)") }
        if let channel = record["channel"]?.stringValue { parts.append("channel \(channel)") }
        if parts.isEmpty, let decision = record["decision"]?.stringValue { parts.append(decision) }
        return parts.isEmpty ? "" : " (" + parts.joined(separator: ", ") + ")"
    }

    /// For `send_at`: how far the produced instant is from the expected one.
    private func timeShift(_ field: FieldDifference) -> String {
        guard field.name == "send_at", case .string(let w)? = Optional(field.want), case .string(let g)? = field.got,
            let want = RFC3339.parse(w), let got = RFC3339.parse(g)
        else { return "" }
        let delta = got.seconds - want.seconds
        guard delta != 0 else { return "" }
        var rest = delta.magnitude
        var parts: [String] = []
        for (unit, size) in [("d", UInt64(86_400)), ("h", 3600), ("m", 60), ("s", 1)] where rest >= size {
            parts.append("\(rest / size)\(unit)")
            rest %= size
        }
        return " (\(parts.joined()) \(delta > 0 ? "later" : "earlier"))"
    }

    private func show(_ value: JSONValue) -> String { value.jsonText }

    /// The record with long strings cut to `maximumValueLength` characters.
    func shortened(_ value: JSONValue) -> JSONValue {
        switch value {
        case .string(let s) where s.count > maximumValueLength:
            return .string(String(s.prefix(maximumValueLength)) + "…")
        case .array(let items): return .array(items.map(shortened))
        case .object(let members): return .object(members.map { JSONValue.Member($0.name, shortened($0.value)) })
        default: return value
        }
    }

    /// A test name with line breaks and other control characters made
    /// visible, so that the header stays one line.
    private func oneLine(_ text: String) -> String {
        guard text.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) else { return text }
        var scalars = String.UnicodeScalarView()
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\n": scalars.append(contentsOf: "\\n".unicodeScalars)
            case "\t": scalars.append(" ")
            default: scalars.append(scalar.properties.generalCategory == .control ? "\u{FFFD}" : scalar)
            }
        }
        return String(scalars)
    }

    private func position(_ range: SourceRange) -> String {
        "\(range.file):\(range.start.line):\(range.start.column)"
    }

    /// Diagnostics in lint's text format, without its summary line.
    private func diagnostics(_ list: [Diagnostic], lines: [String: [Substring]], fileCount: Int) -> String {
        let report = DiagnosticReport(diagnostics: list, sourceLines: lines, fileCount: fileCount)
        let text = DiagnosticFormatter(format: .text, options: .init(colored: colored)).string(for: report)
        var rendered = text.split(separator: "\n", omittingEmptySubsequences: false)
        // Drop lint's summary ("1 error, 0 warnings in 1 file") and the empty
        // string after the final line break.
        if rendered.last == "" { rendered.removeLast() }
        if !rendered.isEmpty { rendered.removeLast() }
        return rendered.map { $0 + "\n" }.joined()
    }

    private enum Style: String {
        case bold = "1"
        case red = "31"
        case green = "32"
    }

    private func paint(_ text: String, _ style: Style) -> String {
        colored ? "\u{1B}[\(style.rawValue)m\(text)\u{1B}[0m" : text
    }
}
