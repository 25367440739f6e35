import HeraldSyntax

/// The text format (docs/rule-language.md §12, "Output formats"):
///
/// ```
/// Rules/a.yaml:14:9: error: unknown status 'ready_for_pikcup' of work_order [unknown-status]
///    |
/// 14 |     to: ready_for_pikcup
///    |         ^~~~~~~~~~~~~~~~
///
/// 1 error, 0 warnings in 1 file
/// ```
///
/// One block per diagnostic, a blank line after each, then the summary line.
/// A multi-line range is underlined to the end of its first line; a
/// diagnostic whose line is not in the report gets no excerpt.
struct TextRenderer {
    var options: DiagnosticFormatter.Options

    func render(_ report: DiagnosticReport) -> String {
        var out = ""
        var longLines: [LongLineKey: LongLineIndex] = [:]
        for diagnostic in report.diagnostics {
            out += block(for: diagnostic, in: report, longLines: &longLines)
            out += "\n"
        }
        out += paint(report.summary, .bold) + "\n"
        return out
    }

    /// One diagnostic: header, excerpt, notes; each line ends with a line break.
    func block(for diagnostic: Diagnostic, in report: DiagnosticReport) -> String {
        var longLines: [LongLineKey: LongLineIndex] = [:]
        return block(for: diagnostic, in: report, longLines: &longLines)
    }

    /// `block(for:in:)` with the indexes of long lines kept between calls, so
    /// that many diagnostics on one long line cost the line's length once.
    func block(for diagnostic: Diagnostic, in report: DiagnosticReport, longLines: inout [LongLineKey: LongLineIndex]) -> String {
        let range = ReportedRange(diagnostic.range)
        let severityStyle: Style = diagnostic.severity == .error ? .red : .yellow
        var out =
            paint("\(safe(diagnostic.range.file)):\(range.line):\(range.column):", .bold) + " "
            + paint("\(diagnostic.severity.rawValue):", severityStyle) + " "
            + paint(safe(diagnostic.message), .bold) + " "
            + "[\(safe(diagnostic.code.rawValue))]\n"

        let gutterWidth = String(range.line).count
        let blankGutter = String(repeating: " ", count: gutterWidth) + " |"
        if let line = report.sourceLine(range.line, of: diagnostic.range.file) {
            let endColumn = range.endLine == range.line ? range.endColumn : nil
            let excerpt: SourceExcerpt
            if line.utf8.count > LongLineIndex.threshold {
                let key = LongLineKey(file: diagnostic.range.file, line: range.line)
                let index = longLines[key] ?? LongLineIndex(line)
                longLines[key] = index
                excerpt = index.excerpt(startColumn: range.column, endColumn: endColumn, tabWidth: options.tabWidth)
            } else {
                excerpt = SourceExcerpt(line: line, startColumn: range.column, endColumn: endColumn, tabWidth: options.tabWidth)
            }
            out += paint(blankGutter, .blue) + "\n"
            out += paint("\(range.line) |", .blue) + trimmedTrailing(" " + excerpt.text) + "\n"
            out += paint(blankGutter, .blue) + " " + String(repeating: " ", count: excerpt.indent)
                + paint(excerpt.marker, severityStyle) + "\n"
        }
        for note in diagnostic.notes {
            out += String(repeating: " ", count: gutterWidth) + " = " + paint("note:", .bold) + " " + safe(note) + "\n"
        }
        return out
    }

    // MARK: Styling

    enum Style: String {
        case bold = "1"
        case red = "1;31"
        case yellow = "1;33"
        case blue = "1;34"
    }

    private func paint(_ text: String, _ style: Style) -> String {
        options.colored ? "\u{1B}[\(style.rawValue)m\(text)\u{1B}[0m" : text
    }

    /// Text from rule files with control characters (escape codes, line
    /// breaks) replaced, so that one diagnostic stays one header line.
    private func safe(_ text: String) -> String {
        guard text.unicodeScalars.contains(where: SourceExcerpt.isControl) else { return text }
        var scalars = String.UnicodeScalarView()
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\n": scalars.append(contentsOf: "\\n".unicodeScalars)
            case "\r": scalars.append(contentsOf: "\\r".unicodeScalars)
            default: scalars.append(SourceExcerpt.isControl(scalar) ? "\u{FFFD}" : scalar)
            }
        }
        return String(scalars)
    }

    private func trimmedTrailing(_ text: String) -> String {
        var scalars = Substring(text).unicodeScalars
        while scalars.last == " " { scalars.removeLast() }
        return String(scalars)
    }
}
