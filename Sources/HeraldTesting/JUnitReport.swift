import HeraldCompiler
import HeraldSyntax

/// Renders a `TestRunReport` as JUnit XML, the format CI systems (GitHub
/// Actions reporters, GitLab, Jenkins) read: one `<testsuite>` per test
/// file, one `<testcase>` per test, a `<failure>` with the readable
/// difference for a failed test, and an `<error>` test case for a malformed
/// test file (named after the file) carrying its diagnostics.
public struct JUnitReport: Sendable {
    /// Whether to write each test's duration (`time`); off for reproducible output.
    public var includesTimes: Bool

    /// Creates a renderer.
    public init(includesTimes: Bool = true) {
        self.includesTimes = includesTimes
    }

    /// The XML document, ending with a line break.
    public func xml(for report: TestRunReport) -> String {
        let formatter = TestReportFormatter(colored: false, maximumValueLength: 200)
        let errors = report.malformedFiles.count + report.problems.count
        var out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        out += "<testsuites name=\"herald test\" tests=\"\(report.results.count + errors)\" failures=\"\(report.failedCount)\""
        out += " errors=\"\(errors)\"\(time(report.results.reduce(0) { $0 + $1.seconds }))>\n"
        for problem in report.problems {
            out += "  <testsuite name=\"\(escape(problem.range.file))\" tests=\"1\" failures=\"0\" errors=\"1\" skipped=\"0\">\n"
            out += "    <testcase name=\"\(escape(problem.range.file))\" classname=\"\(escape(problem.range.file))\">\n"
            out += "      <error message=\"\(escape(problem.message))\" type=\"\(escape(problem.code.rawValue))\"/>\n"
            out += "    </testcase>\n  </testsuite>\n"
        }
        for file in report.files {
            let failures = file.results.count { !$0.passed }
            let malformed = file.isMalformed
            out += "  <testsuite name=\"\(escape(file.path))\" tests=\"\(file.results.count + (malformed ? 1 : 0))\""
            out += " failures=\"\(failures)\" errors=\"\(malformed ? 1 : 0)\" skipped=\"0\""
            out += "\(time(file.results.reduce(0) { $0 + $1.seconds }))>\n"
            if malformed {
                let text = file.diagnostics.map {
                    "\($0.range.file):\($0.range.start.line):\($0.range.start.column): \($0.severity.rawValue): \($0.message) [\($0.code)]"
                }.joined(separator: "\n")
                let count = file.diagnostics.count { $0.severity == .error }
                out += "    <testcase name=\"\(escape(file.path))\" classname=\"\(escape(file.path))\" file=\"\(escape(file.path))\">\n"
                out += "      <error message=\"malformed test file: \(count) error\(count == 1 ? "" : "s")\" type=\"malformed-test-file\">"
                out += escape(text, inElement: true) + "</error>\n"
                out += "    </testcase>\n"
            }
            for result in file.results {
                out += "    <testcase name=\"\(escape(result.name))\" classname=\"\(escape(file.path))\""
                out += " file=\"\(escape(result.range.file))\" line=\"\(result.range.start.line)\"\(time(result.seconds))"
                if result.passed {
                    out += "/>\n"
                    continue
                }
                out += ">\n"
                out += "      <failure message=\"\(escape(message(for: result)))\" type=\"\(failureType(result))\">"
                out += escape(formatter.failureText(result, in: file), inElement: true) + "</failure>\n"
                out += "    </testcase>\n"
            }
            out += "  </testsuite>\n"
        }
        out += "</testsuites>\n"
        return out
    }

    /// A one-line failure message.
    private func message(for result: TestResult) -> String {
        switch result.outcome {
        case .passed: return ""
        case .ruleSetFailed(let path): return "the rule set '\(path)' has errors"
        case .failed(let m):
            var differs = 0, missing = 0, extra = 0
            for step in m.steps {
                switch step {
                case .match: break
                case .differs: differs += 1
                case .missing: missing += 1
                case .extra: extra += 1
                }
            }
            var parts: [String] = []
            if differs > 0 { parts.append(differs == 1 ? "1 record differs" : "\(differs) records differ") }
            if missing > 0 { parts.append("\(missing) expected record\(missing == 1 ? "" : "s") not produced") }
            if extra > 0 { parts.append("\(extra) unexpected record\(extra == 1 ? "" : "s")") }
            return parts.joined(separator: ", ")
        }
    }

    private func failureType(_ result: TestResult) -> String {
        if case .ruleSetFailed = result.outcome { return "rule-set-errors" }
        return "records-differ"
    }

    private func time(_ seconds: Double) -> String {
        guard includesTimes else { return "" }
        let millis = Int((max(0, seconds) * 1000).rounded())
        let fraction = String(millis % 1000)
        return " time=\"\(millis / 1000).\(String(repeating: "0", count: 3 - fraction.count))\(fraction)\""
    }

    /// Text made safe for an XML attribute (or, with `inElement`, element
    /// content): `&`, `<`, `>` escaped, and in attributes also both quotes
    /// and line breaks and tabs (as character references); characters XML
    /// 1.0 forbids replaced with U+FFFD.
    public static func escape(_ text: String, inElement: Bool = false) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += inElement ? "\"" : "&quot;"
            case "'": out += inElement ? "'" : "&apos;"
            case "\n": out += inElement ? "\n" : "&#10;"
            case "\r": out += "&#13;"
            case "\t": out += inElement ? "\t" : "&#9;"
            default:
                let v = scalar.value
                let allowed = v >= 0x20 && !(0xD800...0xDFFF).contains(v) && v != 0xFFFE && v != 0xFFFF
                if allowed { out.unicodeScalars.append(scalar) } else { out += "\u{FFFD}" }
            }
        }
        return out
    }

    private func escape(_ text: String, inElement: Bool = false) -> String { Self.escape(text, inElement: inElement) }
}
